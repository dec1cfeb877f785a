#pragma once
// Alert records as text tables, JSON Lines or CSV.

#include <vector>

#include "report/format.hpp"
#include "store/queries.hpp"

namespace jira_alerts::report {

// Prints ALERTS in FORMAT to OUT.
void print_alerts(Output& out, Format format, const std::vector<store::AlertView>& alerts);

// Appends one alert as a JSON object (no newline).
void append_alert_json(std::string& out, const store::AlertView& alert);

}  // namespace jira_alerts::report
