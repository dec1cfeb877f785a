#pragma once
// The part of JQL that scopes payloads (--jql, a source's jql): which issues count.
// A query is parsed once into a small tree and matched against each payload's issue.
//
// Fields: project, issuetype (type), priority, status, statusCategory, labels,
// component, assignee, reporter, summary. Operators: =, !=, IN (...), NOT IN (...),
// IS [NOT] EMPTY (or NULL), ~ and !~ (summary only). AND (&&), OR (||), NOT (!) and
// parentheses. Keywords and field names in any case; values quoted ("..." or '...',
// with backslash escapes) or bare. Values compare with Unicode case folding. As in
// Jira, != and NOT IN never match an issue whose field is empty.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace jira_alerts::rules::jql {

// What a query reads of an issue; none or empty: the payload does not say.
struct Issue {
  std::optional<std::string_view> project_key, project_name;
  std::optional<std::string_view> issuetype, priority, status, summary;
  std::optional<std::string_view> status_category;       // its key: new, indeterminate, done
  std::optional<std::string_view> status_category_name;  // To Do, In Progress, Done
  std::span<const std::string_view> labels, components;  // views of the payload's lists
  std::span<const std::string_view> assignee, reporter;  // every name the user goes by
};

// A query that does not parse: where (1-based line and column, in characters) and why.
class SyntaxError : public std::runtime_error {
 public:
  SyntaxError(std::size_t line, std::size_t column, const std::string& reason);
  std::size_t line() const { return line_; }
  std::size_t column() const { return column_; }
  const std::string& reason() const { return reason_; }

 private:
  std::size_t line_, column_;
  std::string reason_;
};

// The field names a query may use, for messages.
const std::vector<std::string>& field_names();

class Query {
 public:
  // Parses TEXT; throws SyntaxError.
  static Query parse(std::string_view text);

  bool matches(const Issue& issue) const;
  // The query as written (white space at the ends dropped), for reasons and messages.
  const std::string& text() const { return text_; }

  enum class Field : std::uint8_t {
    project,
    issuetype,
    priority,
    status,
    status_category,
    labels,
    component,
    assignee,
    reporter,
    summary,
  };
  enum class Op : std::uint8_t {
    equals,
    not_equals,
    in,
    not_in,
    empty,
    not_empty,
    contains,
    not_contains
  };
  enum class Kind : std::uint8_t { all, any, negate, clause };

  // A node of the tree: AND (all) and OR (any) hold their operands as CHILDREN, NOT one;
  // a clause compares FIELD with VALUES (case-folded) by OP.
  struct Node {
    Kind kind = Kind::clause;
    std::vector<std::uint32_t> children;
    Field field = Field::project;
    Op op = Op::equals;
    std::vector<std::string> values;
    bool with_empty = false;  // the list names EMPTY: an empty field matches = and IN
  };

 private:
  friend class Parser;
  bool match(std::uint32_t node, const Issue& issue) const;
  bool clause(const Node& node, const Issue& issue) const;

  std::string text_;
  std::vector<Node> nodes_;  // nodes_[root_] is the whole query
  std::uint32_t root_ = 0;
};

}  // namespace jira_alerts::rules::jql
