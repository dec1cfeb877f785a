// Matching a parsed scope query against an issue (the parser is jql_parser.cpp).
#include "rules/jql.hpp"

#include <algorithm>

#include "util/text.hpp"

namespace jira_alerts::rules::jql {
namespace {

using Field = Query::Field;
using Op = Query::Op;
using Kind = Query::Kind;

// Do A (a payload's value) and FOLDED (a query value, case-folded) name the same thing?
bool same(std::string_view a, const std::string& folded) {
  if (util::is_ascii(a)) {
    if (a.size() != folded.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const char c = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] + 32) : a[i];
      if (c != folded[i]) return false;
    }
    return true;
  }
  return util::fold_case(a) == folded;
}

// The values of FIELD in ISSUE: one, several (labels, components, a user's names) or none.
std::vector<std::string_view> values_of(Field field, const Issue& issue) {
  std::vector<std::string_view> out;
  const auto add = [&out](const std::optional<std::string_view>& v) {
    if (v && !v->empty()) out.push_back(*v);
  };
  const auto add_all = [&out](const std::vector<std::string_view>& vs) {
    for (const auto v : vs)
      if (!v.empty()) out.push_back(v);
  };
  switch (field) {
    case Field::project:
      add(issue.project_key);
      add(issue.project_name);
      break;
    case Field::issuetype:
      add(issue.issuetype);
      break;
    case Field::priority:
      add(issue.priority);
      break;
    case Field::status:
      add(issue.status);
      break;
    case Field::status_category:
      add(issue.status_category);
      add(issue.status_category_name);
      break;
    case Field::labels:
      add_all(issue.labels);
      break;
    case Field::component:
      add_all(issue.components);
      break;
    case Field::assignee:
      add_all(issue.assignee);
      break;
    case Field::reporter:
      add_all(issue.reporter);
      break;
    case Field::summary:
      add(issue.summary);
      break;
  }
  return out;
}

}  // namespace

SyntaxError::SyntaxError(std::size_t line, std::size_t column, const std::string& reason)
    : std::runtime_error(std::to_string(line) + ":" + std::to_string(column) + ": " + reason),
      line_(line),
      column_(column),
      reason_(reason) {}

const std::vector<std::string>& field_names() {
  static const std::vector<std::string> names{
      "project", "issuetype", "priority", "status",   "statusCategory",
      "labels",  "component", "assignee", "reporter", "summary"};
  return names;
}

bool Query::matches(const Issue& issue) const {
  return match(root_, issue);
}

bool Query::match(std::uint32_t index, const Issue& issue) const {
  const Node& node = nodes_[index];
  switch (node.kind) {
    case Kind::all:
      return std::all_of(node.children.begin(), node.children.end(),
                         [&](std::uint32_t c) { return match(c, issue); });
    case Kind::any:
      return std::any_of(node.children.begin(), node.children.end(),
                         [&](std::uint32_t c) { return match(c, issue); });
    case Kind::negate:
      return !match(node.children.front(), issue);
    case Kind::clause:
      return clause(node, issue);
  }
  return false;
}

bool Query::clause(const Node& node, const Issue& issue) const {
  const std::vector<std::string_view> have = values_of(node.field, issue);
  const auto any_equal = [&] {
    for (const auto v : have)
      for (const auto& want : node.values)
        if (same(v, want)) return true;
    return false;
  };
  switch (node.op) {
    case Op::equals:
    case Op::in:
      return (have.empty() && node.with_empty) || any_equal();
    case Op::not_equals:
    case Op::not_in:
      // As in Jira: an issue whose field is empty matches no != or NOT IN.
      return !have.empty() && !any_equal();
    case Op::empty:
      return have.empty();
    case Op::not_empty:
      return !have.empty();
    case Op::contains:
    case Op::not_contains: {
      if (have.empty()) return false;
      const std::string folded = util::fold_case(have.front());
      const bool found = std::all_of(node.values.begin(), node.values.end(), [&](const auto& w) {
        return folded.find(w) != std::string::npos;
      });
      return node.op == Op::contains ? found : !found;
    }
  }
  return false;
}

}  // namespace jira_alerts::rules::jql
