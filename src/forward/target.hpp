#pragma once
// Where 'push' sends alerts: a platform and its URL, as --to names them.

#include <cstdint>
#include <string>
#include <string_view>

namespace jira_alerts::forward {

// The platforms push speaks to.
enum class Platform : std::uint8_t { alertmanager, pagerduty, opsgenie };

std::string_view platform_name(Platform platform);

// A URL split the way the HTTP client wants it.
struct Url {
  std::string origin;  // scheme://host[:port]
  std::string path;    // the rest, without a trailing slash ("" for none)
};

// Splits an http:// or https:// URL; throws a usage Error naming OPTION otherwise.
Url parse_url(std::string_view text, std::string_view option);

// One target of push --to (or record --push).
struct Target {
  Platform platform;
  Url url;
  std::string name;    // "alertmanager=http://127.0.0.1:9093": the outbox's key, in messages
  std::string option;  // the option that named it, for messages: "--to"
};

// Parses "alertmanager=URL", "pagerduty[=URL]" or "opsgenie[=URL]" (the URL defaults to
// the platform's public endpoint); throws a usage Error that names OPTION.
Target parse_target(std::string_view spec, std::string_view option = "--to");

}  // namespace jira_alerts::forward
