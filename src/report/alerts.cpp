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

void append_alert_json(std::string& o, const store::AlertView& a) {
  o += "{\"fingerprint\":";
  util::append_json_string(o, a.fingerprint);
  o += ",\"state\":\"";
  o += rules::state_name(a.state);
  o += "\",\"priority\":\"";
  o += rules::level_name(a.priority);
  o += "\",\"jira_priority\":";
  append_json_optional(o, optional_view(a.jira_priority));
  o += ",\"status\":";
  append_json_optional(o, optional_view(a.status));
  o += ",\"summary\":";
  append_json_optional(o, optional_view(a.summary));
  o += ",\"project\":";
  append_json_optional(o, optional_view(a.project));
  o += ",\"issue_id\":";
  append_json_optional(o, optional_view(a.issue_id));
  o += ",\"opened_at\":";
  append_json_time(o, a.opened_at);
  o += ",\"resolved_at\":";
  append_json_time(o, a.resolved_at);
  o += ",\"updated_at\":";
  append_json_time(o, a.updated_at);
  o += ",\"events\":" + std::to_string(a.events);
  o += ",\"reopens\":" + std::to_string(a.reopens);
  o += ",\"episodes\":" + std::to_string(a.episode);
  o += ",\"aliases\":[";
  for (std::size_t i = 0; i < a.aliases.size(); ++i) {
    if (i > 0) o.push_back(',');
    util::append_json_string(o, a.aliases[i]);
  }
  o += "]}";
}

void print_alerts(Output& out, Format format, const std::vector<store::AlertView>& alerts) {
  switch (format) {
    case Format::jsonl:
      for (const auto& a : alerts) {
        append_alert_json(out.buffer(), a);
        out.buffer().push_back('\n');
        out.done();
      }
      break;
    case Format::csv: {
      if (out.headers())
        out.buffer() +=
            "fingerprint,state,priority,jira_priority,status,summary,project,issue_id,opened_at,"
            "resolved_at,updated_at,events,reopens,episodes,aliases\n";
      for (const auto& a : alerts) {
        std::string& o = out.buffer();
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
      Table table({"FINGERPRINT", "STATE", "PRIORITY", "STATUS", "UPDATED", "REOPENS", "SUMMARY"});
      for (const auto& a : alerts) {
        std::string fingerprint = a.fingerprint;
        if (!a.aliases.empty()) fingerprint += " (" + join(a.aliases, ' ') + ")";
        table.add({fingerprint, std::string(rules::state_name(a.state)),
                   std::string(rules::level_name(a.priority)), a.status.value_or("-"),
                   time_or(a.updated_at, "-"), std::to_string(a.reopens), a.summary.value_or("")});
      }
      table.print(out);
      break;
    }
  }
}

}  // namespace jira_alerts::report
