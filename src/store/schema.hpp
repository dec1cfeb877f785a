#pragma once
// The state file's schema: a public interface (users query it with sqlite3).

#include <array>

namespace jira_alerts::store {

// PRAGMA user_version of files this program writes.
inline constexpr int schema_version = 7;

// The statements that create the version 1 schema in an empty file (the migrations
// then bring it up to schema_version).
extern const char* const create_schema_sql;

// The statements that take a file from version FROM to FROM + 1, keeping its data.
struct Migration {
  int from;
  const char* sql;
};

// Every step from version 1 up to schema_version, in order.
extern const std::array<Migration, schema_version - 1> migrations;

}  // namespace jira_alerts::store
