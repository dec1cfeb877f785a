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
  std::int64_t top = 10;
  bool no_header = false;
  std::vector<std::string> sources;
};

// The payloads of the selected sources, for a file whose sources are named.
struct PayloadFigures {
  std::vector<std::pair<std::string, std::int64_t>> by_source;  // decided for each
  std::optional<std::int64_t> outside;  // outside every scope (every source selected)
  std::int64_t total = 0;               // each payload once
};

constexpr rules::Level levels[] = {rules::Level::critical, rules::Level::high, rules::Level::medium,
                                   rules::Level::low};
constexpr rules::State states[] = {rules::State::open, rules::State::resolved};

std::optional<util::Millis> optional_time(const std::string& text, const char* option) {
  if (text.empty()) return std::nullopt;
  return time_or_throw(option, text);
}

// The figures of one source (NAME empty: of the whole file, its sources not named).
struct SourceStats {
  std::string name;
  store::Stats st;
};

// One flat record for jsonl and csv: fields that do not apply are null (empty in CSV).
struct Record {
  const char* kind;
  std::optional<std::string> alert_source, state, priority, fingerprint;
  std::int64_t count = 0;
  std::optional<std::int64_t> median_ms, p90_ms;
  std::optional<bool> flapping;
};

// The reopen leaders of every source, most reopens first.
struct Leader {
  std::string alert_source;
  store::ReopenCount reopens;
};

std::vector<Leader> leaders(const std::vector<SourceStats>& all) {
  std::vector<Leader> out;
  for (const auto& s : all)
    for (const auto& r : s.st.reopens) out.push_back({s.name, r});
  std::stable_sort(out.begin(), out.end(), [](const Leader& a, const Leader& b) {
    if (a.reopens.reopens != b.reopens.reopens) return a.reopens.reopens > b.reopens.reopens;
    return a.reopens.fingerprint < b.reopens.fingerprint;
  });
  return out;
}

std::optional<std::string> name_or_null(const std::string& name) {
  if (name.empty()) return std::nullopt;
  return name;
}

void add_records(const SourceStats& s, std::vector<Record>& out) {
  const auto source = name_or_null(s.name);
  const store::Stats& st = s.st;
  for (const auto state : states)
    for (const auto level : levels)
      out.push_back({"alerts", source, std::string(rules::state_name(state)),
                     std::string(rules::level_name(level)), std::nullopt,
                     st.alerts[static_cast<std::size_t>(state)][static_cast<std::size_t>(level)],
                     std::nullopt, std::nullopt, std::nullopt});
  out.push_back({"episodes_opened", source, std::nullopt, std::nullopt, std::nullopt,
                 st.episodes_opened, std::nullopt, std::nullopt, std::nullopt});
  out.push_back({"episodes_resolved", source, std::nullopt, std::nullopt, std::nullopt,
                 st.episodes_resolved, std::nullopt, std::nullopt, std::nullopt});
  for (const auto level : levels) {
    const auto& v = st.time_to_resolve[static_cast<std::size_t>(level)];
    out.push_back({"time_to_resolve", source, std::nullopt, std::string(rules::level_name(level)),
                   std::nullopt, static_cast<std::int64_t>(v.size()), store::percentile(v, 0.5),
                   store::percentile(v, 0.9), std::nullopt});
  }
}

std::vector<Record> records(const std::vector<SourceStats>& all,
                            const std::optional<PayloadFigures>& payloads) {
  std::vector<Record> out;
  for (const auto& s : all) add_records(s, out);
  if (payloads) {
    for (const auto& [name, count] : payloads->by_source)
      out.push_back({"payloads", name, std::nullopt, std::nullopt, std::nullopt, count,
                     std::nullopt, std::nullopt, std::nullopt});
    if (payloads->outside)
      out.push_back({"payloads_outside_scope", std::nullopt, std::nullopt, std::nullopt,
                     std::nullopt, *payloads->outside, std::nullopt, std::nullopt, std::nullopt});
    out.push_back({"payloads_total", std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                   payloads->total, std::nullopt, std::nullopt, std::nullopt});
  }
  for (const auto& l : leaders(all)) {
    const auto& r = l.reopens;
    out.push_back({"reopens", name_or_null(l.alert_source), std::string(rules::state_name(r.state)),
                   std::string(rules::level_name(r.priority)), r.fingerprint, r.reopens,
                   std::nullopt, std::nullopt, r.reopens >= flapping_reopens});
  }
  return out;
}

