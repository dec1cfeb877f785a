#pragma once
// The mapping from Jira statuses and priorities to alert state and priority: data, not code.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace jira_alerts::rules {

namespace jql {
class Query;
}

// Alert priorities, most urgent first.
enum class Level : std::uint8_t { critical, high, medium, low };

// "CRITICAL", "HIGH", "MEDIUM" or "LOW".
std::string_view level_name(Level level);

// Parses a level name, case-insensitively.
std::optional<Level> parse_level(std::string_view name);

// The level names in order, for messages and "did you mean".
const std::vector<std::string>& level_names();

// How a Jira priority name mapped.
struct PriorityMapping {
  Level level;
  bool mapped;  // false: the name is not in the table and the default was used
};

// One entry of the priority table: a Jira priority name, as last given, and its level.
struct PriorityEntry {
  std::string name;
  Level level;
};

// The configurable part of the rules (SPEC §1.2, §1.3), with the defaults of the spec.
class Mapping {
 public:
  Mapping();

  // Replaces the resolve statuses (names compare trimmed and case-insensitively).
  void set_resolve_statuses(const std::vector<std::string>& names);
  // Adds one resolve status.
  void add_resolve_status(std::string_view name);
  // Whether the status category key "done" resolves.
  void set_use_category(bool use) { use_category_ = use; }
  // Maps Jira priority NAME to LEVEL.
  void set_priority(std::string_view name, Level level);
  // The level of an absent or unmapped priority.
  void set_default_priority(Level level) { default_priority_ = level; }
  // Only issues that SCOPE matches change alerts (--jql); null: every issue.
  void set_scope(std::shared_ptr<const jql::Query> scope) { scope_ = std::move(scope); }

  bool is_resolve_status(std::string_view name) const;
  bool use_category() const { return use_category_; }
  const std::vector<std::string>& resolve_statuses() const { return resolve_names_; }
  Level default_priority() const { return default_priority_; }
  const jql::Query* scope() const { return scope_.get(); }
  const std::shared_ptr<const jql::Query>& shared_scope() const { return scope_; }

  // Maps a Jira priority name (case-insensitively).
  PriorityMapping priority(std::string_view jira_name) const;
  // The priority table, in the order its names were first given.
  const std::vector<PriorityEntry>& priority_table() const { return priority_table_; }

 private:
  std::vector<std::string> resolve_names_;    // as configured, for display
  std::vector<std::string> resolve_lowered_;  // trimmed and case-folded
  bool use_category_ = true;
  // Heterogeneous look-up: a lower-cased view finds its entry without a copy.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Level, Hash, std::equal_to<>> priorities_;  // case-folded
  std::vector<PriorityEntry> priority_table_;  // as given, for display
  Level default_priority_ = Level::medium;
  std::shared_ptr<const jql::Query> scope_;
};

}  // namespace jira_alerts::rules
