#include <memory>

#include "cli/commands.hpp"
#include "forward/alertmanager.hpp"
#include "report/alerts.hpp"
#include "store/history.hpp"
#include "store/open.hpp"
#include "store/queries.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace jira_alerts::cli {
namespace {

struct AlertsOptions {
  std::string db;
  std::string format;
  std::string state = "all";
  std::vector<std::string> priorities;
  std::vector<std::string> projects;
  std::vector<std::string> keys;
  std::vector<std::string> sources;
  std::string at;
  bool no_header = false;
};

int run_alerts(const AlertsOptions& o) {
  store::AlertFilter filter;
  if (o.state != "all") filter.state = rules::parse_state(o.state);
  for (const auto& p : o.priorities) filter.priorities.push_back(level_or_throw(p, "--priority"));
  filter.projects = o.projects;
  filter.keys = o.keys;

  std::optional<util::Millis> at;
  if (!o.at.empty()) at = time_or_throw("--at", o.at);

  store::Snapshot store(o.db);
  const store::SourceScope sources = store::select_report_sources(store.db(), o.sources, o.db);
  filter.sources = sources.ids;
  std::vector<store::AlertView> alerts;
  if (at)
    alerts = store::alerts_at(store.db(), filter, *at);
  else
    store::for_each_alert(store.db(), filter,
                          [&](const store::AlertView& a) { alerts.push_back(a); });
  report::Output out(stdout);
  out.set_headers(!o.no_header);
  if (o.format == "alertmanager") {
    out.buffer() += forward::alertmanager::body(alerts);
    out.buffer() += '\n';
    return 0;
  }
  report::print_alerts(out, *report::parse_format(o.format), alerts, sources.named);
  return 0;
}

}  // namespace

Command setup_alerts(CLI::App& parent) {
  auto o = std::make_shared<AlertsOptions>();
  CLI::App* app = parent.add_subcommand("alerts", "List alerts from the state file");
  add_db_option(*app, o->db);
  add_no_header_option(*app, o->no_header);
  add_format_option(*app, o->format, {"text", "jsonl", "csv", "alertmanager"});
  app->add_option("--state", o->state, "open, resolved or all (default: all)")
      ->check(CLI::IsMember({"open", "resolved", "all"}))
      ->type_name("STATE");
  app->add_option("--priority", o->priorities, "Only alerts at this level (repeatable)")
      ->type_name("LEVEL")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app->add_option("--project", o->projects, "Only alerts of this Jira project key (repeatable)")
      ->type_name("KEY")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app->add_option("--key", o->keys, "Only the alert with this issue key or alias (repeatable)")
      ->type_name("KEY")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  add_source_option(*app, o->sources);
  add_time_option(*app, "--at", o->at,
                  "The alerts as they stood at this event time: a replay of only the payloads "
                  "with timestamp <= TIME (payloads without a timestamp are left out)");
  app->footer(R"(Examples:
  jira-alerts alerts --state open
  jira-alerts alerts --priority CRITICAL --priority HIGH --format csv > alerts.csv
  jira-alerts alerts --key KAN-12 --format jsonl
  jira-alerts alerts --source jira --state open         one source's alerts
  jira-alerts alerts --at 2026-01-13T09:30:00Z --state open
  jira-alerts alerts --at 2026-01-13 --format jsonl
  jira-alerts alerts --at -2h --state open     two hours ago
  jira-alerts alerts --state open --format alertmanager |
    curl -H 'Content-Type: application/json' -d @- http://localhost:9093/api/v2/alerts

When the state file has several sources (or its one source is not the default,
jira), each alert names its source: a first column ALERT SOURCE, a member or field
alert_source. A key may have an alert in several sources: --key lists each.

--format alertmanager prints the JSON array that Alertmanager's POST /api/v2/alerts
takes (open alerts without endsAt, resolved ones with it).

TIME is an ISO-8601 date (UTC midnight) or date-time (2026-01-13T09:30:00Z,
2026-01-13T10:30:00+01:00), now, today, yesterday, a time relative to now (-30m, -2h,
-7d, -1h30m), @SECONDS (epoch seconds) or epoch milliseconds (1768298853918).

Exit status: 0 listed (also when nothing matches), 2 usage error or no usable state file.)");
  return {app, [o] { return run_alerts(*o); }};
}

}  // namespace jira_alerts::cli