void print_records(report::Output& out, report::Format format, const std::vector<Record>& recs,
                   bool named) {
  if (format == report::Format::csv && out.headers())
    out.buffer() += std::string("kind,") + (named ? "alert_source," : "") +
                    "state,priority,fingerprint,count,median_ms,p90_ms,flapping\n";
  auto number = [](std::optional<std::int64_t> n) {
    return n ? std::to_string(*n) : std::string();
  };
  report::JsonWriter json;
  for (const auto& r : recs) {
    std::string& o = out.buffer();
    if (format == report::Format::csv) {
      std::vector<std::string> cells{r.kind,
                                     r.state.value_or(""),
                                     r.priority.value_or(""),
                                     r.fingerprint.value_or(""),
                                     std::to_string(r.count),
                                     number(r.median_ms),
                                     number(r.p90_ms),
                                     r.flapping ? (*r.flapping ? "true" : "false") : ""};
      if (named) cells.insert(cells.begin() + 1, r.alert_source.value_or(""));
      for (std::size_t i = 0; i < cells.size(); ++i) {
        if (i > 0) o.push_back(',');
        util::append_csv_field(o, cells[i]);
      }
    } else {
      json.reset(o).begin_object().members("kind", r.kind);
      if (named) json.members("alert_source", r.alert_source);
      json.members("state", r.state, "priority", r.priority, "fingerprint", r.fingerprint, "count",
                   r.count, "median_ms", r.median_ms, "p90_ms", r.p90_ms, "flapping", r.flapping);
      json.end_object();
    }
    o.push_back('\n');
    out.done();
  }
}

// HEADER, with a first column ALERT SOURCE when NAMED.
std::vector<std::string> header(std::vector<std::string> columns, bool named) {
  if (named) columns.insert(columns.begin(), "ALERT SOURCE");
  return columns;
}

// ROW, with SOURCE first when NAMED.
std::vector<std::string> row(const std::string& source, std::vector<std::string> cells,
                             bool named) {
  if (named) cells.insert(cells.begin(), source);
  return cells;
}

void alert_rows(report::Table& table, const SourceStats& s, bool named) {
  std::array<std::int64_t, 5> totals{};
  for (const auto state : states) {
    std::vector<std::string> cells{std::string(rules::state_name(state))};
    std::int64_t sum = 0;
    for (const auto level : levels) {
      const auto n = s.st.alerts[static_cast<std::size_t>(state)][static_cast<std::size_t>(level)];
      cells.push_back(std::to_string(n));
      totals[static_cast<std::size_t>(level)] += n;
      sum += n;
    }
    totals[4] += sum;
    cells.push_back(std::to_string(sum));
    table.add(row(s.name, cells, named));
  }
  std::vector<std::string> total_row{"total"};
  for (const auto n : totals) total_row.push_back(std::to_string(n));
  table.add(row(s.name, total_row, named));
}

void print_episodes(report::Output& out, const std::vector<SourceStats>& all, bool named) {
  if (!named) {
    const store::Stats& st = all.front().st;
    out.buffer() += "\nEpisodes: " + std::to_string(st.episodes_opened) + " opened, " +
                    std::to_string(st.episodes_resolved) + " resolved\n";
    return;
  }
  out.buffer() += "\nEpisodes\n";
  report::Table table({"ALERT SOURCE", "OPENED", "RESOLVED"});
  for (const auto& s : all)
    table.add(
        {s.name, std::to_string(s.st.episodes_opened), std::to_string(s.st.episodes_resolved)});
  table.print(out);
}

void print_payloads(report::Output& out, const PayloadFigures& p) {
  out.buffer() += "\nPayloads (one decided for several sources counts once in the total)\n";
  report::Table table({"ALERT SOURCE", "PAYLOADS"});
  for (const auto& [name, count] : p.by_source) table.add({name, std::to_string(count)});
  if (p.outside) table.add({"(outside every source's scope)", std::to_string(*p.outside)});
  table.add({"total", std::to_string(p.total)});
  table.print(out);
}

void print_reopens(report::Output& out, const std::vector<Leader>& all, std::size_t top,
                   bool named) {
  out.buffer() += "\nReopen leaders\n";
  const auto columns = header({"FINGERPRINT", "REOPENS", "STATE", "PRIORITY"}, named);
  report::Table table(columns);
  report::Table flapping(columns);
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& r = all[i].reopens;
    const auto cells =
        row(all[i].alert_source,
            {r.fingerprint, std::to_string(r.reopens), std::string(rules::state_name(r.state)),
             std::string(rules::level_name(r.priority))},
            named);
    if (i < top) table.add(cells);
    if (r.reopens >= flapping_reopens) flapping.add(cells);
  }
  table.print(out);
  out.buffer() += "\nFlapping (" + std::to_string(flapping_reopens) + " or more reopens)\n";
  flapping.print(out);
}

