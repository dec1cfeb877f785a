#pragma once
// Read-only aggregates over the state file for the stats command.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rules/decide.hpp"
#include "store/sqlite.hpp"
#include "util/time.hpp"

namespace jira_alerts::store {

// An event-time range; an empty bound is open.
struct TimeRange {
  std::optional<util::Millis> since, until;
  bool bounded() const { return since || until; }
};

// One alert with reopens in the range.
struct ReopenCount {
  std::string fingerprint;
  rules::State state;
  rules::Level priority;
  std::int64_t reopens;
};

// What stats reports.
struct Stats {
  // Alerts by current state and priority: [state][level]. With a range, only alerts
  // with an applied payload whose timestamp is in it.
  std::array<std::array<std::int64_t, 4>, 2> alerts{};
  std::int64_t episodes_opened = 0;    // opened_at in range (all episodes without a range)
  std::int64_t episodes_resolved = 0;  // resolved_at in range
  // Times to resolve (ms) by the priority at resolve, of episodes resolved in range that
  // have an opened_at; each sorted ascending.
  std::array<std::vector<std::int64_t>, 4> time_to_resolve;
  // Alerts by reopen payloads in range (every reopen without a range), most first.
  std::vector<ReopenCount> reopens;
};

// The figures of source SOURCE (alert_sources.id), or of every source when none.
Stats collect_stats(Database& db, const TimeRange& range,
                    std::optional<std::int64_t> source = std::nullopt);

// The payloads the event log holds, with a timestamp in the range when it is bounded.
struct PayloadCounts {
  // Decided for each source: alert_sources.id and count, by id.
  std::vector<std::pair<std::int64_t, std::int64_t>> by_source;
  std::int64_t outside = 0;  // outside every source's scope (decided for none)
  // Every payload once, also one decided for several sources.
  std::int64_t total = 0;
};

// The payloads of the event log in RANGE; with SOURCES, the total counts only those
// decided for one of them.
PayloadCounts count_payloads(Database& db, const TimeRange& range,
                             const std::vector<std::int64_t>& sources = {});

// The nearest-rank percentile P (0 < P <= 1) of SORTED; nothing when it is empty.
std::optional<std::int64_t> percentile(const std::vector<std::int64_t>& sorted, double p);

}  // namespace jira_alerts::store
