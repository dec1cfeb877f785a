#include "store/queries.hpp"

#include <algorithm>
#include <string_view>

namespace jira_alerts::store {
std::optional<std::string> optional_string(const Statement& s, int column) {
  if (const auto t = s.optional_text(column)) return std::string(*t);
  return std::nullopt;
}

std::string placeholders(int first, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    out += '?' + std::to_string(first + static_cast<int>(i));
  }
  return out;
}

namespace {

// FILTER's conditions on the alerts table "a", numbered from ?1 (NEXT: the number after
// them), and their binding.
std::string where_clause(const AlertFilter& filter, int& next) {
  std::string sql = " WHERE 1";
  next = 1;
  if (filter.state) sql += " AND a.state = ?" + std::to_string(next++);
  if (!filter.priorities.empty()) {
    sql += " AND a.priority IN (" + placeholders(next, filter.priorities.size()) + ")";
    next += static_cast<int>(filter.priorities.size());
  }
  if (!filter.projects.empty()) {
    sql += " AND a.project IN (" + placeholders(next, filter.projects.size()) + ")";
    next += static_cast<int>(filter.projects.size());
  }
  if (!filter.keys.empty()) {
    const std::string list = placeholders(next, filter.keys.size());
    sql += " AND (a.fingerprint IN (" + list +
           ") OR a.id IN (SELECT alert_id FROM aliases WHERE key IN (" + list + ")))";
    next += static_cast<int>(filter.keys.size());
  }
  if (!filter.sources.empty()) {
    sql += " AND a.alert_source_id IN (" + placeholders(next, filter.sources.size()) + ")";
    next += static_cast<int>(filter.sources.size());
  }
  return sql;
}

void bind_filter(Statement& s, const AlertFilter& filter) {
  int at = 1;
  if (filter.state) s.bind(at++, rules::state_name(*filter.state));
  for (const auto level : filter.priorities) s.bind(at++, rules::level_name(level));
  for (const auto& project : filter.projects) s.bind(at++, std::string_view(project));
  for (const auto& key : filter.keys) s.bind(at++, std::string_view(key));
  for (const auto id : filter.sources) s.bind(at++, id);
}

// Natural order of issue keys: KAN-2 before KAN-10. Index alerts_by_state (schema.cpp)
// holds the same expression, word for word, so that an ordered read of the open alerts
// walks the index.
constexpr const char* key_number =
    "CAST(substr(a.fingerprint, length(rtrim(a.fingerprint, '0123456789')) + 1) AS INTEGER)";

std::string listing_order() {
  return std::string(" ORDER BY a.project, ") + key_number + ", a.fingerprint, a.alert_source_id";
}

}  // namespace

std::string_view SourceScope::name_of(std::int64_t id) const {
  for (const auto& source : selected)
    if (source.id == id) return source.name;
  return {};
}

SourceScope select_report_sources(Database& db, const std::vector<std::string>& names,
                                  const std::string& db_path) {
  SourceScope scope;
  const std::vector<SourceRecord> all = read_sources(db);
  scope.named = all.size() > 1 || (all.size() == 1 && all.front().name != default_source);
  scope.selected = select_sources(db, names, db_path);
  if (!names.empty())
    for (const auto& source : scope.selected) scope.ids.push_back(source.id);
  return scope;
}

std::string count_alerts_sql(const AlertFilter& filter) {
  int next = 0;
  return "SELECT count(*) FROM alerts a" + where_clause(filter, next);
}

std::int64_t count_alerts(Database& db, const AlertFilter& filter) {
  Statement s(db, count_alerts_sql(filter).c_str());
  bind_filter(s, filter);
  s.step();
  return s.int64(0);
}

