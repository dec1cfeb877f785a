#include <cstdio>
#include <memory>

#include "cli/commands.hpp"
#include "cli/settings.hpp"
#include "store/store.hpp"
#include "util/error.hpp"

namespace jira_alerts::cli {
namespace {

struct RebuildOptions {
  std::string db;
  bool dry_run = false;
  MappingOptions mapping;
  std::vector<std::string> sources;
};

int run_rebuild(const RebuildOptions& o) {
  if (!o.mapping.jql.empty())
    throw Error(
        "--jql: a scope is not a setting of the state file: rebuild decides every "
        "recorded payload again (give the scope to replay or record)");
  const GivenSettings given = build_settings(o.mapping);
  store::locate(o.db, store::Need::read);  // an existing state file: nothing to create
  store::Store store(o.db, o.dry_run ? store::Access::dry_run : store::Access::write);
  store.fold_wal_on_close();
  replay::RebuildCounts counts;
  settle_sources(store, o.db, o.mapping, given, o.sources, Remap::yes, &counts);
  std::fprintf(stderr, "jira-alerts: rebuild: %s%s\n", rebuild_note(counts).c_str(),
               o.dry_run ? " (dry run: state file unchanged)" : "");
  return static_cast<int>(Exit::ok);
}

}  // namespace

Command setup_rebuild(CLI::App& parent) {
  auto o = std::make_shared<RebuildOptions>();
  CLI::App* app = parent.add_subcommand(
      "rebuild",
      "Decide the state file's recorded history again under new mapping settings, from its "
      "event log alone");
  add_db_option(*app, o->db);
  app->add_flag("-n,--dry-run", o->dry_run,
                "Say what would change, and leave the state file unchanged");
  add_mapping_options(*app, o->mapping);
  add_source_option(*app, o->sources);
  app->footer(R"(Examples:
  jira-alerts rebuild --priority P1=CRITICAL      P1 is CRITICAL, in history too
  jira-alerts rebuild --config jira-alerts.toml   the settings of a config file
  jira-alerts rebuild --dry-run --resolve-status Mitigated   how much would change
  jira-alerts rebuild                             again under the recorded settings

Every payload the event log holds is decided again under the settings given (with
none, the recorded ones): its rule, state, priority and action, then each alert's
state, priority, episodes and reopens. Which alert a payload belongs to, and whether
it was a duplicate or stale, do not depend on the settings and stay. All in one
transaction; the new settings are recorded (see 'jira-alerts settings'). A push
target that acknowledged a change whose action, state or priority is decided again
is sent the alert's changes again from that one on. 'replay --remap' does the same
before it replays; 'rebuild --config /dev/null' goes back to the defaults.

Exit status: 0 rebuilt, 2 usage error or unusable state file.)");
  return {app, [o] { return run_rebuild(*o); }};
}

}  // namespace jira_alerts::cli
