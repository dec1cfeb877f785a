#pragma once
// Opsgenie Alert API: create an alert by alias, close it by alias.

#include <string>
#include <string_view>

#include "forward/change.hpp"

namespace jira_alerts::forward::opsgenie {

// The public endpoint (the EU instance is https://api.eu.opsgenie.com).
inline constexpr std::string_view default_url = "https://api.opsgenie.com";

// Opsgenie's limits, in characters (here: bytes, cut on character boundaries).
inline constexpr std::size_t max_message = 130;
inline constexpr std::size_t max_description = 15000;
inline constexpr std::size_t max_tag = 50;
inline constexpr std::size_t max_detail = 1000;  // six details stay under the 8,000 in all
inline constexpr std::size_t max_source = 100;
inline constexpr std::size_t max_user = 100;

// One request to the Alert API.
struct Request {
  std::string_view action;  // "create" or "close"
  std::string path;         // below the base URL, e.g. /v2/alerts
  std::string body;         // JSON
};

// The request for CHANGE: create (alias = fingerprint, priority P1–P4) for open, update
// and reopen; close by alias for resolve.
Request request(const Change& change);

// The request as one line of 'replay --format opsgenie': {"action", "path", "body"}.
std::string line(const Request& request);

}  // namespace jira_alerts::forward::opsgenie
