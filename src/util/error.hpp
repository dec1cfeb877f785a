#pragma once
// The program's error type: thrown by low-level code, caught once near main.

#include <stdexcept>
#include <string>

namespace jira_alerts {

// Process exit statuses (SPEC §5).
enum class Exit : int {
  ok = 0,      // all good
  failed = 1,  // a check failed or some payloads were rejected
  usage = 2,   // usage error, unreadable input or unusable state file
};

// An error the user can act on; its message is printed as "jira-alerts: <message>".
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, Exit status = Exit::usage)
      : std::runtime_error(message), status_(status) {}

  // The exit status the program ends with when this error reaches main.
  Exit status() const { return status_; }

 private:
  Exit status_;
};

}  // namespace jira_alerts
