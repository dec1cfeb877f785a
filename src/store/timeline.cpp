// An alert's episodes derived from its event log in event time, for alerts whose
// history came in two parts (a merge).

#include <vector>

#include "rules/transition.hpp"
#include "store/alert_cache.hpp"

namespace jira_alerts::store {
namespace {

struct Episode {
  std::optional<util::Millis> opened_at, resolved_at;
  rules::Level priority;
};

}  // namespace

bool AlertCache::rederive_episodes(Alert& a) {
  // Every payload the alert's history holds, stale ones included, in event time.
  Statement s(db_, R"sql(
    SELECT timestamp, state, priority, rule FROM events
    WHERE alert_id = ?1 AND state IS NOT NULL
      AND action IN ('open', 'update', 'resolve', 'reopen', 'stale')
    ORDER BY timestamp, id)sql");
  s.bind(1, a.id);
  std::vector<Episode> episodes;
  rules::AlertState derived;  // the alert as its payloads leave it in event time
  while (s.step()) {
    if (s.is_null(0)) return false;
    const rules::Level level = rules::parse_level(s.text(2)).value_or(rules::Level::medium);
    const bool first = episodes.empty();
    const rules::Decision d =
        rules::redecide(first ? std::nullopt : std::optional(derived.state),
                        rules::parse_state(s.text(1)), s.text(3) != "no_status", level);
    rules::Facts facts;
    facts.first = first;
    facts.timestamp = s.int64(0);
    const rules::Outcome o = rules::transition(derived, d, facts);
    if (o.opens_episode) episodes.push_back({derived.opened_at, std::nullopt, level});
    if (o.closes_episode) {
      episodes.back().resolved_at = derived.resolved_at;
      episodes.back().priority = level;
    }
  }
  if (episodes.empty()) return false;
  Statement clear(db_, "DELETE FROM episodes WHERE alert_id = ?1");
  clear.bind(1, a.id).run();
  for (std::size_t i = 0; i < episodes.size(); ++i) {
    const auto seq = static_cast<std::int64_t>(i + 1);
    open_episode(a.id, seq, episodes[i].opened_at, episodes[i].priority);
    if (episodes[i].resolved_at)
      close_episode(a.id, seq, episodes[i].resolved_at, episodes[i].priority);
  }
  a.episode = derived.episode;
  a.reopens = derived.reopens;
  a.opened_at = derived.opened_at;
  a.resolved_at = derived.resolved_at;
  update_alert(a);
  return true;
}

}  // namespace jira_alerts::store
