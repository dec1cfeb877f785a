#include <algorithm>
#include <array>

// Parsing a scope query: the lexer and the recursive-descent parser (jql.cpp matches).
#include "rules/jql.hpp"
#include "util/text.hpp"

namespace jira_alerts::rules::jql {
namespace {

using Field = Query::Field;
using Op = Query::Op;
using Kind = Query::Kind;

// Parentheses and NOTs inside one another: a query deeper than this is refused, so
// that neither parsing nor matching recurses without bound.
constexpr std::size_t deepest = 64;

struct FieldName {
  std::string_view name;
  Field field;
};

constexpr std::array<FieldName, 11> fields{{
    {"project", Field::project},
    {"issuetype", Field::issuetype},
    {"type", Field::issuetype},
    {"priority", Field::priority},
    {"status", Field::status},
    {"statuscategory", Field::status_category},
    {"labels", Field::labels},
    {"component", Field::component},
    {"assignee", Field::assignee},
    {"reporter", Field::reporter},
    {"summary", Field::summary},
}};

enum class Token : std::uint8_t {
  end,
  word,    // a bare word: a keyword, a field or a value
  quoted,  // a quoted value
  open,
  close,
  comma,
  equals,
  not_equals,
  contains,
  not_contains,
  other_operator,  // <, >, <=, >=: JQL, but not for a scope
  and_,            // &&
  or_,             // ||
  bang,            // !
};

struct Lexeme {
  Token token = Token::end;
  std::string text;       // a word or a quoted value (unescaped)
  std::size_t start = 0;  // byte offset in the query
};

bool is_bare(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x80) return true;
  if (u <= ' ') return false;
  return std::string_view("=!<>~(),\"'&|").find(c) == std::string_view::npos;
}

bool keyword(const Lexeme& l, std::string_view word) {
  return l.token == Token::word && util::to_lower(l.text) == word;
}

}  // namespace

