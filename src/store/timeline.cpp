// An alert's episodes derived from its event log in event time, for alerts whose
// history came in two parts (a merge).

#include <vector>

#include "store/store.hpp"

namespace jira_alerts::store {
namespace {

struct Episode {
  std::optional<util::Millis> opened_at, resolved_at;
  rules::Level priority;
};

}  // namespace

bool Store::rederive_episodes(Alert& a) {
  // Every payload the alert's history holds, stale ones included, in event time.
  Statement s(db_, R"sql(
    SELECT timestamp, state, priority, rule FROM events
    WHERE alert_id = ?1 AND state IS NOT NULL
      AND action IN ('open', 'update', 'resolve', 'reopen', 'stale')
    ORDER BY timestamp, id)sql");
  s.bind(1, a.id);
  std::vector<Episode> episodes;
  std::optional<rules::State> state;
  while (s.step()) {
    if (s.is_null(0)) return false;
    const util::Millis at = s.int64(0);
    const rules::Level level = rules::parse_level(s.text(2)).value_or(rules::Level::medium);
    // A payload without a status keeps the state it found.
    const rules::State next = s.text(3) == "no_status"
                                  ? state.value_or(rules::State::open)
                                  : rules::parse_state(s.text(1)).value_or(rules::State::open);
    const bool resolves = next == rules::State::resolved;
    if (!state || (*state == rules::State::resolved && !resolves)) {
      // The first payload (an alert first seen resolved has no opening time), or a reopen.
      episodes.push_back({resolves ? std::nullopt : std::optional(at),
                          resolves ? std::optional(at) : std::nullopt, level});
    } else if (*state == rules::State::open && resolves) {
      episodes.back().resolved_at = at;
      episodes.back().priority = level;
    }
    state = next;
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
  a.episode = static_cast<std::int64_t>(episodes.size());
  a.reopens = a.episode - 1;
  a.opened_at = episodes.back().opened_at;
  a.resolved_at = episodes.back().resolved_at;
  update_alert(a);
  return true;
}

}  // namespace jira_alerts::store