std::string for_each_key_sql(std::size_t priorities, std::size_t sources) {
  // Each level's first LIMIT are one range of index alerts_by_state, already in listing
  // order (its last column, the source, is read from the index too); only those few are
  // sorted together.
  const int first_source = static_cast<int>(priorities) + 3;
  const std::string of_sources =
      sources == 0 ? std::string()
                   : " AND a.alert_source_id IN (" + placeholders(first_source, sources) + ")";
  std::string sql = "SELECT fingerprint, priority, alert_source_id FROM (";
  for (std::size_t i = 0; i < priorities; ++i) {
    if (i > 0) sql += " UNION ALL ";
    sql += "SELECT * FROM (SELECT a.fingerprint, a.priority, a.alert_source_id, a.project, " +
           std::string(key_number) +
           " AS number FROM alerts a WHERE a.state = ?1 AND a.priority = ?" +
           std::to_string(i + 3) + of_sources + listing_order() + " LIMIT ?2)";
  }
  return sql + ") ORDER BY project, number, fingerprint, alert_source_id LIMIT ?2";
}

void for_each_key(Database& db, rules::State state, std::vector<rules::Level> priorities,
                  const std::vector<std::int64_t>& sources, std::int64_t limit,
                  const std::function<void(const KeyView&)>& visit) {
  if (priorities.empty())
    priorities = {rules::Level::critical, rules::Level::high, rules::Level::medium,
                  rules::Level::low};
  Statement s(db, for_each_key_sql(priorities.size(), sources.size()).c_str());
  s.bind(1, rules::state_name(state)).bind(2, limit);
  for (std::size_t i = 0; i < priorities.size(); ++i)
    s.bind(static_cast<int>(i + 3), rules::level_name(priorities[i]));
  const int first_source = static_cast<int>(priorities.size()) + 3;
  for (std::size_t i = 0; i < sources.size(); ++i)
    s.bind(first_source + static_cast<int>(i), sources[i]);
  while (s.step())
    visit({s.text(0), rules::parse_level(s.text(1)).value_or(rules::Level::medium), s.int64(2)});
}

void for_each_alert(Database& db, const AlertFilter& filter,
                    const std::function<void(const AlertView&)>& visit) {
  int next = 0;
  const std::string sql = R"sql(
    SELECT a.fingerprint, a.issue_id, a.project, a.jira_priority, a.status, a.summary, a.state,
           a.priority, a.opened_at, a.resolved_at, a.updated_at, a.events, a.reopens,
           (SELECT count(*) FROM episodes WHERE alert_id = a.id),
           (SELECT group_concat(key, ' ') FROM (SELECT key FROM aliases WHERE alert_id = a.id ORDER BY key)),
           a.id, a.site, a.alert_source_id,
           (SELECT name FROM alert_sources WHERE id = a.alert_source_id)
    FROM alerts a)sql" + where_clause(filter, next) +
                          listing_order();
  Statement s(db, sql.c_str());
  bind_filter(s, filter);

  AlertView v;
  while (s.step()) {
    v.id = s.int64(15);
    v.fingerprint = s.text(0);
    v.issue_id = optional_string(s, 1);
    v.project = optional_string(s, 2);
    v.jira_priority = optional_string(s, 3);
    v.status = optional_string(s, 4);
    v.summary = optional_string(s, 5);
    v.state = rules::parse_state(s.text(6)).value_or(rules::State::open);
    v.priority = rules::parse_level(s.text(7)).value_or(rules::Level::medium);
    v.opened_at = s.optional_int64(8);
    v.resolved_at = s.optional_int64(9);
    v.updated_at = s.optional_int64(10);
    v.events = s.int64(11);
    v.reopens = s.int64(12);
    v.episode = s.int64(13);
    v.site = optional_string(s, 16);
    v.alert_source_id = s.int64(17);
    v.alert_source = s.optional_text(18).value_or("");
    v.aliases.clear();
    const std::string_view aliases = s.text(14);
    for (std::size_t from = 0; from < aliases.size();) {
      const auto space = std::min(aliases.find(' ', from), aliases.size());
      v.aliases.emplace_back(aliases.substr(from, space - from));
      from = space + 1;
    }
    visit(v);
  }
}

}  // namespace jira_alerts::store
