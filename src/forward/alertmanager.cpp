#include "forward/alertmanager.hpp"

namespace jira_alerts::forward::alertmanager {

void write_alert(Writer& w, const store::AlertView& a) {
  w.StartObject();
  put(w, "labels");
  w.StartObject();
  member(w, "alertname", "JiraIssue");
  member(w, "fingerprint", a.fingerprint);
  // An alert read without its source's name is the default source's.
  if (!a.alert_source.empty() && named_source(a.alert_source))
    member(w, "alert_source", a.alert_source);
  member_if(w, "project", optional_view(a.project));
  member(w, "priority", rules::level_name(a.priority));
  member(w, "severity", severity(a.priority));
  w.EndObject();
  put(w, "annotations");
  w.StartObject();
  member(w, "summary", headline(a.fingerprint, optional_view(a.summary)));
  member_if(w, "status", optional_view(a.status));
  member_if(w, "jira_priority", optional_view(a.jira_priority));
  w.EndObject();
  // An alert first seen resolved has no start: Alertmanager then takes its end.
  if (a.opened_at) member(w, "startsAt", util::format_iso8601(*a.opened_at));
  if (a.state == rules::State::resolved) {
    // Without event times the end is now: the alert must still end.
    const auto ended = a.resolved_at ? a.resolved_at : a.updated_at;
    member(w, "endsAt", util::format_iso8601(ended.value_or(util::now_millis())));
  }
  if (const std::string url = browse_url(optional_view(a.site), a.fingerprint); !url.empty())
    member(w, "generatorURL", url);
  w.EndObject();
}

std::string body(const std::vector<store::AlertView>& alerts) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartArray();
  for (const auto& a : alerts) write_alert(w, a);
  w.EndArray();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace jira_alerts::forward::alertmanager
