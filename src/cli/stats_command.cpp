#include <memory>

#include "cli/commands.hpp"
#include "report/json.hpp"
#include "report/show.hpp"
#include "report/table.hpp"
#include "store/open.hpp"
#include "store/stats.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace jira_alerts::cli {
namespace {

// Reopens from which an alert counts as flapping.
constexpr std::int64_t flapping_reopens = 3;

struct StatsOptions {
  std::string db;
  std::string format;
  std::string since, until;
  std::size_t top = 10;
  bool no_header = false;
};

constexpr rules::Level levels[] = {rules::Level::critical, rules::Level::high, rules::Level::medium,
                                   rules::Level::low};
constexpr rules::State states[] = {rules::State::open, rules::State::resolved};

std::optional<util::Millis> optional_time(const std::string& text, const char* option) {
  if (text.empty()) return std::nullopt;
  return time_or_throw(option, text);
}

// One flat record for jsonl and csv: fields that do not apply are null (empty in CSV).
struct Record {
  const char* kind;
  std::optional<std::string> state, priority, fingerprint;
  std::int64_t count = 0;
  std::optional<std::int64_t> median_ms, p90_ms;
  std::optional<bool> flapping;
};

std::vector<Record> records(const store::Stats& st) {
  std::vector<Record> out;
  for (const auto state : states)
    for (const auto level : levels)
      out.push_back({"alerts", std::string(rules::state_name(state)),
                     std::string(rules::level_name(level)), std::nullopt,
                     st.alerts[static_cast<std::size_t>(state)][static_cast<std::size_t>(level)],
                     std::nullopt, std::nullopt, std::nullopt});
  out.push_back({"episodes_opened", std::nullopt, std::nullopt, std::nullopt, st.episodes_opened,
                 std::nullopt, std::nullopt, std::nullopt});
  out.push_back({"episodes_resolved", std::nullopt, std::nullopt, std::nullopt,
                 st.episodes_resolved, std::nullopt, std::nullopt, std::nullopt});
  for (const auto level : levels) {
    const auto& v = st.time_to_resolve[static_cast<std::size_t>(level)];
    out.push_back({"time_to_resolve", std::nullopt, std::string(rules::level_name(level)),
                   std::nullopt, static_cast<std::int64_t>(v.size()), store::percentile(v, 0.5),
                   store::percentile(v, 0.9), std::nullopt});
  }
  for (const auto& r : st.reopens)
    out.push_back({"reopens", std::string(rules::state_name(r.state)),
                   std::string(rules::level_name(r.priority)), r.fingerprint, r.reopens,
                   std::nullopt, std::nullopt, r.reopens >= flapping_reopens});
  return out;
}

void print_records(report::Output& out, report::Format format, const std::vector<Record>& recs) {
  if (format == report::Format::csv && out.headers())
    out.buffer() += "kind,state,priority,fingerprint,count,median_ms,p90_ms,flapping\n";
  auto number = [](std::optional<std::int64_t> n) {
    return n ? std::to_string(*n) : std::string();
  };
  report::JsonWriter json;
  for (const auto& r : recs) {
    std::string& o = out.buffer();
    if (format == report::Format::csv) {
      const std::vector<std::string> cells{r.kind,
                                           r.state.value_or(""),
                                           r.priority.value_or(""),
                                           r.fingerprint.value_or(""),
                                           std::to_string(r.count),
                                           number(r.median_ms),
                                           number(r.p90_ms),
                                           r.flapping ? (*r.flapping ? "true" : "false") : ""};
      for (std::size_t i = 0; i < cells.size(); ++i) {
        if (i > 0) o.push_back(',');
        util::append_csv_field(o, cells[i]);
      }
    } else {
      json.reset(o).begin_object();
      json.members("kind", r.kind, "state", r.state, "priority", r.priority, "fingerprint",
                   r.fingerprint, "count", r.count, "median_ms", r.median_ms, "p90_ms", r.p90_ms,
                   "flapping", r.flapping);
      json.end_object();
    }
    o.push_back('\n');
    out.done();
  }
}

void print_text(report::Output& out, const store::Stats& st, std::size_t top) {
  std::string& o = out.buffer();
  o += "Alerts\n";
  report::Table alerts({"STATE", "CRITICAL", "HIGH", "MEDIUM", "LOW", "TOTAL"});
  std::array<std::int64_t, 5> totals{};
  for (const auto state : states) {
    std::vector<std::string> row{std::string(rules::state_name(state))};
    std::int64_t sum = 0;
    for (const auto level : levels) {
      const auto n = st.alerts[static_cast<std::size_t>(state)][static_cast<std::size_t>(level)];
      row.push_back(std::to_string(n));
      totals[static_cast<std::size_t>(level)] += n;
      sum += n;
    }
    totals[4] += sum;
    row.push_back(std::to_string(sum));
    alerts.add(row);
  }
  std::vector<std::string> total_row{"total"};
  for (const auto n : totals) total_row.push_back(std::to_string(n));
  alerts.add(total_row);
  alerts.print(out);

  out.buffer() += "\nEpisodes: " + std::to_string(st.episodes_opened) + " opened, " +
                  std::to_string(st.episodes_resolved) + " resolved\n";
  out.buffer() += "\nTime to resolve (by the priority at resolve)\n";
  report::Table ttr({"PRIORITY", "EPISODES", "MEDIAN", "P90"});
  for (const auto level : levels) {
    const auto& v = st.time_to_resolve[static_cast<std::size_t>(level)];
    const auto median = store::percentile(v, 0.5), p90 = store::percentile(v, 0.9);
    ttr.add({std::string(rules::level_name(level)), std::to_string(v.size()),
             median ? report::duration_text(*median) : "-",
             p90 ? report::duration_text(*p90) : "-"});
  }
  ttr.print(out);

  out.buffer() += "\nReopen leaders\n";
  report::Table leaders({"FINGERPRINT", "REOPENS", "STATE", "PRIORITY"});
  for (std::size_t i = 0; i < st.reopens.size() && i < top; ++i) {
    const auto& r = st.reopens[i];
    leaders.add({r.fingerprint, std::to_string(r.reopens), std::string(rules::state_name(r.state)),
                 std::string(rules::level_name(r.priority))});
  }
  leaders.print(out);

  out.buffer() += "\nFlapping (" + std::to_string(flapping_reopens) + " or more reopens)\n";
  report::Table flapping({"FINGERPRINT", "REOPENS", "STATE", "PRIORITY"});
  for (const auto& r : st.reopens)
    if (r.reopens >= flapping_reopens)
      flapping.add({r.fingerprint, std::to_string(r.reopens),
                    std::string(rules::state_name(r.state)),
                    std::string(rules::level_name(r.priority))});
  flapping.print(out);
}

int run_stats(const StatsOptions& o) {
  store::TimeRange range{optional_time(o.since, "--since"), optional_time(o.until, "--until")};
  if (range.since && range.until && *range.since > *range.until)
    throw Error("--since is after --until: the range is empty");
  store::Snapshot store(o.db);
  const store::Stats st = store::collect_stats(store.db(), range);
  report::Output out(stdout);
  out.set_headers(!o.no_header);
  const auto format = *report::parse_format(o.format);
  if (format == report::Format::text)
    print_text(out, st, o.top);
  else
    print_records(out, format, records(st));
  return 0;
}

}  // namespace

