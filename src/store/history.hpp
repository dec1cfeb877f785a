#pragma once
// Read-only queries over an alert's history: its episodes, its event timeline, and the
// alerts as they stood at an earlier event time (alerts --at).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/decide.hpp"
#include "rules/history.hpp"
#include "store/queries.hpp"
#include "store/sqlite.hpp"
#include "util/time.hpp"

namespace jira_alerts::store {

// The alert whose fingerprint or alias is KEY in each of SOURCES (every source when
// empty) that has one, by source; within a source the fingerprint wins over an alias.
std::vector<AlertView> find_alerts(Database& db, std::string_view key,
                                   const std::vector<std::int64_t>& sources = {});

// Every fingerprint and alias of SOURCES (every source when empty), for "did you mean".
std::vector<std::string> all_keys(Database& db, const std::vector<std::int64_t>& sources = {});

// One open → resolve cycle of an alert.
using EpisodeView = rules::Episode;

// The episodes of alert ALERT_ID, oldest first.
std::vector<EpisodeView> episodes_of(Database& db, std::int64_t alert_id);

// One payload in an alert's timeline: what it did in the alert's history in event time,
// and what it was decided when it arrived.
struct TimelineEntry {
  std::int64_t id = 0;  // events.id: input order
  std::string path;
  std::int64_t line = 0;
  std::optional<std::string> issue_key, event, jira_priority, status, summary, warnings;
  std::optional<std::string> user;  // who triggered the change
  std::optional<util::Millis> timestamp;
  rules::Action action = rules::Action::ignore;   // in event time
  rules::Action decided = rules::Action::ignore;  // when it arrived (stale: it came late)
  std::optional<rules::Rule> rule;
  std::optional<rules::State> state;     // the state it set in event time
  std::optional<rules::Level> priority;  // the priority it set
  // summary: where it changed the alert's summary in event time
};

// Calls VISIT for every payload the event log holds for alert ALERT_ID (applied, late, duplicate
// and ignored ones alike), in event time (equal times in input order), each with what it did there;
// in input order, as decided when it arrived, when one has no timestamp.
void for_each_timeline_entry(Database& db, std::int64_t alert_id,
                             const std::function<void(const TimelineEntry&)>& visit);

// The alerts that pass FILTER as they stood at event time AT: the state a replay of
// only the recorded payloads with timestamp <= AT would have left. Payloads without a
// timestamp are left out. FILTER's keys match any key the alert has now; its state,
// priority and project apply to the alert as it stood at AT. Ordered like for_each_alert.
std::vector<AlertView> alerts_at(Database& db, const AlertFilter& filter, util::Millis at);

// One alert as it stood at event time AT, with its episodes then.
struct AlertAt {
  AlertView alert;
  std::vector<EpisodeView> episodes;
};

// The alert that answers to KEY now (its fingerprint or an alias) in each of SOURCES
// (every source when empty), as it stood at AT as alerts_at tells it, by source; none
// for a source where no payload of it with a timestamp <= AT was recorded.
std::vector<AlertAt> alerts_at_key(Database& db, std::string_view key, util::Millis at,
                                   const std::vector<std::int64_t>& sources = {});

}  // namespace jira_alerts::store
