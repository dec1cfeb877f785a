#pragma once
// Alert records as text tables, JSON Lines or CSV.

#include <vector>

#include "report/format.hpp"
#include "report/json.hpp"
#include "store/queries.hpp"

namespace jira_alerts::report {

// Prints ALERTS in FORMAT to OUT.
void print_alerts(Output& out, Format format, const std::vector<store::AlertView>& alerts);

// Writes the members of one alert's JSON object.
void alert_members(JsonWriter& w, const store::AlertView& alert);

}  // namespace jira_alerts::report
