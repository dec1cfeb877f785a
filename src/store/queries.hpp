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
#include "store/sqlite.hpp"

namespace jira_alerts::store {

// Which alerts to list; an empty field does not filter.
struct AlertFilter {
  std::optional<rules::State> state;
  std::vector<rules::Level> priorities;
  std::vector<std::string> projects;
  std::vector<std::string> keys;  // fingerprints or aliases
};

// One alert as the listing commands print it: what the rules see of it (its episode is
// its number of episodes), its id and its other keys.
struct AlertView : rules::AlertState {
  std::int64_t id = 0;  // alerts.id
  std::vector<std::string> aliases;
};

// The text in COLUMN of the current row, or nothing for NULL.
std::optional<std::string> optional_string(const Statement& s, int column);

// The number of alerts that pass FILTER (a count, without reading the alerts).
std::int64_t count_alerts(Database& db, const AlertFilter& filter);

// Calls VISIT with the fingerprint and priority of the first LIMIT alerts in STATE at one
// of PRIORITIES (every level when empty), in the order of for_each_alert. Reads index
// alerts_by_state only.
void for_each_key(Database& db, rules::State state, std::vector<rules::Level> priorities,
                  std::int64_t limit,
                  const std::function<void(std::string_view, rules::Level)>& visit);

// Calls VISIT for each alert that passes FILTER, by project, then issue number.
void for_each_alert(Database& db, const AlertFilter& filter,
                    const std::function<void(const AlertView&)>& visit);

}  // namespace jira_alerts::store
