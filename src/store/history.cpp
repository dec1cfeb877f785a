#include "store/history.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "rules/history.hpp"
#include "store/store.hpp"

namespace jira_alerts::store {
namespace {

// The number at the end of an issue key (KAN-12 → 12), 0 when there is none.
std::int64_t key_number(std::string_view key) {
  std::size_t digits = key.size();
  while (digits > 0 && key[digits - 1] >= '0' && key[digits - 1] <= '9') --digits;
  std::int64_t n = 0;
  for (std::size_t i = digits; i < key.size() && n < (INT64_MAX - 9) / 10; ++i)
    n = n * 10 + (key[i] - '0');
  return n;
}

// The order for_each_alert lists alerts in: project, issue number, fingerprint.
bool listed_before(const AlertView& a, const AlertView& b) {
  if (a.project != b.project) return a.project < b.project;  // no project first, like SQL NULLs
  const auto na = key_number(a.fingerprint), nb = key_number(b.fingerprint);
  if (na != nb) return na < nb;
  if (a.fingerprint != b.fingerprint) return a.fingerprint < b.fingerprint;
  return a.alert_source_id < b.alert_source_id;
}

// Of the alerts that answer to KEY, one per source: the fingerprint wins over an alias
// that another alert of its source may hold. By source.
template <typename T, typename AlertOf>
std::vector<T> one_per_source(std::vector<T> found, std::string_view key, AlertOf alert_of) {
  std::stable_sort(found.begin(), found.end(), [&](const T& a, const T& b) {
    const AlertView &x = alert_of(a), &y = alert_of(b);
    if (x.alert_source_id != y.alert_source_id) return x.alert_source_id < y.alert_source_id;
    return x.fingerprint == key && y.fingerprint != key;
  });
  std::vector<T> out;
  for (auto& t : found)
    if (out.empty() || alert_of(out.back()).alert_source_id != alert_of(t).alert_source_id)
      out.push_back(std::move(t));
  return out;
}

// One recorded payload of an alert, as its history in event time replays it.
struct Row {
  std::string key;
  bool deleted = false;  // jira:issue_deleted
  util::Millis timestamp = 0;
  bool applied = false;  // applied when it was recorded
  // What makes two deliveries of one payload the same: its duplicate identity, or for
  // rows recorded without one, the fields the log keeps.
  std::string identity;
  std::optional<rules::State> state;
  std::optional<rules::Level> priority;
  std::optional<std::string> jira_priority, status, summary;
  std::string known_summary;  // the payload's summary, as far as the log tells
  std::size_t entry = 0;      // its place in the timeline, for for_each_timeline_entry
};

// What row R tells its alert.
rules::Facts facts_of(const Row& r) {
  rules::Facts f;
  f.key = r.key;
  f.timestamp = r.timestamp;
  if (!r.known_summary.empty()) f.summary = r.known_summary;
  if (r.status) f.status = *r.status;
  if (r.jira_priority) f.jira_priority = *r.jira_priority;
  return f;
}

// Puts ROWS (one alert's payloads in input order) in event time, equal times in input
// order, once what the log leaves implicit is read: it keeps a payload's summary only
// where it differed from its alert's summary when recorded, so a null one is the
// recorded alert's summary at that point in input order, which only applied payloads
// change.
void into_event_time(std::vector<Row>& rows) {
  std::string running;
  for (Row& r : rows) {
    r.known_summary = r.summary ? *r.summary : running;
    if (r.applied && r.summary) running = *r.summary;
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.timestamp < b.timestamp; });
}

// Row R, next in event time, added to HISTORY.
rules::Decision add(rules::History& history, const Row& r, rules::Outcome& outcome) {
  const rules::Recorded recorded{r.state, r.deleted || r.status.has_value(),
                                 r.priority.value_or(rules::Level::medium)};
  return history.add(recorded, facts_of(r), r.identity, outcome);
}

// Replays ROWS (one alert's payloads in input order) in event time up to AT into VIEW,
// starting from CURRENT (the alert now, for what the log does not record). False when
// no row counts. EPISODES, when given, receives the episodes as they stood at AT.
bool replay_rows(std::vector<Row>& rows, const AlertView& current, util::Millis at, AlertView& view,
                 std::vector<EpisodeView>* episodes = nullptr) {
  into_event_time(rows);
  // Older keys of a moved issue rank below newer ones; the key it has now ranks highest.
  std::unordered_map<std::string, std::size_t> rank;
  for (const Row& r : rows) rank.emplace(r.key, rank.size());
  rank[current.fingerprint] = rows.size() + 1;

  // A payload delivered again (a second replay logs late deliveries of earlier
  // versions again) counts once: the history tells it as a duplicate.
  rules::History history;
  rules::Outcome outcome;
  std::vector<std::string> keys;
  for (const Row& r : rows) {
    if (r.timestamp > at) break;
    if (add(history, r, outcome).action == rules::Action::duplicate) continue;
    if (std::find(keys.begin(), keys.end(), r.key) == keys.end()) keys.push_back(r.key);
  }
  if (history.empty()) return false;
  view = AlertView{};
  view.id = current.id;
  view.alert_source_id = current.alert_source_id;
  view.alert_source = current.alert_source;
  rules::AlertState& alert = view;
  alert = history.alert();
  alert.issue_id = current.issue_id;
  std::sort(keys.begin(), keys.end(),
            [&](const std::string& a, const std::string& b) { return rank[a] > rank[b]; });
  alert.fingerprint = keys.front();
  alert.project = alert.fingerprint == current.fingerprint
                      ? current.project
                      : rules::project_of_key(alert.fingerprint);
  alert.site = current.site;
  view.aliases.assign(keys.begin() + 1, keys.end());
  std::sort(view.aliases.begin(), view.aliases.end());
  if (episodes) *episodes = std::move(history.episodes());
  return true;
}

// ROW's duplicate identity as a string: the logged one, or (rows logged without one) the
// event, key, time and decision, which two deliveries of one payload share.
std::string identity_of(const Statement& s, const Row& row) {
  if (!s.is_null(10)) return "#" + std::to_string(s.int64(10));
  std::string id = row.key + '\x1f' + std::string(s.text(2)) + '\x1f' +
                   std::to_string(row.timestamp) + '\x1f' + std::string(s.text(5)) + '\x1f' +
                   std::string(s.text(6)) + '\x1f' + std::string(s.text(8));
  return id;
}

}  // namespace

