#include <cstdio>
#include <memory>

#include "cli/commands.hpp"
#include "cli/settings.hpp"
#include "report/format.hpp"
#include "report/json.hpp"
#include "rules/settings.hpp"
#include "store/open.hpp"
#include "util/error.hpp"

namespace jira_alerts::cli {
namespace {

struct SettingsOptions {
  std::string db;
  std::string format;
};

std::optional<std::string> meta_value(store::Database& db, std::string_view key) {
  store::Statement s(db, "SELECT value FROM meta WHERE key = ?1");
  s.bind(1, key);
  if (!s.step()) return std::nullopt;
  return std::string(s.text(0));
}

// One JSON object a setting: {"setting": "status.resolve", "value": [...]}; a priority
// table entry also names its Jira priority: {"setting": "priority.map", "name": ...}.
std::string settings_jsonl(const rules::Mapping& m) {
  std::string out;
  report::JsonWriter w;
  w.reset(out).begin_object().key("setting").value("status.resolve").key("value").begin_array();
  for (const auto& name : m.resolve_statuses()) w.value(name);
  w.end_array().end_object();
  out += '\n';
  w.reset(out).begin_object().members("setting", "status.category", "value", m.use_category());
  w.end_object();
  out += '\n';
  w.reset(out).begin_object();
  w.members("setting", "priority.default", "value", rules::level_name(m.default_priority()));
  w.end_object();
  out += '\n';
  for (const auto& entry : m.priority_table()) {
    w.reset(out).begin_object();
    w.members("setting", "priority.map", "name", entry.name, "value",
              rules::level_name(entry.level));
    w.end_object();
    out += '\n';
  }
  return out;
}

int run_settings(const SettingsOptions& o) {
  store::Snapshot store(o.db);
  const std::optional<std::string> text = meta_value(store.db(), settings_key);
  if (!text)
    throw Error("state file '" + o.db +
                    "' records no mapping settings yet: its next replay records the ones it "
                    "uses",
                Exit::failed);
  const rules::Mapping mapping = recorded_mapping(*text, o.db);
  std::string out;
  if (o.format == "jsonl") {
    out = settings_jsonl(mapping);
  } else {
    const auto at = meta_value(store.db(), settings_time_key);
    out = "# The mapping settings of " + o.db + (at ? ", recorded " + *at : std::string()) +
          ".\n# Pass this file with --config to decide with them.\n\n" +
          rules::config_text(mapping);
  }
  report::Output output(stdout);
  output.buffer() = std::move(out);
  output.flush();
  return static_cast<int>(Exit::ok);
}

}  // namespace

Command setup_settings(CLI::App& parent) {
  auto o = std::make_shared<SettingsOptions>();
  CLI::App* app = parent.add_subcommand(
      "settings", "Print the mapping settings the state file records, as a config file");
  add_db_option(*app, o->db);
  o->format = "toml";
  app->add_option("--format", o->format, "Output format: toml|jsonl (default: toml)")
      ->check(CLI::IsMember({"toml", "jsonl"}))
      ->type_name("FORMAT");
  app->footer(R"(Examples:
  jira-alerts settings                           the recorded mapping, as TOML
  jira-alerts settings > jira-alerts.toml        a config file that reproduces it
  jira-alerts settings --format jsonl | jq -c 'select(.setting == "priority.map")'

The first replay into a state file records the mapping it decides with (resolve
statuses, the category rule, the priority table, the default level). Later replays
use it when they are given no mapping options; options that differ from it are an
error, unless --remap asks to decide the recorded history again under them.

Exit status: 0 printed, 1 the file records no settings yet, 2 usage error or
unusable state file.)");
  return {app, [o] { return run_settings(*o); }};
}

}  // namespace jira_alerts::cli
