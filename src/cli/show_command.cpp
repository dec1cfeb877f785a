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
};

[[noreturn]] void no_such_alert(store::Database& db, const ShowOptions& o) {
  throw Error(
      "no alert '" + o.key + "' in " + o.db +
      util::did_you_mean(o.key, store::all_keys(db), " (list them with 'jira-alerts alerts')"));
}

int run_show(const ShowOptions& o) {
  std::optional<util::Millis> at;
  if (!o.at.empty()) at = time_or_throw("--at", o.at);
  store::Snapshot store(o.db);
  auto alert = store::find_alert(store.db(), o.key);
  if (!alert) no_such_alert(store.db(), o);
  // The timeline is the current alert's; at AT it keeps the payloads stamped by then.
  const std::string fingerprint = alert->fingerprint;
  std::vector<store::EpisodeView> episodes;
  if (at) {
    auto then = store::alert_at(store.db(), o.key, *at);
    if (!then)
      throw Error("alert '" + o.key + "' had no payload with a timestamp at or before " +
                  util::format_iso8601(*at));
    alert = std::move(then->alert);
    episodes = std::move(then->episodes);
  } else {
    episodes = store::episodes_of(store.db(), fingerprint);
  }
  std::vector<store::TimelineEntry> timeline;
  store::for_each_timeline_entry(store.db(), fingerprint, [&](const store::TimelineEntry& t) {
    if (!at || (t.timestamp && *t.timestamp <= *at)) timeline.push_back(t);
  });
  report::Output out(stdout);
  report::print_show(out, *report::parse_format(o.format), *alert, episodes, timeline);
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
  add_time_option(*app, "--at", o->at,
                  "The alert as it stood at this event time, as 'alerts --at' tells it; the "
                  "timeline keeps the payloads with timestamp <= TIME");
  app->footer(R"(Examples:
  jira-alerts show OPS-101                 record, episodes and timeline
  jira-alerts show KAN-12                  an old key finds the moved issue (OPS-140)
  jira-alerts show OPS-101 --at 2026-01-13T09:20:00Z     as it stood then
  jira-alerts show OPS-101 --format jsonl | jq 'select(.kind == "event") | .reason'

The timeline lists every payload recorded for the alert in event time, with its
source position, what it did in the alert's history and the rule that fired, applied
or not (duplicate, ignored); a payload that came late is marked (late). With
--format jsonl the records are kind "alert", then "episode", then "event".
TIME is as for 'alerts --at' (2026-01-13, 2026-01-13T09:30:00Z, -2h, @SECONDS, ...).

Exit status: 0 shown, 2 no such alert (or none yet at TIME), usage error or unusable
state file.)");
  return {app, [o] { return run_show(*o); }};
}

}  // namespace jira_alerts::cli
