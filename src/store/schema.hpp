#pragma once
// The state file's schema: a public interface (users query it with sqlite3).

namespace jira_alerts::store {

// PRAGMA user_version of files this program writes.
inline constexpr int schema_version = 1;

// The statements that create the current schema in an empty file.
extern const char* const create_schema_sql;

}  // namespace jira_alerts::store
