#include "forward/pagerduty.hpp"

namespace jira_alerts::forward::pagerduty {
namespace {

void write_payload(Writer& w, const Change& c) {
  put(w, "payload");
  w.StartObject();
  member(w, "summary", cut_utf8(headline(c.fingerprint, c.summary), max_summary));
  member(w, "source", site_host(c.site, "jira-alerts"));
  member(w, "severity", severity(c.priority));
  if (c.timestamp) member(w, "timestamp", util::format_iso8601(*c.timestamp));
  member_if(w, "component", c.project);
  member(w, "class", "jira-issue");
  put(w, "custom_details");
  w.StartObject();
  member(w, "priority", rules::level_name(c.priority));
  if (named_source(c.source)) member(w, "alert_source", c.source);
  member_if(w, "status", c.status);
  member_if(w, "jira_priority", c.jira_priority);
  member_if(w, "user", c.user);
  member_if(w, "reason", c.reason);
  w.EndObject();
  w.EndObject();
}

}  // namespace

std::string event(const Change& c, std::string_view routing_key) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  if (!routing_key.empty()) member(w, "routing_key", routing_key);
  member(w, "event_action", ends_incident(c) ? "resolve" : "trigger");
  member(w, "dedup_key", platform_key(c.source, c.fingerprint));
  // A resolve needs no payload; it carries one anyway so that the log shows why.
  write_payload(w, c);
  member(w, "client", "jira-alerts");
  if (const std::string url = browse_url(c.site, c.fingerprint); !url.empty()) {
    member(w, "client_url", url);
    put(w, "links");
    w.StartArray();
    w.StartObject();
    member(w, "href", url);
    member(w, "text", std::string(c.fingerprint) + " in Jira");
    w.EndObject();
    w.EndArray();
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace jira_alerts::forward::pagerduty
