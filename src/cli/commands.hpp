#pragma once
// The subcommands; each lives in its own file.

#include "cli/command.hpp"

namespace jira_alerts::cli {

// COMMAND_LINE is the whole command line, recorded with each run in the state file.
Command setup_replay(CLI::App& parent, const std::string& command_line);
Command setup_alerts(CLI::App& parent);
Command setup_show(CLI::App& parent);
Command setup_check(CLI::App& parent);
Command setup_lint(CLI::App& parent);
Command setup_stats(CLI::App& parent);
Command setup_rejects(CLI::App& parent);
Command setup_completion(CLI::App& parent);
Command setup_push(CLI::App& parent);
Command setup_record(CLI::App& parent, const std::string& command_line);
Command setup_settings(CLI::App& parent);
Command setup_rebuild(CLI::App& parent);

// Parses the command line, runs the chosen command, and returns the exit status.
int run(int argc, char** argv);

}  // namespace jira_alerts::cli
