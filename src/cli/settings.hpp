#pragma once
// The mapping a command that writes a state file decides with: the one the file
// records, the one the command line gives (checked against it), or with --remap the
// command line's, after the recorded history is decided again under it.

#include <optional>
#include <string>

#include "cli/command.hpp"
#include "replay/rebuild.hpp"
#include "rules/mapping.hpp"
#include "store/store.hpp"

namespace jira_alerts::cli {

// The meta key that holds the recorded mapping, as a config file.
inline constexpr std::string_view settings_key = "settings";
// When the settings were recorded (ISO-8601, wall clock).
inline constexpr std::string_view settings_time_key = "settings.recorded_at";

// The mapping recorded in TEXT (the value of meta 'settings' of the file DB).
rules::Mapping recorded_mapping(std::string_view text, const std::string& db);

// How settle_mapping treats a command line whose settings differ from the file's.
enum class Remap : bool { no, yes };

// The mapping to decide with in STORE (the file DB): GIVEN (build_mapping of OPTIONS,
// built before the file is opened, so that a bad option creates nothing) when the
// command line gives settings, else the recorded ones, else the defaults; the scope
// always GIVEN's. A file that records none records these. Settings that differ from
// the recorded ones are a usage Error naming each difference, unless REMAP: then the
// recorded history is decided again under them (COUNTS, when given, says what
// changed) and they are recorded, all in one transaction.
rules::Mapping settle_mapping(store::Store& store, const std::string& db,
                              const MappingOptions& options, const rules::Mapping& given,
                              Remap remap, replay::RebuildCounts* counts = nullptr);

// "rebuilt under the new settings: N of M decisions changed, A of B alerts changed state
// or priority", for the summary line of replay --remap and rebuild.
std::string rebuild_note(const replay::RebuildCounts& counts);

}  // namespace jira_alerts::cli
