#pragma once
// What the alerting platforms are told: one applied change of an alert, the levels
// they speak, and the JSON writer every integration builds its requests with.

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <optional>
#include <string>
#include <string_view>

#include "report/format.hpp"
#include "rules/decide.hpp"
#include "store/sources.hpp"
#include "util/time.hpp"

namespace jira_alerts::forward {

using report::optional_view;

// One applied decision (open, update, reopen or resolve) of an alert.
struct Change {
  std::string_view fingerprint;
  std::string_view source = store::default_source;  // the source the alert belongs to
  rules::Action action = rules::Action::open;
  rules::State state = rules::State::open;  // the state the change leaves the alert in
  rules::Level priority = rules::Level::medium;
  std::optional<std::string_view> jira_priority, status, summary, project, site, user;
  std::string_view reason;
  std::optional<util::Millis> timestamp;
};

// Does CHANGE end the incident (a resolve) rather than raise or refresh it?
// An update of a resolved alert (Done to Closed, a payload without a status) keeps it
// ended: it must not raise the incident again.
constexpr bool ends_incident(const Change& change) {
  return change.action == rules::Action::resolve || change.state == rules::State::resolved;
}

// The key a platform knows an alert of SOURCE by: its fingerprint for the default source
// (jira), "SOURCE/FINGERPRINT" for any other, so that two sources' alerts of one issue are
// two alerts there, as two webhooks pointing at two sources of the platform make them.
std::string platform_key(std::string_view source, std::string_view fingerprint);

// Is SOURCE one that the platforms are told of (any but the default source)?
constexpr bool named_source(std::string_view source) {
  return source != store::default_source;
}

// Alertmanager's and PagerDuty's severity: critical, error, warning, info.
std::string_view severity(rules::Level level);

// Opsgenie's priority: P1 (CRITICAL) to P4 (LOW).
std::string_view opsgenie_priority(rules::Level level);

// The page in Jira, or "" when the site is unknown.
std::string browse_url(std::optional<std::string_view> site, std::string_view key);

// The host of SITE ("acme.atlassian.net" of "https://acme.atlassian.net"), or FALLBACK.
std::string_view site_host(std::optional<std::string_view> site, std::string_view fallback);

// "KAN-5: Checkout is down" (the key alone without a summary).
std::string headline(std::string_view key, std::optional<std::string_view> summary);

// TEXT cut to at most MAX bytes without splitting a UTF-8 character; "…" marks a cut.
std::string cut_utf8(std::string_view text, std::size_t max);

// TEXT percent-encoded for a URL path segment (RFC 3986 unreserved characters kept).
std::string escape_path_segment(std::string_view text);

// The JSON writer of every request body.
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Writes a string value (or a member name) from a view.
void put(Writer& w, std::string_view text);
// Writes the member NAME: VALUE.
void member(Writer& w, std::string_view name, std::string_view value);
// Writes the member NAME: VALUE when VALUE is present and not empty.
void member_if(Writer& w, std::string_view name, std::optional<std::string_view> value);

}  // namespace jira_alerts::forward
