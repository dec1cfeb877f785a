#pragma once
// What every subcommand shares: its registration, the state-file option, formats
// and the mapping settings.

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "forward/push.hpp"
#include "read/input.hpp"
#include "report/format.hpp"
#include "rules/mapping.hpp"
#include "util/time.hpp"

namespace jira_alerts::cli {

// A registered subcommand and the work it does once the command line is parsed.
struct Command {
  CLI::App* app;
  std::function<int()> run;  // returns the exit status
};

// The default state file in the current directory.
inline constexpr const char* default_db = "jira-alerts.db";

// Adds --db (and the JIRA_ALERTS_DB environment variable) bound to PATH.
void add_db_option(CLI::App& app, std::string& path);

// Adds --label, the name standard input goes by, bound to LABEL.
void add_label_option(CLI::App& app, std::string& label);

// Adds --format with the ALLOWED names, bound to FORMAT.
void add_format_option(CLI::App& app, std::string& format, const std::vector<std::string>& allowed);

// Adds --color=auto|always|never (default auto: a terminal, unless NO_COLOR is set).
void add_colour_option(CLI::App& app, std::string& mode);

// Adds --no-header: tables and CSV without their header line.
void add_no_header_option(CLI::App& app, bool& no_header);

// The mapping settings as given on the command line.
struct MappingOptions {
  std::string config_file;
  std::vector<std::string> resolve_statuses;
  bool no_category = false;
  std::vector<std::string> priorities;  // NAME=LEVEL
  std::string default_priority;
  std::string jql;  // the scope: only issues it matches change alerts

  // Does the command line (or JIRA_ALERTS_CONFIG) give any setting of the mapping?
  // The scope is not one.
  bool given() const {
    return !config_file.empty() || !resolve_statuses.empty() || no_category ||
           !priorities.empty() || !default_priority.empty();
  }
};

// Adds --include GLOB and --exclude GLOB (repeatable): which files directory walks read.
void add_walk_options(CLI::App& app, read::WalkFilter& filter);

// The files COMMAND reads: OPERANDS expanded through FILTER, or standard input when
// there are none. Warns on standard error of each directory that gives no file ("no files to
// COMMAND"). Throws a usage Error when there are none and standard input is a terminal,
// and when a LABEL (--label) is given but standard input is not among them.
read::Inputs command_inputs(std::vector<std::string> operands, const read::WalkFilter& filter,
                            const std::string& command, const std::string& label);

// "; N files in directories skipped (see --include)", or "" when SKIPPED is 0.
std::string skipped_note(std::uint64_t skipped);

// Adds --config, --resolve-status, --no-category, --priority, --default-priority and --jql.
void add_mapping_options(CLI::App& app, MappingOptions& options);

// One source as a config file defines it (a [[source]] table).
struct SourceDefinition {
  std::string name;
  std::optional<std::string> jql;   // its scope
  std::optional<std::string> path;  // the record URL path that feeds it
  // The defaults, the config's top-level settings, the source's own, then the flags; the
  // scope is its jql.
  rules::Mapping mapping;
};

// What a command line gives: the mapping, and the sources its config file defines (none:
// the config divides nothing).
struct GivenSettings {
  rules::Mapping mapping;
  std::vector<SourceDefinition> sources;
};

// Builds the mapping: the defaults, then the config file, then the flags.
// Throws Error (exit 2) for an unreadable or invalid config file or flag.
rules::Mapping build_mapping(const MappingOptions& options);
// The same, with the config file's sources, each built the same way over its own settings.
GivenSettings build_settings(const MappingOptions& options);

// Adds --source NAME (repeatable), bound to NAMES: the sources a command works on.
void add_source_option(CLI::App& app, std::vector<std::string>& names);

// Reads a TOML config file into MAPPING and returns its sources, each with MAPPING and then
// its own settings (see the CONFIGURATION and SOURCES sections of the man page). ORIGIN,
// how the path was given, starts the message when the file cannot be read.
std::vector<SourceDefinition> load_config(const std::string& path, rules::Mapping& mapping,
                                          const std::string& origin = "--config");
// The same for config TEXT; messages name PATH as its place.
void load_config_text(std::string_view text, const std::string& path, rules::Mapping& mapping);

// Parses TEXT, given to OPTION (e.g. "--at"), as a time (util::parse_time_argument against
// the wall clock) or throws a usage Error that names the option and the reason.
util::Millis time_or_throw(const std::string& option, const std::string& text);

// Adds a TIME option (--at, --since, --until) bound to TEXT, with DESCRIPTION.
CLI::Option* add_time_option(CLI::App& app, const std::string& name, std::string& text,
                             const std::string& description);

// Where the platforms' secrets are read from: a file each, else the environment.
struct SecretOptions {
  std::string pagerduty_key_file, opsgenie_key_file;
};

// Adds --pagerduty-key-file and --opsgenie-key-file.
void add_secret_options(CLI::App& app, SecretOptions& options);

// The secrets: each file's content without surrounding white space, or the environment
// variables PAGERDUTY_ROUTING_KEY and OPSGENIE_API_KEY. Throws a usage Error for an
// unreadable or empty file.
forward::Secrets read_secrets(const SecretOptions& options);

// The environment variable NAME, or "" when it is unset.
std::string env_or_empty(const char* name);

// Parses a level name or throws a usage Error that says what WHAT was and suggests a name.
rules::Level level_or_throw(const std::string& name, const std::string& what);

}  // namespace jira_alerts::cli
