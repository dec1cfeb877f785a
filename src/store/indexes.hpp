#pragma once
// The two secondary indexes a bulk replay builds once, at its end, instead of entry by
// entry: events_by_alert (an alert's timeline) and alerts_by_state (the CI gates' counts
// and listings). Each random insert into them costs a page of the cache; sorted and
// built at once they cost a fraction. While they are dropped every reader still gets
// the same answers, by scanning, and a writer builds events_by_alert again the moment it
// reads one alert's events. A replay killed meanwhile leaves them to the next command that
// opens the file for writing (build_missing_indexes).

#include "store/sqlite.hpp"

namespace jira_alerts::store {

class DeferredIndexes {
 public:
  explicit DeferredIndexes(Database& db) : db_(db) {}
  DeferredIndexes(const DeferredIndexes&) = delete;
  DeferredIndexes& operator=(const DeferredIndexes&) = delete;

  // Drops both indexes inside the open write transaction, once per Store.
  void defer();
  // Did defer() drop them, and build() not yet build them again?
  bool deferred() const { return dropped_ && !built_; }
  // Builds events_by_alert if it is missing (this Store or another process dropped it),
  // inside the open write transaction: before a read of one alert's events.
  void need_events_by_alert();
  // After defer(): builds whichever index is missing, in a write transaction of its own
  // (after the replay's last batch committed, so that a failure here loses no payload).
  void build();

 private:
  Database& db_;
  bool dropped_ = false;
  bool built_ = false;
};

// Builds either index if it is missing, in a write transaction of its own: when a file is
// opened for writing. A failure (a full disk) leaves the file as it was, to be tried again
// by the next writer: reports read it without them meanwhile.
void build_missing_indexes(Database& db);

}  // namespace jira_alerts::store
