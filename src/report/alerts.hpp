#pragma once
// Alert records as text tables, JSON Lines or CSV.

#include <vector>

#include "report/format.hpp"
#include "report/json.hpp"
#include "store/queries.hpp"

namespace jira_alerts::report {

// Prints ALERTS in FORMAT to OUT; with NAMED_SOURCES each names its source first (a
// column ALERT SOURCE, a member or field alert_source).
void print_alerts(Output& out, Format format, const std::vector<store::AlertView>& alerts,
                  bool named_sources = false);

// Writes the members of one alert's JSON object (alert_source first when NAMED_SOURCE).
void alert_members(JsonWriter& w, const store::AlertView& alert, bool named_source = false);

}  // namespace jira_alerts::report
