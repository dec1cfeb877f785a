#include "cli/settings.hpp"

#include "rules/jql.hpp"
#include "rules/settings.hpp"
#include "util/error.hpp"
#include "util/time.hpp"

namespace jira_alerts::cli {
namespace {

[[noreturn]] void refuse(const std::string& db, const std::vector<std::string>& differences) {
  std::string message =
      "state file '" + db + "' was built with other mapping settings than this command gives:\n";
  for (const auto& line : differences) message += "  " + line + "\n";
  message +=
      "Add --remap to decide its recorded history again under this command's settings, or "
      "give no mapping options to use the file's (jira-alerts settings --db " +
      db + " prints them).";
  throw Error(message);
}

// A file that records no settings but holds a history (written by an older release):
// what decided that history is not known.
[[noreturn]] void refuse_unrecorded(const std::string& db) {
  throw Error("state file '" + db +
              "' records no mapping settings, and its history was decided with settings it "
              "does not know (an older release wrote it):\nAdd --remap to decide that history "
              "again under this command's settings, or give no mapping options to record the "
              "defaults.");
}

bool has_history(store::Store& store) {
  store::Statement s(store.db(), "SELECT EXISTS (SELECT 1 FROM events)");
  return s.step() && s.int64(0) != 0;
}

}  // namespace

rules::Mapping recorded_mapping(std::string_view text, const std::string& db) {
  rules::Mapping mapping;
  load_config_text(text, "state file '" + db + "' (meta 'settings')", mapping);
  return mapping;
}

rules::Mapping settle_mapping(store::Store& store, const std::string& db,
                              const MappingOptions& options, const rules::Mapping& given,
                              Remap remap, replay::RebuildCounts* counts) {
  store::Batch batch(store);
  const std::optional<std::string> text = store.meta(settings_key);
  std::optional<rules::Mapping> recorded;
  if (text) recorded = recorded_mapping(*text, db);
  rules::Mapping mapping = options.given() || !recorded ? given : *recorded;
  if (!recorded && options.given() && remap == Remap::no && has_history(store))
    refuse_unrecorded(db);
  if (recorded && options.given() && remap == Remap::no) {
    if (const auto differences = rules::differences(*recorded, mapping); !differences.empty())
      refuse(db, differences);
  }
  if (remap == Remap::yes) {
    const replay::RebuildCounts done = replay::rebuild(store, mapping);
    if (counts != nullptr) *counts = done;
  }
  if (!recorded || remap == Remap::yes) {
    store.set_meta(settings_key, rules::config_text(mapping));
    store.set_meta(settings_time_key, util::format_iso8601(util::now_millis()));
  }
  batch.commit();
  if (given.scope() != nullptr) mapping.set_scope(given.shared_scope());
  return mapping;
}

std::string rebuild_note(const replay::RebuildCounts& c) {
  return "decided the recorded history again: " + std::to_string(c.changed_events) + " of " +
         std::to_string(c.events) + " decisions changed, " + std::to_string(c.changed_alerts) +
         " of " + std::to_string(c.alerts) + " alerts changed state or priority";
}

}  // namespace jira_alerts::cli
