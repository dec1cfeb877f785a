#include "forward/alertmanager.hpp"

namespace jira_alerts::forward::alertmanager {

void write_alert(Writer& w, const store::AlertView& a, std::string_view source) {
  w.StartObject();
  put(w, "labels");
  w.StartObject();
  member(w, "alertname", "JiraIssue");
  member(w, "fingerprint", a.fingerprint);
  if (named_source(source)) member(w, "alert_source", source);
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

namespace {

template <typename Alerts, typename Write>
std::string array(const Alerts& alerts, Write write) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartArray();
  for (const auto& a : alerts) write(w, a);
  w.EndArray();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

std::string body(const std::vector<store::AlertView>& alerts) {
  return array(alerts, [](Writer& w, const store::AlertView& a) { write_alert(w, a); });
}

std::string body(const std::vector<SourcedAlert>& alerts) {
  return array(alerts, [](Writer& w, const SourcedAlert& a) { write_alert(w, a.alert, a.source); });
}

}  // namespace jira_alerts::forward::alertmanager
