#include "rules/settings.hpp"

#include <algorithm>
#include <set>

#include "util/text.hpp"

namespace jira_alerts::rules {

std::string toml_string(std::string_view text) {
  std::string out;
  util::append_json_string(out, text);  // JSON escapes are TOML basic-string escapes
  return out;
}

namespace {

std::string list(const std::vector<std::string>& names) {
  std::string out = "[";
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + toml_string(names[i]);
  return out + "]";
}

std::set<std::string> folded(const std::vector<std::string>& names) {
  std::set<std::string> out;
  for (const auto& name : names) out.insert(util::fold_case(util::trim(name)));
  return out;
}

// The names of NAMES that are not in OTHER (folded), quoted and joined.
std::string missing_from(const std::vector<std::string>& names,
                         const std::set<std::string>& other) {
  std::string out;
  for (const auto& name : names)
    if (!other.contains(util::fold_case(util::trim(name))))
      out += (out.empty() ? "" : ", ") + toml_string(name);
  return out;
}

void compare_statuses(const Mapping& recorded, const Mapping& given,
                      std::vector<std::string>& out) {
  const auto& was = recorded.resolve_statuses();
  const auto& now = given.resolve_statuses();
  if (folded(was) == folded(now)) return;
  std::string line = "status.resolve: " + list(now) + " here, " + list(was) + " in the state file";
  if (const std::string added = missing_from(now, folded(was)); !added.empty())
    line += " (adds " + added + ")";
  if (const std::string dropped = missing_from(was, folded(now)); !dropped.empty())
    line += " (drops " + dropped + ")";
  out.push_back(std::move(line));
}

// A priority name's level under MAPPING, or what an unknown name gets.
std::string level_text(const Mapping& mapping, std::string_view name) {
  const PriorityMapping pm = mapping.priority(name);
  return pm.mapped ? std::string(level_name(pm.level))
                   : "not mapped (" + std::string(level_name(pm.level)) + " by default)";
}

void compare_priorities(const Mapping& recorded, const Mapping& given,
                        std::vector<std::string>& out) {
  std::set<std::string> seen;
  const auto check = [&](const PriorityEntry& entry) {
    if (!seen.insert(util::fold_case(entry.name)).second) return;
    const PriorityMapping was = recorded.priority(entry.name);
    const PriorityMapping now = given.priority(entry.name);
    if (was.mapped == now.mapped && (!was.mapped || was.level == now.level)) return;
    out.push_back("priority.map." + toml_string(entry.name) + ": " + level_text(given, entry.name) +
                  " here, " + level_text(recorded, entry.name) + " in the state file");
  };
  for (const auto& entry : given.priority_table()) check(entry);
  for (const auto& entry : recorded.priority_table()) check(entry);
}

}  // namespace

std::string config_text(const Mapping& mapping, std::string_view table_prefix) {
  const std::string prefix(table_prefix);
  std::string out = "[" + prefix + "status]\nresolve = " + list(mapping.resolve_statuses()) + "\n";
  out += std::string("category = ") + (mapping.use_category() ? "true" : "false") + "\n";
  out += "\n[" + prefix +
         "priority]\ndefault = " + toml_string(level_name(mapping.default_priority())) + "\n";
  out += "\n[" + prefix + "priority.map]\n";
  for (const auto& entry : mapping.priority_table())
    out += toml_string(entry.name) + " = " + toml_string(level_name(entry.level)) + "\n";
  return out;
}

std::vector<std::string> differences(const Mapping& recorded, const Mapping& given) {
  std::vector<std::string> out;
  compare_statuses(recorded, given, out);
  if (recorded.use_category() != given.use_category())
    out.push_back(std::string("status.category: ") + (given.use_category() ? "true" : "false") +
                  " here, " + (recorded.use_category() ? "true" : "false") + " in the state file");
  if (recorded.default_priority() != given.default_priority())
    out.push_back("priority.default: " + std::string(level_name(given.default_priority())) +
                  " here, " + std::string(level_name(recorded.default_priority())) +
                  " in the state file");
  compare_priorities(recorded, given, out);
  return out;
}

}  // namespace jira_alerts::rules
