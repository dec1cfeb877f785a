#pragma once
// Small move-only owners over SQLite's C handles. Every return code goes through check().

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace jira_alerts::store {

// How a database is opened.
enum class OpenMode : std::uint8_t {
  read_write_create,
  read_write,
  read_only,
  // Read-only without locks or a WAL (SQLite's immutable=1): only for a file that no
  // process can be writing, such as one in a folder where no -wal can be created.
  read_only_immutable,
};

// Throws Error with sqlite3_errmsg and the extended code unless CODE is OK, ROW or DONE.
int check(sqlite3* db, int code, std::string_view what);

// What SQL does, in words for messages: "writing to events", "committing", "reading".
std::string operation_of(std::string_view sql);

// Owns one connection.
class Database {
 public:
  // Opens PATH (":memory:", or a file's real path, never read as a URI); NAME is how
  // messages call the file (PATH when empty).
  Database(const std::string& path, OpenMode mode, const std::string& name = "");
  ~Database();
  Database(Database&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Database& operator=(Database&&) = delete;
  Database(const Database&) = delete;

  // Runs SQL that returns no rows (one or more statements).
  void exec(const char* sql);
  sqlite3* handle() const { return db_; }
  // "state file 'NAME'", the start of every message about this connection.
  const std::string& label() const { return label_; }
  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }

 private:
  sqlite3* db_ = nullptr;
  std::string label_;
};

// Owns one prepared statement; prepare once, then reset and rebind.
class Statement {
 public:
  Statement(const Database& db, const char* sql);
  ~Statement();
  Statement(Statement&& other) noexcept
      : db_(other.db_), stmt_(other.stmt_), what_(std::move(other.what_)) {
    other.stmt_ = nullptr;
  }
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;

  // Binders are 1-based like SQLite's; an empty optional binds NULL.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::optional<std::int64_t> value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::optional<std::string_view> text);
  Statement& bind(int index, const std::string& text) {
    return bind(index, std::string_view(text));
  }
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind_blob(int index, std::string_view bytes);
  // Binds TEXT without a copy: it must stay valid until the statement is reset.
  Statement& bind_static(int index, std::optional<std::string_view> text);
  Statement& bind_static_blob(int index, std::string_view bytes);
  Statement& bind_null(int index);

  // Steps once: true while a row is available.
  bool step();
  // Steps a statement that returns no rows, then resets it.
  void run();
  // Resets the statement and clears its bindings for reuse.
  void reset();

  bool is_null(int column) const;
  std::int64_t int64(int column) const;
  std::optional<std::int64_t> optional_int64(int column) const;
  std::string_view text(int column) const;  // valid until the next step or reset
  std::string_view blob(int column) const;  // valid until the next step or reset
  std::optional<std::string_view> optional_text(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string what_;  // "state file 'NAME': writing to events", for messages
};

// The statement in SLOT, prepared from SQL the first time: prepared once, then reset
// and rebound by each use.
inline Statement& prepared(const Database& db, std::unique_ptr<Statement>& slot, const char* sql) {
  if (!slot) slot = std::make_unique<Statement>(db, sql);
  return *slot;
}

// Commits on commit(), rolls back when left early; never throws from the destructor.
class Transaction {
 public:
  enum class Kind : std::uint8_t { deferred, immediate };
  Transaction(Database& db, Kind kind);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool open_ = true;
};

}  // namespace jira_alerts::store
