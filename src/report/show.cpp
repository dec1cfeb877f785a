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

// What the payload did in event time; "(late)" when it arrived after a newer one.
std::string action_of(const store::TimelineEntry& t) {
  std::string action(rules::action_name(t.action));
  if (t.decided == rules::Action::stale) action += " (late)";
  return action;
}

void print_text(Output& out, const store::AlertView& a,
                const std::vector<store::EpisodeView>& episodes,
                const std::vector<store::TimelineEntry>& timeline, bool named_source) {
  std::string aliases;
  for (const auto& alias : a.aliases) aliases += (aliases.empty() ? "" : " ") + alias;
  std::string priority(rules::level_name(a.priority));
  if (a.jira_priority) priority += " (Jira: " + *a.jira_priority + ")";
  std::vector<std::pair<const char*, std::string>> fields{
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
  if (named_source) fields.insert(fields.begin(), {"alert source", a.alert_source});
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
    events.add({time_or(t.timestamp, "-"), source_of(t), action_of(t), t.status.value_or("-"),
                t.priority ? std::string(rules::level_name(*t.priority)) : "-",
                t.user.value_or("-"), reason_of(t)});
  }
  events.print(out);
}

void print_jsonl(Output& out, const store::AlertView& a,
                 const std::vector<store::EpisodeView>& episodes,
                 const std::vector<store::TimelineEntry>& timeline, bool named_source) {
  JsonWriter w;
  w.reset(out.buffer()).begin_object().members("kind", "alert");
  alert_members(w, a, named_source);
  w.end_object();
  out.buffer().push_back('\n');
  for (const auto& e : episodes) {
    w.reset(out.buffer()).begin_object().members("kind", "episode");
    if (named_source) w.members("alert_source", a.alert_source);
    w.members("fingerprint", a.fingerprint, "seq", e.seq, "opened_at", Time{e.opened_at},
              "resolved_at", Time{e.resolved_at}, "time_to_resolve_ms", time_to_resolve(e),
              "priority", rules::level_name(e.priority));
    w.end_object();
    out.buffer().push_back('\n');
  }
  for (const auto& t : timeline) {
    w.reset(out.buffer()).begin_object().members("kind", "event");
    if (named_source) w.members("alert_source", a.alert_source);
    w.members("fingerprint", a.fingerprint, "source", source_of(t), "issue_key", t.issue_key,
              "event", t.event, "timestamp", Time{t.timestamp}, "action",
              rules::action_name(t.action), "decided", rules::action_name(t.decided), "rule",
              name_of(t.rule, store::rule_name), "state", name_of(t.state, rules::state_name),
              "priority", name_of(t.priority, rules::level_name), "jira_priority", t.jira_priority,
              "status", t.status, "user", t.user, "summary", t.summary, "reason", reason_of(t));
    w.key("warnings").begin_array();
    // Warnings are kept one per line.
    std::string_view rest = t.warnings ? std::string_view(*t.warnings) : std::string_view();
    while (!rest.empty()) {
      const auto newline = std::min(rest.find('\n'), rest.size());
      w.value(rest.substr(0, newline));
      rest.remove_prefix(std::min(newline + 1, rest.size()));
    }
    w.end_array().end_object();
    out.buffer().push_back('\n');
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
                const std::vector<store::TimelineEntry>& timeline, bool named_source) {
  if (format == Format::jsonl)
    print_jsonl(out, alert, episodes, timeline, named_source);
  else
    print_text(out, alert, episodes, timeline, named_source);
}

}  // namespace jira_alerts::report
