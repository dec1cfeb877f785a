#include "cli/settings.hpp"

#include <algorithm>

#include "rules/jql.hpp"
#include "rules/settings.hpp"
#include "store/sources.hpp"
#include "util/error.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

namespace jira_alerts::cli {
namespace {

// "state file 'x.db'", or "source 'payments' of state file 'x.db'" for a source other
// than the default.
std::string named(const std::string& db, const std::string& source) {
  if (source == store::default_source) return "state file '" + db + "'";
  return "source '" + source + "' of state file '" + db + "'";
}

[[noreturn]] void refuse(const std::string& db, const std::string& source,
                         const std::vector<std::string>& differences) {
  std::string message =
      named(db, source) + " was built with other mapping settings than this command gives:\n";
  for (const auto& line : differences) message += "  " + line + "\n";
  message +=
      "Add --remap to decide its recorded history again under this command's settings, or "
      "give no mapping options to use the file's (jira-alerts settings --db " +
      db + " prints them).";
  throw Error(message);
}

// A source that records no settings but holds a history (an older release wrote the
// file): what decided that history is not known.
[[noreturn]] void refuse_unrecorded(const std::string& db, const std::string& source) {
  throw Error(named(db, source) +
              " records no mapping settings, and its history was decided with settings it "
              "does not know (an older release wrote it):\nAdd --remap to decide that history "
              "again under this command's settings, or give no mapping options to record the "
              "defaults.");
}

bool has_history(store::Store& store, std::int64_t source) {
  store::Statement s(store.db(), "SELECT EXISTS (SELECT 1 FROM events WHERE alert_source_id = ?1)");
  s.bind(1, source);
  return s.step() && s.int64(0) != 0;
}

// The mapping source RECORD decides with (GIVEN when the command line gives settings),
// recorded in RECORD when it records none, or with REMAP after its history is decided
// again.
rules::Mapping settle_mapping(store::Store& store, const std::string& db,
                              store::SourceRecord& record, bool given_settings,
                              const rules::Mapping& given, Remap remap,
                              replay::RebuildCounts* counts) {
  std::optional<rules::Mapping> recorded;
  if (record.settings) recorded = recorded_mapping(*record.settings, db, record.name);
  rules::Mapping mapping = given_settings || !recorded ? given : *recorded;
  if (!recorded && given_settings && remap == Remap::no && has_history(store, record.id))
    refuse_unrecorded(db, record.name);
  if (recorded && given_settings && remap == Remap::no) {
    if (const auto differences = rules::differences(*recorded, mapping); !differences.empty())
      refuse(db, record.name, differences);
  }
  if (remap == Remap::yes) {
    const replay::RebuildCounts done = replay::rebuild(store, mapping, record.id);
    if (counts != nullptr) {
      counts->events += done.events;
      counts->changed_events += done.changed_events;
      counts->alerts += done.alerts;
      counts->changed_alerts += done.changed_alerts;
    }
  }
  if (!recorded || remap == Remap::yes) {
    record.settings = rules::config_text(mapping);
    record.settings_recorded_at = util::format_iso8601(util::now_millis());
  }
  return mapping;
}

std::shared_ptr<const rules::jql::Query> parse_scope(const std::string& text, const std::string& db,
                                                     const std::string& source) {
  try {
    return std::make_shared<const rules::jql::Query>(rules::jql::Query::parse(text));
  } catch (const rules::jql::SyntaxError& e) {
    throw Error(named(db, source) + ": its recorded jql: " + e.what());
  }
}

// Throws a usage Error for a name of NAMES that is not among KNOWN (the config's sources).
void check_names(const std::vector<std::string>& names, const std::vector<std::string>& known,
                 const std::string& config) {
  for (const auto& name : names) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    throw Error("--source: config file '" + config + "' defines no source '" + name + "'" +
                util::did_you_mean(name, known));
  }
}

// The config's sources (those NAMES names), added to the file or brought up to date.
std::vector<replay::AlertSet> config_sets(store::Store& store, const std::string& db,
                                          const MappingOptions& options, const GivenSettings& given,
                                          const std::vector<std::string>& names, Remap remap,
                                          replay::RebuildCounts* counts) {
  std::vector<std::string> known;
  for (const auto& def : given.sources) known.push_back(def.name);
  check_names(names, known, options.config_file);
  std::vector<store::SourceRecord> records = store::read_sources(store.db());
  std::vector<replay::AlertSet> sets;
  for (const auto& def : given.sources) {
    if (!names.empty() && std::find(names.begin(), names.end(), def.name) == names.end()) continue;
    auto it = std::find_if(records.begin(), records.end(),
                           [&](const auto& r) { return r.name == def.name; });
    store::SourceRecord record;
    if (it != records.end()) record = *it;
    record.name = def.name;
    record.jql = def.jql;
    record.path = def.path;
    if (it == records.end()) record.id = store::add_source(store.db(), record);
    replay::AlertSet& set = sets.emplace_back();
    set.id = record.id;
    set.name = def.name;
    set.path = def.path;
    set.mapping = settle_mapping(store, db, record, true, def.mapping, remap, counts);
    set.mapping.set_scope(def.jql ? parse_scope(*def.jql, db, def.name) : nullptr);
    store::update_source(store.db(), record);
  }
  for (const auto& r : records)
    if (std::find(known.begin(), known.end(), r.name) == known.end())
      store::drop_unused_source(store.db(), r.id);
  return sets;
}

}  // namespace

