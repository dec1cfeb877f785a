#pragma once
// The state file: alerts, episodes, the event log and rejected payloads, over SQLite.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "rules/decide.hpp"
#include "rules/transition.hpp"
#include "store/location.hpp"
#include "store/sqlite.hpp"
#include "util/time.hpp"

namespace jira_alerts::store {

// How the state file is opened.
enum class Access : std::uint8_t {
  write,    // create or migrate the file, then write to it
  read,     // read an existing file; never create or change it
  dry_run,  // a private in-memory copy of the file (or a new empty state): the file is untouched
};

// One alert as stored: what the rules see of it, and the store's bookkeeping.
struct Alert : rules::AlertState {
  std::int64_t id = 0;     // 0 until inserted
  std::string identities;  // the duplicate identities applied to it, 8 bytes each
  bool dirty = false;      // changed in memory, not yet written
  // A hash set over IDENTITIES once there are many, so that checks stay O(1).
  mutable std::unordered_set<std::uint64_t> identity_index;

  // Was IDENTITY applied to this alert?
  bool applied(std::uint64_t identity) const;
  // Records that IDENTITY was applied.
  void add_identity(std::uint64_t identity);
};

// One row of the event log.
struct EventRow {
  std::int64_t source_id;
  std::uint64_t line;
  std::optional<std::int64_t> alert_id;
  std::optional<std::string_view> issue_key;
  std::optional<std::string_view> event;
  std::optional<util::Millis> timestamp;
  rules::Action action;
  rules::Rule rule;
  std::optional<rules::State> state;
  std::optional<rules::Level> priority;
  std::optional<std::string_view> jira_priority, status, summary;
  std::optional<std::string_view> user;   // who triggered the change
  std::optional<std::uint64_t> identity;  // applied payloads only: the duplicate check reads it
  std::optional<std::string_view> warnings;
};

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

// "ignored_event", "resolve_status", ... as stored in events.rule.
std::string_view rule_name(rules::Rule rule);
std::optional<rules::Rule> parse_rule(std::string_view name);

// The state file with the statements a replay needs, prepared once.
class Store {
 public:
  // Opens PATH; with Access::write the file is created or migrated. Throws Error
  // (exit 2) for a file that is not a state file or is newer than this program.
  Store(const std::string& path, Access access);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Database& db() { return db_; }

  // Starts a run (a row in runs) inside the current transaction.
  void begin_run(std::string_view command);
  void finish_run(std::uint64_t payloads, std::uint64_t rejected);

  // Write transactions in batches: a kill loses at most the batch in flight.
  void begin_batch();
  void commit_batch();
  void rollback_batch();
  bool in_batch() const { return batch_open_; }
  // Inside one long transaction (--strict), writes the changed alerts and empties
  // the alert cache once it holds more than it would across batches: memory stays
  // bounded without a commit. Alert pointers from find() are invalid afterwards.
  void trim_cache();
  std::size_t cached_alerts() const { return alerts_.size(); }
  // Folds the WAL into the main file and empties it.
  void checkpoint();

  // The alert whose fingerprint or alias is KEY, or null. Alerts are cached across
  // batches while no other process writes the file; the pointer stays valid until
  // the batch ends.
  Alert* find(std::string_view key);

  // Inserts a new alert and returns it, cached.
  Alert* insert_alert(Alert alert);
  // Marks a changed alert: it is written when the batch commits.
  void update_alert(Alert& alert);
  // Gives alert A the key NEW_KEY; its old key becomes an alias.
  void move_alert(Alert& a, std::string_view new_key);
  // Derives alert A's episodes, reopens, opened_at and resolved_at again from its event
  // log in event-time order (after a merge joined two histories). False, and nothing
  // changed, when one of its payloads has no timestamp to place it by.
  bool rederive_episodes(Alert& a);
  // Merges alert FROM (under a moved issue's old key) into INTO (under its new key):
  // INTO takes FROM's events, episodes (renumbered by time) and aliases; the fields,
  // the key included, follow whichever alert's newest payload is newer, and the other
  // key becomes an alias. FROM is deleted. Returns INTO.
  Alert* merge_alerts(Alert& from, Alert& into);
  // Makes KEY an alias of the alert ALERT_ID (the alert moved away from KEY).
  void add_alias(std::string_view key, std::int64_t alert_id);
  void open_episode(std::int64_t alert_id, std::int64_t seq, std::optional<util::Millis> opened_at,
                    rules::Level priority);
  void close_episode(std::int64_t alert_id, std::int64_t seq,
                     std::optional<util::Millis> resolved_at, rules::Level priority);

  std::int64_t source_id(std::string_view path);

  // The value of KEY in the meta table, or none.
  std::optional<std::string> meta(std::string_view key);
  // Sets KEY in the meta table (inside the current transaction).
  void set_meta(std::string_view key, std::string_view value);

  // A rejected payload of a source, and where it started.
  struct StandingReject {
    std::int64_t id;
    std::uint64_t line;
    std::optional<std::uint64_t> column, offset;  // null in rows kept from a version-2 file
    // Is the payload at LINE:COLUMN, OFFSET the one this reject stood for?
    bool replaced_by(std::uint64_t at_line, std::uint64_t at_column, std::uint64_t at_offset) const;
  };
  // Rejected payloads that a successful payload from a source may replace: those of
  // the same source (see StandingReject::replaced_by), and those exported to the
  // file at ABSOLUTE_PATH by 'rejects --export' (empty: none).
  struct StandingRejects {
    std::vector<StandingReject> at;
    std::vector<std::int64_t> exported;
  };
  StandingRejects standing_rejects(std::int64_t source_id, const std::string& absolute_path);
  void drop_reject(std::int64_t id);
  // The current run's id (0 before begin_run).
  std::int64_t run_id() const { return run_id_; }
  void log_event(const EventRow& row);
  void log_reject(const RejectRow& row);

 private:
  // Heterogeneous lookup, so that a string_view finds a key without a copy.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Interned = std::unordered_map<std::string, std::int64_t, Hash, std::equal_to<>>;

  void open(const std::string& path, Access access);
  enum class NameKind : std::uint8_t { event, jira_priority, status, user };
  std::optional<std::int64_t> name_id(std::optional<std::string_view> name, NameKind kind);
  std::int64_t intern(std::string_view name);
  void write_alert(const Alert& alert);
  void flush_alerts();
  void drop_cache();
  std::int64_t data_version();
  Statement& statement(std::unique_ptr<Statement>& slot, const char* sql);

  Location location_;  // resolved once: every use of the path goes through it
  Database db_;
  std::int64_t run_id_ = 0;
  bool batch_open_ = false;
  Interned names_, sources_;
  std::array<std::pair<std::string, std::int64_t>, 4> last_names_{};  // per NameKind
  // Fingerprints and aliases of the cached alerts (the map's nodes do not move).
  std::unordered_map<std::string, Alert*, Hash, std::equal_to<>> alert_ids_;
  std::unordered_map<std::int64_t, Alert> alerts_;  // by id
  std::vector<std::int64_t> dirty_;                 // changed since the batch began
  std::int64_t data_version_ = -1;                  // after our last commit
  std::unique_ptr<Statement> find_, insert_alert_, update_alert_, insert_alias_, open_episode_,
      close_episode_, delete_alias_, insert_name_, select_name_, insert_source_, select_source_,
      insert_event_, update_reject_, insert_reject_, select_meta_, upsert_meta_;
};

}  // namespace jira_alerts::store
