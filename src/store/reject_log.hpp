#pragma once
// Rejected payloads as a replay records them, and the standing rejections that a later
// successful payload from the same place (or the file they were exported to) replaces.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite.hpp"

namespace jira_alerts::store {

// One rejected payload.
struct RejectRow {
  std::int64_t source_id;
  std::uint64_t line, column;              // where the payload starts
  std::uint64_t offset;                    // ... to the byte, in its (decompressed) input
  std::uint64_t error_line, error_column;  // where it went wrong
  std::string_view reason;
  std::uint64_t size;
  std::string_view raw;
};

// A rejected payload of a source, and where it started.
struct StandingReject {
  std::int64_t id;
  std::uint64_t line;
  std::optional<std::uint64_t> column, offset;  // null in rows kept from a version-2 file
  // Is the payload at LINE:COLUMN, OFFSET the one this reject stood for?
  bool replaced_by(std::uint64_t at_line, std::uint64_t at_column, std::uint64_t at_offset) const;
};

// Rejected payloads that a successful payload from a source may replace: those of the
// same source (see StandingReject::replaced_by), and those exported by 'rejects --export'
// to the file the source is.
struct StandingRejects {
  std::vector<StandingReject> at;
  std::vector<std::int64_t> exported;
};

class RejectLog {
 public:
  explicit RejectLog(Database& db) : db_(db) {}
  RejectLog(const RejectLog&) = delete;
  RejectLog& operator=(const RejectLog&) = delete;

  // The standing rejects of SOURCE_ID, and those exported to ABSOLUTE_PATH (empty: none).
  StandingRejects standing_rejects(std::int64_t source_id, const std::string& absolute_path);
  void drop_reject(std::int64_t id);
  // Records a rejection by the run RUN_ID; the same payload rejected again keeps one row.
  void log_reject(const RejectRow& row, std::int64_t run_id);

 private:
  Database& db_;
  std::unique_ptr<Statement> update_reject_, insert_reject_;
};

}  // namespace jira_alerts::store
