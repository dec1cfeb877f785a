#include "report/show.hpp"

#include <cstdio>

#include "report/alerts.hpp"
#include "report/table.hpp"
#include "store/event_log.hpp"
#include "store/history.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

namespace jira_alerts::report {
namespace {

// Resolved minus opened; nothing when either is unknown or the difference does not fit
// (timestamps at the ends of the 64-bit range).
std::optional<std::int64_t> time_to_resolve(const store::EpisodeView& e) {
  std::int64_t ms = 0;
  if (!e.opened_at || !e.resolved_at || __builtin_sub_overflow(*e.resolved_at, *e.opened_at, &ms))
    return std::nullopt;
  return ms;
}

std::string reason_of(const store::TimelineEntry& t) {
  if (!t.rule) return "";
  return rules::reason_text(*t.rule, t.action, t.status.value_or(""), t.event.value_or(""),
                            t.timestamp.has_value());
}

std::string source_of(const store::TimelineEntry& t) {
  return t.path + ':' + std::to_string(t.line);
}

void print_text(Output& out, const store::AlertView& a,
                const std::vector<store::EpisodeView>& episodes,
                const std::vector<store::TimelineEntry>& timeline) {
  std::string aliases;
  for (const auto& alias : a.aliases) aliases += (aliases.empty() ? "" : " ") + alias;
  std::string priority(rules::level_name(a.priority));
  if (a.jira_priority) priority += " (Jira: " + *a.jira_priority + ")";
  const std::vector<std::pair<const char*, std::string>> fields{
      {"fingerprint", a.fingerprint},
      {"aliases", aliases.empty() ? "-" : aliases},
      {"state", std::string(rules::state_name(a.state))},
      {"priority", priority},
      {"status", a.status.value_or("-")},
      {"summary", a.summary.value_or("-")},
      {"project", a.project.value_or("-")},
      {"issue id", a.issue_id.value_or("-")},
      {"opened at", time_or(a.opened_at, "-")},
      {"resolved at", time_or(a.resolved_at, "-")},
      {"updated at", time_or(a.updated_at, "-")},
      {"events", std::to_string(a.events)},
      {"reopens", std::to_string(a.reopens)},
  };
  for (const auto& [name, value] : fields) {
    append_padded(out.buffer(), name, 12);
    util::append_printable(out.buffer(), value);
    out.buffer().push_back('\n');
  }

  out.buffer() += "\nEpisodes\n";
  Table episode_table({"#", "OPENED", "RESOLVED", "TIME TO RESOLVE", "PRIORITY"});
  for (const auto& e : episodes) {
    const auto ttr = time_to_resolve(e);
    episode_table.add({std::to_string(e.seq), time_or(e.opened_at, "-"),
                       time_or(e.resolved_at, "-"), ttr ? duration_text(*ttr) : "-",
                       std::string(rules::level_name(e.priority))});
  }
  episode_table.print(out);

  out.buffer() += "\nTimeline\n";
  Table events({"TIME", "SOURCE", "ACTION", "STATUS", "PRIORITY", "BY", "REASON"});
  for (const auto& t : timeline) {
    events.add({time_or(t.timestamp, "-"), source_of(t), std::string(rules::action_name(t.action)),
                t.status.value_or("-"),
                t.priority ? std::string(rules::level_name(*t.priority)) : "-",
                t.user.value_or("-"), reason_of(t)});
  }
  events.print(out);
}

void print_jsonl(Output& out, const store::AlertView& a,
                 const std::vector<store::EpisodeView>& episodes,
                 const std::vector<store::TimelineEntry>& timeline) {
  std::string record;
  append_alert_json(record, a);
  std::string& o = out.buffer();
  o += "{\"kind\":\"alert\",";
  o.append(record, 1);
  o.push_back('\n');
  for (const auto& e : episodes) {
    o += "{\"kind\":\"episode\",\"fingerprint\":";
    util::append_json_string(o, a.fingerprint);
    o += ",\"seq\":" + std::to_string(e.seq);
    o += ",\"opened_at\":";
    append_json_time(o, e.opened_at);
    o += ",\"resolved_at\":";
    append_json_time(o, e.resolved_at);
    o += ",\"time_to_resolve_ms\":";
    const auto ttr = time_to_resolve(e);
    o += ttr ? std::to_string(*ttr) : "null";
    o += ",\"priority\":\"";
    o += rules::level_name(e.priority);
    o += "\"}\n";
  }
  for (const auto& t : timeline) {
    o += "{\"kind\":\"event\",\"fingerprint\":";
    util::append_json_string(o, a.fingerprint);
    o += ",\"source\":";
    util::append_json_string(o, source_of(t));
    o += ",\"issue_key\":";
    append_json_optional(o, optional_view(t.issue_key));
    o += ",\"event\":";
    append_json_optional(o, optional_view(t.event));
    o += ",\"timestamp\":";
    append_json_time(o, t.timestamp);
    o += ",\"action\":\"";
    o += rules::action_name(t.action);
    o += "\",\"rule\":";
    append_json_optional(o, t.rule ? std::optional(store::rule_name(*t.rule)) : std::nullopt);
    o += ",\"state\":";
    append_json_optional(o, t.state ? std::optional(rules::state_name(*t.state)) : std::nullopt);
    o += ",\"priority\":";
    append_json_optional(o,
                         t.priority ? std::optional(rules::level_name(*t.priority)) : std::nullopt);
    o += ",\"jira_priority\":";
    append_json_optional(o, optional_view(t.jira_priority));
    o += ",\"status\":";
    append_json_optional(o, optional_view(t.status));
    o += ",\"user\":";
    append_json_optional(o, optional_view(t.user));
    o += ",\"summary\":";
    append_json_optional(o, optional_view(t.summary));
    o += ",\"reason\":";
    util::append_json_string(o, reason_of(t));
    o += ",\"warnings\":[";
    if (t.warnings) {
      std::string_view rest = *t.warnings;
      for (bool first = true; !rest.empty(); first = false) {
        const auto newline = std::min(rest.find('\n'), rest.size());
        if (!first) o.push_back(',');
        util::append_json_string(o, rest.substr(0, newline));
        rest.remove_prefix(std::min(newline + 1, rest.size()));
      }
    }
    o += "]}\n";
    out.done();
  }
}

}  // namespace

std::string duration_text(std::int64_t ms) {
  char buf[48];
  const std::int64_t s = ms / 1000;
  if (ms < 60'000)
    std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%lldm %02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  else if (s < 86400)
    std::snprintf(buf, sizeof buf, "%lldh %02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  else
    std::snprintf(buf, sizeof buf, "%lldd %02lldh", static_cast<long long>(s / 86400),
                  static_cast<long long>(s % 86400 / 3600));
  return buf;
}

void print_show(Output& out, Format format, const store::AlertView& alert,
                const std::vector<store::EpisodeView>& episodes,
                const std::vector<store::TimelineEntry>& timeline) {
  if (format == Format::jsonl)
    print_jsonl(out, alert, episodes, timeline);
  else
    print_text(out, alert, episodes, timeline);
}

}  // namespace jira_alerts::report
