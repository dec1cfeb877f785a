#include "rules/mapping.hpp"

#include <algorithm>

#include "util/text.hpp"

namespace jira_alerts::rules {

std::string_view level_name(Level level) {
  switch (level) {
    case Level::critical:
      return "CRITICAL";
    case Level::high:
      return "HIGH";
    case Level::medium:
      return "MEDIUM";
    case Level::low:
      return "LOW";
  }
  return "MEDIUM";
}

const std::vector<std::string>& level_names() {
  static const std::vector<std::string> names{"CRITICAL", "HIGH", "MEDIUM", "LOW"};
  return names;
}

std::optional<Level> parse_level(std::string_view name) {
  const std::string upper = [&] {
    std::string s(util::trim(name));
    for (char& c : s)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return s;
  }();
  for (const Level level : {Level::critical, Level::high, Level::medium, Level::low})
    if (level_name(level) == upper) return level;
  return std::nullopt;
}

Mapping::Mapping() {
  set_resolve_statuses({"Done", "Closed", "Resolved"});
  for (const char* name : {"Critical", "Highest", "Blocker"}) set_priority(name, Level::critical);
  for (const char* name : {"High", "Major"}) set_priority(name, Level::high);
  set_priority("Medium", Level::medium);
  for (const char* name : {"Low", "Lowest", "Minor", "Trivial"}) set_priority(name, Level::low);
}

void Mapping::set_resolve_statuses(const std::vector<std::string>& names) {
  resolve_names_.clear();
  resolve_lowered_.clear();
  for (const auto& name : names) add_resolve_status(name);
}

void Mapping::add_resolve_status(std::string_view name) {
  std::string lowered = util::fold_case(util::trim(name));
  if (std::find(resolve_lowered_.begin(), resolve_lowered_.end(), lowered) !=
      resolve_lowered_.end())
    return;
  resolve_names_.emplace_back(util::trim(name));
  resolve_lowered_.push_back(std::move(lowered));
}

void Mapping::set_priority(std::string_view name, Level level) {
  const std::string_view trimmed = util::trim(name);
  std::string folded = util::fold_case(trimmed);
  if (priorities_.insert_or_assign(folded, level).second) {
    priority_table_.push_back({std::string(trimmed), level});
    return;
  }
  for (auto& entry : priority_table_)
    if (util::fold_case(entry.name) == folded) entry = {std::string(trimmed), level};
}

bool Mapping::is_resolve_status(std::string_view name) const {
  const std::string_view trimmed = util::trim(name);
  if (!util::is_ascii(trimmed)) {  // rare: fold with Unicode rules ("RÉSOLU" is "résolu")
    const std::string folded = util::fold_case(trimmed);
    return std::find(resolve_lowered_.begin(), resolve_lowered_.end(), folded) !=
           resolve_lowered_.end();
  }
  return std::any_of(resolve_lowered_.begin(), resolve_lowered_.end(),
                     [&](const std::string& r) { return util::equals_lower(trimmed, r); });
}

PriorityMapping Mapping::priority(std::string_view jira_name) const {
  // Names are short: a stack copy keeps the common look-up free of allocations.
  const std::string_view trimmed = util::trim(jira_name);
  if (!util::is_ascii(trimmed)) {  // rare: fold with Unicode rules
    const auto it = priorities_.find(util::fold_case(trimmed));
    if (it != priorities_.end()) return {it->second, true};
    return {default_priority_, false};
  }
  char buffer[64];
  std::string heap;
  char* lowered = buffer;
  if (trimmed.size() > sizeof buffer) {
    heap.resize(trimmed.size());
    lowered = heap.data();
  }
  for (std::size_t i = 0; i < trimmed.size(); ++i) {
    const char c = trimmed[i];
    lowered[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  const auto it = priorities_.find(std::string_view(lowered, trimmed.size()));
  if (it != priorities_.end()) return {it->second, true};
  return {default_priority_, false};
}

}  // namespace jira_alerts::rules
