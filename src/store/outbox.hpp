#pragma once
// The push outbox: per target and alert, the newest event the target acknowledged; per
// target and source, the newest event of the log up to which it acknowledged everything.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rules/decide.hpp"
#include "store/queries.hpp"
#include "store/sources.hpp"
#include "store/sqlite.hpp"
#include "util/time.hpp"

namespace jira_alerts::store {

// One applied event of an alert that a target has not acknowledged.
struct PendingEvent {
  std::int64_t event_id = 0, alert_id = 0;
  std::int64_t source_id = 0;
  std::string source;       // the alert's source, by name
  std::string fingerprint;  // the alert's, now
  rules::Action action = rules::Action::open;
  rules::State state = rules::State::open;  // the state it left the alert in
  rules::Rule rule = rules::Rule::active_status;
  rules::Level priority = rules::Level::medium;
  std::optional<std::string> event, jira_priority, status, summary, project, site, user;
  std::optional<util::Millis> timestamp;
  // The key of the event TARGET acknowledged last for this alert: the key it knows the
  // alert by, when the alert moved since (unset when it acknowledged none).
  std::optional<std::string> acked_key;
};

// The newest row of the event log (0 for none).
std::int64_t newest_event_id(Database& db);

// Every applied event of SOURCE up to EVENT_ID was acknowledged by TARGET (a push of that
// source that left nothing): later pushes need not look at those rows again. The meta key
// is push.acknowledged:TARGET for the default source (as before sources existed) and
// push.acknowledged:SOURCE:TARGET for any other (a target's name begins with its platform's
// and '=', which a source's name cannot hold).
void acknowledge_through(Database& db, std::string_view target, std::string_view source,
                         std::int64_t event_id);
std::int64_t acknowledged_through(Database& db, std::string_view target, std::string_view source);

// The applied events (open, update, reopen, resolve) of the alerts of SOURCES that TARGET
// has not acknowledged, after the event acknowledged_through() names for their source, in
// the order they were applied. An event without a summary of its own carries the newest
// summary before it among them, else the alert's.
std::vector<PendingEvent> pending_events(Database& db, std::string_view target,
                                         const std::vector<SourceRecord>& sources);

// An alert Alertmanager must be told about, with its newest applied event and, when
// the target acknowledged one before, that event's key and priority (Alertmanager
// tells alerts apart by their labels, which hold both).
struct DueAlert {
  AlertView alert;  // with its source
  std::int64_t newest_event = 0;
  std::optional<std::string> acked_key;
  std::optional<rules::Level> acked_priority;
};

// Every open alert of SOURCES, and every resolved one whose resolution TARGET has not
// acknowledged.
std::vector<DueAlert> due_alerts(Database& db, std::string_view target,
                                 const std::vector<SourceRecord>& sources);

// Records that TARGET acknowledged the events of ALERT_ID up to EVENT_ID (never moves back).
void acknowledge(Database& db, std::string_view target, std::int64_t alert_id,
                 std::int64_t event_id);

}  // namespace jira_alerts::store
