// record and push in jira-alerts: the same command line, run by jira-alerts-net (see
// network.hpp). exec keeps the process: its id, standard streams, environment and signals.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include "cli/network.hpp"
#include "util/error.hpp"

namespace jira_alerts::cli {
namespace {

constexpr const char* program = "jira-alerts-net";

[[noreturn]] void run_network_program(const char* command) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec)
    throw Error(std::string(command) + ": cannot find this program's directory: " + ec.message());
  // Installed: in the libexec directory, found from the binary's own; built: beside it.
  const fs::path installed = self.parent_path() / JIRA_ALERTS_LIBEXEC_FROM_BINDIR / program;
  const fs::path built = self.parent_path() / program;
  // jira-alerts-net checks that it is of this version (check_caller_version).
  ::setenv(caller_version_variable, JIRA_ALERTS_VERSION, 1);
  std::string tried;
  for (const fs::path& candidate : {installed, built}) {
    ::execv(candidate.c_str(), kept_arguments());
    const int error = errno;
    const std::string shown = "'" + candidate.lexically_normal().string() + "'";
    if (error == ENOENT && ::access(candidate.c_str(), F_OK) != 0) {
      tried += (tried.empty() ? "" : " or ") + shown;
      continue;
    }
    // ENOENT for a file that is there: its interpreter or loader is missing.
    throw Error(std::string(command) + ": cannot run " + shown + ": " + std::strerror(error));
  }
  throw Error(std::string(command) + " is done by " + program + ", which is not at " + tried +
              " (an incomplete install?)");
}

}  // namespace

int run_record(const RecordOptions&) {
  run_network_program("record");
}

int run_push(const PushOptions&) {
  run_network_program("push");
}

}  // namespace jira_alerts::cli
