#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <exception>

#include "cli/commands.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace jira_alerts::cli {

int run(int argc, char** argv) {
  // No allocation statistics: they take a global mutex on every SQLite allocation.
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  CLI::App app{"jira-alerts: replay recorded Jira webhook payloads into alert state",
               "jira-alerts"};
  app.set_version_flag("--version", "jira-alerts " JIRA_ALERTS_VERSION);
  app.require_subcommand(1);
  app.footer(R"(Examples:
  jira-alerts replay fixtures/history && jira-alerts alerts --state open
  jira-alerts replay --quiet --db incidents.db captures/*.json.gz

Run 'jira-alerts COMMAND --help' for a command's options; 'man jira-alerts' for the rules.)");
  std::string command_line = "jira-alerts";
  for (int i = 1; i < argc; ++i) command_line += std::string(" ") + argv[i];
  const std::vector<Command> commands{setup_replay(app, command_line),
                                      setup_alerts(app),
                                      setup_show(app),
                                      setup_check(app),
                                      setup_lint(app),
                                      setup_stats(app),
                                      setup_rejects(app)};

  // A mistyped command would otherwise read as "a subcommand is required".
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> names;
    for (const auto& command : commands) names.push_back(command.app->get_name());
    if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
      std::string message = std::string("jira-alerts: unknown command '") + argv[1] + "'";
      const std::string suggestion = util::closest(argv[1], names);
      if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
      std::fprintf(stderr, "%s\nRun 'jira-alerts --help' for the commands.\n", message.c_str());
      return static_cast<int>(Exit::usage);
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::Success& e) {  // --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr,
                 "jira-alerts: %s\nRun 'jira-alerts --help' for the commands, 'jira-alerts COMMAND "
                 "--help' for their options.\n",
                 e.what());
    return static_cast<int>(Exit::usage);
  }
  try {
    for (const auto& command : commands)
      if (command.app->parsed()) return command.run();
  } catch (const Error& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "jira-alerts: %s\n", e.what());
    return static_cast<int>(e.status());
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "jira-alerts: internal error: %s\n", e.what());
    return static_cast<int>(Exit::usage);
  }
  return static_cast<int>(Exit::usage);
}

}  // namespace jira_alerts::cli
