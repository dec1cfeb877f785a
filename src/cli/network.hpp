#pragma once
// record and push: the commands that speak HTTP. Their work is linked into a program of
// its own, jira-alerts-net, with cpp-httplib and OpenSSL: loading those costs every run
// of jira-alerts milliseconds at start, which a CI gate reading one row would otherwise pay.
// jira-alerts defines the options of every command, so that its help and completions are
// whole, and runs jira-alerts-net with the same command line for these two
// (network_exec.cpp); jira-alerts-net runs them itself (record_run.cpp, push_run.cpp).
// The command files reference run_record and run_push, so a program that links
// jira_alerts_lib and calls run() links one of the two definitions.

#include <string>
#include <vector>

#include "cli/command.hpp"

namespace jira_alerts::cli {

// record's command line.
struct RecordOptions {
  std::string listen = "127.0.0.1:8080";
  std::string out;
  std::string secret_file;
  std::string max_body = "16MiB";
  bool apply = false;
  bool remap = false;
  std::string db;
  MappingOptions mapping;
  std::vector<std::string> sources;
  std::vector<std::string> push;
  SecretOptions secrets;
  std::string command_line;
};

// push's command line.
struct PushOptions {
  std::string db;
  std::vector<std::string> to;
  std::vector<std::string> sources;
  bool dry_run = false;
  double deadline = 60;
  SecretOptions secrets;
};

// Runs record or push (in jira-alerts, by running jira-alerts-net in its place).
int run_record(const RecordOptions& options);
int run_push(const PushOptions& options);

// The environment variable by which jira-alerts tells jira-alerts-net its version.
inline constexpr const char* caller_version_variable = "JIRA_ALERTS_CALLER_VERSION";
// In jira-alerts-net: throws a usage Error when the jira-alerts that ran it is another
// version (a partial upgrade), naming both.
void check_caller_version();

// The command line the program was started with: main's ARGV (run() keeps it), which
// jira-alerts hands on to jira-alerts-net.
void keep_arguments(char** argv);
char** kept_arguments();

}  // namespace jira_alerts::cli
