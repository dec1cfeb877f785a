#pragma once
// The sources and mapping a command that writes a state file decides with: the ones the
// file records, or the ones the command line gives (checked against them), or with
// --remap the command line's, after the recorded history is decided again under them.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "replay/rebuild.hpp"
#include "replay/replayer.hpp"
#include "rules/mapping.hpp"
#include "store/store.hpp"

namespace jira_alerts::cli {

// The mapping recorded in TEXT (the settings of source SOURCE of the file DB).
rules::Mapping recorded_mapping(std::string_view text, const std::string& db,
                                const std::string& source);

// How settle_sources treats a command line whose settings differ from the file's.
enum class Remap : bool { no, yes };

// The sources to decide for in STORE (the file DB), each with its mapping, in one
// transaction:
// - GIVEN's config sources when it has any (each added to the file when new, its jql and
//   path recorded); sources of the file that are not among them and hold nothing (a new
//   file's default) are dropped;
// - else the file's sources, with their recorded jql;
// only those NAMES names (--source), when it names any. A source's mapping is the one the
// command line gives when it gives settings (OPTIONS), else the recorded one, else the
// defaults. Settings that differ from the recorded ones are a usage Error naming each
// difference, unless REMAP: then the source's recorded history is decided again under
// them (COUNTS, when given, adds up what changed). A source that records no settings
// records these. --jql narrows the scope of the one source it may go with.
std::vector<replay::AlertSet> settle_sources(store::Store& store, const std::string& db,
                                             const MappingOptions& options,
                                             const GivenSettings& given,
                                             const std::vector<std::string>& names, Remap remap,
                                             replay::RebuildCounts* counts = nullptr);

// The paths of the sources of GIVEN's config and of the file DB that SETS (what
// settle_sources chose) leaves out, each with its source's name: Replayer::left_out_paths.
std::map<std::string, std::string, std::less<>> left_out_paths(
    store::Database& db, const GivenSettings& given, const std::vector<replay::AlertSet>& sets);

// "rebuilt under the new settings: N of M decisions changed, A of B alerts changed state
// or priority", for the summary line of replay --remap and rebuild.
std::string rebuild_note(const replay::RebuildCounts& counts);

}  // namespace jira_alerts::cli
