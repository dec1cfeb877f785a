#include "store/sqlite.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <vector>

#include "store/location.hpp"
#include "util/error.hpp"

namespace jira_alerts::store {

namespace {

// " (SQLite code N)", with the system's reason first when the file system failed
// (a full disk, a file too large): that is the cause a user can act on.
std::string code_note(sqlite3* db, int code, int error) {
  const int extended = db != nullptr ? sqlite3_extended_errcode(db) : code;
  const int primary = extended & 0xff;
  const int system =
      db != nullptr && sqlite3_system_errno(db) != 0 ? sqlite3_system_errno(db) : error;
  std::string note = " (";
  if (system != 0 && (primary == SQLITE_IOERR || primary == SQLITE_FULL))
    note += std::string(std::strerror(system)) + "; ";
  return note + "SQLite code " + std::to_string(extended) + ")";
}

}  // namespace

int check(sqlite3* db, int code, std::string_view what) {
  if (code == SQLITE_OK || code == SQLITE_ROW || code == SQLITE_DONE) return code;
  const int error = errno;  // what the failed system call left, when one failed
  std::string message = std::string(what) + ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  throw Error(message + code_note(db, code, error));
}

namespace {

// The words of SQL (letters, digits and '_'), upper-cased, up to COUNT of them.
std::vector<std::string> words(std::string_view sql, std::size_t count) {
  std::vector<std::string> out;
  std::string word;
  for (const char c : sql) {
    const bool part = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
    if (part) word += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (!part && !word.empty()) {
      out.push_back(std::move(word));
      word.clear();
      if (out.size() == count) return out;
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// The word after KEYWORD in W, lower-cased, or "".
std::string after(const std::vector<std::string>& w, std::string_view keyword) {
  for (std::size_t i = 0; i + 1 < w.size(); ++i)
    if (w[i] == keyword) return lower(w[i + 1]);
  return "";
}

}  // namespace

std::string operation_of(std::string_view sql) {
  const std::vector<std::string> w = words(sql, 6);
  if (w.empty()) return "running SQL";
  const std::string& verb = w.front();
  if (verb == "INSERT" || verb == "REPLACE") return "writing to " + after(w, "INTO");
  if (verb == "UPDATE") return "updating " + (w.size() > 1 ? lower(w[1]) : "");
  if (verb == "DELETE") return "deleting from " + after(w, "FROM");
  if (verb == "SELECT" || verb == "WITH") return "reading";
  if (verb == "BEGIN") return "starting a transaction";
  if (verb == "COMMIT" || verb == "END") return "committing";
  if (verb == "ROLLBACK") return "rolling back";
  if ((verb == "CREATE" || verb == "DROP") && w.size() > 2 && w[1] == "INDEX") {
    std::size_t name = 2;
    if (w[name] == "IF") name += verb == "CREATE" ? 3 : 2;  // IF NOT EXISTS, IF EXISTS
    return (verb == "CREATE" ? "building index " : "dropping index ") +
           (name < w.size() ? lower(w[name]) : "");
  }
  if (verb == "CREATE") return "creating the schema";
  if (verb == "PRAGMA" && w.size() > 1) return "PRAGMA " + lower(w[1]);
  return "running SQL";
}

Database::Database(const std::string& path, OpenMode mode, const std::string& name)
    : label_("state file '" + (name.empty() ? path : name) + "'") {
  // Always a URI built here: SQLite may be built to read "file:..." names as URIs,
  // and a state file's name is a plain path.
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
  std::string uri = path == ":memory:" ? path : file_uri(path);
  switch (mode) {
    case OpenMode::read_write_create:
      flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
      break;
    case OpenMode::read_write:
      flags |= SQLITE_OPEN_READWRITE;
      break;
    case OpenMode::read_only:
      flags |= SQLITE_OPEN_READONLY;
      break;
    case OpenMode::read_only_immutable:
      flags |= SQLITE_OPEN_READONLY;
      uri += "?immutable=1";
      break;
  }
  const int code = sqlite3_open_v2(uri.c_str(), &db_, flags, nullptr);
  if (code != SQLITE_OK) {
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw Error("cannot open " + label_ + ": " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Database::~Database() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

void Database::exec(const char* sql) {
  char* error = nullptr;
  errno = 0;
  const int code = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
  const int system = errno;
  if (code != SQLITE_OK) {
    std::string message = error != nullptr ? error : sqlite3_errstr(code);
    sqlite3_free(error);
    throw Error(label_ + ": " + operation_of(sql) + ": " + message + code_note(db_, code, system));
  }
}

Statement::Statement(const Database& db, const char* sql)
    : db_(db.handle()), what_(db.label() + ": " + operation_of(sql)) {
  check(db_, sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr), what_);
}

Statement::~Statement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
  check(db_, sqlite3_bind_int64(stmt_, index, value), what_);
  return *this;
}

Statement& Statement::bind(int index, std::optional<std::int64_t> value) {
  return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind(int index, std::string_view text) {
  const char* data = text.data() != nullptr ? text.data() : "";
  check(db_, sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
        what_);
  return *this;
}

Statement& Statement::bind(int index, std::optional<std::string_view> text) {
  return text ? bind(index, *text) : bind_null(index);
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  // SQLite binds a null pointer as NULL: an empty blob needs a real one.
  const char* data = bytes.data() != nullptr ? bytes.data() : "";
  check(db_, sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_TRANSIENT), what_);
  return *this;
}

Statement& Statement::bind_static(int index, std::optional<std::string_view> text) {
  if (!text) return bind_null(index);
  const char* data = text->data() != nullptr ? text->data() : "";
  check(db_, sqlite3_bind_text64(stmt_, index, data, text->size(), SQLITE_STATIC, SQLITE_UTF8),
        what_);
  return *this;
}

Statement& Statement::bind_static_blob(int index, std::string_view bytes) {
  const char* data = bytes.data() != nullptr ? bytes.data() : "";
  check(db_, sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_STATIC), what_);
  return *this;
}

Statement& Statement::bind_null(int index) {
  check(db_, sqlite3_bind_null(stmt_, index), what_);
  return *this;
}

bool Statement::step() {
  errno = 0;
  const int code = sqlite3_step(stmt_);
  try {
    return check(db_, code, what_) == SQLITE_ROW;
  } catch (const Error&) {
    // A statement that failed stays halted until it is reset: a prepared one used again
    // (after a rollback, by a long-running record --apply) would be a misuse at its
    // first bind.
    sqlite3_reset(stmt_);
    throw;
  }
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
