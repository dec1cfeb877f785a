#pragma once
// Read-only queries over the state file, for the commands that report on it.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/decide.hpp"
#include "rules/transition.hpp"
#include "store/sources.hpp"
#include "store/sqlite.hpp"

namespace jira_alerts::store {

// Which alerts to list; an empty field does not filter.
struct AlertFilter {
  std::optional<rules::State> state;
  std::vector<rules::Level> priorities;
  std::vector<std::string> projects;
  std::vector<std::string> keys;      // fingerprints or aliases
  std::vector<std::int64_t> sources;  // alert_sources ids
};

// The sources a report covers: those --source names, or every source of the file.
struct SourceScope {
  std::vector<SourceRecord> selected;  // in the order they were added
  std::vector<std::int64_t> ids;       // AlertFilter::sources: empty when none was named
  // Whether the output names each alert's source: the file has several sources, or its
  // only one is not the default.
  bool named = false;
  // The name of source ID ("" when it is not among the selected).
  std::string_view name_of(std::int64_t id) const;
};

// The sources of DB named NAMES (every source when NAMES is empty). Throws a usage Error
// for an unknown name, naming DB_PATH and its sources.
SourceScope select_report_sources(Database& db, const std::vector<std::string>& names,
                                  const std::string& db_path);

// One alert as the listing commands print it: what the rules see of it (its episode is
// its number of episodes), its id and its other keys.
struct AlertView : rules::AlertState {
  std::int64_t id = 0;  // alerts.id
  std::int64_t alert_source_id = 0;
  std::string alert_source;  // its source's name
  std::vector<std::string> aliases;
};

// "?N, ?N+1, ..." for COUNT parameters starting at FIRST.
std::string placeholders(int first, std::size_t count);

// The text in COLUMN of the current row, or nothing for NULL.
std::optional<std::string> optional_string(const Statement& s, int column);

// The number of alerts that pass FILTER (a count, without reading the alerts).
std::int64_t count_alerts(Database& db, const AlertFilter& filter);

// One alert as for_each_key tells it.
struct KeyView {
  std::string_view fingerprint;
  rules::Level priority;
  std::int64_t alert_source_id;
};

// Calls VISIT for the first LIMIT alerts in STATE at one of PRIORITIES (every level when
// empty) of SOURCES (every source when empty), in the order of for_each_alert. Reads index
// alerts_by_state only.
void for_each_key(Database& db, rules::State state, std::vector<rules::Level> priorities,
                  const std::vector<std::int64_t>& sources, std::int64_t limit,
                  const std::function<void(const KeyView&)>& visit);

// The statements of count_alerts and for_each_key (PRIORITIES levels, SOURCES sources),
// for the tests that read their query plans.
std::string count_alerts_sql(const AlertFilter& filter);
std::string for_each_key_sql(std::size_t priorities, std::size_t sources);

// Calls VISIT for each alert that passes FILTER, by project, then issue number (then
// source).
void for_each_alert(Database& db, const AlertFilter& filter,
                    const std::function<void(const AlertView&)>& visit);

}  // namespace jira_alerts::store
