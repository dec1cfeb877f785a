#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "parse/scope.hpp"
#include "rules/jql.hpp"

using jira_alerts::rules::jql::Issue;
using jira_alerts::rules::jql::Query;
using jira_alerts::rules::jql::SyntaxError;

namespace {

// An issue with every field a query reads.
Issue full_issue() {
  Issue i;
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
  static const std::string_view assignee[] = {"712020:abc", "Marcus Lee", "marcus@acme.example"};
  i.assignee = assignee;
  return i;  // no reporter
}

struct Case {
  const char* query;
  bool matches;
};

}  // namespace

TEST_CASE("jql: each field, operator and connective matches as Jira's would") {
  const Issue issue = full_issue();
  const Case cases[] = {
      {"project = KAN", true},
      {"project = kan", true},
      {"PROJECT = \"Kanban Board\"", true},
      {"project = OPS", false},
      {"project != OPS", true},
      {"project != KAN", false},
      {"project in (OPS, KAN)", true},
      {"project IN (OPS, DATA)", false},
      {"project not in (OPS, DATA)", true},
      {"project NOT IN (kan)", false},
      {"issuetype = bug", true},
      {"type = Bug", true},
      {"type = Story", false},
      {"priority = High", true},
      {"priority in (Highest, High)", true},
      {"status = 'In Progress'", true},
      {"status = \"in progress\"", true},
      {"status = Done", false},
      {"statusCategory = indeterminate", true},
      {"statusCategory = \"In Progress\"", true},
      {"statusCategory != Done", true},
      {"labels = urgent", true},
      {"labels = PAYMENTS", true},
      {"labels = later", false},
      {"labels != urgent", false},
      {"labels != later", true},
      {"labels in (later, urgent)", true},
      {"labels not in (later, urgent)", false},
      {"component = api", true},
      {"component is not empty", true},
      {"assignee = \"marcus lee\"", true},
      {"assignee = 712020:abc", true},
      {"assignee = marcus@acme.example", true},
      {"assignee is EMPTY", false},
      {"reporter is empty", true},
      {"reporter IS NULL", true},
      {"reporter = EMPTY", true},
      {"reporter != EMPTY", false},
      {"reporter in (EMPTY, somebody)", true},
      {"assignee in (EMPTY, somebody)", false},
      // != and NOT IN never match an empty field, as in Jira.
      {"reporter != somebody", false},
      {"reporter not in (somebody)", false},
      {"summary ~ checkout", true},
      {"summary ~ \"API RETURNING\"", true},
      {"summary ~ refund", false},
      {"summary !~ refund", true},
      {"summary !~ 502s", false},
      {"project = KAN AND priority = High", true},
      {"project = KAN and priority = Low", false},
      {"project = OPS OR priority = High", true},
      {"project = OPS || priority = Low", false},
      {"project = KAN && labels = urgent", true},
      {"NOT project = OPS", true},
      {"not project = KAN", false},
      {"!(project = KAN)", false},
      {"project = OPS OR project = KAN AND priority = Low", false},  // AND binds tighter
      {"(project = OPS OR project = KAN) AND priority = High", true},
      {"project = KAN AND NOT (labels = urgent OR labels = later)", false},
      {"project = KAN AND (status = Done OR (labels = urgent AND NOT type = Story))", true},
      {"  project\n=\tKAN  ", true},
      {"summary ~ 'returning \\'502s\\''", false},
      {"labels = \"a\\\"b\"", false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.query);
    CHECK(Query::parse(c.query).matches(issue) == c.matches);
  }
}

TEST_CASE("jql: values compare with Unicode case folding") {
  Issue issue;
  issue.status = "RÉSOLU";
  issue.summary = "Straße gesperrt";
  CHECK(Query::parse("status = résolu").matches(issue));
  CHECK(Query::parse("summary ~ STRASSE").matches(issue));
  CHECK_FALSE(Query::parse("status = resolu").matches(issue));
}

TEST_CASE("jql: an issue that names nothing matches only EMPTY and the negations of those") {
  const Issue none;
  CHECK(Query::parse("project is empty AND labels is empty AND summary is empty").matches(none));
  CHECK_FALSE(Query::parse("project = KAN").matches(none));
  CHECK_FALSE(Query::parse("project != KAN").matches(none));
  CHECK_FALSE(Query::parse("summary ~ x").matches(none));
  CHECK_FALSE(Query::parse("summary !~ x").matches(none));
  CHECK(Query::parse("NOT project = KAN").matches(none));
}

TEST_CASE("jql: the text is kept without the white space at its ends") {
  CHECK(Query::parse("  project = KAN \n").text() == "project = KAN");
}

struct Error {
  const char* query;
  const char* message;  // line:column: reason
};

