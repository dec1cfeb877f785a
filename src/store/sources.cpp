#include "store/sources.hpp"

#include <algorithm>

#include "util/error.hpp"
#include "util/text.hpp"

namespace jira_alerts::store {

namespace {
std::optional<std::string> optional_text(Statement& s, int column) {
  if (const auto t = s.optional_text(column)) return std::string(*t);
  return std::nullopt;
}

std::optional<std::string_view> view(const std::optional<std::string>& text) {
  if (text) return std::string_view(*text);
  return std::nullopt;
}
}  // namespace

std::vector<SourceRecord> read_sources(Database& db) {
  Statement s(db,
              "SELECT id, name, jql, path, settings, settings_recorded_at FROM alert_sources "
              "ORDER BY id");
  std::vector<SourceRecord> sources;
  while (s.step()) {
    SourceRecord& r = sources.emplace_back();
    r.id = s.int64(0);
    r.name = std::string(s.text(1));
    r.jql = optional_text(s, 2);
    r.path = optional_text(s, 3);
    r.settings = optional_text(s, 4);
    r.settings_recorded_at = optional_text(s, 5);
  }
  return sources;
}

std::vector<SourceRecord> select_sources(Database& db, const std::vector<std::string>& names,
                                         const std::string& db_path) {
  std::vector<SourceRecord> all = read_sources(db);
  if (names.empty()) return all;
  std::vector<std::string> known;
  for (const auto& source : all) known.push_back(source.name);
  for (const auto& name : names) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    throw Error("--source: state file '" + db_path + "' has no source '" + name +
                "' (its sources: " + list + ")" + util::did_you_mean(name, known));
  }
  std::erase_if(all, [&](const SourceRecord& source) {
    return std::find(names.begin(), names.end(), source.name) == names.end();
  });
  return all;
}

std::string settings_stamp(Database& db) {
  Statement s(db,
              "SELECT group_concat(id || char(31) || coalesce(settings, ''), char(30)) "
              "FROM (SELECT id, settings FROM alert_sources ORDER BY id)");
  return s.step() ? std::string(s.optional_text(0).value_or("")) : std::string();
}

std::int64_t add_source(Database& db, const SourceRecord& source) {
  Statement s(db, "INSERT INTO alert_sources (name, jql, path) VALUES (?1, ?2, ?3)");
  s.bind(1, std::string_view(source.name)).bind(2, view(source.jql)).bind(3, view(source.path));
  s.run();
  return db.last_insert_rowid();
}

void update_source(Database& db, const SourceRecord& source) {
  Statement s(db,
              "UPDATE alert_sources SET jql = ?2, path = ?3, settings = ?4, "
              "settings_recorded_at = ?5 WHERE id = ?1 AND (jql IS NOT ?2 OR path IS NOT ?3 "
              "OR settings IS NOT ?4 OR settings_recorded_at IS NOT ?5)");
  s.bind(1, source.id)
      .bind(2, view(source.jql))
      .bind(3, view(source.path))
      .bind(4, view(source.settings))
      .bind(5, view(source.settings_recorded_at))
      .run();
}

bool drop_unused_source(Database& db, std::int64_t id) {
  Statement s(db, R"sql(
    DELETE FROM alert_sources WHERE id = ?1 AND settings IS NULL
      AND NOT EXISTS (SELECT 1 FROM alerts WHERE alert_source_id = ?1)
      AND NOT EXISTS (SELECT 1 FROM aliases WHERE alert_source_id = ?1)
      AND NOT EXISTS (SELECT 1 FROM events WHERE alert_source_id = ?1))sql");
  s.bind(1, id).run();
  return db.changes() > 0;
}

}  // namespace jira_alerts::store
