#include <cstdio>
#include <memory>

#include "cli/commands.hpp"
#include "cli/settings.hpp"
#include "report/format.hpp"
#include "report/json.hpp"
#include "rules/settings.hpp"
#include "store/open.hpp"
#include "store/sources.hpp"
#include "util/error.hpp"

namespace jira_alerts::cli {
namespace {

struct SettingsOptions {
  std::string db;
  std::string format;
  std::vector<std::string> sources;
};

// One JSON object a setting: {"setting": "status.resolve", "value": [...]}; a priority
// table entry also names its Jira priority: {"setting": "priority.map", "name": ...}.
// SOURCE names the source first, when the file has several (or another than the default).
void settings_jsonl(std::string& out, const rules::Mapping& m, const std::string* source) {
  report::JsonWriter w;
  const auto begin = [&] {
    w.reset(out).begin_object();
    if (source != nullptr) w.members("source", *source);
  };
  begin();
  w.key("setting").value("status.resolve").key("value").begin_array();
  for (const auto& name : m.resolve_statuses()) w.value(name);
  w.end_array().end_object();
  out += '\n';
  begin();
  w.members("setting", "status.category", "value", m.use_category());
  w.end_object();
  out += '\n';
  begin();
  w.members("setting", "priority.default", "value", rules::level_name(m.default_priority()));
  w.end_object();
  out += '\n';
  for (const auto& entry : m.priority_table()) {
    begin();
    w.members("setting", "priority.map", "name", entry.name, "value",
              rules::level_name(entry.level));
    w.end_object();
    out += '\n';
  }
}

// SOURCE as a [[source]] table of a config file: its name, scope and path, and its
// settings as subtables.
std::string source_toml(const store::SourceRecord& source, const rules::Mapping& mapping) {
  std::string out = "[[source]]\nname = " + rules::toml_string(source.name) + "\n";
  if (source.jql) out += "jql = " + rules::toml_string(*source.jql) + "\n";
  if (source.path) out += "path = " + rules::toml_string(*source.path) + "\n";
  return out + "\n" + rules::config_text(mapping, "source.");
}

int run_settings(const SettingsOptions& o) {
  store::Snapshot store(o.db);
  const auto all = store::read_sources(store.db());
  const auto sources = store::select_sources(store.db(), o.sources, o.db);
  // A file no config divides reads as a plain config file.
  const bool plain = all.size() == 1 && all.front().name == store::default_source &&
                     !all.front().jql && !all.front().path;
  std::string out;
  std::optional<std::string> at;
  for (const auto& source : sources) {
    if (!source.settings) {
      if (!plain) continue;
      throw Error("state file '" + o.db +
                      "' records no mapping settings yet: its next replay records the ones it "
                      "uses",
                  Exit::failed);
    }
    const rules::Mapping mapping = recorded_mapping(*source.settings, o.db, source.name);
    if (source.settings_recorded_at && (!at || *at < *source.settings_recorded_at))
      at = source.settings_recorded_at;
    if (o.format == "jsonl")
      settings_jsonl(out, mapping, plain ? nullptr : &source.name);
    else
      out += (out.empty() ? "" : "\n") +
             (plain ? rules::config_text(mapping) : source_toml(source, mapping));
  }
  if (o.format != "jsonl")
    out = "# The mapping settings of " + o.db + (at ? ", recorded " + *at : std::string()) +
          ".\n# Pass this file with --config to decide with them.\n\n" + out;
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
  add_source_option(*app, o->sources);
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