std::vector<AlertView> find_alerts(Database& db, std::string_view key,
                                   const std::vector<std::int64_t>& sources) {
  AlertFilter filter;
  filter.keys.emplace_back(key);
  filter.sources = sources;
  std::vector<AlertView> found;
  for_each_alert(db, filter, [&](const AlertView& a) { found.push_back(a); });
  return one_per_source(std::move(found), key,
                        [](const AlertView& a) -> const AlertView& { return a; });
}

std::vector<std::string> all_keys(Database& db, const std::vector<std::int64_t>& sources) {
  const std::string where =
      sources.empty() ? "" : " WHERE alert_source_id IN (" + placeholders(1, sources.size()) + ")";
  Statement s(db,
              ("SELECT fingerprint FROM alerts" + where + " UNION SELECT key FROM aliases" + where)
                  .c_str());
  for (std::size_t i = 0; i < sources.size(); ++i) s.bind(static_cast<int>(i) + 1, sources[i]);
  std::vector<std::string> keys;
  while (s.step()) keys.emplace_back(s.text(0));
  return keys;
}

std::vector<EpisodeView> episodes_of(Database& db, std::int64_t alert_id) {
  Statement s(db, R"sql(
    SELECT seq, opened_at, resolved_at, priority FROM episodes
    WHERE alert_id = ?1 ORDER BY seq)sql");
  s.bind(1, alert_id);
  std::vector<EpisodeView> episodes;
  while (s.step()) {
    EpisodeView e;
    e.seq = s.int64(0);
    e.opened_at = s.optional_int64(1);
    e.resolved_at = s.optional_int64(2);
    e.priority = rules::parse_level(s.text(3)).value_or(rules::Level::medium);
    episodes.push_back(e);
  }
  return episodes;
}