void print_text(report::Output& out, const std::vector<SourceStats>& all,
                const std::optional<PayloadFigures>& payloads, std::size_t top) {
  const bool named = payloads.has_value();
  out.buffer() += "Alerts\n";
  report::Table alerts(header({"STATE", "CRITICAL", "HIGH", "MEDIUM", "LOW", "TOTAL"}, named));
  for (const auto& s : all) alert_rows(alerts, s, named);
  alerts.print(out);
  print_episodes(out, all, named);
  if (payloads) print_payloads(out, *payloads);

  out.buffer() += "\nTime to resolve (by the priority at resolve)\n";
  report::Table ttr(header({"PRIORITY", "EPISODES", "MEDIAN", "P90"}, named));
  for (const auto& s : all)
    for (const auto level : levels) {
      const auto& v = s.st.time_to_resolve[static_cast<std::size_t>(level)];
      const auto median = store::percentile(v, 0.5), p90 = store::percentile(v, 0.9);
      ttr.add(row(
          s.name,
          {std::string(rules::level_name(level)), std::to_string(v.size()),
           median ? report::duration_text(*median) : "-", p90 ? report::duration_text(*p90) : "-"},
          named));
    }
  ttr.print(out);
  print_reopens(out, leaders(all), top, named);
}

// The payload figures of the selected sources, by name; outside the scopes only when
// every source is selected.
PayloadFigures payload_figures(store::Database& db, const store::TimeRange& range,
                               const store::SourceScope& sources) {
  const store::PayloadCounts counts = store::count_payloads(db, range);
  PayloadFigures figures;
  for (const auto& source : sources.selected) {
    std::int64_t n = 0;
    for (const auto& [id, count] : counts.by_source)
      if (id == source.id) n = count;
    figures.by_source.emplace_back(source.name, n);
  }
  if (sources.ids.empty()) {
    figures.outside = counts.outside;
    figures.total = counts.total;
  } else {
    figures.total = store::count_payloads(db, range, sources.ids).total;
  }
  return figures;
}

int run_stats(const StatsOptions& o) {
  if (o.top < 0) throw Error("--top: expected a count of 0 or more");
  store::TimeRange range{optional_time(o.since, "--since"), optional_time(o.until, "--until")};
  if (range.since && range.until && *range.since > *range.until)
    throw Error("--since is after --until: the range is empty");
  store::Snapshot store(o.db);
  const store::SourceScope sources = store::select_report_sources(store.db(), o.sources, o.db);
  std::vector<SourceStats> all;
  std::optional<PayloadFigures> payloads;
  if (sources.named) {
    for (const auto& source : sources.selected)
      all.push_back({source.name, store::collect_stats(store.db(), range, source.id)});
    payloads = payload_figures(store.db(), range, sources);
  } else {
    all.push_back({"", store::collect_stats(store.db(), range)});
  }
  report::Output out(stdout);
  out.set_headers(!o.no_header);
  const auto format = *report::parse_format(o.format);
  if (format == report::Format::text)
    print_text(out, all, payloads, static_cast<std::size_t>(o.top));
  else
    print_records(out, format, records(all, payloads), sources.named);
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
  add_source_option(*app, o->sources);
  app->add_option("--top", o->top, "Reopen leaders to list in text (default: 10)")->type_name("N");
  app->footer(R"(Examples:
  jira-alerts stats
  jira-alerts stats --since 2026-01-01 --until 2026-02-01
  jira-alerts stats --since -7d                 the last seven days
  jira-alerts stats --format csv > stats.csv
  jira-alerts stats --source jira                 one source's figures

Time to resolve is per episode (opened to resolved, event time), counted under the
priority its alert had when it resolved; episodes first seen resolved (no opened_at)
are skipped. Median and P90 are nearest-rank: each is an observed duration. An alert
is flapping with 3 or more reopens. With --since/--until (both inclusive): an episode
counts when it resolved in the range, a reopen when its payload's timestamp is in it,
and an alert when a payload applied to it has a timestamp in it (its current state and
priority are counted). TIME is as for 'alerts --at': an ISO-8601 date (UTC
midnight) or date-time, now, today, yesterday, -2h, -7d, @SECONDS or epoch milliseconds.

When the state file has several sources (or its one source is not the default, jira),
each figure names its source (a first column ALERT SOURCE, a member or field
alert_source), and a table Payloads (records payloads, payloads_outside_scope,
payloads_total) counts the payloads decided for each source, those outside every
source's scope (without --source), and the total, where a payload decided for several
sources counts once.

Exit status: 0 printed, 2 usage error or unusable state file.)");
  return {app, [o] { return run_stats(*o); }};
}

}  // namespace jira_alerts::cli
