#include "store/sqlite.hpp"

#include <unistd.h>

#include <climits>
#include <cstdio>

#include "util/error.hpp"

namespace jira_alerts::store {

int check(sqlite3* db, int code, std::string_view what) {
  if (code == SQLITE_OK || code == SQLITE_ROW || code == SQLITE_DONE) return code;
  std::string message = std::string(what) + ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  message +=
      " (SQLite code " + std::to_string(db != nullptr ? sqlite3_extended_errcode(db) : code) + ")";
  throw Error(message);
}

namespace {

bool exists(const std::string& path) {
  return access(path.c_str(), F_OK) == 0;
}

// PATH as a URI file name with the characters URIs reserve escaped.
std::string file_uri(const std::string& path, const char* query) {
  std::string uri = "file:";
  for (const char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
      uri += hex;
    } else {
      uri += c;
    }
  }
  return uri + "?" + query;
}

}  // namespace

Database::Database(const std::string& path, OpenMode mode) {
  int flags = SQLITE_OPEN_NOMUTEX;
  std::string name = path;
  if (mode == OpenMode::read_only_untouched) {
    // A read-only connection to a WAL file would leave empty -wal and -shm files behind.
    // With neither there, the main file holds everything and can be read as immutable.
    if (!exists(path + "-wal") && !exists(path + "-shm")) {
      name = file_uri(path, "immutable=1");
      flags |= SQLITE_OPEN_URI;
    }
    mode = OpenMode::read_only;
  }
  switch (mode) {
    case OpenMode::read_write_create:
      flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
      break;
    case OpenMode::read_write:
      flags |= SQLITE_OPEN_READWRITE;
      break;
    case OpenMode::read_only:
    case OpenMode::read_only_untouched:
      flags |= SQLITE_OPEN_READONLY;
      break;
  }
  const int code = sqlite3_open_v2(name.c_str(), &db_, flags, nullptr);
  if (code != SQLITE_OK) {
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw Error("cannot open state file '" + path + "': " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Database::~Database() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

void Database::exec(const char* sql) {
  char* error = nullptr;
  const int code = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
  if (code != SQLITE_OK) {
    std::string message = error != nullptr ? error : sqlite3_errstr(code);
    sqlite3_free(error);
    throw Error("state file: " + message + " (SQLite code " +
                std::to_string(sqlite3_extended_errcode(db_)) + ")");
  }
}

Statement::Statement(const Database& db, const char* sql) : db_(db.handle()) {
  check(db_, sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr),
        "state file: preparing a statement");
}

Statement::~Statement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
  check(db_, sqlite3_bind_int64(stmt_, index, value), "state file: binding");
  return *this;
}

Statement& Statement::bind(int index, std::optional<std::int64_t> value) {
  return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind(int index, std::string_view text) {
  const char* data = text.data() != nullptr ? text.data() : "";
  check(db_, sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
        "state file: binding");
  return *this;
}

Statement& Statement::bind(int index, std::optional<std::string_view> text) {
  return text ? bind(index, *text) : bind_null(index);
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  // SQLite binds a null pointer as NULL: an empty blob needs a real one.
  const char* data = bytes.data() != nullptr ? bytes.data() : "";
  check(db_, sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_TRANSIENT),
        "state file: binding");
  return *this;
}

Statement& Statement::bind_static(int index, std::optional<std::string_view> text) {
  if (!text) return bind_null(index);
  const char* data = text->data() != nullptr ? text->data() : "";
  check(db_, sqlite3_bind_text64(stmt_, index, data, text->size(), SQLITE_STATIC, SQLITE_UTF8),
        "state file: binding");
  return *this;
}

Statement& Statement::bind_static_blob(int index, std::string_view bytes) {
  const char* data = bytes.data() != nullptr ? bytes.data() : "";
  check(db_, sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_STATIC),
        "state file: binding");
  return *this;
}

Statement& Statement::bind_null(int index) {
  check(db_, sqlite3_bind_null(stmt_, index), "state file: binding");
  return *this;
}

bool Statement::step() {
  return check(db_, sqlite3_step(stmt_), "state file") == SQLITE_ROW;
}

void Statement::run() {
  step();
  reset();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::optional<std::int64_t> Statement::optional_int64(int column) const {
  if (is_null(column)) return std::nullopt;
  return int64(column);
}

std::string_view Statement::text(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (p == nullptr) return {};
  return {p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::string_view Statement::blob(int column) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  if (p == nullptr) return {};
  return {p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::optional<std::string_view> Statement::optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

Transaction::Transaction(Database& db, Kind kind) : db_(db) {
  db_.exec(kind == Kind::immediate ? "BEGIN IMMEDIATE" : "BEGIN");
}

Transaction::~Transaction() {
  if (open_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  db_.exec("COMMIT");
  open_ = false;
}

}  // namespace jira_alerts::store
