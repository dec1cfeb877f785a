#pragma once
// The event log of a replay: its run, the sources it read, one row per payload, and the
// names (events, statuses, priorities, users) those rows refer to by id.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "rules/decide.hpp"
#include "store/sqlite.hpp"
#include "util/time.hpp"

namespace jira_alerts::store {

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
  std::optional<std::string_view> category;  // the status category's key, as sent
  std::optional<std::string_view> user;      // who triggered the change
  std::optional<std::uint64_t> identity;     // applied payloads only: the duplicate check reads it
  std::optional<std::string_view> warnings;
  bool created_alert = false;  // the payload created its alert
  // The source whose alerts the payload was decided against; none: it is outside every
  // source's scope.
  std::optional<std::int64_t> alert_source_id;
};

// "ignored_event", "resolve_status", ... as stored in events.rule.
std::string_view rule_name(rules::Rule rule);
std::optional<rules::Rule> parse_rule(std::string_view name);

class EventLog {
 public:
  explicit EventLog(Database& db) : db_(db) {}
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Starts a run (a row in runs) inside the current transaction.
  void begin_run(std::string_view command);
  void finish_run(std::uint64_t payloads, std::uint64_t rejected);
  // The id of the newest event (0: none): about how many the log holds.
  std::uint64_t newest_event_id();
  // The current run's id (0 before begin_run).
  std::int64_t run_id() const { return run_id_; }

  // The id of the source PATH, added when new.
  std::int64_t source_id(std::string_view path);
  void log_event(const EventRow& row);
  // Forgets the ids of sources and names: a rollback may have undone their rows.
  void forget_ids();

 private:
  // Heterogeneous lookup, so that a string_view finds a key without a copy.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Interned = std::unordered_map<std::string, std::int64_t, Hash, std::equal_to<>>;
  enum class NameKind : std::uint8_t { event, jira_priority, status, category, user };
  std::optional<std::int64_t> name_id(std::optional<std::string_view> name, NameKind kind);
  std::int64_t intern(std::string_view name);

  Database& db_;
  std::int64_t run_id_ = 0;
  Interned names_, sources_;
  std::array<std::pair<std::string, std::int64_t>, 5> last_names_{};  // per NameKind
  std::unique_ptr<Statement> insert_name_, select_name_, insert_source_, select_source_,
      insert_event_;
};

}  // namespace jira_alerts::store
