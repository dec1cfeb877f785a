#pragma once
// The sources of a state file: its separate alert sets, each with its scope (a JQL
// query), the record URL path that feeds it and the mapping settings that decided its
// history. A fingerprint is unique within a source.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite.hpp"

namespace jira_alerts::store {

// The source of a file that no config divides: every file has it until a config's
// sources replace it (it is dropped once they do, if it holds nothing).
inline constexpr std::string_view default_source = "jira";

// One source as the state file records it.
struct SourceRecord {
  std::int64_t id = 0;
  std::string name;
  std::optional<std::string> jql;       // its scope; none: every issue
  std::optional<std::string> path;      // the record URL path that feeds it; none: any
  std::optional<std::string> settings;  // the mapping as a config file; none: not recorded
  std::optional<std::string> settings_recorded_at;
};

// Every source of DB, in the order they were added.
std::vector<SourceRecord> read_sources(Database& db);

// The sources of DB named NAMES (--source), in the order they were added; every source
// when NAMES is empty. Throws a usage Error naming an unknown name (with a "did you
// mean") and the file's sources; DB_PATH names the file.
std::vector<SourceRecord> select_sources(Database& db, const std::vector<std::string>& names,
                                         const std::string& db_path);

// Every source's recorded settings as one text: when it changes, another command (rebuild,
// --remap) decided a history again under new settings.
std::string settings_stamp(Database& db);

// Adds SOURCE (its name, jql and path) and returns its id. Inside a transaction.
std::int64_t add_source(Database& db, const SourceRecord& source);
// Writes SOURCE's jql, path and settings to its row (by id) when they differ from it, so
// that a command that changes nothing writes nothing. Inside a transaction.
void update_source(Database& db, const SourceRecord& source);
// Removes source ID when no command has used it (it records no settings) and nothing refers
// to it (no alert, alias or event); true when it did. A source that a command recorded
// stays: another process (record --apply waiting for deliveries) may be writing to it.
bool drop_unused_source(Database& db, std::int64_t id);

}  // namespace jira_alerts::store
