#pragma once
// The two secondary indexes a bulk replay builds once, at its end, instead of entry by
// entry: events_by_alert (an alert's timeline) and alerts_by_state (the CI gates' counts
// and listings). Each random insert into them costs a page of the cache; sorted and
// built at once they cost a fraction. While they are dropped every reader still gets
// the same answers, by scanning, and the replay builds events_by_alert again the moment
// it needs it itself. A replay killed meanwhile leaves them to the next writer, which
// builds what is missing when it opens the file (build_missing_indexes).

#include "store/sqlite.hpp"

namespace jira_alerts::store {

class DeferredIndexes {
 public:
  explicit DeferredIndexes(Database& db) : db_(db) {}
  DeferredIndexes(const DeferredIndexes&) = delete;
  DeferredIndexes& operator=(const DeferredIndexes&) = delete;

  // Drops both indexes inside the open write transaction, once per Store: after
  // build() or need_events_by_alert() they stay.
  void defer();
  // Were they dropped, and not yet built again?
  bool deferred() const { return events_dropped_ || states_dropped_; }
  // Builds events_by_alert again, if it was dropped, inside the open write transaction:
  // for the replay's own reads of one alert's events.
  void need_events_by_alert();
  // Builds every dropped index again, inside the open write transaction. (Where a
  // rollback undid the drop, IF NOT EXISTS finds the index there and writes nothing.)
  void build();

 private:
  Database& db_;
  bool tried_ = false;
  bool events_dropped_ = false;
  bool states_dropped_ = false;
};

// Builds either index if it is missing (a bulk replay was killed before building it
// again), inside the open write transaction. A no-op, without writing, when both exist.
void build_missing_indexes(Database& db);

}  // namespace jira_alerts::store
