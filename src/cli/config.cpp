#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "cli/command.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace jira_alerts::cli {
namespace {

// "file:line:column" of NODE, for messages.
std::string where(const std::string& path, const toml::source_region& region) {
  return path + ":" + std::to_string(region.begin.line) + ":" + std::to_string(region.begin.column);
}

[[noreturn]] void fail(const std::string& path, const toml::node& node, const std::string& what) {
  throw Error(where(path, node.source()) + ": " + what);
}

// What an unknown setting NAME in the table at PREFIX was meant to be: the setting of that
// name in another table ("resolve" is status.resolve wherever it is written), a near
// setting of this table, or, for a priority name set to a level, an entry of
// priority.map. Empty when nothing fits.
std::string meant(const std::string& prefix, const std::string& name, const toml::node& node,
                  const std::vector<std::string>& known) {
  static const std::vector<std::string> settings{"status.resolve", "status.category",
                                                 "priority.default", "priority.map"};
  for (const auto& setting : settings)
    if (setting.substr(setting.find('.') + 1) == name && setting != prefix + name) return setting;
  if (const std::string near = util::closest(name, known); !near.empty()) return prefix + near;
  if (prefix != "status." && node.is_string() && rules::parse_level(*node.value<std::string>()))
    return "priority.map." + name;
  return "";
}

void reject_unknown(const std::string& path, const toml::table& table, const std::string& prefix,
                    const std::vector<std::string>& known) {
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    fail(path, node,
         "unknown setting '" + prefix + name + "'" +
             util::suggest(meant(prefix, name, node, known)));
  }
}

const toml::table& table_at(const std::string& path, const toml::node& node,
                            const std::string& name) {
  const auto* table = node.as_table();
  if (table == nullptr) fail(path, node, "'" + name + "' must be a table");
  return *table;
}

std::string string_at(const std::string& path, const toml::node& node, const std::string& name) {
  const auto* value = node.as_string();
  if (value == nullptr) fail(path, node, "'" + name + "' must be a string");
  return value->get();
}

}  // namespace

void load_config(const std::string& path, rules::Mapping& mapping) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read config file '" + path + "'");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error("cannot read config file '" + path + "'");
  load_config_text(text, path, mapping);
}

void load_config_text(std::string_view text, const std::string& path, rules::Mapping& mapping) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw Error(where(path, e.source()) + ": invalid TOML: " + std::string(e.description()));
  }
  reject_unknown(path, root, "", {"status", "priority"});

  if (const auto* node = root.get("status")) {
    const auto& status = table_at(path, *node, "status");
    reject_unknown(path, status, "status.", {"resolve", "category"});
    if (const auto* resolve = status.get("resolve")) {
      const auto* list = resolve->as_array();
      if (list == nullptr)
        fail(path, *resolve, "'status.resolve' must be an array of status names");
      std::vector<std::string> names;
      for (const auto& item : *list) {
        const std::string name = string_at(path, item, "status.resolve[]");
        if (util::trim(name).empty()) fail(path, item, "a resolve status name is empty");
        names.push_back(name);
      }
      mapping.set_resolve_statuses(names);
    }
    if (const auto* category = status.get("category")) {
      const auto* flag = category->as_boolean();
      if (flag == nullptr) fail(path, *category, "'status.category' must be true or false");
      mapping.set_use_category(flag->get());
    }
  }

  if (const auto* node = root.get("priority")) {
    const auto& priority = table_at(path, *node, "priority");
    reject_unknown(path, priority, "priority.", {"default", "map"});
    if (const auto* value = priority.get("default")) {
      const std::string name = string_at(path, *value, "priority.default");
      mapping.set_default_priority(level_or_throw(name, where(path, value->source())));
    }
    if (const auto* map = priority.get("map")) {
      for (const auto& [key, value] : table_at(path, *map, "priority.map")) {
        const std::string name = string_at(path, value, "priority.map." + std::string(key.str()));
        mapping.set_priority(key.str(), level_or_throw(name, where(path, value.source())));
      }
    }
  }
}

}  // namespace jira_alerts::cli
