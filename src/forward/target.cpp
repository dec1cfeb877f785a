#include "forward/target.hpp"

#include <optional>

#include "forward/opsgenie.hpp"
#include "forward/pagerduty.hpp"
#include "util/error.hpp"

namespace jira_alerts::forward {

std::string_view platform_name(Platform platform) {
  switch (platform) {
    case Platform::alertmanager:
      return "alertmanager";
    case Platform::pagerduty:
      return "pagerduty";
    case Platform::opsgenie:
      return "opsgenie";
  }
  return "alertmanager";
}

namespace {

// The port HOST names after its last colon (past any user and an IPv6 address's
// brackets), or none.
std::optional<std::string_view> port_of(std::string_view host) {
  if (const auto at = host.rfind('@'); at != std::string_view::npos) host = host.substr(at + 1);
  const auto colon = host.rfind(':');
  const auto bracket = host.rfind(']');
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket))
    return std::nullopt;
  return host.substr(colon + 1);
}

bool valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  int value = 0;
  for (const char c : port) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  return value >= 1 && value <= 65535;
}

}  // namespace

Url parse_url(std::string_view text, std::string_view option) {
  const auto fail = [&](const std::string& why) {
    return Error(std::string(option) + ": '" + std::string(text) + "': " + why, Exit::usage);
  };
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) throw fail("expected a URL such as http://host:port");
  const std::string_view scheme = text.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") throw fail("only http and https URLs are supported");
  const auto path_at = text.find('/', scheme_end + 3);
  std::string_view host = text.substr(scheme_end + 3, path_at - (scheme_end + 3));
  if (host.empty()) throw fail("the URL names no host");
  if (host.front() == '[' && host.find(']') == std::string_view::npos)
    throw fail("the IPv6 address has no closing ']'");
  if (const auto port = port_of(host); port && !valid_port(*port))
    throw fail("the port must be a number from 1 to 65535");
  for (const char c : text)
    if (static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f)
      throw fail("the URL holds a space or a control character");
  Url url{std::string(text.substr(0, scheme_end + 3)) + std::string(host), ""};
  if (path_at != std::string_view::npos) url.path = text.substr(path_at);
  while (!url.path.empty() && url.path.back() == '/') url.path.pop_back();
  return url;
}

Target parse_target(std::string_view spec, std::string_view option) {
  const auto eq = spec.find('=');
  const std::string_view kind = spec.substr(0, eq);
  const std::string_view given =
      eq == std::string_view::npos ? std::string_view() : spec.substr(eq + 1);
  Target t{};
  t.option = option;
  if (kind == "alertmanager") {
    if (given.empty())
      throw Error(
          t.option + " alertmanager needs the Alertmanager's URL: alertmanager=http://HOST:9093",
          Exit::usage);
    t.platform = Platform::alertmanager;
  } else if (kind == "pagerduty") {
    t.platform = Platform::pagerduty;
  } else if (kind == "opsgenie") {
    t.platform = Platform::opsgenie;
  } else {
    throw Error(t.option + " '" + std::string(spec) +
                    "': expected alertmanager=URL, pagerduty[=URL] or opsgenie[=URL]",
                Exit::usage);
  }
  std::string_view url = given;
  if (url.empty())
    url = t.platform == Platform::pagerduty ? pagerduty::default_url : opsgenie::default_url;
  t.url = parse_url(url, option);
  t.name = std::string(platform_name(t.platform)) + "=" + t.url.origin + t.url.path;
  return t;
}

}  // namespace jira_alerts::forward
