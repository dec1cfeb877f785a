#include <memory>

#include "cli/commands.hpp"
#include "cli/network.hpp"

namespace jira_alerts::cli {

Command setup_push(CLI::App& parent) {
  auto o = std::make_shared<PushOptions>();
  CLI::App* app = parent.add_subcommand(
      "push",
      "Send alert changes to Alertmanager, PagerDuty or Opsgenie, with retries and an outbox");
  app->add_option("--to", o->to,
                  "Where to send: alertmanager=URL, pagerduty[=URL] or opsgenie[=URL] (repeatable)")
      ->type_name("TARGET")
      ->required()
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  add_db_option(*app, o->db);
  add_source_option(*app, o->sources);
  app->add_flag("-n,--dry-run", o->dry_run,
                "Print the requests that would be sent (secrets masked, a missing one shown as "
                "<... key: none>); send nothing, change nothing");
  app->add_option("--deadline", o->deadline,
                  "Give up on what is not acknowledged after this many seconds in all (default: "
                  "60); it stays in the outbox")
      ->type_name("SECONDS");
  add_secret_options(*app, o->secrets);
  app->footer(R"(Examples:
  jira-alerts push --to alertmanager=http://localhost:9093
  jira-alerts push --to pagerduty --pagerduty-key-file /run/secrets/pagerduty
  jira-alerts push --to opsgenie=https://api.eu.opsgenie.com --opsgenie-key-file /run/secrets/og
  jira-alerts push --to alertmanager=http://am:9093 --to pagerduty --dry-run
  jira-alerts push --source payments --to pagerduty --pagerduty-key-file /run/secrets/pd-payments

Run it after each replay, or from cron. Each target gets what it has not acknowledged
yet (the outbox in the state file): Alertmanager every open alert on every push, plus the alerts resolved since, with
endsAt (push more often than its resolve_timeout, 5 minutes by default); PagerDuty
and Opsgenie each applied change once, in order per alert. Network errors, 429 and
5xx are retried with exponential backoff and jitter, honouring Retry-After, until
--deadline; other 4xx answers are permanent for that change, reported with the
platform's message. What was not acknowledged stays queued for the next push.

Sources: --source pushes those sources' alerts only; the others' changes stay owed to
the target and go with a later push of them, none skipped, none sent twice. A platform
tells two sources' alerts of one issue apart: the source jira (a file no config divides)
goes by the issue key alone, any other as label alert_source=NAME (Alertmanager) and as
dedup key and alias NAME/KEY (PagerDuty, Opsgenie).

Exit status: 0 everything acknowledged, 1 some changes not delivered (named on
stderr; they stay in the outbox), 2 usage error or unusable state file.)");
  return {app, [o] { return run_push(*o); }};
}

}  // namespace jira_alerts::cli
