#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "cli/settings.hpp"
#include "forward/printer.hpp"
#include "read/input.hpp"
#include "replay/replayer.hpp"
#include "report/console.hpp"
#include "report/decisions.hpp"
#include "store/store.hpp"
#include "util/error.hpp"
#include "util/hmac.hpp"

namespace jira_alerts::cli {
namespace {

struct ReplayOptions {
  std::vector<std::string> inputs;
  std::string db;
  std::string format;
  std::string colour;
  bool quiet = false;
  bool dry_run = false;
  bool strict = false;
  bool remap = false;
  std::string secret_file;
  std::string routing_key;
  std::string label;
  MappingOptions mapping;
  std::vector<std::string> sources;
  read::WalkFilter walk;
  std::string command_line;
};

std::string human_bytes(std::uint64_t bytes) {
  char buf[32];
  if (bytes >= 1'000'000)
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.1f kB", static_cast<double>(bytes) / 1e3);
  return buf;
}

// NOTE ends the line: what a dry run left alone, or nothing. SKIPPED files were left
// out by directory walks.
void print_summary(const replay::Counts& c, double seconds, std::uint64_t skipped,
                   std::string_view note) {
  using rules::Action;
  std::string line = "jira-alerts: replayed " + std::to_string(c.payloads) + " payload" +
                     (c.payloads == 1 ? "" : "s") + " (" + human_bytes(c.bytes) + ")";
  char timing[96];
  std::snprintf(timing, sizeof timing, " in %.2f s (%.0f payloads/s): ", seconds,
                seconds > 0 ? static_cast<double>(c.payloads) / seconds : 0.0);
  line += timing;
  bool first = true;
  for (const Action a : {Action::open, Action::update, Action::resolve, Action::reopen,
                         Action::ignore, Action::duplicate, Action::stale, Action::reject}) {
    if (!first) line += ", ";
    first = false;
    line += std::to_string(c.of(a)) + " " + std::string(rules::action_name(a));
  }
  line += skipped_note(skipped);
  line += note;
  std::fprintf(stderr, "%s\n", line.c_str());
}

// Where the decisions go: text or JSON Lines records, or a platform's requests.
std::unique_ptr<replay::Sink> decision_sink(const ReplayOptions& o, std::FILE* out) {
  if (o.format == "pagerduty") {
    std::string key = o.routing_key;
    if (key.empty()) key = env_or_empty("PAGERDUTY_ROUTING_KEY");
    return std::make_unique<forward::VendorPrinter>(out, forward::Vendor::pagerduty, key);
  }
  if (o.format == "opsgenie")
    return std::make_unique<forward::VendorPrinter>(out, forward::Vendor::opsgenie, "");
  // OUT holds the records back until their batch commits: colour as for standard output.
  const bool colour = report::use_colour(stdout, *report::parse_colour_mode(o.colour));
  return std::make_unique<report::DecisionWriter>(
      out, *report::parse_format(o.format),
      colour ? report::ColourMode::always : report::ColourMode::never);
}

int run_replay(const ReplayOptions& o) {
  read::WalkFilter filter = o.walk;
  filter.not_inputs = read::state_file_ids(o.db);
  const read::Inputs inputs = command_inputs(o.inputs, filter, "replay", o.label);
  const std::vector<std::string>& files = inputs.files;
  const GivenSettings given = build_settings(o.mapping);
  const std::optional<std::string> secret =
      o.secret_file.empty() ? std::nullopt
                            : std::optional(util::read_secret_file(o.secret_file, "--secret-file"));
  const auto started = std::chrono::steady_clock::now();

  // Without a state file a dry run decides against an empty state, and creates none.
  const char* note = !o.dry_run ? ""
                     : std::filesystem::exists(o.db)
                         ? " (dry run: state file unchanged)"
                         : " (dry run against an empty state: no state file created)";
  store::Store store(o.db, o.dry_run ? store::Access::dry_run : store::Access::write);
  store.fold_wal_on_close();
  replay::RebuildCounts remapped;
  std::vector<replay::AlertSet> sets = settle_sources(store, o.db, o.mapping, given, o.sources,
                                                      o.remap ? Remap::yes : Remap::no, &remapped);
  if (o.remap) std::fprintf(stderr, "jira-alerts: remap: %s\n", rebuild_note(remapped).c_str());
  // A batch's decision records are printed once it is committed, never before.
  report::HeldOutput held(stdout);
  std::unique_ptr<replay::Sink> writer;
  if (!o.quiet) writer = decision_sink(o, held.stream());
  Progress progress(files, o.quiet);
  std::function<void(const replay::Counts&)> show_progress;
  if (progress.enabled())
    show_progress = [&progress](const replay::Counts& c) { progress.update(c); };
  // Rejections and warnings on standard error, the records held back until committed.
  report::Console console(writer.get(), std::move(show_progress));
  auto left_out = left_out_paths(store.db(), given, sets);
  replay::Replayer replayer(store, std::move(sets), &console,
                            o.strict ? replay::OnReject::stop : replay::OnReject::keep_going);
  if (secret) replayer.require_signatures(*secret);
  replayer.command_line = o.command_line;
  replayer.after_commit = [&] {
    if (writer) writer->flush();
    held.release();
  };
  replayer.stdin_label = o.label;
  replayer.left_out_paths = std::move(left_out);

  const bool completed = replayer.replay(files);
  progress.clear();
  if (!completed) {
    // The decisions up to the rejection, to show what stopped the run (none committed).
    if (writer) writer->flush();
    held.release();
    std::fprintf(stderr,
                 "jira-alerts: stopped at the first rejected payload (--strict): nothing from "
                 "this run was committed\n");
    return static_cast<int>(Exit::failed);
  }
  replayer.finish();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  print_summary(replayer.counts(), seconds, inputs.skipped, note);
  return static_cast<int>(replayer.counts().of(rules::Action::reject) > 0 ? Exit::failed
                                                                          : Exit::ok);
}

}  // namespace

Command setup_replay(CLI::App& parent, const std::string& command_line) {
  auto o = std::make_shared<ReplayOptions>();
  CLI::App* app = parent.add_subcommand(
      "replay", "Apply recorded Jira webhook payloads to the state file, one decision per payload");
  app->add_option("inputs", o->inputs,
                  "Files, directories (walked recursively) or - for standard input; with none, "
                  "standard input is read")
      ->type_name("INPUT");
  add_db_option(*app, o->db);
  add_format_option(*app, o->format, {"text", "jsonl", "pagerduty", "opsgenie"});
  add_colour_option(*app, o->colour);
  app->add_option("--routing-key", o->routing_key,
                  "PagerDuty integration key put into --format pagerduty events (default: "
                  "$PAGERDUTY_ROUTING_KEY)")
      ->type_name("KEY");
  app->add_flag("-q,--quiet", o->quiet, "Print no decision per payload, only the summary");
  app->add_flag("-n,--dry-run", o->dry_run,
                "Decide against the current state (an empty one when there is no state file) but "
                "leave the state file unchanged, or uncreated (works on a copy of it in memory)");
  auto* strict = app->add_flag(
      "--strict", o->strict, "Stop at the first rejected payload and commit nothing from this run");
  app->add_flag("--remap", o->remap,
                "The mapping options differ from the ones the state file records: decide its "
                "recorded history again under them first (see 'jira-alerts rebuild')")
      ->excludes(strict);
  app->add_option("--secret-file", o->secret_file,
                  "Verify each envelope's X-Hub-Signature with the secret in FILE; a missing or "
                  "wrong signature, or a payload outside an envelope, is rejected")
      ->type_name("FILE");
  add_label_option(*app, o->label);
  add_walk_options(*app, o->walk);
  add_mapping_options(*app, o->mapping);
  add_source_option(*app, o->sources);
  app->footer(R"(Examples:
  jira-alerts replay captures/                   replay a directory of saved payloads
  jira-alerts replay --secret-file jira.secret captures/   envelopes must be signed
  jira-alerts replay history.ndjson.gz --quiet   only the summary line
  curl -s ... | jira-alerts replay --format jsonl
  jira-alerts replay --dry-run new.json          what would happen, without changing state
  jira-alerts replay --remap --priority P1=CRITICAL history.ndjson   new settings, history too
  jira-alerts replay --format pagerduty new.json     PagerDuty Events v2, one per change
  jira-alerts replay --format opsgenie new.json | jq -c .body
  jira-alerts replay captures/ --include '*.txt' --exclude old   other names; skip a folder
  jira-alerts replay --db site.db --config teams.toml history.ndjson   each team's alerts
  jira-alerts replay --db site.db --source ops new.json   one source of the file only

A config's [[source]] tables divide the state file into sources, each with its own
alerts, scope (jql) and settings: a payload goes to every source whose scope it matches.
Directories are walked for *.json, *.ndjson and *.jsonl (also .gz, .xz, .zst, .bz2);
compressed input is recognised by its first bytes. Decisions are printed once their
batch is committed; from a pipe, each payload is applied as soon as it is whole.

--format pagerduty prints one Events API v2 event per applied decision (trigger for
open, update and reopen; resolve for resolve); --format opsgenie one Alert API request
a line, {"action": "create" or "close", "path", "body"}. Decisions that change no
alert print nothing in these formats.

Exit status: 0 all applied, 1 some payloads were rejected (every valid one still
applied), 2 usage error, unreadable input or unusable state file.

Envelopes (the lines 'record' writes, Jira Cloud's failed-webhook list or its items)
are read like plain payloads: the payload is the envelope's body, positions point at
the envelope, and a delivery whose X-Atlassian-Webhook-Identifier was applied is a
duplicate.)");
  return {app, [o, &command_line] {
            o->command_line = command_line;
            return run_replay(*o);
          }};
}

}  // namespace jira_alerts::cli
