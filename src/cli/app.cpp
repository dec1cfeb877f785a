#include <sqlite3.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/network.hpp"
#include "cli/usage.hpp"
#include "report/format.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace jira_alerts::cli {

namespace {

char** arguments = nullptr;

// STATUS, unless the help or version text CLI11 printed could not be written.
int printed(int status) {
  std::cout.flush();
  if (std::cout || errno == EPIPE) return status;  // a reader that went away is no error
  std::fprintf(stderr, "jira-alerts: cannot write to standard output: %s\n", std::strerror(errno));
  return static_cast<int>(Exit::usage);
}

}  // namespace

void keep_arguments(char** argv) {
  arguments = argv;
}

char** kept_arguments() {
  return arguments;
}

int run(int argc, char** argv) {
  keep_arguments(argv);
  // No allocation statistics: they take a global mutex on every SQLite allocation.
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  // The sort that builds an index (store/indexes.cpp) may write sorted runs of 1 MiB
  // instead of 4: the least it holds in memory while the page cache is cut for it.
  sqlite3_config(SQLITE_CONFIG_PMASZ, 64);
  // A reader that goes away (replay ... | head) is an EPIPE for the output to handle,
  // not a signal that ends the process half-way through a replay.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"jira-alerts: replay recorded Jira webhook payloads into alert state",
               "jira-alerts"};
  app.set_version_flag("-V,--version", "jira-alerts " JIRA_ALERTS_VERSION);
  app.require_subcommand(1);
  app.footer(R"(Examples:
  jira-alerts replay fixtures/history && jira-alerts alerts --state open
  jira-alerts replay --quiet --db incidents.db fixtures/history
  jira-alerts help check

Run 'jira-alerts COMMAND --help' or 'jira-alerts help COMMAND' for a command's options;
'man jira-alerts' for the rules.)");
  std::string command_line = "jira-alerts";
  for (int i = 1; i < argc; ++i) command_line += std::string(" ") + argv[i];
  const std::vector<Command> commands{setup_replay(app, command_line),
                                      setup_alerts(app),
                                      setup_show(app),
                                      setup_check(app),
                                      setup_lint(app),
                                      setup_stats(app),
                                      setup_rejects(app),
                                      setup_push(app),
                                      setup_record(app, command_line),
                                      setup_settings(app),
                                      setup_rebuild(app),
                                      setup_help(app),
                                      setup_completion(app)};
  keep_extras(app);

  auto usage = [&](const std::string& message) {
    std::fprintf(stderr, "jira-alerts: %s\n%s\n", message.c_str(), help_hint(app).c_str());
    return static_cast<int>(Exit::usage);
  };
  // A mistyped command would otherwise read as "a subcommand is required".
  if (const auto message = command_error(app, argc, argv)) return usage(*message);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return printed(app.exit(e));
  } catch (const CLI::CallForAllHelp& e) {
    return printed(app.exit(e));
  } catch (const CLI::Success& e) {  // --version
    return printed(app.exit(e));
  } catch (const CLI::ParseError& e) {
    return usage(parse_error_text(app, e));
  }
  if (const auto message = extras_error(app)) return usage(*message);
  try {
    for (const auto& command : commands) {
      if (!command.app->parsed()) continue;
      const int status = command.run();
      report::finish_output();
      return status;
    }
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
