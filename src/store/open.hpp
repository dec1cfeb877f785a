#pragma once
// Opening the state file: for writing (created, or migrated from an older release, first),
// as a private in-memory copy for a dry run, or as one read snapshot for a report.

#include <string>

#include "store/location.hpp"
#include "store/sqlite.hpp"

namespace jira_alerts::store {

// Waits up to 60 s for another process's write transaction (polling every millisecond).
void set_busy_handler(Database& db);

// The file at LOC for a replay's writes: created or migrated, in WAL mode. Throws Error
// (exit 2) for a file that is not a state file or is newer than this program.
Database open_for_writing(const Location& loc);

// A private in-memory copy of the file at LOC (or a new empty state when there is none):
// the file is never changed.
Database open_dry_run(const Location& loc);

// A report's view of the state file: read-only, in one read transaction for its whole
// life, so that every query sees the same snapshot whatever replays commit meanwhile.
// A file from an older release is migrated first (it could not be read otherwise); an
// empty or missing file is refused.
class Snapshot {
 public:
  explicit Snapshot(const std::string& path);
  ~Snapshot();
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  Database& db() { return db_; }

 private:
  Location location_;  // resolved once: every use of the path goes through it
  Database db_;
};

}  // namespace jira_alerts::store
