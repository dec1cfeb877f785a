// record and push in jira-alerts: the same command line, run by jira-alerts-net (see
// network.hpp). exec keeps the process: its id, standard streams, environment and signals.
#include <unistd.h>

#include <cerrno>
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
  std::string tried;
  for (const fs::path& candidate : {installed, built}) {
    ::execv(candidate.c_str(), kept_arguments());
    const int error = errno;
    if (error != ENOENT)
      throw Error(std::string(command) + ": cannot run '" + candidate.string() +
                  "': " + std::strerror(error));
    tried += (tried.empty() ? "'" : " or '") + candidate.lexically_normal().string() + "'";
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
