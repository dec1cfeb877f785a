#include "cli/command.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "cli/network.hpp"
#include "rules/jql.hpp"
#include "util/error.hpp"
#include "util/hmac.hpp"
#include "util/text.hpp"

namespace jira_alerts::cli {

void add_db_option(CLI::App& app, std::string& path) {
  path = default_db;
  app.add_option("--db", path, "State file (default: jira-alerts.db; env JIRA_ALERTS_DB)")
      ->envname("JIRA_ALERTS_DB")
      ->type_name("PATH");
}

read::Inputs command_inputs(std::vector<std::string> operands, const read::WalkFilter& filter,
                            const std::string& command, const std::string& label) {
  if (operands.empty()) {
    if (isatty(STDIN_FILENO))
      throw Error(
          "no input: give files or directories, or pipe payloads into standard input "
          "(see 'jira-alerts " +
          command + " --help')");
    operands.push_back(read::stdin_name);
  }
  if (!label.empty() &&
      std::find(operands.begin(), operands.end(), read::stdin_name) == operands.end())
    throw Error("--label: it names standard input, which this " + command +
                " does not read: add '-' to the operands where standard input goes");
  read::Inputs inputs = read::expand_operands(operands, filter);
  // Not an error (nothing is wrong with what was read), but likely the wrong folder.
  for (const auto& dir : inputs.empty_directories)
    std::fprintf(stderr, "jira-alerts: warning: %s: no files to %s\n", dir.c_str(),
                 command.c_str());
  return inputs;
}

std::string skipped_note(std::uint64_t skipped) {
  if (skipped == 0) return "";
  return "; " + std::to_string(skipped) + " file" + (skipped == 1 ? "" : "s") +
         " in directories skipped (see --include)";
}

void add_label_option(CLI::App& app, std::string& label) {
  app.add_option("--label", label,
                 "Name standard input NAME in messages and as its source in the state file "
                 "(default: shown as -, kept as -#RUN)")
      ->check([](const std::string& name) {
        return name.empty() ? std::string("the name is empty") : std::string();
      })
      ->type_name("NAME");
}

void add_format_option(CLI::App& app, std::string& format,
                       const std::vector<std::string>& allowed) {
  format = "text";
  std::string names;
  for (const auto& name : allowed) names += (names.empty() ? "" : "|") + name;
  app.add_option("--format", format, "Output format: " + names + " (default: text)")
      ->check(CLI::IsMember(allowed))
      ->type_name("FORMAT");
}

void add_colour_option(CLI::App& app, std::string& mode) {
  mode = "auto";
  app.add_option("--color", mode,
                 "Colour text output: auto (a terminal, unless NO_COLOR is set), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->type_name("WHEN");
}

void add_no_header_option(CLI::App& app, bool& no_header) {
  app.add_flag("--no-header", no_header, "Print text tables and CSV without their header line");
}

void add_walk_options(CLI::App& app, read::WalkFilter& filter) {
  app.add_option("--include", filter.include,
                 "In directories, read only files whose name (or path below the directory, "
                 "for a GLOB with '/') matches GLOB (repeatable; default: *.json, *.ndjson, "
                 "*.jsonl, also compressed)")
      ->type_name("GLOB")
      ->expected(1)
      ->allow_extra_args(false);
  app.add_option("--exclude", filter.exclude,
                 "In directories, leave out files and directories matching GLOB (repeatable)")
      ->type_name("GLOB")
      ->expected(1)
      ->allow_extra_args(false);
}

void add_mapping_options(CLI::App& app, MappingOptions& o) {
  app.add_option("--config", o.config_file,
                 "TOML file with the mapping settings (env JIRA_ALERTS_CONFIG)")
      ->envname("JIRA_ALERTS_CONFIG")
      ->type_name("FILE");
  app.add_option(
         "--resolve-status", o.resolve_statuses,
         "Also resolve on this status name (repeatable; default list: Done, Closed, Resolved)")
      ->type_name("NAME")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_flag("--no-category", o.no_category,
               "Do not resolve on status category 'done'; only resolve-status names resolve");
  app.add_option("--priority", o.priorities,
                 "Map a Jira priority name to CRITICAL, HIGH, MEDIUM or LOW (repeatable)")
      ->type_name("NAME=LEVEL")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--default-priority", o.default_priority,
                 "Level of an absent or unmapped priority (default: MEDIUM)")
      ->type_name("LEVEL");
  app.add_option("--jql", o.jql,
                 "Scope: only issues this JQL matches change alerts, e.g. 'project = KAN' "
                 "(others: ignore, 'outside scope')")
      ->type_name("EXPR");
}

util::Millis time_or_throw(const std::string& option, const std::string& text) {
  const auto t = util::parse_time_argument(text, util::now_millis());
  if (!t.value) throw Error(option + ": '" + text + "': " + t.why);
  return *t.value;
}

CLI::Option* add_time_option(CLI::App& app, const std::string& name, std::string& text,
                             const std::string& description) {
  // CLI11 would read "-2h" as an option; a relative time is a value here.
  return app.add_option(name, text, description)->type_name("TIME")->allow_extra_args(false);
}

rules::Level level_or_throw(const std::string& name, const std::string& what) {
  if (const auto level = rules::parse_level(name)) return *level;
  throw Error(
      what + ": unknown priority level '" + name + "'" +
      util::did_you_mean(name, rules::level_names(), " (levels: CRITICAL, HIGH, MEDIUM, LOW)"));
}

namespace {

// The flags' settings (after the config file's) into MAPPING.
void apply_flags(const MappingOptions& o, rules::Mapping& mapping) {
  for (const auto& name : o.resolve_statuses) {
    if (util::trim(name).empty()) throw Error("--resolve-status: the status name is empty");
    mapping.add_resolve_status(name);
  }
  if (o.no_category) mapping.set_use_category(false);
  for (const auto& entry : o.priorities) {
    const auto eq = entry.rfind('=');
    if (eq == std::string::npos || eq == 0 || util::trim(entry.substr(0, eq)).empty())
      throw Error("--priority '" + entry + "': expected NAME=LEVEL, e.g. --priority 'P1=CRITICAL'");
    mapping.set_priority(entry.substr(0, eq),
                         level_or_throw(entry.substr(eq + 1), "--priority '" + entry + "'"));
  }
  if (!o.default_priority.empty())
    mapping.set_default_priority(level_or_throw(o.default_priority, "--default-priority"));
}

// How the config file was named: --config on the command line, or else the environment
// variable that CLI11 read for it (it keeps no record of which).
std::string config_origin() {
  char** argv = kept_arguments();
  if (argv == nullptr) return "--config";
  for (++argv; *argv != nullptr; ++argv) {
    const std::string_view arg = *argv;
    if (arg == "--") break;
    if (arg == "--config" || arg.rfind("--config=", 0) == 0) return "--config";
  }
  return "JIRA_ALERTS_CONFIG";
}

}  // namespace

GivenSettings build_settings(const MappingOptions& o) {
  GivenSettings given;
  if (!o.config_file.empty())
    given.sources = load_config(o.config_file, given.mapping, config_origin());
  apply_flags(o, given.mapping);
  for (auto& source : given.sources) apply_flags(o, source.mapping);
  if (!o.jql.empty()) {
    try {
      given.mapping.set_scope(
          std::make_shared<const rules::jql::Query>(rules::jql::Query::parse(o.jql)));
    } catch (const rules::jql::SyntaxError& e) {
      throw Error(std::string("--jql: ") + e.what());
    }
  }
  return given;
}

rules::Mapping build_mapping(const MappingOptions& o) {
  return build_settings(o).mapping;
}

void add_source_option(CLI::App& app, std::vector<std::string>& names) {
  app.add_option("--source", names,
                 "Work on this source only (repeatable; default: every source of the state "
                 "file or the config)")
      ->type_name("NAME")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

void add_secret_options(CLI::App& app, SecretOptions& options) {
  app.add_option("--pagerduty-key-file", options.pagerduty_key_file,
                 "Read the PagerDuty routing key from FILE (default: $PAGERDUTY_ROUTING_KEY)")
      ->type_name("FILE");
  app.add_option("--opsgenie-key-file", options.opsgenie_key_file,
                 "Read the Opsgenie API key from FILE (default: $OPSGENIE_API_KEY)")
      ->type_name("FILE");
}

namespace {

// The key in FILE, or the environment variable VAR. FILE is read as --secret-file's is
// (a directory or an unreadable file is named with the reason); a key is one token, so
// the white space around it is dropped too.
std::string secret(const std::string& file, const char* option, const char* var) {
  if (file.empty()) return env_or_empty(var);
  const std::string key(util::trim(util::read_secret_file(file, option)));
  if (key.empty()) throw Error(std::string(option) + ": '" + file + "' holds no secret");
  return key;
}

}  // namespace

forward::Secrets read_secrets(const SecretOptions& options) {
  return {secret(options.pagerduty_key_file, "--pagerduty-key-file", "PAGERDUTY_ROUTING_KEY"),
          secret(options.opsgenie_key_file, "--opsgenie-key-file", "OPSGENIE_API_KEY")};
}

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::string(value) : std::string();
}

}  // namespace jira_alerts::cli
