// libFuzzer target for the JQL scope parser (rules/jql.cpp): any bytes either parse or
// throw SyntaxError with a position inside the text; nothing else (no crash, no other
// exception, no unbounded recursion). A query that parses is matched against a full
// and an empty issue, and parsing its own text() again gives the same answers.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "rules/jql.hpp"

namespace jql = jira_alerts::rules::jql;

namespace {

jql::Issue full_issue() {
  jql::Issue i;
  i.project_key = "KAN";
  i.project_name = "Kanban Board";
  i.issuetype = "Bug";
  i.priority = "High";
  i.status = "In Progress";
  i.status_category = "indeterminate";
  i.status_category_name = "In Progress";
  i.summary = "Checkout API returning 502s";
  static const std::string_view labels[] = {"payments", "urgent"}, components[] = {"API"};
  i.labels = labels;
  i.components = components;
  static const std::string_view assignee[] = {"712020:abc", "Marcus Lee"};
  i.assignee = assignee;
  return i;
}

[[noreturn]] void fail(const char* what, std::string_view text) {
  std::fprintf(stderr, "fuzz_jql: %s: '%.*s'\n", what, static_cast<int>(text.size()), text.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static const jql::Issue full = full_issue();
  static const jql::Issue empty;
  try {
    const jql::Query q = jql::Query::parse(text);
    const jql::Query again = jql::Query::parse(q.text());
    if (q.matches(full) != again.matches(full) || q.matches(empty) != again.matches(empty))
      fail("the query's own text parses to another query", text);
  } catch (const jql::SyntaxError& e) {
    std::size_t lines = 1;
    for (const char c : text) lines += c == '\n' ? 1 : 0;
    if (e.line() < 1 || e.line() > lines || e.column() < 1 || e.column() > size + 1)
      fail("a syntax error points outside the text", text);
  }
  return 0;
}
