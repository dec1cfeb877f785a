#include "store/rejects.hpp"

namespace jira_alerts::store {

void for_each_reject(Database& db, bool with_raw,
                     const std::function<void(const RejectView&)>& visit) {
  Statement s(db, R"sql(
    SELECT r.id, s.path, r.line, r.error_line, r.error_column, r.reason, r.size,
           CASE WHEN ?1 THEN r.raw END, r.rejected_at, r.exported_to
    FROM rejects r JOIN sources s ON s.id = r.source_id
    ORDER BY r.id)sql");
  s.bind(1, std::int64_t{with_raw ? 1 : 0});
  RejectView v;
  while (s.step()) {
    v.id = s.int64(0);
    v.path = s.text(1);
    v.line = s.int64(2);
    v.error_line = s.int64(3);
    v.error_column = s.int64(4);
    v.reason = s.text(5);
    v.size = s.int64(6);
    v.raw = s.blob(7);
    v.rejected_at = s.int64(8);
    if (const auto t = s.optional_text(9))
      v.exported_to = std::string(*t);
    else
      v.exported_to.reset();
    visit(v);
  }
}

void mark_exported(Database& db, std::int64_t id, const std::string& path) {
  Statement s(db, "UPDATE rejects SET exported_to = ?1 WHERE id = ?2");
  s.bind(1, path).bind(2, id).run();
}

std::vector<std::int64_t> drop_rejects(Database& db, const std::vector<std::int64_t>& ids) {
  std::vector<std::int64_t> missing;
  Statement s(db, "DELETE FROM rejects WHERE id = ?1");
  for (const std::int64_t id : ids) {
    s.bind(1, id).run();
    if (db.changes() == 0) missing.push_back(id);
  }
  return missing;
}

std::int64_t drop_all_rejects(Database& db) {
  db.exec("DELETE FROM rejects");
  return db.changes();
}

}  // namespace jira_alerts::store
