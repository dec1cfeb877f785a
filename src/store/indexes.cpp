#include "store/indexes.hpp"

#include <string>
#include <vector>

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
  for (const char* sql : creates) db.exec(sql);
  db.exec(restore.c_str());
}

}  // namespace

void DeferredIndexes::defer() {
  if (tried_) return;
  tried_ = true;
  db_.exec("DROP INDEX IF EXISTS events_by_alert");
  db_.exec("DROP INDEX IF EXISTS alerts_by_state");
  events_dropped_ = true;
  states_dropped_ = true;
}

void DeferredIndexes::need_events_by_alert() {
  if (!events_dropped_) return;
  create_indexes(db_, {create_events_by_alert});
  events_dropped_ = false;
}

void DeferredIndexes::build() {
  std::vector<const char*> creates;
  if (events_dropped_) creates.push_back(create_events_by_alert);
  if (states_dropped_) creates.push_back(create_alerts_by_state);
  create_indexes(db_, creates);
  events_dropped_ = false;
  states_dropped_ = false;
}

void build_missing_indexes(Database& db) {
  std::vector<const char*> creates;
  if (!index_exists(db, events_by_alert)) creates.push_back(create_events_by_alert);
  if (!index_exists(db, alerts_by_state)) creates.push_back(create_alerts_by_state);
  create_indexes(db, creates);
}

}  // namespace jira_alerts::store
