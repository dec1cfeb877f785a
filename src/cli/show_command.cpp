#include <memory>

#include "cli/commands.hpp"
#include "report/show.hpp"
#include "store/history.hpp"
#include "store/open.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace jira_alerts::cli {
namespace {

struct ShowOptions {
  std::string key;
  std::string db;
  std::string format;
  std::string at;
  std::vector<std::string> sources;
};

[[noreturn]] void no_such_alert(store::Database& db, const ShowOptions& o,
                                const store::SourceScope& sources) {
  std::string where = o.db;
  if (!sources.ids.empty()) {
    std::string names;
    for (const auto& s : sources.selected) names += (names.empty() ? "" : ", ") + s.name;
    where = "source " + names + " of " + o.db;
  }
  throw Error("no alert '" + o.key + "' in " + where +
              util::did_you_mean(o.key, store::all_keys(db, sources.ids),
                                 " (list them with 'jira-alerts alerts')"));
}

// One alert as show prints it.
struct Shown {
  store::AlertView alert;
  std::vector<store::EpisodeView> episodes;
  std::vector<store::TimelineEntry> timeline;
};

// The alerts that answer to O.key (one a selected source), now or as they stood at AT
// (the timeline keeps the payloads stamped by then).
std::vector<Shown> shown_alerts(store::Database& db, const ShowOptions& o,
                                const store::SourceScope& sources, std::optional<util::Millis> at) {
  std::vector<Shown> shown;
  const std::vector<store::AlertView> alerts = store::find_alerts(db, o.key, sources.ids);
  if (alerts.empty()) no_such_alert(db, o, sources);
  if (at) {
    for (auto& then : store::alerts_at_key(db, o.key, *at, sources.ids))
      shown.push_back({std::move(then.alert), std::move(then.episodes), {}});
    if (shown.empty())
      throw Error("alert '" + o.key + "' had no payload with a timestamp at or before " +
                  util::format_iso8601(*at));
  } else {
    for (const auto& alert : alerts) shown.push_back({alert, store::episodes_of(db, alert.id), {}});
  }
  for (Shown& s : shown)
    store::for_each_timeline_entry(db, s.alert.id, [&](const store::TimelineEntry& t) {
      if (!at || (t.timestamp && *t.timestamp <= *at)) s.timeline.push_back(t);
    });
  return shown;
}

int run_show(const ShowOptions& o) {
  std::optional<util::Millis> at;
  if (!o.at.empty()) at = time_or_throw("--at", o.at);
  store::Snapshot store(o.db);
  const store::SourceScope sources = store::select_report_sources(store.db(), o.sources, o.db);
  const std::vector<Shown> shown = shown_alerts(store.db(), o, sources, at);
  report::Output out(stdout);
  const auto format = *report::parse_format(o.format);
  for (const Shown& s : shown) {
    if (&s != shown.data() && format == report::Format::text) out.buffer() += '\n';
    report::print_show(out, format, s.alert, s.episodes, s.timeline, sources.named);
  }
  return 0;
}

}  // namespace

Command setup_show(CLI::App& parent) {
  auto o = std::make_shared<ShowOptions>();
  CLI::App* app = parent.add_subcommand(
      "show", "Show one alert: its record, its episodes and every payload applied to it");
  app->add_option("key", o->key, "The alert's issue key, or an old key of a moved issue")
      ->required()
      ->type_name("KEY");
  add_db_option(*app, o->db);
  add_format_option(*app, o->format, {"text", "jsonl"});
  add_source_option(*app, o->sources);
  add_time_option(*app, "--at", o->at,
                  "The alert as it stood at this event time, as 'alerts --at' tells it; the "
                  "timeline keeps the payloads with timestamp <= TIME");
  app->footer(R"(Examples:
  jira-alerts show OPS-101                 record, episodes and timeline
  jira-alerts show KAN-12                  an old key finds the moved issue (OPS-140)
  jira-alerts show OPS-101 --at 2026-01-13T09:20:00Z     as it stood then
  jira-alerts show OPS-101 --format jsonl | jq 'select(.kind == "event") | .reason'
  jira-alerts show KAN-12 --source jira    only the alert of source jira

The timeline lists every payload recorded for the alert in event time, with its
source position, what it did in the alert's history and the rule that fired, applied
or not (duplicate, ignored); a payload that came late is marked (late). With
--format jsonl the records are kind "alert", then "episode", then "event".
TIME is as for 'alerts --at' (2026-01-13, 2026-01-13T09:30:00Z, -2h, @SECONDS, ...).
In a state file of several sources a KEY may have an alert in more than one: each is
shown, one after the other, naming its source (--source picks one).

Exit status: 0 shown, 2 no such alert (or none yet at TIME), usage error or unusable
state file.)");
  return {app, [o] { return run_show(*o); }};
}

}  // namespace jira_alerts::cli
