#include "store/indexes.hpp"

#include <string>
#include <vector>

#include "util/error.hpp"

namespace jira_alerts::store {
namespace {

// As the migrations to version 7 left them (store/schema.cpp), word for word: the
// listings' ORDER BY uses alerts_by_state only while its expression matches theirs.
constexpr const char* events_by_alert = "events_by_alert";
constexpr const char* create_events_by_alert =
    "CREATE INDEX IF NOT EXISTS events_by_alert ON events (alert_id, timestamp)";
constexpr const char* alerts_by_state = "alerts_by_state";
constexpr const char* create_alerts_by_state = R"sql(
CREATE INDEX IF NOT EXISTS alerts_by_state ON alerts (
  state, priority, project,
  CAST(substr(fingerprint, length(rtrim(fingerprint, '0123456789')) + 1) AS INTEGER),
  fingerprint, priority, alert_source_id))sql";

// The pages SQLite's sorter holds before it writes a sorted run to a temporary file, at
// the least: SQLITE_CONFIG_PMASZ (cli/app.cpp), 1 MiB of 16 KiB pages.
constexpr int sorter_pages = 64;

bool index_exists(Database& db, const char* name) {
  Statement s(db, "SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?1");
  s.bind(1, std::string_view(name));
  return s.step();
}

// Runs the CREATE INDEX statements CREATES. The sort that builds an index holds as many
// pages as the page cache may: the cache is cut to the sorter's least meanwhile, so that
// building one costs no more memory than the replay before it.
void create_indexes(Database& db, const std::vector<const char*>& creates) {
  if (creates.empty()) return;
  Statement size(db, "PRAGMA cache_size");
  size.step();
  const std::string restore = "PRAGMA cache_size = " + std::to_string(size.int64(0));
  size.reset();
  db.exec(("PRAGMA cache_size = " + std::to_string(sorter_pages)).c_str());
  try {
    for (const char* sql : creates) db.exec(sql);
  } catch (const Error&) {
    // The connection goes on (a writer whose open could not build them): with its cache.
    sqlite3_exec(db.handle(), restore.c_str(), nullptr, nullptr, nullptr);
    throw;
  }
  db.exec(restore.c_str());
}

// The CREATE INDEX statements of the indexes DB lacks.
std::vector<const char*> missing(Database& db) {
  std::vector<const char*> creates;
  if (!index_exists(db, events_by_alert)) creates.push_back(create_events_by_alert);
  if (!index_exists(db, alerts_by_state)) creates.push_back(create_alerts_by_state);
  return creates;
}

}  // namespace

void DeferredIndexes::defer() {
  if (dropped_) return;
  dropped_ = true;
  db_.exec("DROP INDEX IF EXISTS events_by_alert");
  db_.exec("DROP INDEX IF EXISTS alerts_by_state");
}

void DeferredIndexes::need_events_by_alert() {
  if (!index_exists(db_, events_by_alert)) create_indexes(db_, {create_events_by_alert});
}

void DeferredIndexes::build() {
  if (!deferred()) return;
  Transaction tx(db_, Transaction::Kind::immediate);
  create_indexes(db_, missing(db_));
  tx.commit();
  built_ = true;
}

void build_missing_indexes(Database& db) {
  if (missing(db).empty()) return;  // the common case: no write lock taken
  try {
    Transaction tx(db, Transaction::Kind::immediate);
    create_indexes(db, missing(db));  // again: another writer may have built them
    tx.commit();
  } catch (const Error&) {
    // Rolled back: the next command that opens the file for writing tries again.
  }
}

}  // namespace jira_alerts::store