namespace {

// The timeline entry in the current row of for_each_timeline_entry's query.
TimelineEntry entry_of(const Statement& s) {
  TimelineEntry t;
  t.id = s.int64(0);
  t.path = s.text(1);
  t.line = s.int64(2);
  t.issue_key = optional_string(s, 3);
  t.event = optional_string(s, 4);
  t.timestamp = s.optional_int64(5);
  t.action = rules::parse_action(s.text(6)).value_or(rules::Action::ignore);
  t.decided = t.action;
  t.rule = parse_rule(s.text(7));
  t.state = s.is_null(8) ? std::nullopt : rules::parse_state(s.text(8));
  t.priority = s.is_null(9) ? std::nullopt : rules::parse_level(s.text(9));
  t.jira_priority = optional_string(s, 10);
  t.status = optional_string(s, 11);
  t.summary = optional_string(s, 12);
  t.warnings = optional_string(s, 13);
  t.user = optional_string(s, 14);
  return t;
}

// The row of entry T (the INDEX-th) that its alert's history in event time replays, or
// none when T is no part of it (ignored, or a duplicate when it arrived).
std::optional<Row> row_of(const TimelineEntry& t, std::size_t index,
                          std::optional<std::int64_t> identity) {
  if (!t.state || !t.timestamp ||
      !(rules::is_applied(t.action) || t.action == rules::Action::stale))
    return std::nullopt;
  Row r;
  r.key = t.issue_key.value_or("");
  r.deleted = t.event == "jira:issue_deleted";
  r.timestamp = *t.timestamp;
  r.applied = rules::is_applied(t.action);
  r.identity = identity ? "#" + std::to_string(*identity) : "@" + std::to_string(t.id);
  r.state = t.state;
  r.priority = t.priority;
  r.jira_priority = t.jira_priority;
  r.status = t.status;
  r.summary = t.summary;
  r.entry = index;
  return r;
}

// Tells each of TIMELINE's entries (in input order) what it did in its alert's history
// in event time, and puts them in event time; unless one has no timestamp to place it by.
void place_in_event_time(std::vector<TimelineEntry>& timeline, std::vector<Row>& rows) {
  for (const TimelineEntry& t : timeline)
    if (!t.timestamp) return;
  into_event_time(rows);
  rules::History history;
  rules::Outcome outcome;
  for (const Row& r : rows) {
    TimelineEntry& t = timeline[r.entry];
    const rules::Decision d = add(history, r, outcome);
    t.action = d.action;
    t.state = d.state;
    if (d.action == rules::Action::duplicate) t.rule = rules::Rule::duplicate;
    t.summary = outcome.summary ? std::optional<std::string>(*outcome.summary) : std::nullopt;
  }
  std::stable_sort(
      timeline.begin(), timeline.end(),
      [](const TimelineEntry& a, const TimelineEntry& b) { return *a.timestamp < *b.timestamp; });
}

}  // namespace

void for_each_timeline_entry(Database& db, std::int64_t alert_id,
                             const std::function<void(const TimelineEntry&)>& visit) {
  Statement s(db, R"sql(
    SELECT e.id, src.path, e.line, e.issue_key, ev.name, e.timestamp, e.action, e.rule, e.state,
           e.priority, jp.name, st.name, e.summary, e.warnings, us.name, e.identity
    FROM events e
    JOIN sources src ON src.id = e.source_id
    LEFT JOIN names ev ON ev.id = e.event_id
    LEFT JOIN names jp ON jp.id = e.jira_priority_id
    LEFT JOIN names st ON st.id = e.status_id
    LEFT JOIN names us ON us.id = e.user_id
    WHERE e.alert_id = ?1 ORDER BY e.id)sql");
  s.bind(1, alert_id);
  std::vector<TimelineEntry> timeline;
  std::vector<Row> rows;
  while (s.step()) {
    timeline.push_back(entry_of(s));
    if (auto row = row_of(timeline.back(), timeline.size() - 1, s.optional_int64(15)))
      rows.push_back(std::move(*row));
  }
  place_in_event_time(timeline, rows);
  for (const TimelineEntry& t : timeline) visit(t);
}

