// Rejected payloads as a replay records them, and the rejections a later successful
// payload replaces.

#include "store/reject_log.hpp"

#include "util/time.hpp"

namespace jira_alerts::store {

bool StandingReject::replaced_by(std::uint64_t at_line, std::uint64_t at_column,
                                 std::uint64_t at_offset) const {
  if (!offset) return line == at_line;  // all a row kept from a version-2 file knows
  return *offset == at_offset || (line == at_line && column == at_column);
}

StandingRejects RejectLog::standing_rejects(std::int64_t source_id,
                                            const std::string& absolute_path) {
  StandingRejects standing;
  Statement at(db_, "SELECT id, line, start_column, byte_offset FROM rejects WHERE source_id = ?1");
  at.bind(1, source_id);
  while (at.step()) {
    const auto column = at.optional_int64(2);
    const auto offset = at.optional_int64(3);
    standing.at.push_back(
        {at.int64(0), static_cast<std::uint64_t>(at.int64(1)),
         column ? std::optional(static_cast<std::uint64_t>(*column)) : std::nullopt,
         offset ? std::optional(static_cast<std::uint64_t>(*offset)) : std::nullopt});
  }
  if (absolute_path.empty()) return standing;
  Statement exported(db_, "SELECT id FROM rejects WHERE exported_to = ?1");
  exported.bind(1, absolute_path);
  while (exported.step()) standing.exported.push_back(exported.int64(0));
  return standing;
}

void RejectLog::drop_reject(std::int64_t id) {
  Statement s(db_, "DELETE FROM rejects WHERE id = ?1");
  s.bind(1, id).run();
}

void RejectLog::log_reject(const RejectRow& r, std::int64_t run_id) {
  // The same payload rejected again (the same inputs replayed) keeps one row, its id
  // and where it was exported to.
  auto& again = prepared(db_, update_reject_, R"sql(
    UPDATE rejects SET run_id = ?1, reason = ?6, raw = ?8, rejected_at = ?9, start_column = ?10,
                       byte_offset = ?11
    WHERE source_id = ?2 AND line = ?3 AND error_line = ?4 AND error_column = ?5 AND size = ?7
      AND (byte_offset = ?11 OR byte_offset IS NULL))sql");
  auto& insert = prepared(db_, insert_reject_, R"sql(
    INSERT INTO rejects (run_id, source_id, line, error_line, error_column, reason, size, raw,
                         rejected_at, start_column, byte_offset)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11))sql");
  for (Statement* s : {&again, &insert}) {
    s->bind(1, run_id)
        .bind(2, r.source_id)
        .bind(3, static_cast<std::int64_t>(r.line))
        .bind(4, static_cast<std::int64_t>(r.error_line))
        .bind(5, static_cast<std::int64_t>(r.error_column))
        .bind(6, r.reason)
        .bind(7, static_cast<std::int64_t>(r.size))
        .bind_blob(8, r.raw)
        .bind(9, util::now_millis())
        .bind(10, static_cast<std::int64_t>(r.column))
        .bind(11, static_cast<std::int64_t>(r.offset))
        .run();
    if (db_.changes() > 0) return;
  }
}

}  // namespace jira_alerts::store
