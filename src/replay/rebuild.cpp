#include "replay/rebuild.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rules/decide.hpp"
#include "rules/transition.hpp"
#include "store/event_log.hpp"

namespace jira_alerts::replay {
namespace {

using rules::Action;

constexpr std::string_view no_name_warning = "unmapped priority: issue.fields.priority has no name";

// One recorded payload of an alert, as the event log holds it and as decided again.
struct Row {
  std::int64_t id = 0;
  Action action = Action::update;  // open, update, resolve, reopen, stale or duplicate
  rules::Rule rule = rules::Rule::active_status;
  std::optional<util::Millis> timestamp;
  std::string event;
  std::optional<std::string> jira_priority, status, category, warnings;
  std::optional<rules::State> state;
  std::optional<rules::Level> priority;
  bool created = false;  // it created its alert (a merged alert has two such)
  bool changed = false;
  bool change_owed = false;  // applied, and its action, state or priority changed
};

std::optional<std::string> text_at(const store::Statement& s, int column) {
  if (const auto t = s.optional_text(column)) return std::string(*t);
  return std::nullopt;
}

Row read_row(const store::Statement& s) {
  Row r;
  r.id = s.int64(1);
  r.action = rules::parse_action(s.text(2)).value_or(Action::update);
  r.rule = store::parse_rule(s.text(3)).value_or(rules::Rule::active_status);
  r.timestamp = s.optional_int64(4);
  r.event = s.text(5);
  r.jira_priority = text_at(s, 6);
  r.status = text_at(s, 7);
  r.category = text_at(s, 8);
  if (const auto state = s.optional_text(9)) r.state = rules::parse_state(*state);
  if (const auto level = s.optional_text(10)) r.priority = rules::parse_level(*level);
  r.warnings = text_at(s, 11);
  r.created = s.int64(13) != 0;
  return r;
}

std::optional<std::string_view> view(const std::optional<std::string>& text) {
  if (text) return std::string_view(*text);
  return std::nullopt;
}

// An episode as the payloads of one alert leave it.
struct Episode {
  std::optional<util::Millis> opened_at, resolved_at;
  rules::Level priority;
};

// One alert's payloads decided again in input order, and what they leave it with.
class AlertWalk {
 public:
  explicit AlertWalk(const rules::Mapping& mapping) : mapping_(mapping) {}

  void add(Row& r) {
    const rules::StatusVerdict verdict =
        rules::status_verdict(r.event, view(r.status), view(r.category), mapping_);
    // A payload without a priority name was either without one (the default, no
    // warning) or an object without a name (the default, with the warning it has).
    const bool unnamed = r.warnings && r.warnings->find(no_name_warning) != std::string::npos;
    const rules::PriorityMapping pm =
        rules::priority_level(view(r.jira_priority), unnamed, mapping_);
    // A payload that created an alert decides as the first of its alert, whatever its
    // action was: a merged alert's second half began as an alert of its own.
    const bool first = !before_ || r.created;
    const std::optional<rules::State> before = first ? std::nullopt : before_;
    const rules::State after = rules::state_after(before, verdict.state);
    Row was = r;
    r.state = after;
    r.priority = pm.level;
    // A late payload keeps the rule its status gives, for its place in event time.
    if (rules::is_applied(r.action) || r.action == Action::stale) {
      r.rule = verdict.rule;
      r.warnings = warning(r, pm);
    }
    if (rules::is_applied(r.action)) {
      r.action = rules::action_for(before, after);
      apply(r, first);
    }
    r.change_owed = rules::is_applied(r.action) &&
                    (r.action != was.action || r.state != was.state || r.priority != was.priority);
    r.changed = r.change_owed || r.action != was.action || r.rule != was.rule ||
                r.state != was.state || r.priority != was.priority || r.warnings != was.warnings;
  }

  const rules::AlertState& alert() const { return alert_; }
  const std::vector<Episode>& episodes() const { return episodes_; }

 private:
  std::optional<std::string> warning(const Row& r, const rules::PriorityMapping& pm) const {
    if (pm.mapped) return std::nullopt;
    if (!r.jira_priority) return std::string(no_name_warning);
    return "unmapped priority '" + *r.jira_priority + "'";
  }

  void apply(const Row& r, bool first) {
    const rules::Decision d{r.action, r.rule, *r.state, *r.priority, true};
    rules::Facts facts;
    facts.first = first && episodes_.empty();
    facts.timestamp = r.timestamp;
    const rules::Outcome o = rules::transition(alert_, d, facts);
    if (o.opens_episode) episodes_.push_back({alert_.opened_at, std::nullopt, alert_.priority});
    if (o.closes_episode && !episodes_.empty()) {
      episodes_.back().resolved_at = alert_.resolved_at;
      episodes_.back().priority = alert_.priority;
    }
    before_ = *r.state;
  }

