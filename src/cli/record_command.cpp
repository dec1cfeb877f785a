#include <memory>

#include "cli/commands.hpp"
#include "cli/network.hpp"

namespace jira_alerts::cli {

Command setup_record(CLI::App& parent, const std::string& command_line) {
  auto o = std::make_shared<RecordOptions>();
  CLI::App* app = parent.add_subcommand(
      "record",
      "Receive Jira webhook deliveries over HTTP and record each one durably (the webhook URL)");
  app->add_option("--listen", o->listen,
                  "Address and port to listen on (default: 127.0.0.1:8080; port 0 picks a free "
                  "one)")
      ->type_name("ADDR:PORT");
  app->add_option("--out", o->out,
                  "Capture directory: one envelope a line in DIR/YYYY-MM-DD.ndjson")
      ->type_name("DIR")
      ->required();
  app->add_option("--secret-file", o->secret_file,
                  "The webhook's secret: X-Hub-Signature must be its HMAC-SHA256 of the body "
                  "(else 401); default: env JIRA_ALERTS_SECRET")
      ->type_name("FILE");
  app->add_option("--max-body", o->max_body,
                  "Largest body accepted, in bytes or with KiB/MiB (default: 16MiB); larger: 413")
      ->type_name("SIZE");
  CLI::Option* apply =
      app->add_flag("--apply", o->apply,
                    "Also apply each recorded delivery to the state file, catching up on start");
  add_db_option(*app, o->db);
  add_mapping_options(*app, o->mapping);
  add_source_option(*app, o->sources);
  app->add_flag("--remap", o->remap,
                "With --apply: the mapping options differ from the ones the state file records; "
                "decide its recorded history again under them first")
      ->needs(apply);
  app->add_option("--push", o->push,
                  "With --apply: push each applied batch's changes to TARGET, as 'push --to' "
                  "would (repeatable)")
      ->type_name("TARGET")
      ->needs(apply)
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  add_secret_options(*app, o->secrets);
  app->footer(R"(Examples:
  jira-alerts record --out captures/                       record on 127.0.0.1:8080
  jira-alerts record --listen 0.0.0.0:8080 --out /var/lib/jira-alerts/captures \
      --secret-file /etc/jira-alerts/secret --apply --db /var/lib/jira-alerts/state.db
  jira-alerts record --out cap/ --apply --push alertmanager=http://127.0.0.1:9093
  jira-alerts record --listen 127.0.0.1:0 --out cap/      a free port, printed on start
  jira-alerts record --out cap/ --apply --config teams.toml   one webhook per source's path

Point a Jira webhook (System > WebHooks, with its Secret) at http://HOST:PORT/ (any
path). Each POST is written as one envelope line to DIR/YYYY-MM-DD.ndjson (UTC day
of receipt) and fsynced before the answer: 204 only for what is on disk; 401 for a
missing or wrong signature, 413 for a body over --max-body, 503 when the capture
cannot be written (Jira retries), 405 for other methods. A body that is not JSON
is recorded too (a later replay rejects it with its position). GET /healthz
answers 200, GET /metrics gives Prometheus metrics. With --apply every recorded
delivery is applied to the state file as replay would, and the lines a crash left
unapplied are applied before listening; with [[source]] tables in the config, a
delivery to a source's path (e.g. http://HOST:PORT/payments) goes to that source
only (and to those without a path). --push sends each applied batch's changes
on (a thread of its own, through the outbox 'push' uses): at once, again after a
failure (1 s doubling up to 60 s), and to Alertmanager every 60 s besides. SIGTERM or SIGINT: stop accepting, answer
the requests in flight, fsync, exit 0.

Exit status: 0 stopped by a signal, 2 usage error, unusable capture directory,
address or state file.)");
  return {app, [o, &command_line] {
            o->command_line = command_line;
            return run_record(*o);
          }};
}

}  // namespace jira_alerts::cli
