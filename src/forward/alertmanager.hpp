#pragma once
// Prometheus Alertmanager: the body of POST /api/v2/alerts.

#include <string>
#include <vector>

#include "forward/change.hpp"
#include "store/queries.hpp"

namespace jira_alerts::forward::alertmanager {

// The path of the alerts endpoint below the Alertmanager's base URL.
inline constexpr std::string_view alerts_path = "/api/v2/alerts";

// Writes ALERT as one postable alert: labels alertname, fingerprint,
// alert_source (any source but the default one: the label set is an alert's identity),
// project, priority and severity; annotations summary, status, jira_priority; startsAt,
// endsAt (resolved alerts only) and generatorURL (when the Jira site is known).
void write_alert(Writer& w, const store::AlertView& alert);

// The JSON array of ALERTS, as POST /api/v2/alerts takes it.
std::string body(const std::vector<store::AlertView>& alerts);

}  // namespace jira_alerts::forward::alertmanager
