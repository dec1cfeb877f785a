#pragma once
// Rejected payloads kept in the state file: listed, exported and dropped.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/sqlite.hpp"

namespace jira_alerts::store {

// One rejected payload.
struct RejectView {
  std::int64_t id;
  std::string path;
  std::int64_t line, error_line, error_column;
  std::string reason;
  std::int64_t size;         // the payload's full size
  std::string raw;           // its bytes (a prefix when it was too large to keep)
  std::int64_t rejected_at;  // wall clock, epoch milliseconds
  std::optional<std::string> exported_to;
};

// Calls VISIT for every rejected payload, oldest first; RAW is filled only WITH_RAW.
void for_each_reject(Database& db, bool with_raw,
                     const std::function<void(const RejectView&)>& visit);

// Records that reject ID was exported to the file PATH (an absolute path).
void mark_exported(Database& db, std::int64_t id, const std::string& path);

// Deletes the rejects with these ids; returns the ids that did not exist.
std::vector<std::int64_t> drop_rejects(Database& db, const std::vector<std::int64_t>& ids);

// Deletes every reject; returns how many there were.
std::int64_t drop_all_rejects(Database& db);

}  // namespace jira_alerts::store
