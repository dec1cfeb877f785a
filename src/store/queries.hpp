#pragma once
// Read-only queries over the state file, for the commands that report on it.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rules/decide.hpp"
#include "store/sqlite.hpp"

namespace jira_alerts::store {

// Which alerts to list; an empty field does not filter.
struct AlertFilter {
  std::optional<rules::State> state;
  std::vector<rules::Level> priorities;
  std::vector<std::string> projects;
  std::vector<std::string> keys;  // fingerprints or aliases
};

// One alert as the listing commands print it.
struct AlertView {
  std::int64_t id = 0;  // alerts.id
  std::string fingerprint;
  std::optional<std::string> issue_id, project, jira_priority, status, summary;
  std::optional<std::string> site;  // the Jira site, when a payload named it
  rules::State state;
  rules::Level priority;
  std::optional<std::int64_t> opened_at, resolved_at, updated_at;
  std::int64_t events, reopens, episodes;
  std::vector<std::string> aliases;
};

// The text in COLUMN of the current row, or nothing for NULL.
std::optional<std::string> optional_string(const Statement& s, int column);

// Calls VISIT for each alert that passes FILTER, by project, then issue number.
void for_each_alert(Database& db, const AlertFilter& filter,
                    const std::function<void(const AlertView&)>& visit);

}  // namespace jira_alerts::store
