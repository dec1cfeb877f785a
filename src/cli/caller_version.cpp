// jira-alerts-net refuses to run for a jira-alerts of another version (see network.hpp).
#include <cstdlib>
#include <string>

#include "cli/network.hpp"
#include "util/error.hpp"

namespace jira_alerts::cli {

void check_caller_version() {
  const char* caller = std::getenv(caller_version_variable);
  if (caller == nullptr) return;  // run directly
  const std::string version = caller;
  ::unsetenv(caller_version_variable);
  if (version != JIRA_ALERTS_VERSION)
    throw Error("jira-alerts " + version +
                " ran jira-alerts-net " JIRA_ALERTS_VERSION
                ": the two programs are of different installs (reinstall jira-alerts)");
}

}  // namespace jira_alerts::cli
