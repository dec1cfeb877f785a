// Opening the state file: for a replay's writes (created or migrated first), as a private
// in-memory copy (a dry run), or as one read snapshot for a report.

#include "store/open.hpp"

#include <filesystem>

#include "store/indexes.hpp"
#include "store/schema.hpp"
#include "util/error.hpp"
#include "util/time.hpp"

namespace jira_alerts::store {
namespace {

constexpr int busy_timeout_ms = 60'000;

// Waits for another process's write transaction by polling every millisecond (SQLite's
// own handler backs off to 100 ms and so rarely catches the gap between two batches).
int wait_for_lock(void*, int attempts) {
  if (attempts >= busy_timeout_ms) return 0;
  sqlite3_sleep(1);
  return 1;
}

// Switching to WAL needs the file to itself: a process creating the same new file
// at the same moment makes it fail at once, without the busy handler.
void use_wal(Database& db) {
  for (int attempt = 0;; ++attempt) {
    {
      Statement mode(db, "PRAGMA journal_mode");
      if (mode.step() && mode.text(0) == "wal") return;
    }
    const int code =
        sqlite3_exec(db.handle(), "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr);
    if (code == SQLITE_OK) return;
    if ((code & 0xff) != SQLITE_BUSY || attempt >= busy_timeout_ms)
      check(db.handle(), code, db.label() + ": switching to WAL");
    sqlite3_sleep(1);
  }
}

int user_version(Database& db) {
  Statement s(db, "PRAGMA user_version");
  s.step();
  return static_cast<int>(s.int64(0));
}

bool has_tables(Database& db) {
  Statement s(db, "SELECT count(*) FROM sqlite_schema");
  s.step();
  return s.int64(0) > 0;
}

// Refuses files this program cannot use, before anything is written to them. Both
// reads share one transaction: another process may be creating the schema.
void check_version(Database& db, const std::string& path) {
  const bool own_transaction = sqlite3_get_autocommit(db.handle()) != 0;
  int version = 0;
  bool tables = false;
  try {
    if (own_transaction) db.exec("BEGIN");
    version = user_version(db);
    tables = has_tables(db);
    if (own_transaction) db.exec("COMMIT");
  } catch (const Error&) {
    const std::string reason = sqlite3_errmsg(db.handle());
    const int code = sqlite3_extended_errcode(db.handle());
    if (own_transaction) sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw Error("state file '" + path + "' is not a SQLite database (" + reason + ", SQLite code " +
                std::to_string(code) + ")");
  }
  if (version > schema_version) {
    throw Error("state file '" + path + "' has schema version " + std::to_string(version) +
                ", newer than this program's version " + std::to_string(schema_version) +
                "; use a newer jira-alerts (the file was not changed)");
  }
  if (version == 0 && tables)
    throw Error("'" + path + "' is a SQLite database but not a jira-alerts state file");
}

void create_or_migrate(Database& db, const std::string& path) {
  Transaction tx(db, Transaction::Kind::immediate);
  check_version(db, path);  // again, now that no other writer can change it
  if (user_version(db) == 0) {
    db.exec(create_schema_sql);
    db.exec("PRAGMA user_version = 1");
    Statement meta(db, "INSERT INTO meta (key, value) VALUES (?1, ?2)");
    meta.bind(1, std::string_view("created_by"))
        .bind(2, std::string_view("jira-alerts " JIRA_ALERTS_VERSION))
        .run();
    meta.bind(1, std::string_view("created_at"))
        .bind(2, util::format_iso8601(util::now_millis()))
        .run();
  }
  // An older file is brought up to date step by step, in the same transaction.
  for (const Migration& m : migrations) {
    if (user_version(db) != m.from) continue;
    db.exec(m.sql);
    db.exec(("PRAGMA user_version = " + std::to_string(m.from + 1)).c_str());
  }
  tx.commit();
}

// How a command that only reads opens the file. With -wal and -shm beside it, read-only
// like any WAL reader. Without them, a read-only connection would create both and leave
// them behind, so it opens read-write: SQLite then removes them when the last connection
// closes. Only where this process cannot create them (nor can any replay of this user)
// is the file read as immutable.
OpenMode reading_mode(const Location& loc) {
  if (has_companions(loc.real)) return OpenMode::read_only;  // now: a migration may fold them
  return loc.writable ? OpenMode::read_write : OpenMode::read_only_immutable;
}

// A file from an older release is migrated by whichever command opens it first, the
// reporting ones included: they could not read it otherwise.
void migrate_older(const Location& loc) {
  int version = 0;
  try {
    Database peek(loc.real, reading_mode(loc), loc.given);
    version = user_version(peek);
  } catch (const Error&) {
    return;  // not a state file: check_version says so
  }
  if (version == 0 || version >= schema_version) return;
  Database db(loc.real, OpenMode::read_write, loc.given);
  set_busy_handler(db);
  create_or_migrate(db, loc.given);
}

}  // namespace

void set_busy_handler(Database& db) {
  check(db.handle(), sqlite3_busy_handler(db.handle(), wait_for_lock, nullptr),
        db.label() + ": setting the busy handler");
}

Database open_for_writing(const Location& loc) {
  Database db(loc.real, OpenMode::read_write_create, loc.given);
  set_busy_handler(db);
  check_version(db, loc.given);
  // Larger pages for a new file: a replay appends to the event log page after page,
  // and each page is a write to the WAL. (A no-op for an existing file.)
  db.exec("PRAGMA page_size = 16384");
  use_wal(db);
  // NORMAL is durable against a killed process in WAL mode; within a run, checkpoints
  // (the only fsyncs) come every 16,384 pages of WAL (256 MiB of 16 KiB pages) instead
  // of every 1,000.
  db.exec(
      "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 16384; "
      "PRAGMA cache_size = -8192");
  // A small run (one payload piped from CI) should not pay for a checkpoint and
  // its fsyncs on close: the WAL is kept, and Store::checkpoint() folds it in after
  // large runs, or once small runs have grown it past 1 MiB (Store::fold_wal_on_close).
  check(db.handle(), sqlite3_db_config(db.handle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr),
        db.label() + ": configuring the connection");
  create_or_migrate(db, loc.given);
  build_missing_indexes(db);  // a bulk replay killed before it built them
  return db;
}

Database open_dry_run(const Location& loc) {
  Database db(":memory:", OpenMode::read_write_create, loc.given);
  set_busy_handler(db);
  if (loc.exists) {
    Database source(loc.real, reading_mode(loc), loc.given);
    set_busy_handler(source);
    check_version(source, loc.given);
    sqlite3_backup* backup = sqlite3_backup_init(db.handle(), "main", source.handle(), "main");
    if (backup == nullptr)
      check(db.handle(), sqlite3_errcode(db.handle()), "copying the state file");
    const int code = sqlite3_backup_step(backup, -1);
    sqlite3_backup_finish(backup);
    if (code != SQLITE_DONE) check(db.handle(), code, "copying the state file");
  }
  create_or_migrate(db, loc.given);
  return db;
}

namespace {
Database open_for_reading(const Location& loc) {
  migrate_older(loc);
  return Database(loc.real, reading_mode(loc), loc.given);
}

// A file that holds pages but no state is most often a copy made without its -wal,
// where the runs too small to checkpoint keep everything.
std::string empty_file(const Location& loc) {
  const auto size = [](const std::string& path) {
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(path, ec);
    return ec ? 0 : bytes;
  };
  if (size(loc.real) == 0 || size(loc.real + "-wal") > 0)
    return "state file '" + loc.given + "' is empty";
  return "state file '" + loc.given +
         "' is empty: a copy made without its -wal file? Copy the -wal with the file, or "
         "copy with sqlite3 ORIGINAL \".backup COPY\"";
}
}  // namespace

Snapshot::Snapshot(const std::string& path)
    : location_(locate(path, Need::read)), db_(open_for_reading(location_)) {
  set_busy_handler(db_);
  // One read transaction for the snapshot's life: every query of a report sees the
  // same state, whatever replays commit meanwhile.
  db_.exec("BEGIN");
  check_version(db_, location_.given);
  if (user_version(db_) == 0) throw Error(empty_file(location_));
}

Snapshot::~Snapshot() {
  if (sqlite3_get_autocommit(db_.handle()) == 0)
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace jira_alerts::store
