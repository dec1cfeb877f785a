// Matching a parsed scope query against an issue (the parser is jql_parser.cpp).
#include "rules/jql.hpp"

#include <algorithm>
#include <array>
#include <span>

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

// The values of a field in an issue, without a copy: up to two single values (a key and
// a name) or a list (labels, components, a user's names); empty ones do not count.
struct Values {
  std::array<std::string_view, 2> single{};
  std::span<const std::string_view> list;

  template <typename F>
  bool any(F&& f) const {
    for (const auto v : single)
      if (!v.empty() && f(v)) return true;
    for (const auto v : list)
      if (!v.empty() && f(v)) return true;
    return false;
  }
  bool empty() const {
    return !any([](std::string_view) { return true; });
  }
};

Values values_of(Field field, const Issue& issue) {
  const auto one = [](const std::optional<std::string_view>& v) {
    return v.value_or(std::string_view());
  };
  Values out;
  switch (field) {
    case Field::project:
      out.single = {one(issue.project_key), one(issue.project_name)};
      break;
    case Field::issuetype:
      out.single[0] = one(issue.issuetype);
      break;
    case Field::priority:
      out.single[0] = one(issue.priority);
      break;
    case Field::status:
      out.single[0] = one(issue.status);
      break;
    case Field::status_category:
      out.single = {one(issue.status_category), one(issue.status_category_name)};
      break;
    case Field::labels:
      out.list = issue.labels;
      break;
    case Field::component:
      out.list = issue.components;
      break;
    case Field::assignee:
      out.list = issue.assignee;
      break;
    case Field::reporter:
      out.list = issue.reporter;
      break;
    case Field::summary:
      out.single[0] = one(issue.summary);
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
  const Values have = values_of(node.field, issue);
  const auto any_equal = [&] {
    return have.any([&](std::string_view v) {
      return std::any_of(node.values.begin(), node.values.end(),
                         [&](const std::string& want) { return same(v, want); });
    });
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
      if (have.empty()) return false;  // summary: one value
      const std::string folded = util::fold_case(have.single[0]);
      const bool found = std::all_of(node.values.begin(), node.values.end(), [&](const auto& w) {
        return folded.find(w) != std::string::npos;
      });
      return node.op == Op::contains ? found : !found;
    }
  }
  return false;
}

}  // namespace jira_alerts::rules::jql
