#include "report/alerts.hpp"

#include "report/table.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

namespace jira_alerts::report {
namespace {

std::string join(const std::vector<std::string>& items, char separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out.push_back(separator);
    out += item;
  }
  return out;
}

}  // namespace

void alert_members(JsonWriter& w, const store::AlertView& a, bool named_source) {
  if (named_source) w.members("alert_source", a.alert_source);
  w.members("fingerprint", a.fingerprint, "state", rules::state_name(a.state), "priority",
            rules::level_name(a.priority), "jira_priority", a.jira_priority, "status", a.status,
            "summary", a.summary, "project", a.project, "issue_id", a.issue_id, "opened_at",
            Time{a.opened_at}, "resolved_at", Time{a.resolved_at}, "updated_at", Time{a.updated_at},
            "events", a.events, "reopens", a.reopens, "episodes", a.episode);
  w.key("aliases").begin_array();
  for (const auto& alias : a.aliases) w.value(alias);
  w.end_array();
}

void print_alerts(Output& out, Format format, const std::vector<store::AlertView>& alerts,
                  bool named_sources) {
  switch (format) {
    case Format::jsonl: {
      JsonWriter w;
      for (const auto& a : alerts) {
        w.reset(out.buffer()).begin_object();
        alert_members(w, a, named_sources);
        w.end_object();
        out.buffer().push_back('\n');
        out.done();
      }
      break;
    }
    case Format::csv: {
      if (out.headers())
        out.buffer() +=
            std::string(named_sources ? "alert_source," : "") +
            "fingerprint,state,priority,jira_priority,status,summary,project,issue_id,opened_at,"
            "resolved_at,updated_at,events,reopens,episodes,aliases\n";
      for (const auto& a : alerts) {
        std::string& o = out.buffer();
        if (named_sources) {
          util::append_csv_field(o, a.alert_source);
          o.push_back(',');
        }
        const std::vector<std::string> cells{a.fingerprint,
                                             std::string(rules::state_name(a.state)),
                                             std::string(rules::level_name(a.priority)),
                                             a.jira_priority.value_or(""),
                                             a.status.value_or(""),
                                             a.summary.value_or(""),
                                             a.project.value_or(""),
                                             a.issue_id.value_or(""),
                                             time_or(a.opened_at, ""),
                                             time_or(a.resolved_at, ""),
                                             time_or(a.updated_at, ""),
                                             std::to_string(a.events),
                                             std::to_string(a.reopens),
                                             std::to_string(a.episode),
                                             join(a.aliases, ' ')};
        for (std::size_t i = 0; i < cells.size(); ++i) {
          if (i > 0) o.push_back(',');
          util::append_csv_field(o, cells[i]);
        }
        o.push_back('\n');
        out.done();
      }
      break;
    }
    case Format::text: {
      std::vector<std::string> header{"FINGERPRINT", "STATE",   "PRIORITY", "STATUS",
                                      "UPDATED",     "REOPENS", "SUMMARY"};
      if (named_sources) header.insert(header.begin(), "ALERT SOURCE");
      Table table(header);
      for (const auto& a : alerts) {
        std::string fingerprint = a.fingerprint;
        if (!a.aliases.empty()) fingerprint += " (" + join(a.aliases, ' ') + ")";
        std::vector<std::string> row{fingerprint,
                                     std::string(rules::state_name(a.state)),
                                     std::string(rules::level_name(a.priority)),
                                     a.status.value_or("-"),
                                     time_or(a.updated_at, "-"),
                                     std::to_string(a.reopens),
                                     a.summary.value_or("")};
        if (named_sources) row.insert(row.begin(), a.alert_source);
        table.add(row);
      }
      table.print(out);
      break;
    }
  }
}

}  // namespace jira_alerts::report