  const rules::Mapping& mapping_;
  std::optional<rules::State> before_;
  rules::AlertState alert_;
  std::vector<Episode> episodes_;
};

// The statements a rebuild writes with, each prepared once for all alerts.
struct Statements {
  std::unique_ptr<store::Statement> update_event, previous_change, drop_ack, rewind_ack,
      clear_episodes;
};

// The decisions of ROWS that changed, written back.
std::uint64_t write_rows(store::Database& db, Statements& st, const std::vector<Row>& rows) {
  store::Statement& update = store::prepared(db, st.update_event, R"sql(
    UPDATE events SET action = ?2, rule = ?3, state = ?4, priority = ?5, warnings = ?6
    WHERE id = ?1)sql");
  std::uint64_t changed = 0;
  for (const Row& r : rows) {
    if (!r.changed) continue;
    update.bind(1, r.id)
        .bind_static(2, rules::action_name(r.action))
        .bind_static(3, store::rule_name(r.rule))
        .bind_static(4, rules::state_name(*r.state))
        .bind_static(5, rules::level_name(*r.priority))
        .bind(6, view(r.warnings))
        .run();
    ++changed;
  }
  return changed;
}

// The applied row the alert's state and priority come from: the newest by event time
// (a later one without a time counts as newest, as it did when applied).
const Row* newest_applied(const std::vector<Row>& rows) {
  const Row* newest = nullptr;
  for (const Row& r : rows) {
    if (!rules::is_applied(r.action)) continue;
    if (newest == nullptr || !r.timestamp || !newest->timestamp ||
        *r.timestamp >= *newest->timestamp)
      newest = &r;
  }
  return newest;
}

// A target that acknowledged a change of the alert that was decided again is owed every
// change from the first of them (FROM, an event id) on: its acknowledgement goes back to
// the change before (or away, when there is none). False when no change is owed.
bool owe_changes(store::Database& db, Statements& st, std::int64_t alert_id,
                 const std::vector<Row>& rows) {
  const auto first =
      std::find_if(rows.begin(), rows.end(), [](const Row& r) { return r.change_owed; });
  if (first == rows.end()) return false;
  store::Statement& before = store::prepared(db, st.previous_change, R"sql(
    SELECT max(id) FROM events WHERE alert_id = ?1 AND id < ?2
      AND action IN ('open', 'update', 'resolve', 'reopen'))sql");
  before.bind(1, alert_id).bind(2, first->id);
  before.step();
  const std::optional<std::int64_t> previous = before.optional_int64(0);
  before.reset();
  if (!previous) {
    store::prepared(db, st.drop_ack, "DELETE FROM outbox WHERE alert_id = ?1 AND event_id >= ?2")
        .bind(1, alert_id)
        .bind(2, first->id)
        .run();
    return true;
  }
  store::prepared(db, st.rewind_ack,
                  "UPDATE outbox SET event_id = ?3 WHERE alert_id = ?1 AND event_id >= ?2")
      .bind(1, alert_id)
      .bind(2, first->id)
      .bind(3, *previous)
      .run();
  return true;
}

// Alert FINGERPRINT given what its ROWS, decided again (by WALK) and written, leave it
// with. True when its state or priority changed.
bool rebuild_alert(store::Store& store, Statements& st, std::string_view fingerprint,
                   const std::vector<Row>& rows, const AlertWalk& walk) {
  store::Alert* a = store.alerts().find(fingerprint);
  const Row* newest = newest_applied(rows);
  if (a == nullptr || newest == nullptr) return false;
  const rules::State was_state = a->state;
  const rules::Level was_priority = a->priority;
  a->state = *newest->state;
  a->priority = *newest->priority;
  // The episodes in input order; in event time instead when every payload has a time.
  store::prepared(store.db(), st.clear_episodes, "DELETE FROM episodes WHERE alert_id = ?1")
      .bind(1, a->id)
      .run();
  const auto& episodes = walk.episodes();
  for (std::size_t i = 0; i < episodes.size(); ++i) {
    const auto seq = static_cast<std::int64_t>(i + 1);
    store.alerts().open_episode(a->id, seq, episodes[i].opened_at, episodes[i].priority);
    if (episodes[i].resolved_at)
      store.alerts().close_episode(a->id, seq, episodes[i].resolved_at, episodes[i].priority);
  }
  a->episode = walk.alert().episode;
  a->reopens = walk.alert().reopens;
  a->opened_at = walk.alert().opened_at;
  a->resolved_at = walk.alert().resolved_at;
  store.alerts().update_alert(*a);
  store.alerts().rederive_episodes(*a);
  return a->state != was_state || a->priority != was_priority;
}

}  // namespace

RebuildCounts rebuild(store::Store& store, const rules::Mapping& mapping, std::int64_t source) {
  store.alerts().flush();
  store.alerts().clear();
  store.alerts().use_source(source);
  store::Statement s(store.db(), R"sql(
    SELECT v.fingerprint, v.id, v.action, v.rule, v.timestamp, v.event, v.jira_priority,
           v.status, v.status_category, v.state, v.priority, v.warnings, v.alert_id,
           e.created_alert
    FROM event_log v JOIN events e ON e.id = v.id JOIN alerts a ON a.id = v.alert_id
    WHERE a.alert_source_id = ?1
      AND v.action IN ('open', 'update', 'resolve', 'reopen', 'stale', 'duplicate')
    ORDER BY v.alert_id, v.id)sql");
  s.bind(1, source);
  RebuildCounts counts;
  std::vector<Row> rows;
  std::string fingerprint;
  std::int64_t alert_id = 0;
  bool owed = false;
  Statements st;
  const auto finish = [&] {
    if (rows.empty()) return;
    ++counts.alerts;
    AlertWalk walk(mapping);
    for (Row& r : rows) walk.add(r);
    counts.events += rows.size();
    counts.changed_events += write_rows(store.db(), st, rows);
    if (rebuild_alert(store, st, fingerprint, rows, walk)) ++counts.changed_alerts;
    if (owe_changes(store.db(), st, alert_id, rows)) owed = true;
    rows.clear();
    store.trim_cache();
  };
  while (s.step()) {
    if (s.int64(12) != alert_id) {
      finish();
      alert_id = s.int64(12);
      fingerprint = s.text(0);
    }
    rows.push_back(read_row(s));
  }
  finish();
  // The watermarks of the push targets no longer tell what each has acknowledged.
  if (owed) store.db().exec("DELETE FROM meta WHERE key LIKE 'push.acknowledged:%'");
  return counts;
}

}  // namespace jira_alerts::replay
