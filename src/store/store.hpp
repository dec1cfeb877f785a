#pragma once
// The state file: alerts, episodes, the event log and rejected payloads, over SQLite.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "rules/decide.hpp"
#include "store/sqlite.hpp"
#include "util/time.hpp"

namespace jira_alerts::store {

// How the state file is opened.
enum class Access : std::uint8_t {
  write,     // create or migrate the file, then write to it
  read,      // read an existing file; never create or change it
  dry_run,   // a private in-memory copy of the file (or a new empty state): the file is untouched
};

// One alert as stored.
struct Alert {
  std::int64_t id = 0;  // 0 until inserted
  std::string fingerprint;
  std::optional<std::string> issue_id, project, jira_priority, status, summary;
  rules::State state = rules::State::open;
  rules::Level priority = rules::Level::medium;
  std::optional<util::Millis> opened_at, resolved_at, updated_at;
  std::int64_t events = 0;
  std::int64_t reopens = 0;
  std::int64_t episode = 0;  // sequence number of the newest episode (0: none)
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
  std::optional<std::uint64_t> identity;  // applied payloads only: the duplicate check reads it
  std::optional<std::string_view> warnings;
};

// One rejected payload.
struct RejectRow {
  std::int64_t source_id;
  std::uint64_t line;                       // where the payload starts
  std::uint64_t error_line, error_column;   // where it went wrong
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

  // The alert whose fingerprint or alias is KEY.
  bool find(std::string_view key, Alert& alert);
  // Was IDENTITY already applied to ALERT_ID?
  bool applied(std::int64_t alert_id, std::uint64_t identity);

  void insert_alert(Alert& alert);
  void update_alert(const Alert& alert);
  void add_alias(std::string_view key, std::int64_t alert_id);
  void open_episode(std::int64_t alert_id, std::int64_t seq, std::optional<util::Millis> opened_at,
                    rules::Level priority);
  void close_episode(std::int64_t alert_id, std::int64_t seq, std::optional<util::Millis> resolved_at,
                     rules::Level priority);

  std::int64_t source_id(std::string_view path);
  void log_event(const EventRow& row);
  void log_reject(const RejectRow& row);

 private:
  std::optional<std::int64_t> name_id(std::optional<std::string_view> name);
  Statement& statement(std::unique_ptr<Statement>& slot, const char* sql);

  Database db_;
  std::int64_t run_id_ = 0;
  bool batch_open_ = false;
  std::unordered_map<std::string, std::int64_t> names_, sources_;
  std::unique_ptr<Statement> find_, applied_, insert_alert_, update_alert_, insert_alias_,
      open_episode_, close_episode_, insert_name_, select_name_, insert_source_, select_source_,
      insert_event_, insert_reject_;
};

}  // namespace jira_alerts::store
