#pragma once
// Command-line mistakes in the words of every other error ("jira-alerts: --max-open: 'x'
// is not a number"), with "did you mean" for mistyped commands and options, and the help
// command. Everything is derived from the CLI11 definitions, so new commands and options
// are covered without a list to keep.

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "cli/command.hpp"

namespace jira_alerts::cli {

// Lets APP and every subcommand keep unknown arguments, so that extras_error can word them.
void keep_extras(CLI::App& app);

// The first argument no option or operand of the parsed commands took, worded with a
// suggestion; nothing when every argument was taken.
std::optional<std::string> extras_error(const CLI::App& app);

// A CLI11 parse error of APP, worded like the rest (without the "jira-alerts: " prefix).
std::string parse_error_text(const CLI::App& app, const CLI::ParseError& error);

// Where to look next: the help of the deepest parsed command, or of jira-alerts.
std::string help_hint(const CLI::App& app);

// A mistyped command in ARGS[1], worded with a suggestion; nothing when it is a command.
std::optional<std::string> command_error(const CLI::App& app, int argc, char** argv);

// The long and short option names of APP ("--db", "-q"), for suggestions and completions.
std::vector<std::string> option_names(const CLI::App& app);

// 'jira-alerts help [COMMAND]': the same text as --help.
Command setup_help(CLI::App& parent);

}  // namespace jira_alerts::cli
