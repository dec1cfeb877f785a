#pragma once
// The state file as a replay writes it: the alerts and their cache, the event log, the
// rejected payloads, each over one connection, and the write transaction (Batch) they
// share. Reports read through a store::Snapshot (store/open.hpp) instead.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store/alert_cache.hpp"
#include "store/event_log.hpp"
#include "store/indexes.hpp"
#include "store/location.hpp"
#include "store/open.hpp"
#include "store/reject_log.hpp"
#include "store/sqlite.hpp"

namespace jira_alerts::store {

// How a Store opens the state file.
enum class Access : std::uint8_t {
  write,    // create or migrate the file, then write to it
  dry_run,  // a private in-memory copy of the file (or a new empty state): the file is untouched
};

class Batch;

class Store {
 public:
  // Opens PATH. Throws Error (exit 2) for a file that is not a state file or is newer
  // than this program.
  Store(const std::string& path, Access access);
  // Folds the WAL in, when fold_wal_on_close() asked for it and it has grown past
  // max_kept_wal (see there).
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Database& db() { return db_; }
  AlertCache& alerts() { return alerts_; }
  DeferredIndexes& indexes() { return indexes_; }
  EventLog& log() { return log_; }
  RejectLog& rejects() { return rejects_; }

  // Past this many cached alerts, between chunks of payloads and at each commit, the
  // cache keeps only the most recently used three quarters of them: memory stays
  // bounded (about 0.8 kB an alert).
  std::size_t cached_alerts = 10'000;

  // Inside a transaction (between chunks of a batch, or --strict's one transaction),
  // keeps only the most recently used alerts once the cache holds more than it would
  // across batches, writing the changed ones it lets go: memory stays bounded without
  // a commit.
  // Alert pointers from find() are invalid afterwards.
  void trim_cache();
  // Folds the WAL into the main file and empties it (best effort, without waiting).
  void checkpoint();
  // Asks the destructor to fold the WAL in when it has grown past max_kept_wal: for a
  // command's own state file, not for the short-lived connections of a long-running one
  // (record's push rounds), whose checkpoints would stall its writer again and again.
  void fold_wal_on_close() { fold_on_close_ = true; }

  // The value of KEY in the meta table, or none.
  std::optional<std::string> meta(std::string_view key);
  // Sets KEY in the meta table (inside the open batch).
  void set_meta(std::string_view key, std::string_view value);

 private:
  friend class Batch;
  std::int64_t data_version();

  // A run that writes little leaves its WAL for the next to fold in (checkpoint() is two
  // fsyncs), but whoever opens the file first next rebuilds the WAL's index by reading it
  // whole: past this size a closing Store folds it in, so that no start reads more.
  static constexpr std::uint64_t max_kept_wal = 1u << 20;

  Location location_;  // resolved once: every use of the path goes through it
  Access access_;
  bool fold_on_close_ = false;
  Database db_;
  DeferredIndexes indexes_{db_};
  AlertCache alerts_{db_, indexes_};
  EventLog log_{db_};
  RejectLog rejects_{db_};
  std::int64_t data_version_ = -1;  // after our last commit
  std::unique_ptr<Statement> select_meta_, upsert_meta_;
};

// One write transaction of a Store (BEGIN IMMEDIATE): a kill loses at most the batch in
// flight. commit() writes the changed alerts and commits; a batch left without a commit
// is rolled back, and the caches that may hold its rows are dropped. One at a time.
class Batch {
 public:
  explicit Batch(Store& store);
  ~Batch();
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  void commit();

 private:
  Store& store_;
  Transaction tx_;
  bool committed_ = false;
};

}  // namespace jira_alerts::store