namespace {

// alerts_at, with each alert's episodes at AT too.
std::vector<AlertAt> states_at(Database& db, const AlertFilter& filter, util::Millis at) {
  // Candidates by key, as they are now; everything else is judged as they were at AT.
  AlertFilter by_key;
  by_key.keys = filter.keys;
  by_key.sources = filter.sources;
  std::map<std::int64_t, AlertView> current;
  for_each_alert(db, by_key, [&](const AlertView& a) { current.emplace(a.id, a); });

  // Ignored payloads never touch an alert; a duplicate's first delivery carries the same
  // timestamp, so it is in the same prefix and was applied there too. Stale payloads are
  // read: one that was late when it arrived may be the newest of a prefix.
  Statement s(db, R"sql(
    SELECT e.alert_id, e.issue_key, ev.name, e.timestamp, e.action, e.state, e.priority,
           jp.name, st.name, e.summary, e.identity
    FROM events e
    LEFT JOIN names ev ON ev.id = e.event_id
    LEFT JOIN names jp ON jp.id = e.jira_priority_id
    LEFT JOIN names st ON st.id = e.status_id
    WHERE e.alert_id IS NOT NULL AND e.timestamp IS NOT NULL
      AND e.action NOT IN ('ignore', 'duplicate', 'reject')
    ORDER BY e.alert_id, e.id)sql");

  std::vector<AlertAt> out;
  std::vector<Row> rows;
  std::int64_t group = -1;
  auto finish_group = [&] {
    const auto it = current.find(group);
    AlertAt state;
    AlertView& view = state.alert;
    if (it != current.end() && !rows.empty() &&
        replay_rows(rows, it->second, at, view, &state.episodes)) {
      const bool keep = (!filter.state || view.state == *filter.state) &&
                        (filter.priorities.empty() ||
                         std::find(filter.priorities.begin(), filter.priorities.end(),
                                   view.priority) != filter.priorities.end()) &&
                        (filter.projects.empty() ||
                         (view.project && std::find(filter.projects.begin(), filter.projects.end(),
                                                    *view.project) != filter.projects.end()));
      if (keep) out.push_back(std::move(state));
    }
    rows.clear();
  };
  while (s.step()) {
    const std::int64_t alert_id = s.int64(0);
    if (alert_id != group) {
      finish_group();
      group = alert_id;
    }
    if (!current.count(alert_id)) continue;
    Row r;
    r.key = s.is_null(1) ? std::string() : std::string(s.text(1));
    r.deleted = !s.is_null(2) && s.text(2) == "jira:issue_deleted";
    r.timestamp = s.int64(3);
    const auto action = rules::parse_action(s.text(4));
    r.applied = action && rules::is_applied(*action);
    r.state = s.is_null(5) ? std::nullopt : rules::parse_state(s.text(5));
    r.priority = s.is_null(6) ? std::nullopt : rules::parse_level(s.text(6));
    r.jira_priority = optional_string(s, 7);
    r.status = optional_string(s, 8);
    r.summary = optional_string(s, 9);
    r.identity = identity_of(s, r);
    rows.push_back(std::move(r));
  }
  finish_group();
  std::sort(out.begin(), out.end(),
            [](const AlertAt& a, const AlertAt& b) { return listed_before(a.alert, b.alert); });
  return out;
}

}  // namespace

std::vector<AlertView> alerts_at(Database& db, const AlertFilter& filter, util::Millis at) {
  std::vector<AlertView> out;
  for (auto& state : states_at(db, filter, at)) out.push_back(std::move(state.alert));
  return out;
}

std::vector<AlertAt> alerts_at_key(Database& db, std::string_view key, util::Millis at,
                                   const std::vector<std::int64_t>& sources) {
  AlertFilter filter;
  filter.keys.emplace_back(key);
  filter.sources = sources;
  return one_per_source(states_at(db, filter, at), key,
                        [](const AlertAt& a) -> const AlertView& { return a.alert; });
}

}  // namespace jira_alerts::store
