#include "report/console.hpp"

namespace jira_alerts::report {

void Console::rejected(const replay::Notice& n) {
  std::fprintf(err_, "jira-alerts: %.*s:%llu:%llu: %.*s\n", static_cast<int>(n.path.size()),
               n.path.data(), static_cast<unsigned long long>(n.line),
               static_cast<unsigned long long>(n.column.value_or(0)),
               static_cast<int>(n.text.size()), n.text.data());
}

void Console::warning(const replay::Notice& n) {
  std::fprintf(err_, "jira-alerts: warning: %.*s:%llu: %.*s\n", static_cast<int>(n.path.size()),
               n.path.data(), static_cast<unsigned long long>(n.line),
               static_cast<int>(n.text.size()), n.text.data());
}

}  // namespace jira_alerts::report
