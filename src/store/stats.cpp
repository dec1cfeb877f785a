#include "store/stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "store/queries.hpp"

namespace jira_alerts::store {
namespace {

// Binds the range as ?1 (since), ?2 (until) and ?3 (1 when bounded).
void bind_range(Statement& s, const TimeRange& r) {
  s.bind(1, r.since.value_or(std::numeric_limits<std::int64_t>::min()));
  s.bind(2, r.until.value_or(std::numeric_limits<std::int64_t>::max()));
  s.bind(3, static_cast<std::int64_t>(r.bounded() ? 1 : 0));
}

// The same, and SOURCE as ?4 (NULL: every source).
void bind_range(Statement& s, const TimeRange& r, std::optional<std::int64_t> source) {
  bind_range(s, r);
  s.bind(4, source);
}

// The condition "episode E is of an alert of source ?4 (or ?4 is NULL)".
const std::string of_source =
    " (?4 IS NULL OR e.alert_id IN (SELECT id FROM alerts WHERE alert_source_id = ?4)) ";

}  // namespace

std::optional<std::int64_t> percentile(const std::vector<std::int64_t>& sorted, double p) {
  if (sorted.empty()) return std::nullopt;
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

Stats collect_stats(Database& db, const TimeRange& range, std::optional<std::int64_t> source) {
  Stats st;
  {
    Statement s(db, R"sql(
      SELECT a.state, a.priority, count(*) FROM alerts a
      WHERE (?4 IS NULL OR a.alert_source_id = ?4) AND (?3 = 0 OR EXISTS (
        SELECT 1 FROM events e WHERE e.alert_id = a.id AND e.timestamp BETWEEN ?1 AND ?2
          AND e.action IN ('open', 'update', 'resolve', 'reopen', 'stale')))
      GROUP BY 1, 2)sql");
    bind_range(s, range, source);
    while (s.step()) {
      const auto state = rules::parse_state(s.text(0));
      const auto level = rules::parse_level(s.text(1));
      if (state && level)
        st.alerts[static_cast<std::size_t>(*state)][static_cast<std::size_t>(*level)] += s.int64(2);
    }
  }
  {
    const std::string sql =
        "SELECT (SELECT count(*) FROM episodes e WHERE" + of_source +
        "AND (?3 = 0 OR opened_at BETWEEN ?1 AND ?2)), (SELECT count(*) FROM episodes e WHERE" +
        of_source + "AND resolved_at IS NOT NULL AND (?3 = 0 OR resolved_at BETWEEN ?1 AND ?2))";
    Statement s(db, sql.c_str());
    bind_range(s, range, source);
    if (s.step()) {
      st.episodes_opened = s.int64(0);
      st.episodes_resolved = s.int64(1);
    }
  }
  {
    const std::string sql = R"sql(
      SELECT priority, resolved_at - opened_at FROM episodes e
      WHERE opened_at IS NOT NULL AND resolved_at IS NOT NULL
        AND (?3 = 0 OR resolved_at BETWEEN ?1 AND ?2) AND)sql" +
                            of_source;
    Statement s(db, sql.c_str());
    bind_range(s, range, source);
    while (s.step())
      if (const auto level = rules::parse_level(s.text(0)))
        st.time_to_resolve[static_cast<std::size_t>(*level)].push_back(s.int64(1));
    for (auto& v : st.time_to_resolve) std::sort(v.begin(), v.end());
  }
  {
    Statement s(db, R"sql(
      SELECT a.fingerprint, a.state, a.priority, count(*) FROM episodes e
      JOIN alerts a ON a.id = e.alert_id
      WHERE e.seq > 1 AND (?3 = 0 OR e.opened_at BETWEEN ?1 AND ?2)
        AND (?4 IS NULL OR a.alert_source_id = ?4)
      GROUP BY a.id ORDER BY 4 DESC, a.fingerprint, a.alert_source_id)sql");
    bind_range(s, range, source);
    while (s.step())
      st.reopens.push_back(
          {std::string(s.text(0)), rules::parse_state(s.text(1)).value_or(rules::State::open),
           rules::parse_level(s.text(2)).value_or(rules::Level::medium), s.int64(3)});
  }
  return st;
}

PayloadCounts count_payloads(Database& db, const TimeRange& range,
                             const std::vector<std::int64_t>& sources) {
  PayloadCounts counts;
  {
    Statement s(db, R"sql(
      SELECT alert_source_id, count(*) FROM events
      WHERE ?3 = 0 OR timestamp BETWEEN ?1 AND ?2 GROUP BY 1 ORDER BY 1)sql");
    bind_range(s, range);
    while (s.step()) {
      if (s.is_null(0))
        counts.outside = s.int64(1);
      else
        counts.by_source.emplace_back(s.int64(0), s.int64(1));
    }
  }
  // A payload decided for several sources has one event row for each, logged one after
  // the other with its input position, issue key, event and timestamp. Payloads that share
  // all of these (a second delivery on the same line of a JSON array) have a row each in
  // every source: such a group holds as many payloads as one source logged of it.
  const std::string sql =
      "SELECT coalesce(sum(n), 0) FROM (SELECT max(c) AS n FROM (SELECT run_id, source_id, "
      "line, issue_key, event_id, timestamp, alert_source_id, count(*) AS c FROM events "
      "WHERE (?3 = 0 OR timestamp BETWEEN ?1 AND ?2)" +
      (sources.empty() ? std::string()
                       : " AND alert_source_id IN (" + placeholders(4, sources.size()) + ")") +
      " GROUP BY run_id, source_id, line, issue_key, event_id, timestamp, alert_source_id) "
      "GROUP BY run_id, source_id, line, issue_key, event_id, timestamp)";
  Statement s(db, sql.c_str());
  bind_range(s, range);
  for (std::size_t i = 0; i < sources.size(); ++i) s.bind(static_cast<int>(i) + 4, sources[i]);
  if (s.step()) counts.total = s.int64(0);
  return counts;
}

}  // namespace jira_alerts::store