// A recursive-descent parser over the lexemes of one query:
//   query  := or
//   or     := and ( (OR | '||') and )*
//   and    := not ( (AND | '&&') not )*
//   not    := (NOT | '!') not | '(' or ')' | clause
//   clause := FIELD ( ('=' | '!=') value | [NOT] IN '(' value (',' value)* ')'
//                   | IS [NOT] (EMPTY | NULL) | ('~' | '!~') value )
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) { next(); }

  Query run() {
    Query q;
    q.text_ = std::string(util::trim(text_));
    if (current_.token == Token::end) fail(current_, "the query is empty");
    q_ = &q;
    q.root_ = parse_or(0);
    if (current_.token != Token::end) {
      if (keyword(current_, "order"))
        fail(current_, "ORDER BY is not supported: a scope has no order");
      fail(current_, "expected AND, OR or the end of the query, not " + describe(current_));
    }
    return q;
  }

 private:
  std::uint32_t add(Query::Node node) {
    q_->nodes_.push_back(std::move(node));
    return static_cast<std::uint32_t>(q_->nodes_.size() - 1);
  }

  // AND and OR: one node holding every operand of a chain.
  std::uint32_t parse_or(std::size_t depth) {
    std::uint32_t first = parse_and(depth);
    if (!at_or()) return first;
    Query::Node any;
    any.kind = Kind::any;
    any.children.push_back(first);
    while (at_or()) {
      next();
      any.children.push_back(parse_and(depth));
    }
    return add(std::move(any));
  }

  std::uint32_t parse_and(std::size_t depth) {
    std::uint32_t first = parse_not(depth);
    if (!at_and()) return first;
    Query::Node all;
    all.kind = Kind::all;
    all.children.push_back(first);
    while (at_and()) {
      next();
      all.children.push_back(parse_not(depth));
    }
    return add(std::move(all));
  }

  std::uint32_t parse_not(std::size_t depth) {
    if (depth >= deepest)
      fail(current_, "the query nests deeper than " + std::to_string(deepest) + " levels");
    if (keyword(current_, "not") || current_.token == Token::bang) {
      next();
      Query::Node negate;
      negate.kind = Kind::negate;
      negate.children.push_back(parse_not(depth + 1));
      return add(std::move(negate));
    }
    if (current_.token == Token::open) {
      const Lexeme open = current_;
      next();
      const std::uint32_t inner = parse_or(depth + 1);
      if (current_.token != Token::close)
        fail(current_.token == Token::end ? open : current_,
             current_.token == Token::end ? "this '(' is never closed"
                                          : "expected ')', not " + describe(current_));
      next();
      return inner;
    }
    return parse_clause();
  }

  std::uint32_t parse_clause() {
    if (current_.token != Token::word)
      fail(current_, "expected a field (" + field_list() + "), not " + describe(current_));
    Query::Node node;
    node.field = field_of(current_);
    const Lexeme field = current_;
    next();
    const Lexeme op = current_;
    if (current_.token == Token::equals || current_.token == Token::not_equals) {
      node.op = current_.token == Token::equals ? Op::equals : Op::not_equals;
      next();
      read_value(node, false);
    } else if (keyword(current_, "in") || keyword(current_, "not")) {
      const bool negated = keyword(current_, "not");
      next();
      if (negated && !keyword(current_, "in"))
        fail(current_, "expected IN after NOT, not " + describe(current_));
      if (negated) next();
      node.op = negated ? Op::not_in : Op::in;
      read_list(node);
    } else if (keyword(current_, "is")) {
      next();
      const bool negated = keyword(current_, "not");
      if (negated) next();
      if (!keyword(current_, "empty") && !keyword(current_, "null"))
        fail(current_, "expected EMPTY after IS" + std::string(negated ? " NOT" : "") + ", not " +
                           describe(current_));
      next();
      node.op = negated ? Op::not_empty : Op::empty;
    } else if (current_.token == Token::contains || current_.token == Token::not_contains) {
      node.op = current_.token == Token::contains ? Op::contains : Op::not_contains;
      next();
      read_value(node, false);
    } else {
      fail(current_,
           (current_.token == Token::other_operator || keyword(current_, "was") ||
                    keyword(current_, "changed")
                ? "operator " + describe(current_) + " is not supported"
                : "expected an operator after '" + field.text + "', not " + describe(current_)) +
               " (operators: =, !=, IN, NOT IN, IS EMPTY, IS NOT EMPTY, ~, !~)");
    }
    check_operator(node, field, op);
    return add(std::move(node));
  }

  // '~' is for text (summary); summary takes only '~', '!~' and IS [NOT] EMPTY.
  void check_operator(const Query::Node& node, const Lexeme& field, const Lexeme& op) {
    const bool text_op = node.op == Op::contains || node.op == Op::not_contains;
    const bool summary = node.field == Field::summary;
    if (text_op && !summary)
      fail(op, describe(op) + " applies to summary only, not to '" + field.text + "'");
    if (summary && !text_op && node.op != Op::empty && node.op != Op::not_empty)
      fail(op, "summary takes ~ (contains) or !~, not " + describe(op));
  }

  void read_value(Query::Node& node, bool in_list) {
    if (current_.token == Token::word) {
      // A bare word: EMPTY and NULL are the empty value; a word before '(' a function.
      if (keyword(current_, "empty") || keyword(current_, "null")) {
        if (node.op == Op::contains || node.op == Op::not_contains)
          fail(current_, "~ needs text, not EMPTY");
        if (!in_list) node.op = node.op == Op::equals ? Op::empty : Op::not_empty;
        node.with_empty = true;
        next();
        return;
      }
      const Lexeme word = current_;
      next();
      if (current_.token == Token::open)
        fail(word, "functions such as " + word.text + "() are not supported");
      node.values.push_back(util::fold_case(word.text));
      return;
    }
    if (current_.token == Token::quoted) {
      if (current_.text.empty() && (node.op == Op::contains || node.op == Op::not_contains))
        fail(current_, "~ needs some text to look for");
      node.values.push_back(util::fold_case(current_.text));
      next();
      return;
    }
    fail(current_, "expected a value, not " + describe(current_));
  }

  void read_list(Query::Node& node) {
    if (current_.token != Token::open)
      fail(current_, "expected '(' and a list of values, not " + describe(current_));
    next();
    for (;;) {
      read_value(node, true);
      if (current_.token == Token::comma) {
        next();
        continue;
      }
      if (current_.token == Token::close) break;
      fail(current_, "expected ',' or ')' in the list, not " + describe(current_));
    }
    next();
  }

  Field field_of(const Lexeme& word) {
    const std::string lowered = util::to_lower(word.text);
    for (const auto& f : fields)
      if (f.name == lowered) return f.field;
    if (lowered == "and" || lowered == "or" || lowered == "not" || lowered == "in" ||
        lowered == "is")
      fail(word, "expected a field (" + field_list() + "), not " + describe(word));
    fail(word, "'" + word.text + "' is not supported (fields: " + field_list() + ")" +
                   util::did_you_mean(word.text, field_names()));
  }

  bool at_and() { return keyword(current_, "and") || current_.token == Token::and_; }
  bool at_or() { return keyword(current_, "or") || current_.token == Token::or_; }

  static std::string field_list() {
    std::string out;
    for (const auto& name : field_names()) out += (out.empty() ? "" : ", ") + name;
    return out;
  }

  static std::string describe(const Lexeme& l) {
    switch (l.token) {
      case Token::end:
        return "the end of the query";
      case Token::quoted:
        return "\"" + l.text + "\"";
      case Token::word:
        return "'" + l.text + "'";
      default:
        return "'" + l.text + "'";
    }
  }

  [[noreturn]] void fail(const Lexeme& at, const std::string& why) const {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < at.start && i < text_.size(); ++i) {
      const auto c = static_cast<unsigned char>(text_[i]);
      if (c == '\n') {
        ++line;
        column = 1;
      } else if ((c & 0xC0) != 0x80) {
        ++column;  // a character starts here (not a UTF-8 continuation byte)
      }
    }
    throw SyntaxError(line, column, why);
  }

  void next() {
    while (pos_ < text_.size() && static_cast<unsigned char>(text_[pos_]) <= ' ') ++pos_;
    current_ = Lexeme{};
    current_.start = pos_;
    if (pos_ >= text_.size()) return;
    const char c = text_[pos_];
    const auto two = [&](std::string_view op) { return text_.substr(pos_, 2) == op; };
    const auto take = [&](Token t, std::size_t n) {
      current_.token = t;
      current_.text = std::string(text_.substr(pos_, n));
      pos_ += n;
    };
    if (c == '"' || c == '\'') return quoted(c);
    if (two("!=")) return take(Token::not_equals, 2);
    if (two("!~")) return take(Token::not_contains, 2);
    if (two("&&")) return take(Token::and_, 2);
    if (two("||")) return take(Token::or_, 2);
    if (two("<=") || two(">=")) return take(Token::other_operator, 2);
    switch (c) {
      case '(':
        return take(Token::open, 1);
      case ')':
        return take(Token::close, 1);
      case ',':
        return take(Token::comma, 1);
      case '=':
        return take(Token::equals, 1);
      case '~':
        return take(Token::contains, 1);
      case '!':
        return take(Token::bang, 1);
      case '<':
      case '>':
        return take(Token::other_operator, 1);
      case '&':
      case '|':
        fail(current_, std::string("'") + c + "' alone is not an operator (use AND, OR, && or ||)");
      default:
        break;
    }
    std::size_t end = pos_;
    while (end < text_.size() && is_bare(text_[end])) ++end;
    take(Token::word, end - pos_);
  }

  void quoted(char quote) {
    const Lexeme start = current_;
    std::string value;
    std::size_t i = pos_ + 1;
    for (; i < text_.size() && text_[i] != quote; ++i) {
      if (text_[i] == '\\' && i + 1 < text_.size()) ++i;  // \" \' \\: the next byte as is
      value += text_[i];
    }
    if (i >= text_.size()) fail(start, std::string("this ") + quote + " is never closed");
    current_.token = Token::quoted;
    current_.text = std::move(value);
    pos_ = i + 1;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  Lexeme current_;
  Query* q_ = nullptr;
};

Query Query::parse(std::string_view text) {
  return Parser(text).run();
}

}  // namespace jira_alerts::rules::jql
