#include "store/outbox.hpp"

#include <algorithm>
#include <limits>
#include <unordered_map>

#include "store/store.hpp"

namespace jira_alerts::store {
namespace {

constexpr const char* applied_actions = "('open', 'update', 'resolve', 'reopen')";

std::string watermark_key(std::string_view target, std::string_view source) {
  std::string key = "push.acknowledged:";
  if (source != default_source) (key += source) += ':';
  return key += target;
}

// The sources a push covers, by id: each one's name and watermark.
struct Covered {
  std::string name;
  std::int64_t through = 0;
};

std::unordered_map<std::int64_t, Covered> covered(Database& db, std::string_view target,
                                                  const std::vector<SourceRecord>& sources) {
  std::unordered_map<std::int64_t, Covered> out;
  for (const SourceRecord& s : sources)
    out[s.id] = {s.name, acknowledged_through(db, target, s.name)};
  return out;
}

// The event of the current row of pending_events()'s statement, but for its source.
PendingEvent pending_of(const Statement& s) {
  PendingEvent p;
  p.event_id = s.int64(0);
  p.alert_id = s.int64(1);
  p.fingerprint = s.text(2);
  p.action = rules::parse_action(s.text(3)).value_or(rules::Action::update);
  p.rule = parse_rule(s.text(4)).value_or(rules::Rule::active_status);
  p.priority = rules::parse_level(s.text(5)).value_or(rules::Level::medium);
  p.event = optional_string(s, 6);
  p.jira_priority = optional_string(s, 7);
  p.status = optional_string(s, 8);
  p.summary = optional_string(s, 9);
  p.project = optional_string(s, 10);
  p.site = optional_string(s, 11);
  p.user = optional_string(s, 12);
  p.timestamp = s.optional_int64(13);
  p.acked_key = optional_string(s, 15);
  p.state = rules::parse_state(s.text(16)).value_or(rules::State::open);
  return p;
}

}  // namespace

std::int64_t newest_event_id(Database& db) {
  Statement s(db, "SELECT coalesce(max(id), 0) FROM events");
  return s.step() ? s.int64(0) : 0;
}

std::int64_t acknowledged_through(Database& db, std::string_view target, std::string_view source) {
  Statement s(db, "SELECT value FROM meta WHERE key = ?1");
  s.bind(1, watermark_key(target, source));
  return s.step() ? s.int64(0) : 0;  // text that is not a number reads as 0: all rows
}

void acknowledge_through(Database& db, std::string_view target, std::string_view source,
                         std::int64_t event_id) {
  Statement s(db, R"sql(
    INSERT INTO meta (key, value) VALUES (?1, ?2)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value)sql");
  s.bind(1, watermark_key(target, source)).bind(2, std::to_string(event_id)).run();
}

std::vector<PendingEvent> pending_events(Database& db, std::string_view target,
                                         const std::vector<SourceRecord>& sources) {
  std::vector<PendingEvent> out;
  const auto cover = covered(db, target, sources);
  if (cover.empty()) return out;
  auto from = std::numeric_limits<std::int64_t>::max();  // the oldest watermark among them: read
                                                         // the rows after it
  for (const auto& [id, c] : cover) from = std::min(from, c.through);
  const std::string sql = std::string(R"sql(
    SELECT e.id, e.alert_id, a.fingerprint, e.action, e.rule, e.priority, ev.name, jp.name,
           st.name, e.summary, a.project, a.site, us.name, e.timestamp, a.summary, acked.issue_key,
           e.state, a.alert_source_id
    FROM events e
    JOIN alerts a ON a.id = e.alert_id
    LEFT JOIN outbox o ON o.target = ?1 AND o.alert_id = e.alert_id
    LEFT JOIN events acked ON acked.id = o.event_id
    LEFT JOIN names ev ON ev.id = e.event_id
    LEFT JOIN names jp ON jp.id = e.jira_priority_id
    LEFT JOIN names st ON st.id = e.status_id
    LEFT JOIN names us ON us.id = e.user_id
    WHERE e.action IN )sql") +
                          applied_actions + R"sql(
      AND e.id > coalesce(o.event_id, 0) AND e.id > ?2
    ORDER BY e.id)sql";
  Statement s(db, sql.c_str());
  s.bind(1, target).bind(2, from);
  std::unordered_map<std::int64_t, std::size_t> newest_summary;  // alert → index in OUT
  while (s.step()) {
    const auto source = cover.find(s.int64(17));
    if (source == cover.end() || s.int64(0) <= source->second.through) continue;
    PendingEvent p = pending_of(s);
    p.source_id = source->first;
    p.source = source->second.name;
    // The log keeps a summary only where it changed.
    if (p.summary) {
      newest_summary[p.alert_id] = out.size();
    } else if (const auto it = newest_summary.find(p.alert_id); it != newest_summary.end()) {
      p.summary = out[it->second].summary;
    } else {
      p.summary = optional_string(s, 14);
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<DueAlert> due_alerts(Database& db, std::string_view target,
                                 const std::vector<SourceRecord>& sources) {
  AlertFilter filter;  // the sources' alerts
  for (const SourceRecord& source : sources) filter.sources.push_back(source.id);
  const std::string sql = std::string(R"sql(
    SELECT n.alert_id, n.newest, acked.issue_key, acked.priority, a.alert_source_id FROM
      (SELECT alert_id, max(id) AS newest FROM events
       WHERE alert_id IS NOT NULL AND action IN )sql") +
                          applied_actions + R"sql(
       GROUP BY alert_id) AS n
    JOIN alerts a ON a.id = n.alert_id
    LEFT JOIN outbox o ON o.target = ?1 AND o.alert_id = n.alert_id
    LEFT JOIN events acked ON acked.id = o.event_id
    WHERE a.state = 'open' OR o.event_id IS NULL OR o.event_id < n.newest)sql";
  Statement s(db, sql.c_str());
  s.bind(1, target);
  std::unordered_map<std::int64_t, DueAlert> due;
  while (s.step()) {
    const auto& ids = filter.sources;
    if (std::find(ids.begin(), ids.end(), s.int64(4)) == ids.end()) continue;
    DueAlert& d = due[s.int64(0)];
    d.newest_event = s.int64(1);
    d.acked_key = optional_string(s, 2);
    if (const auto level = s.optional_text(3)) d.acked_priority = rules::parse_level(*level);
  }
  std::vector<DueAlert> out;
  if (due.empty()) return out;  // (an empty filter would read every alert)
  for_each_alert(db, filter, [&](const AlertView& a) {
    if (const auto it = due.find(a.id); it != due.end()) {
      it->second.alert = a;
      out.push_back(std::move(it->second));
    }
  });
  return out;
}

void acknowledge(Database& db, std::string_view target, std::int64_t alert_id,
                 std::int64_t event_id) {
  Statement s(db, R"sql(
    INSERT INTO outbox (target, alert_id, event_id, acked_at) VALUES (?1, ?2, ?3, ?4)
    ON CONFLICT (target, alert_id) DO UPDATE
      SET event_id = max(event_id, excluded.event_id), acked_at = excluded.acked_at)sql");
  s.bind(1, target).bind(2, alert_id).bind(3, event_id).bind(4, util::now_millis()).run();
}

}  // namespace jira_alerts::store