rules::Mapping recorded_mapping(std::string_view text, const std::string& db,
                                const std::string& source) {
  rules::Mapping mapping;
  load_config_text(text, named(db, source) + " (its recorded settings)", mapping);
  return mapping;
}

std::vector<replay::AlertSet> settle_sources(store::Store& store, const std::string& db,
                                             const MappingOptions& options,
                                             const GivenSettings& given,
                                             const std::vector<std::string>& names, Remap remap,
                                             replay::RebuildCounts* counts) {
  store::Batch batch(store);
  std::vector<replay::AlertSet> sets;
  if (!given.sources.empty()) {
    sets = config_sets(store, db, options, given, names, remap, counts);
  } else {
    std::vector<store::SourceRecord> records = store::select_sources(store.db(), names, db);
    for (auto& record : records) {
      replay::AlertSet set;
      set.id = record.id;
      set.name = record.name;
      set.path = record.path;
      set.mapping =
          settle_mapping(store, db, record, options.given(), given.mapping, remap, counts);
      set.mapping.set_scope(record.jql ? parse_scope(*record.jql, db, record.name) : nullptr);
      store::update_source(store.db(), record);
      sets.push_back(std::move(set));
    }
  }
  if (given.mapping.scope() != nullptr) {
    if (sets.size() > 1)
      throw Error("--jql: this command decides for " + std::to_string(sets.size()) +
                  " sources; --jql narrows one: choose it with --source NAME");
    // The source's own scope, narrowed.
    replay::AlertSet& set = sets.front();
    const std::string& narrower = given.mapping.scope()->text();
    set.mapping.set_scope(
        set.mapping.scope() == nullptr
            ? given.mapping.shared_scope()
            : parse_scope("(" + set.mapping.scope()->text() + ") AND (" + narrower + ")", db,
                          set.name));
  }
  if (sets.empty()) throw Error("state file '" + db + "' has no source to decide for");
  batch.commit();
  return sets;
}

std::string rebuild_note(const replay::RebuildCounts& c) {
  return "decided the recorded history again: " + std::to_string(c.changed_events) + " of " +
         std::to_string(c.events) + " decisions changed, " + std::to_string(c.changed_alerts) +
         " of " + std::to_string(c.alerts) + " alerts changed state or priority";
}

std::map<std::string, std::string, std::less<>> left_out_paths(
    store::Database& db, const GivenSettings& given, const std::vector<replay::AlertSet>& sets) {
  std::map<std::string, std::string, std::less<>> paths;
  const auto decided = [&](const std::string& name) {
    return std::any_of(sets.begin(), sets.end(),
                       [&](const replay::AlertSet& set) { return set.name == name; });
  };
  for (const auto& source : store::read_sources(db))
    if (source.path && !decided(source.name)) paths.emplace(*source.path, source.name);
  for (const auto& source : given.sources)
    if (source.path && !decided(source.name)) paths.emplace(*source.path, source.name);
  return paths;
}

}  // namespace jira_alerts::cli
