#include <toml++/toml.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "cli/command.hpp"
#include "rules/jql.hpp"
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

// The mapping settings of TABLE (the file's top level, or a [[source]] table) into MAPPING.
void load_mapping(const std::string& path, const toml::table& table, rules::Mapping& mapping) {
  if (const auto* node = table.get("status")) {
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

  if (const auto* node = table.get("priority")) {
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

toml::table parse_toml(std::string_view text, const std::string& path) {
  try {
    return toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw Error(where(path, e.source()) + ": invalid TOML: " + std::string(e.description()));
  }
}

// A source's name: what --source and the reports call it.
bool valid_source_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return false;
  return true;
}

// One [[source]] table: its name, scope and path, and its mapping: BASE (the file's top
// level) and then its own settings.
SourceDefinition load_source(const std::string& path, const toml::node& node,
                             const rules::Mapping& base,
                             const std::vector<SourceDefinition>& before) {
  const auto& table = table_at(path, node, "source");
  reject_unknown(path, table, "source.", {"name", "jql", "path", "status", "priority"});
  SourceDefinition source;
  source.mapping = base;
  const auto* name = table.get("name");
  if (name == nullptr) fail(path, node, "a [[source]] needs a name");
  source.name = string_at(path, *name, "source.name");
  if (!valid_source_name(source.name))
    fail(path, *name,
         "source name '" + source.name + "' must be 1 to 64 letters, digits, '-', '_' or '.'");
  for (const auto& other : before)
    if (other.name == source.name)
      fail(path, *name, "source '" + source.name + "' is defined twice");
  if (const auto* jql = table.get("jql")) {
    source.jql = string_at(path, *jql, "source.jql");
    try {
      source.mapping.set_scope(
          std::make_shared<const rules::jql::Query>(rules::jql::Query::parse(*source.jql)));
    } catch (const rules::jql::SyntaxError& e) {
      fail(path, *jql, "source '" + source.name + "': jql: " + e.what());
    }
  }
  if (const auto* at = table.get("path")) {
    source.path = string_at(path, *at, "source.path");
    if (source.path->empty() || source.path->front() != '/' ||
        source.path->find_first_of("?# \t") != std::string::npos)
      fail(path, *at,
           "source '" + source.name + "': path '" + *source.path +
               "' must be a URL path such as '/payments'");
    for (const auto& other : before)
      if (other.path == source.path)
        fail(path, *at, "path '" + *source.path + "' feeds source '" + other.name + "' already");
  }
  load_mapping(path, table, source.mapping);
  return source;
}

// The text of the config file at PATH, given as ORIGIN (--config or JIRA_ALERTS_CONFIG); a
// usage Error naming both, with the reason, when it cannot be read.
std::string read_config_file(const std::string& path, const std::string& origin) {
  const auto fail = [&](const std::string& why) {
    return Error(origin + ": '" + path + "': " + why);
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw fail("is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw fail(std::strerror(errno));
  try {
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.bad()) return text;
  } catch (const std::ios_base::failure&) {  // the stream library's way to say a read failed
  }
  throw fail(std::strerror(errno));
}

}  // namespace

std::vector<SourceDefinition> load_config(const std::string& path, rules::Mapping& mapping,
                                          const std::string& origin) {
  const toml::table root = parse_toml(read_config_file(path, origin), path);
  reject_unknown(path, root, "", {"status", "priority", "source"});
  load_mapping(path, root, mapping);
  std::vector<SourceDefinition> sources;
  if (const auto* node = root.get("source")) {
    const auto* list = node->as_array();
    if (list == nullptr || !list->is_array_of_tables())
      fail(path, *node, "'source' must be an array of tables: write each as [[source]]");
    for (const auto& item : *list) sources.push_back(load_source(path, item, mapping, sources));
  }
  return sources;
}

void load_config_text(std::string_view text, const std::string& path, rules::Mapping& mapping) {
  const toml::table root = parse_toml(text, path);
  reject_unknown(path, root, "", {"status", "priority"});
  load_mapping(path, root, mapping);
}

}  // namespace jira_alerts::cli
