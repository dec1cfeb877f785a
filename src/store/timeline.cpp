// An alert's episodes derived again from its event log in event time, for alerts whose
// history did not come in event-time order: a late payload, or a merge of two halves.

#include <string>

#include "rules/history.hpp"
#include "store/alert_cache.hpp"

namespace jira_alerts::store {

bool AlertCache::rederive_episodes(Alert& a) {
  // Every payload the alert's history holds, late ones included, in event time (index
  // events_by_alert); equal times in the order they were applied.
  indexes_.need_events_by_alert();
  auto& s = prepared(db_, rederive_, R"sql(
    SELECT e.timestamp, e.state, e.priority, e.identity, e.id,
           e.status_id IS NOT NULL OR ev.name = 'jira:issue_deleted'
    FROM events e LEFT JOIN names ev ON ev.id = e.event_id
    WHERE e.alert_id = ?1 AND e.state IS NOT NULL
      AND e.action IN ('open', 'update', 'resolve', 'reopen', 'stale')
    ORDER BY e.timestamp, e.id)sql");
  s.reset();
  s.bind(1, a.id);
  rules::History history;
  std::string identity;
  rules::Outcome outcome;
  while (s.step()) {
    if (s.is_null(0)) {  // a payload without a time cannot be placed
      s.reset();
      return false;
    }
    rules::Recorded r;
    r.state = rules::parse_state(s.text(1));
    r.priority = rules::parse_level(s.text(2)).value_or(rules::Level::medium);
    r.has_status = s.int64(5) != 0;
    identity = s.is_null(3) ? "@" + std::to_string(s.int64(4)) : "#" + std::to_string(s.int64(3));
    rules::Facts facts;
    facts.timestamp = s.int64(0);
    history.add(r, facts, identity, outcome);
  }
  s.reset();
  if (history.empty()) return false;
  auto& clear = prepared(db_, clear_episodes_, "DELETE FROM episodes WHERE alert_id = ?1");
  clear.bind(1, a.id).run();
  for (const rules::Episode& e : history.episodes()) {
    open_episode(a.id, e.seq, e.opened_at, e.priority);
    if (e.resolved_at) close_episode(a.id, e.seq, e.resolved_at, e.priority);
  }
  const rules::AlertState& derived = history.alert();
  a.episode = derived.episode;
  a.reopens = derived.reopens;
  a.opened_at = derived.opened_at;
  a.resolved_at = derived.resolved_at;
  a.events = derived.events;
  // The newest payload sets the state; one without a status keeps the state of the
  // payload before it in event time.
  a.state = derived.state;
  update_alert(a);
  return true;
}

void AlertCache::rederive_later(Alert& a) {
  if (!a.late) {
    a.late = true;
    late_.push_back(a.id);
  }
}

void AlertCache::rederive_late() {
  for (const std::int64_t id : late_) {
    const auto it = alerts_.find(id);
    if (it == alerts_.end()) continue;  // merged into another, which was derived again
    it->second.late = false;
    rederive_episodes(it->second);
  }
  late_.clear();
}

}  // namespace jira_alerts::store
