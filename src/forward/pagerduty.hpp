#pragma once
// PagerDuty Events API v2: one event per applied decision.

#include <string>
#include <string_view>

#include "forward/change.hpp"

namespace jira_alerts::forward::pagerduty {

// The public endpoint events are sent to.
inline constexpr std::string_view default_url = "https://events.pagerduty.com/v2/enqueue";

// The longest payload.summary PagerDuty takes.
inline constexpr std::size_t max_summary = 1024;

// The event for CHANGE: "trigger" for open, update and reopen, "resolve" for resolve,
// dedup_key = the fingerprint. ROUTING_KEY is left out when empty.
std::string event(const Change& change, std::string_view routing_key);

}  // namespace jira_alerts::forward::pagerduty
