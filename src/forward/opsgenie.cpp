#include "forward/opsgenie.hpp"

namespace jira_alerts::forward::opsgenie {
namespace {

void write_details(Writer& w, const Change& c, const std::string& url) {
  put(w, "details");
  w.StartObject();
  member(w, "priority", rules::level_name(c.priority));
  if (named_source(c.source)) member(w, "alert_source", c.source);
  for (const auto& [name, value] :
       {std::pair{"status", c.status}, std::pair{"jira_priority", c.jira_priority},
        std::pair{"user", c.user}, std::pair{"reason", std::optional(c.reason)}}) {
    if (value && !value->empty()) member(w, name, cut_utf8(*value, max_detail));
  }
  if (!url.empty()) member(w, "url", cut_utf8(url, max_detail));
  w.EndObject();
}

std::string create_body(const Change& c) {
  const std::string url = browse_url(c.site, c.fingerprint);
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  member(w, "message", cut_utf8(headline(c.fingerprint, c.summary), max_message));
  member(w, "alias", platform_key(c.source, c.fingerprint));
  std::string description(c.summary.value_or(""));
  if (!url.empty()) description += (description.empty() ? "" : "\n\n") + url;
  if (!description.empty()) member(w, "description", cut_utf8(description, max_description));
  put(w, "tags");
  w.StartArray();
  put(w, "jira");
  if (named_source(c.source)) put(w, cut_utf8(c.source, max_tag));
  if (c.project && !c.project->empty()) put(w, cut_utf8(*c.project, max_tag));
  put(w, rules::level_name(c.priority));
  w.EndArray();
  write_details(w, c, url);
  member(w, "entity", c.fingerprint);
  member(w, "source", cut_utf8(site_host(c.site, "jira-alerts"), max_source));
  member(w, "priority", opsgenie_priority(c.priority));
  if (c.user && !c.user->empty()) member(w, "user", cut_utf8(*c.user, max_user));
  member_if(w, "note", c.reason);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string close_body(const Change& c) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  member(w, "source", cut_utf8(site_host(c.site, "jira-alerts"), max_source));
  if (c.user && !c.user->empty()) member(w, "user", cut_utf8(*c.user, max_user));
  member_if(w, "note", c.reason);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

Request request(const Change& c) {
  if (ends_incident(c)) {
    return {"close",
            "/v2/alerts/" + escape_path_segment(platform_key(c.source, c.fingerprint)) +
                "/close?identifierType=alias",
            close_body(c)};
  }
  return {"create", "/v2/alerts", create_body(c)};
}

std::string line(const Request& r) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  member(w, "action", r.action);
  member(w, "path", r.path);
  put(w, "body");
  w.RawValue(r.body.data(), r.body.size(), rapidjson::kObjectType);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace jira_alerts::forward::opsgenie
