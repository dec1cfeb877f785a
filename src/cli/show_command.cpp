#include <memory>

#include "cli/commands.hpp"
#include "report/show.hpp"
#include "store/history.hpp"
#include "store/store.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace jira_alerts::cli {
namespace {

struct ShowOptions {
  std::string key;
  std::string db;
  std::string format;
};

int run_show(const ShowOptions& o) {
  store::Store store(o.db, store::Access::read);
  const auto alert = store::find_alert(store.db(), o.key);
  if (!alert) {
    std::string message = "no alert '" + o.key + "' in " + o.db;
    const std::string suggestion = util::closest(o.key, store::all_keys(store.db()));
    if (!suggestion.empty())
      message += "; did you mean '" + suggestion + "'?";
    else
      message += " (list them with 'jira-alerts alerts')";
    throw Error(message);
  }
  const auto episodes = store::episodes_of(store.db(), alert->fingerprint);
  std::vector<store::TimelineEntry> timeline;
  store::for_each_timeline_entry(store.db(), alert->fingerprint,
                                 [&](const store::TimelineEntry& t) { timeline.push_back(t); });
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
  app->footer(R"(Examples:
  jira-alerts show OPS-101                 record, episodes and timeline
  jira-alerts show KAN-12                  an old key finds the moved issue (OPS-140)
  jira-alerts show OPS-101 --format jsonl | jq 'select(.kind == "event") | .reason'

The timeline lists every payload recorded for the alert in input order, with its
source position, action and the rule that fired, applied or not (stale, duplicate,
ignored). With --format jsonl the records are kind "alert", then "episode", then "event".

Exit status: 0 shown, 2 no such alert, usage error or unusable state file.)");
  return {app, [o] { return run_show(*o); }};
}

}  // namespace jira_alerts::cli
