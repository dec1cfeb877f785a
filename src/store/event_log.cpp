// The event log: runs, sources, interned names and one row per payload.

#include "store/event_log.hpp"

namespace jira_alerts::store {

std::string_view rule_name(rules::Rule rule) {
  switch (rule) {
    case rules::Rule::ignored_event:
      return "ignored_event";
    case rules::Rule::duplicate:
      return "duplicate";
    case rules::Rule::stale:
      return "stale";
    case rules::Rule::deleted:
      return "deleted";
    case rules::Rule::resolve_status:
      return "resolve_status";
    case rules::Rule::done_category:
      return "done_category";
    case rules::Rule::active_status:
      return "active_status";
    case rules::Rule::no_status:
      return "no_status";
    case rules::Rule::out_of_scope:
      return "out_of_scope";
    case rules::Rule::rejected:
      return "rejected";
  }
  return "rejected";
}

std::optional<rules::Rule> parse_rule(std::string_view name) {
  using rules::Rule;
  for (const Rule r : {Rule::ignored_event, Rule::duplicate, Rule::stale, Rule::deleted,
                       Rule::resolve_status, Rule::done_category, Rule::active_status,
                       Rule::no_status, Rule::out_of_scope, Rule::rejected})
    if (rule_name(r) == name) return r;
  return std::nullopt;
}

void EventLog::begin_run(std::string_view command) {
  Statement s(db_, "INSERT INTO runs (started_at, command) VALUES (?1, ?2)");
  s.bind(1, util::now_millis()).bind(2, command).run();
  run_id_ = db_.last_insert_rowid();
}

void EventLog::finish_run(std::uint64_t payloads, std::uint64_t rejected) {
  Statement s(db_,
              "UPDATE runs SET finished_at = ?1, payloads = payloads + ?2, rejected = rejected + "
              "?3 WHERE id = ?4");
  s.bind(1, util::now_millis())
      .bind(2, static_cast<std::int64_t>(payloads))
      .bind(3, static_cast<std::int64_t>(rejected))
      .bind(4, run_id_)
      .run();
}

namespace {
// The id of TEXT in a table of unique texts (sources, names): INSERT adds it when new,
// SELECT reads its id.
std::int64_t unique_id(Statement& insert, Statement& select, std::string_view text) {
  insert.bind(1, text).run();
  select.bind(1, text);
  select.step();
  const std::int64_t id = select.int64(0);
  select.reset();
  return id;
}
}  // namespace

std::int64_t EventLog::source_id(std::string_view path) {
  if (const auto it = sources_.find(path); it != sources_.end()) return it->second;
  const std::int64_t id =
      unique_id(prepared(db_, insert_source_,
                         "INSERT INTO sources (path) VALUES (?1) ON CONFLICT DO NOTHING"),
                prepared(db_, select_source_, "SELECT id FROM sources WHERE path = ?1"), path);
  sources_.emplace(std::string(path), id);
  return id;
}

std::optional<std::int64_t> EventLog::name_id(std::optional<std::string_view> name, NameKind kind) {
  if (!name) return std::nullopt;
  // Consecutive payloads mostly repeat their event type, status, priority and user.
  auto& [last_name, last_id] = last_names_[static_cast<std::size_t>(kind)];
  if (last_id != 0 && last_name == *name) return last_id;
  const std::int64_t id = intern(*name);
  last_name = *name;
  last_id = id;
  return id;
}

std::int64_t EventLog::intern(std::string_view name) {
  // A hostile input could bring endless distinct names: keep the cache bounded.
  if (names_.size() > 100'000) names_.clear();
  if (const auto it = names_.find(name); it != names_.end()) return it->second;
  const std::int64_t id = unique_id(
      prepared(db_, insert_name_, "INSERT INTO names (name) VALUES (?1) ON CONFLICT DO NOTHING"),
      prepared(db_, select_name_, "SELECT id FROM names WHERE name = ?1"), name);
  names_.emplace(std::string(name), id);
  return id;
}

void EventLog::log_event(const EventRow& r) {
  auto& s = prepared(db_, insert_event_, R"sql(
    INSERT INTO events (run_id, source_id, line, alert_id, issue_key, event_id, timestamp, action,
                        rule, state, priority, jira_priority_id, status_id, summary, identity,
                        warnings, user_id, status_category_id, created_alert, alert_source_id)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
            ?19, ?20))sql");
  const auto event_id = name_id(r.event, NameKind::event);
  const auto jira_priority_id = name_id(r.jira_priority, NameKind::jira_priority);
  const auto status_id = name_id(r.status, NameKind::status);
  const auto user_id = name_id(r.user, NameKind::user);
  const auto category_id = name_id(r.category, NameKind::category);
  // One row per payload: the texts are bound without copies, as they outlive run().
  s.bind(1, run_id_)
      .bind(2, r.source_id)
      .bind(3, static_cast<std::int64_t>(r.line))
      .bind(4, r.alert_id)
      .bind_static(5, r.issue_key)
      .bind(6, event_id)
      .bind(7, r.timestamp)
      .bind_static(8, rules::action_name(r.action))
      .bind_static(9, rule_name(r.rule));
  if (r.state) s.bind_static(10, rules::state_name(*r.state));
  if (r.priority) s.bind_static(11, rules::level_name(*r.priority));
  s.bind(12, jira_priority_id).bind(13, status_id).bind_static(14, r.summary);
  if (r.identity) s.bind(15, static_cast<std::int64_t>(*r.identity));
  s.bind_static(16, r.warnings)
      .bind(17, user_id)
      .bind(18, category_id)
      .bind(19, std::int64_t{r.created_alert ? 1 : 0})
      .bind(20, r.alert_source_id)
      .run();
}

void EventLog::forget_ids() {
  names_.clear();
  sources_.clear();
  last_names_ = {};
}

std::uint64_t EventLog::newest_event_id() {
  Statement s(db_, "SELECT coalesce(max(id), 0) FROM events");
  s.step();
  return static_cast<std::uint64_t>(s.int64(0));
}

}  // namespace jira_alerts::store