TEST_CASE("jql: what does not parse is named with its line, column and a hint") {
  const Error errors[] = {
      {"project = KAN AND updated > -1d",
       "1:19: 'updated' is not supported (fields: project, issuetype, priority, status, "
       "statusCategory, labels, component, assignee, reporter, summary)"},
      {"proejct = KAN",
       "1:1: 'proejct' is not supported (fields: project, issuetype, priority, status, "
       "statusCategory, labels, component, assignee, reporter, summary); did you mean "
       "'project'?"},
      {"", "1:1: the query is empty"},
      {"   ", "1:4: the query is empty"},
      {"project", "1:8: expected an operator after 'project', not the end of the query"},
      {"project > 3", "1:9: operator '>' is not supported"},
      {"project WAS KAN", "1:9: operator 'WAS' is not supported"},
      {"project = ", "1:11: expected a value, not the end of the query"},
      {"project = KAN AND", "1:18: expected a field"},
      {"project = KAN OPS", "1:15: expected AND, OR or the end of the query, not 'OPS'"},
      {"project = KAN ORDER BY created", "1:15: ORDER BY is not supported"},
      {"(project = KAN", "1:1: this '(' is never closed"},
      {"project = KAN)", "1:14: expected AND, OR or the end of the query, not ')'"},
      {"project in KAN", "1:12: expected '(' and a list of values, not 'KAN'"},
      {"project in (KAN OPS)", "1:17: expected ',' or ')' in the list, not 'OPS'"},
      {"project in ()", "1:13: expected a value, not ')'"},
      {"project not KAN", "1:13: expected IN after NOT, not 'KAN'"},
      {"project is full", "1:12: expected EMPTY after IS, not 'full'"},
      {"project is not", "1:15: expected EMPTY after IS NOT, not the end of the query"},
      {"project ~ KAN", "1:9: '~' applies to summary only, not to 'project'"},
      {"summary = x", "1:9: summary takes ~ (contains) or !~, not '='"},
      {"summary ~ \"\"", "1:11: ~ needs some text to look for"},
      {"summary ~ EMPTY", "1:11: ~ needs text, not EMPTY"},
      {"assignee = currentUser()", "1:12: functions such as currentUser() are not supported"},
      {"project = \"KAN", "1:11: this \" is never closed"},
      {"project = KAN &\nstatus = x", "1:15: '&' alone is not an operator"},
      {"project = KAN\nAND satus = Done", "2:5: 'satus' is not supported"},
      {"summary ~ \"é\" AND x = 1", "1:19: 'x' is not supported"},
      {"and = 1", "1:1: expected a field"},
  };
  for (const Error& e : errors) {
    CAPTURE(e.query);
    std::string message = "(parsed)";
    try {
      Query::parse(e.query);
    } catch (const SyntaxError& error) {
      message = error.what();
    }
    CHECK(message.rfind(e.message, 0) == 0);
  }
}

TEST_CASE("jql: nesting is bounded, long chains are not") {
  std::string deep;
  for (int i = 0; i < 64; ++i) deep += "(";
  deep += "project = KAN";
  for (int i = 0; i < 64; ++i) deep += ")";
  CHECK_THROWS_AS(Query::parse(deep), SyntaxError);
  std::string nots;
  for (int i = 0; i < 100; ++i) nots += "NOT ";
  CHECK_THROWS_AS(Query::parse(nots + "project = KAN"), SyntaxError);
  std::string chain = "project = A";
  for (int i = 0; i < 100000; ++i) chain += " OR project = A" + std::to_string(i);
  chain += " OR project = KAN";
  CHECK(Query::parse(chain).matches(full_issue()));
  std::string shallow;
  for (int i = 0; i < 63; ++i) shallow += "(";
  shallow += "project = KAN";
  for (int i = 0; i < 63; ++i) shallow += ")";
  CHECK(Query::parse(shallow).matches(full_issue()));
}

TEST_CASE("jql: the scope fields are read from the payload, and a wrong type is as if absent") {
  using jira_alerts::parse::Payload;
  using jira_alerts::parse::ScopeReader;
  using jira_alerts::parse::StatusSource;
  const std::string json = R"({"webhookEvent":"jira:issue_updated","issue":{"key":"KAN-5",
    "fields":{"project":{"key":"KAN","name":"Kanban Board"},"issuetype":{"name":"Bug"},
    "status":{"name":"Doing","statusCategory":{"key":"indeterminate","name":"In Progress"}},
    "labels":["urgent",7,"payments"],"components":[{"name":"API"},"Web",{"id":"3"}],
    "assignee":{"accountId":"712020:abc","displayName":"Marcus Lee","emailAddress":null},
    "reporter":"somebody"}}})";
  Payload p;
  p.status_source = StatusSource::fields;
  ScopeReader reader;
  reader.read(json, p);
  CHECK(p.project_name.value == "Kanban Board");
  CHECK(p.issuetype.value == "Bug");
  CHECK(p.category_name.value == "In Progress");
  CHECK(p.labels == std::vector<std::string_view>{"urgent", "payments"});
  CHECK(p.components == std::vector<std::string_view>{"API"});
  CHECK(p.assignee == std::vector<std::string_view>{"712020:abc", "Marcus Lee"});
  CHECK(p.reporter.empty());
  // The category belongs to issue.fields.status: not read for a status from elsewhere.
  Payload from_changelog;
  from_changelog.status_source = StatusSource::changelog;
  reader.read(json, from_changelog);
  CHECK_FALSE(from_changelog.category_name.present);
  // A second read starts afresh; text that is not JSON leaves nothing.
  reader.read("not json", p);
  CHECK_FALSE(p.project_name.present);
  CHECK(p.labels.empty());
}

TEST_CASE("jql: the scope reader holds one payload's parse, however many it reads") {
  using jira_alerts::parse::Payload;
  using jira_alerts::parse::ScopeReader;
  std::string json = R"({"issue":{"key":"KAN-1","fields":{"labels":[)";
  for (int i = 0; i < 500; ++i) json += (i ? ",\"" : "\"") + std::to_string(i) + "-label\"";
  json += "]}}}";
  ScopeReader reader;
  Payload p;
  reader.read(json, p);
  const std::size_t one = reader.pool_size();
  for (int i = 0; i < 2000; ++i) reader.read(json, p);
  CHECK(p.labels.size() == 500);
  CHECK(reader.pool_size() <= 2 * one);
}