Command setup_stats(CLI::App& parent) {
  auto o = std::make_shared<StatsOptions>();
  CLI::App* app = parent.add_subcommand(
      "stats", "Counts by state and priority, time to resolve, reopen and flapping leaders");
  add_db_option(*app, o->db);
  add_format_option(*app, o->format, {"text", "jsonl", "csv"});
  add_no_header_option(*app, o->no_header);
  add_time_option(*app, "--since", o->since, "Only what happened at or after this event time");
  add_time_option(*app, "--until", o->until, "Only what happened at or before this event time");
  app->add_option("--top", o->top, "Reopen leaders to list in text (default: 10)")->type_name("N");
  app->footer(R"(Examples:
  jira-alerts stats
  jira-alerts stats --since 2026-01-01 --until 2026-02-01
  jira-alerts stats --since -7d                 the last seven days
  jira-alerts stats --format csv > stats.csv

Time to resolve is per episode (opened to resolved, event time), counted under the
priority its alert had when it resolved; episodes first seen resolved (no opened_at)
are skipped. Median and P90 are nearest-rank: each is an observed duration. An alert
is flapping with 3 or more reopens. With --since/--until (both inclusive): an episode
counts when it resolved in the range, a reopen when its payload's timestamp is in it,
and an alert when a payload applied to it has a timestamp in it (its current state and
priority are counted). TIME is as for 'alerts --at': an ISO-8601 date (UTC
midnight) or date-time, now, today, yesterday, -2h, -7d, @SECONDS or epoch milliseconds.

Exit status: 0 printed, 2 usage error or unusable state file.)");
  return {app, [o] { return run_stats(*o); }};
}

}  // namespace jira_alerts::cli
