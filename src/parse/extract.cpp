#include "parse/extract.hpp"

#include <rapidjson/error/error.h>
#include <rapidjson/reader.h>
#include <simdjson.h>

#include <array>
#include <cstdlib>
#include <cstring>

#include "util/text.hpp"

namespace jira_alerts::parse {
namespace {

// The objects on the path to a field the rules read; everything else is `other`.
enum class Node : std::uint8_t {
  other,
  root,
  issue,
  fields,
  status,
  category,
  priority,
  project,
  changelog,
  items,
  item,
  transition,
  user,
};

// The members the rules read. Each has one bit in the "seen" mask of its object.
enum class Slot : std::uint8_t {
  none,
  webhook_event,
  timestamp,
  issue,
  changelog,
  transition,
  user,  // root
  key,
  id,
  self,
  fields,  // issue
  status,
  priority,
  summary,
  project,  // issue.fields
  status_name,
  category,       // status
  category_key,   // statusCategory
  priority_name,  // priority
  project_key,    // project
  changelog_id,
  items,  // changelog
  item_field_id,
  item_field,
  item_from,
  item_to,       // changelog.items[]
  to_status,     // transition
  display_name,  // user
};

struct Member {
  Node parent;
  std::string_view name;
  Slot slot;
  const char* path;  // how messages name the field
};

constexpr std::array members{
    Member{Node::root, "webhookEvent", Slot::webhook_event, "webhookEvent"},
    Member{Node::root, "timestamp", Slot::timestamp, "timestamp"},
    Member{Node::root, "issue", Slot::issue, "issue"},
    Member{Node::root, "changelog", Slot::changelog, "changelog"},
    Member{Node::root, "transition", Slot::transition, "transition"},
    Member{Node::root, "user", Slot::user, "user"},
    Member{Node::issue, "key", Slot::key, "issue.key"},
    Member{Node::issue, "id", Slot::id, "issue.id"},
    Member{Node::issue, "self", Slot::self, "issue.self"},
    Member{Node::issue, "fields", Slot::fields, "issue.fields"},
    Member{Node::fields, "status", Slot::status, "issue.fields.status"},
    Member{Node::fields, "priority", Slot::priority, "issue.fields.priority"},
    Member{Node::fields, "summary", Slot::summary, "issue.fields.summary"},
    Member{Node::fields, "project", Slot::project, "issue.fields.project"},
    Member{Node::status, "name", Slot::status_name, "issue.fields.status.name"},
    Member{Node::status, "statusCategory", Slot::category, "issue.fields.status.statusCategory"},
    Member{Node::category, "key", Slot::category_key, "issue.fields.status.statusCategory.key"},
    Member{Node::priority, "name", Slot::priority_name, "issue.fields.priority.name"},
    Member{Node::project, "key", Slot::project_key, "issue.fields.project.key"},
    Member{Node::changelog, "id", Slot::changelog_id, "changelog.id"},
    Member{Node::changelog, "items", Slot::items, "changelog.items"},
    Member{Node::item, "fieldId", Slot::item_field_id, "changelog.items[].fieldId"},
    Member{Node::item, "field", Slot::item_field, "changelog.items[].field"},
    Member{Node::item, "fromString", Slot::item_from, "changelog.items[].fromString"},
    Member{Node::item, "toString", Slot::item_to, "changelog.items[].toString"},
    Member{Node::transition, "to_status", Slot::to_status, "transition.to_status"},
    Member{Node::user, "displayName", Slot::display_name, "user.displayName"},
};

const Member& member_of(Slot slot) {
  for (const auto& m : members)
    if (m.slot == slot) return m;
  return members[0];
}

// The members of each node: a run of the table, which lists them grouped by parent.
struct Range {
  std::size_t begin = 0, end = 0;
};

constexpr std::array<Range, 13> ranges_by_node() {
  std::array<Range, 13> ranges{};
  for (std::size_t i = 0; i < members.size(); ++i) {
    Range& r = ranges[static_cast<std::size_t>(members[i].parent)];
    if (r.begin == r.end) r.begin = i;
    r.end = i + 1;
  }
  return ranges;
}

constexpr auto member_ranges = ranges_by_node();

// The slot of member NAME in PARENT. Called for every member of the objects on the
// rules' paths (issue.fields alone has dozens), so a miss must be cheap.
Slot find_slot(Node parent, std::string_view name) {
  if (name.empty()) return Slot::none;
  const Range r = member_ranges[static_cast<std::size_t>(parent)];
  for (std::size_t i = r.begin; i < r.end; ++i) {
    const Member& m = members[i];
    if (m.name.size() == name.size() && m.name[0] == name[0] && m.name == name) return m.slot;
  }
  return Slot::none;
}

// The object node a slot opens, or `other` when the slot does not hold an object.
Node object_node(Slot slot) {
  switch (slot) {
    case Slot::issue:
      return Node::issue;
    case Slot::fields:
      return Node::fields;
    case Slot::status:
      return Node::status;
    case Slot::category:
      return Node::category;
    case Slot::priority:
      return Node::priority;
    case Slot::project:
      return Node::project;
    case Slot::changelog:
      return Node::changelog;
    case Slot::transition:
      return Node::transition;
    case Slot::user:
      return Node::user;
    default:
      return Node::other;
  }
}

// What a slot accepts, in words, for type errors.
const char* expected(Slot slot) {
  switch (slot) {
    case Slot::timestamp:
      return "integer milliseconds or an ISO-8601 string";
    case Slot::id:
    case Slot::changelog_id:
      return "a string or an integer";
    case Slot::priority:
      return "an object or a string";
    case Slot::items:
      return "an array";
    default:
      return object_node(slot) != Node::other ? "an object" : "a string";
  }
}

std::uint64_t bit(Slot slot) {
  return std::uint64_t{1} << static_cast<unsigned>(slot);
}

// Does TEXT hold the three-byte form of a UTF-16 surrogate (ED A0..BF xx)?
bool encodes_surrogate(std::string_view text) {
  for (std::size_t i = text.find('\xED'); i != std::string_view::npos && i + 1 < text.size();
       i = text.find('\xED', i + 1)) {
    const auto next = static_cast<unsigned char>(text[i + 1]);
    if (next >= 0xA0 && next <= 0xBF) return true;
  }
  return false;
}

// What both parsers gather while reading: the payload's fields, and the
// candidates for its status until the whole payload has been read.
struct Collector {
  struct Item {
    Text field_id, field, from, to;
  };

  Collector(Payload& payload, std::string& id_text, std::string& changelog_id_text)
      : p(payload), id_digits(id_text), changelog_digits(changelog_id_text) {}

  Payload& p;
  std::string& id_digits;  // integer issue.id and changelog.id, as text
  std::string& changelog_digits;
  Text fields_status, changelog_status, transition_status;
  bool transition_seen = false;
  bool priority_members = false;  // issue.fields.priority is an object with members
  Item item;

  // A changelog item is identified by fieldId when present, else by its (localised) field.
  void finish_item() {
    const bool by_id = item.field_id.present;
    const std::string_view id = by_id ? item.field_id.value : item.field.value;
    if (by_id ? id == "status" : util::equals_lower(id, "status")) {
      if (item.to.present) changelog_status = item.to;
    } else if (by_id ? (id == "issuekey" || id == "key") : util::equals_lower(id, "key")) {
      if (item.from.present) p.moved_from = item.from;
      if (item.to.present) p.moved_to = item.to;
    }
  }

  // An integer id, kept as its decimal digits so that both parsers agree.
  void set_integer_id(bool issue_id, std::int64_t value) {
    std::string& digits = issue_id ? id_digits : changelog_digits;
    digits = std::to_string(value);
    (issue_id ? p.issue_id : p.changelog_id).set(digits);
  }

  // Picks the status by preference once the whole payload has been read.
  void finish() {
    if (fields_status.present) {
      p.status = fields_status;
      p.status_source = StatusSource::fields;
    } else if (changelog_status.present) {
      p.status = changelog_status;
      p.status_source = StatusSource::changelog;
    } else if (transition_status.present && !p.event.present) {
      // transition.to_status belongs to workflow post-function bodies only.
      p.status = transition_status;
      p.status_source = StatusSource::transition;
    }
    // The category belongs to issue.fields.status only.
    if (p.status_source != StatusSource::fields) p.category = {};
    if (p.priority_form == PriorityForm::absent && priority_members)
      p.priority_form = PriorityForm::unnamed;
  }
};

class Handler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Handler> {
 public:
  Handler(Collector& collector, const char* base, rapidjson::InsituStringStream& stream)
      : c_(collector), p_(collector.p), base_(base), stream_(stream) {}

  std::string error;
  std::uint64_t error_offset = 0;
  // Offsets kept so that a rejection after parsing can point at the field.
  std::uint64_t issue_offset = 0;
  std::uint64_t key_offset = 0;

  bool StartObject() {
    const std::uint64_t at = tell();  // the stream stands at the '{'

    if (depth_ == 0) {
      push(Node::root);
      return true;
    }
    Node node = Node::other;
    if (top() == Node::items) {
      node = Node::item;
      c_.item = {};
      item_seen_ = 0;
    } else if (pending_ != Slot::none) {
      node = object_node(pending_);
      if (node == Node::other) return type_error(at, "an object");
      if (pending_ == Slot::issue) {
        p_.has_issue = true;
        issue_offset = at;
      }
      if (pending_ == Slot::transition) c_.transition_seen = true;
    }
    pending_ = Slot::none;
    return push(node);
  }

  bool EndObject(rapidjson::SizeType) {
    if (top() == Node::item) c_.finish_item();
    --depth_;
    return true;
  }

  bool StartArray() {
    const std::uint64_t at = tell();
    if (depth_ == 0) return fail(at, "not an object: the payload is a JSON array");
    if (top() == Node::items) return item_error(at, "an array");
    Node node = Node::other;
    if (pending_ == Slot::items)
      node = Node::items;
    else if (pending_ != Slot::none)
      return type_error(at, "an array");
    pending_ = Slot::none;
    return push(node);
  }

  bool EndArray(rapidjson::SizeType) {
    --depth_;
    return true;
  }

  bool Key(const char* s, rapidjson::SizeType n, bool) {
    pending_ = Slot::none;
    const Node parent = top();
    if (parent == Node::other || parent == Node::items) return true;
    if (parent == Node::priority) c_.priority_members = true;
    const Slot slot = find_slot(parent, std::string_view(s, n));
    if (slot == Slot::none) return true;
    std::uint64_t& seen = parent == Node::item ? item_seen_ : seen_[depth_];
    if (seen & bit(slot)) {
      return fail(static_cast<std::uint64_t>(s - base_) - 1,
                  std::string("field '") + member_of(slot).path + "' appears more than once");
    }
    seen |= bit(slot);
    pending_ = slot;
    return true;
  }

  bool String(const char* s, rapidjson::SizeType n, bool) {
    const std::string_view v(s, n);
    const std::uint64_t at = static_cast<std::uint64_t>(s - base_) - 1;
    if (depth_ == 0) return fail(at, "not an object: the payload is a JSON string");
    if (top() == Node::items) return item_error(at, "a string");
    const Slot slot = take();
    // RapidJSON decodes a lone \udc00 into bytes that are not UTF-8; what the rules
    // keep must be valid UTF-8.
    if (slot != Slot::none && encodes_surrogate(v))
      return fail(at, "invalid JSON: a \\u escape holds an unpaired UTF-16 surrogate");
    switch (slot) {
      case Slot::none:
        return true;
      case Slot::webhook_event:
        p_.event.set(v);
        return true;
      case Slot::timestamp: {
        const auto ms = util::parse_iso8601(v);
        if (!ms) {
          return fail(at,
                      "field 'timestamp' is neither integer milliseconds nor an ISO-8601 time: '" +
                          std::string(v.substr(0, 64)) + "'");
        }
        p_.timestamp = *ms;
        return true;
      }
      case Slot::key:
        p_.key.set(v);
        key_offset = at;
        return true;
      case Slot::id:
        p_.issue_id.set(v);
        return true;
      case Slot::self:
        p_.self.set(v);
        return true;
      case Slot::priority:
        p_.priority_form = PriorityForm::named;
        p_.priority = v;
        return true;
      case Slot::summary:
        p_.summary.set(v);
        return true;
      case Slot::status_name:
        c_.fields_status.set(v);
        return true;
      case Slot::category_key:
        p_.category.set(v);
        return true;
      case Slot::priority_name:
        p_.priority_form = PriorityForm::named;
        p_.priority = v;
        return true;
      case Slot::project_key:
        p_.project.set(v);
        return true;
      case Slot::changelog_id:
        p_.changelog_id.set(v);
        return true;
      case Slot::item_field_id:
        c_.item.field_id.set(v);
        return true;
      case Slot::item_field:
        c_.item.field.set(v);
        return true;
      case Slot::item_from:
        c_.item.from.set(v);
        return true;
      case Slot::item_to:
        c_.item.to.set(v);
        return true;
      case Slot::to_status:
        c_.transition_status.set(v);
        return true;
      case Slot::display_name:
        p_.user.set(v);
        return true;
      default:
        return type_error(at, "a string");
    }
  }

  bool Null() {
    if (depth_ == 0) return fail(tell() - 4, "not an object: the payload is null");
    if (top() == Node::items) return item_error(tell() - 4, "null");
    const Slot slot = take();
    // null spells "absent" for every field the rules read, but the event type.
    if (slot == Slot::webhook_event) return type_error(tell() - 4, "null");
    return true;
  }

  bool Bool(bool b) { return scalar("a boolean", b ? 4 : 5); }
  bool Int(int i) { return integer(i); }
  bool Uint(unsigned u) { return integer(u); }
  bool Int64(std::int64_t i) { return integer(i); }
  bool Uint64(std::uint64_t u) {
    if (u > static_cast<std::uint64_t>(INT64_MAX)) return scalar("a number out of range", 0);
    return integer(static_cast<std::int64_t>(u));
  }
  bool Double(double) { return scalar("a fractional number", 0); }

 private:
  std::uint64_t tell() const { return static_cast<std::uint64_t>(stream_.Tell()); }

  Node top() const {
    return depth_ > 0 && depth_ <= max_tracked ? nodes_[depth_ - 1] : Node::other;
  }

  bool push(Node node) {
    if (depth_ >= Extractor::max_depth) {
      return fail(tell(),
                  "nesting deeper than " + std::to_string(Extractor::max_depth) + " levels");
    }
    ++depth_;
    if (depth_ <= max_tracked) {
      nodes_[depth_ - 1] = node;
      seen_[depth_] = 0;
    }
    return true;
  }

  Slot take() {
    last_slot_ = pending_;
    pending_ = Slot::none;
    return last_slot_;
  }

  bool integer(std::int64_t value) {
    if (depth_ == 0) return fail(0, "not an object: the payload is a JSON number");
    if (top() == Node::items) return item_error(tell(), "a number");
    const Slot slot = take();
    switch (slot) {
      case Slot::none:
        return true;
      case Slot::timestamp:
        p_.timestamp = value;
        return true;
      case Slot::id:
      case Slot::changelog_id:
        c_.set_integer_id(slot == Slot::id, value);
        return true;
      // The stream still stands at the number when its handler runs.
      default:
        return type_error(tell(), "a number");
    }
  }

  // A scalar where the rules want something else; LENGTH is how far the stream has
  // already moved past it (literals), so that the error points at its start.
  bool scalar(const char* what, std::uint64_t length) {
    if (depth_ == 0) return fail(0, std::string("not an object: the payload is ") + what);
    if (top() == Node::items) return item_error(tell() - length, what);
    const Slot slot = take();
    if (slot == Slot::none) return true;
    return type_error(tell() - length, what);
  }

  // The rules read every changelog item: each must be an object.
  bool item_error(std::uint64_t at, const std::string& found) {
    return fail(at, "field 'changelog.items[]' must be an object, not " + found);
  }

  bool type_error(std::uint64_t at, const std::string& found) {
    const Slot slot = pending_ != Slot::none ? pending_ : last_slot_;
    return fail(at, std::string("field '") + member_of(slot).path + "' must be " + expected(slot) +
                        ", not " + found);
  }

  bool fail(std::uint64_t at, std::string reason) {
    error = std::move(reason);
    error_offset = at;
    return false;
  }

  static constexpr int max_tracked = 16;  // the rules read nothing deeper

  Collector& c_;
  Payload& p_;
  const char* base_;
  rapidjson::InsituStringStream& stream_;
  int depth_ = 0;
  std::array<Node, max_tracked> nodes_{};
  std::array<std::uint64_t, max_tracked + 1> seen_{};
  std::uint64_t item_seen_ = 0;
  Slot pending_ = Slot::none;
  Slot last_slot_ = Slot::none;
};

std::string parse_error_text(rapidjson::ParseErrorCode code, std::string_view bytes,
                             std::uint64_t offset) {
  using namespace rapidjson;
  const bool at_end = offset >= bytes.size() ||
                      bytes.find_first_not_of(" \t\r\n", offset) == std::string_view::npos;
  switch (code) {
    case kParseErrorDocumentEmpty:
      return bytes.find_first_not_of(" \t\r\n") == std::string_view::npos
                 ? "invalid JSON: the payload is empty"
                 : "invalid JSON: not a valid JSON value";
    case kParseErrorDocumentRootNotSingular:
      return "invalid JSON: unexpected text after the end of the payload";
    case kParseErrorValueInvalid:
      return at_end ? "invalid JSON: the payload ends early (truncated?)"
                    : "invalid JSON: not a valid JSON value";
    case kParseErrorObjectMissName:
      return at_end ? "invalid JSON: the payload ends early (truncated?)"
                    : "invalid JSON: expected a member name in double quotes";
    case kParseErrorObjectMissColon:
      return at_end ? "invalid JSON: the payload ends early (truncated?)"
                    : "invalid JSON: missing ':' after a member name";
    case kParseErrorObjectMissCommaOrCurlyBracket:
      return at_end ? "invalid JSON: the payload ends early (truncated?)"
                    : "invalid JSON: missing ',' or '}' after an object member";
    case kParseErrorArrayMissCommaOrSquareBracket:
      return at_end ? "invalid JSON: the payload ends early (truncated?)"
                    : "invalid JSON: missing ',' or ']' after an array element";
    case kParseErrorStringUnicodeEscapeInvalidHex:
      return "invalid JSON: a \\u escape needs four hex digits";
    case kParseErrorStringUnicodeSurrogateInvalid:
      return "invalid JSON: a \\u escape holds an unpaired UTF-16 surrogate";
    case kParseErrorStringEscapeInvalid:
      if (offset < bytes.size() && static_cast<unsigned char>(bytes[offset]) < 0x20)
        return "invalid JSON: control character in a string (escape it as \\u00XX)";
      return "invalid JSON: unknown escape sequence in a string";
    case kParseErrorStringMissQuotationMark:
      return "invalid JSON: a string is not closed (truncated?)";
    case kParseErrorStringInvalidEncoding:
      if (offset < bytes.size() && static_cast<unsigned char>(bytes[offset]) < 0x20)
        return "invalid JSON: control character in a string (escape it as \\u00XX)";
      return "invalid UTF-8 in a string";
    case kParseErrorNumberTooBig:
      return "invalid JSON: number too big to be stored in a double";
    case kParseErrorNumberMissFraction:
      return "invalid JSON: missing digits after the decimal point";
    case kParseErrorNumberMissExponent:
      return "invalid JSON: missing digits in the exponent";
    default:
      return "invalid JSON: syntax error";
  }
}

}  // namespace

bool is_issue_event(std::string_view event) {
  return event == "jira:issue_created" || event == "jira:issue_updated" ||
         event == "jira:issue_deleted";
}

namespace {

// Is the three-byte sequence S one of Unicode's other White_Space code points: U+1680,
// U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000?
bool is_wide_space(std::string_view s) {
  const auto b1 = static_cast<unsigned char>(s[1]), b2 = static_cast<unsigned char>(s[2]);
  switch (static_cast<unsigned char>(s[0])) {
    case 0xE1:
      return b1 == 0x9A && b2 == 0x80;
    case 0xE2:
      return (b1 == 0x80 && (b2 <= 0x8A || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF)) ||
             (b1 == 0x81 && b2 == 0x9F);
    case 0xE3:
      return b1 == 0x80 && b2 == 0x80;
    default:
      return false;
  }
}

}  // namespace

bool is_usable_key(std::string_view key) {
  if (key.empty() || key.size() > 255) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    const auto c = static_cast<unsigned char>(key[i]);
    if (c <= 0x20 || c == 0x7f) return false;
    // U+0080..U+00A0: C1 controls and the no-break space.
    if (c == 0xC2 && i + 1 < key.size() && static_cast<unsigned char>(key[i + 1]) <= 0xA0)
      return false;
    if (c >= 0xE1 && c <= 0xE3 && i + 2 < key.size() && is_wide_space(key.substr(i, 3)))
      return false;
  }
  return true;
}

Position position_of(std::string_view bytes, std::uint64_t offset, std::uint64_t line,
                     std::uint64_t column) {
  offset = std::min<std::uint64_t>(offset, bytes.size());
  const auto head = bytes.substr(0, offset);
  const auto last_newline = head.rfind('\n');
  if (last_newline == std::string_view::npos) return {line, column + offset};
  std::uint64_t lines = 0;
  for (const char c : head) lines += c == '\n';
  return {line + lines, offset - last_newline};
}

namespace {

// Why a payload that parsed is still unusable (SPEC §4), and what to point at.
struct Unusable {
  enum class At : std::uint8_t { payload, issue, key };
  const char* reason = nullptr;  // null: usable
  At at = At::payload;
};

Unusable unusable(Payload& payload, bool transition_seen) {
  if (!payload.event.present) {
    if (!payload.has_issue || !transition_seen)
      return {"no 'webhookEvent': not a Jira webhook payload", Unusable::At::payload};
    payload.workflow_body = true;
  }
  if (is_issue_event(payload.effective_event())) {
    if (!payload.has_issue) return {"issue event without an 'issue' object", Unusable::At::payload};
    if (!payload.key.present) return {"issue event without 'issue.key'", Unusable::At::issue};
    if (!is_usable_key(payload.key.value))
      return {
          "unusable 'issue.key': it must be 1 to 255 bytes with no white space or control "
          "characters",
          Unusable::At::key};
  }
  return {};
}

// Reads the fields the rules read from a simdjson DOM. It mirrors Handler exactly
// for payloads that are usable; anything else (a duplicate or mistyped field, a number
// where the digits matter) returns false and the payload goes to the RapidJSON path,
// which decides and explains.
class DomReader {
 public:
  explicit DomReader(Collector& collector) : c_(collector), p_(collector.p) {}

  bool root(simdjson::dom::object object) { return members(Node::root, object); }

 private:
  using element = simdjson::dom::element;
  using type = simdjson::dom::element_type;

  bool members(Node node, simdjson::dom::object object) {
    std::uint64_t seen = 0;
    for (const auto field : object) {
      if (node == Node::priority) c_.priority_members = true;
      const Slot slot = find_slot(node, field.key);
      if (slot == Slot::none) continue;
      if (seen & bit(slot)) return false;
      seen |= bit(slot);
      if (!value(slot, field.value)) return false;
    }
    return true;
  }

  static bool text(element e, Text& out) {
    if (e.type() == type::NULL_VALUE) return true;
    if (e.type() != type::STRING) return false;
    out.set(std::string_view(e));
    return true;
  }

  bool id(element e, bool issue_id, Text& out) {
    if (e.type() == type::INT64) {
      c_.set_integer_id(issue_id, std::int64_t(e));
      return true;
    }
    return text(e, out);
  }

  bool object(element e, Node node) {
    if (e.type() == type::NULL_VALUE) return true;
    if (e.type() != type::OBJECT) return false;
    return members(node, simdjson::dom::object(e));
  }

  bool value(Slot slot, element e) {
    switch (slot) {
      case Slot::webhook_event:
        if (e.type() != type::STRING) return false;
        p_.event.set(std::string_view(e));
        return true;
      case Slot::timestamp:
        switch (e.type()) {
          case type::NULL_VALUE:
            return true;
          case type::INT64:
            p_.timestamp = std::int64_t(e);
            return true;
          case type::STRING:
            p_.timestamp = util::parse_iso8601(std::string_view(e));
            return p_.timestamp.has_value();
          default:
            return false;
        }
      case Slot::issue:
        if (e.type() == type::OBJECT) p_.has_issue = true;
        return object(e, Node::issue);
      case Slot::changelog:
        return object(e, Node::changelog);
      case Slot::transition:
        if (e.type() == type::OBJECT) c_.transition_seen = true;
        return object(e, Node::transition);
      case Slot::user:
        return object(e, Node::user);
      case Slot::key:
        return text(e, p_.key);
      case Slot::id:
        return id(e, true, p_.issue_id);
      case Slot::self:
        return text(e, p_.self);
      case Slot::fields:
        return object(e, Node::fields);
      case Slot::status:
        return object(e, Node::status);
      case Slot::priority:
        if (e.type() == type::STRING) {
          p_.priority_form = PriorityForm::named;
          p_.priority = std::string_view(e);
          return true;
        }
        return object(e, Node::priority);
      case Slot::summary:
        return text(e, p_.summary);
      case Slot::project:
        return object(e, Node::project);
      case Slot::status_name:
        return text(e, c_.fields_status);
      case Slot::category:
        return object(e, Node::category);
      case Slot::category_key:
        return text(e, p_.category);
      case Slot::priority_name: {
        Text name;
        if (!text(e, name)) return false;
        if (name.present) {
          p_.priority_form = PriorityForm::named;
          p_.priority = name.value;
        }
        return true;
      }
      case Slot::project_key:
        return text(e, p_.project);
      case Slot::changelog_id:
        return id(e, false, p_.changelog_id);
      case Slot::items:
        if (e.type() == type::NULL_VALUE) return true;
        if (e.type() != type::ARRAY) return false;
        for (const element item : simdjson::dom::array(e)) {
          if (item.type() != type::OBJECT) return false;
          c_.item = {};
          if (!members(Node::item, simdjson::dom::object(item))) return false;
          c_.finish_item();
        }
        return true;
      case Slot::item_field_id:
        return text(e, c_.item.field_id);
      case Slot::item_field:
        return text(e, c_.item.field);
      case Slot::item_from:
        return text(e, c_.item.from);
      case Slot::item_to:
        return text(e, c_.item.to);
      case Slot::to_status:
        return text(e, c_.transition_status);
      case Slot::display_name:
        return text(e, p_.user);
      case Slot::none:
        return true;
    }
    return false;
  }

  Collector& c_;
  Payload& p_;
};

// What follows a successful reference parse: the status picked, SPEC §4's last checks.
bool finish_reference(Payload& payload, Collector& collector, const Handler& handler,
                      Rejection& rejection) {
  collector.finish();
  if (const Unusable u = unusable(payload, collector.transition_seen); u.reason != nullptr) {
    const std::uint64_t at = u.at == Unusable::At::issue ? handler.issue_offset
                             : u.at == Unusable::At::key ? handler.key_offset
                                                         : 0;
    rejection = {at, u.reason};
    return false;
  }
  return true;
}

// Copies BYTES into BUFFER (NUL-padded as it is) with the exponent of every number
// whose digits are all zeros (0e400, -0.0E+999) blanked out: the value is zero, and the
// column of everything else stays where it was. False when there was none.
bool blank_zero_exponents(std::string_view bytes, std::vector<char>& buffer) {
  std::memcpy(buffer.data(), bytes.data(), bytes.size());  // undo the in-situ parse
  bool changed = false;
  bool in_string = false;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) continue;
    std::size_t j = c == '-' ? i + 1 : i;
    bool zero = true;
    bool digits = false;
    for (; j < bytes.size() && ((bytes[j] >= '0' && bytes[j] <= '9') || bytes[j] == '.'); ++j) {
      if (bytes[j] != '0' && bytes[j] != '.') zero = false;
      digits = digits || bytes[j] != '.';
    }
    if (zero && digits && j < bytes.size() && (bytes[j] == 'e' || bytes[j] == 'E')) {
      std::size_t end = j + 1;
      if (end < bytes.size() && (bytes[end] == '+' || bytes[end] == '-')) ++end;
      while (end < bytes.size() && bytes[end] >= '0' && bytes[end] <= '9') ++end;
      std::fill(buffer.begin() + static_cast<std::ptrdiff_t>(j),
                buffer.begin() + static_cast<std::ptrdiff_t>(end), ' ');
      changed = true;
      j = end;
    }
    i = j > i ? j - 1 : i;
  }
  return changed;
}

}  // namespace

Extractor::Extractor(Engine engine) : engine_(engine) {
  if (engine_ == Engine::fast) {
    dom_ = std::make_unique<simdjson::dom::parser>();
    if (dom_->allocate(1u << 16, max_depth) != simdjson::SUCCESS) engine_ = Engine::reference;
  }
}

Extractor::~Extractor() = default;

Extractor::Engine Extractor::default_engine() {
  const char* name = std::getenv("JIRA_ALERTS_PARSER");
  return name != nullptr && std::string_view(name) == "rapidjson" ? Engine::reference
                                                                  : Engine::fast;
}

bool Extractor::fast_extract(std::size_t size, Payload& payload) {
  if (size > dom_->capacity() && dom_->allocate(size, max_depth) != simdjson::SUCCESS) return false;
  simdjson::dom::element root;
  if (dom_->parse(buffer_.data(), size, false).get(root) != simdjson::SUCCESS) return false;
  if (root.type() != simdjson::dom::element_type::OBJECT) return false;
  Collector collector(payload, id_digits_, changelog_id_digits_);
  if (!DomReader(collector).root(simdjson::dom::object(root))) return false;
  collector.finish();
  return unusable(payload, collector.transition_seen).reason == nullptr;
}

bool Extractor::extract(std::string_view bytes, Payload& payload, Rejection& rejection) {
  payload = Payload{};
  if (const void* nul = std::memchr(bytes.data(), '\0', bytes.size())) {
    rejection = {static_cast<std::uint64_t>(static_cast<const char*>(nul) - bytes.data()),
                 "invalid JSON: NUL byte in the payload"};
    return false;
  }
  // One copy serves both parsers: simdjson reads it (it needs the padding),
  // RapidJSON then parses it in place (it needs the terminating NUL).
  buffer_.resize(bytes.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(buffer_.data(), bytes.data(), bytes.size());
  std::memset(buffer_.data() + bytes.size(), 0, simdjson::SIMDJSON_PADDING);
  if (engine_ == Engine::fast) {
    if (fast_extract(bytes.size(), payload)) return true;
    payload = Payload{};
  }

  for (bool retried = false;; retried = true) {
    rapidjson::InsituStringStream stream(buffer_.data());
    Collector collector(payload, id_digits_, changelog_id_digits_);
    Handler handler(collector, buffer_.data(), stream);
    rapidjson::Reader reader;
    constexpr unsigned flags = rapidjson::kParseInsituFlag | rapidjson::kParseValidateEncodingFlag |
                               rapidjson::kParseIterativeFlag;
    const auto result = reader.Parse<flags>(stream, handler);
    if (result.IsError()) {
      // RapidJSON calls 0e400 too big for a double; it is zero, as simdjson reads it.
      if (result.Code() == rapidjson::kParseErrorNumberTooBig && !retried &&
          blank_zero_exponents(bytes, buffer_)) {
        payload = Payload{};
        continue;
      }
      if (result.Code() == rapidjson::kParseErrorTermination)
        rejection = {handler.error_offset, handler.error};
      else
        rejection = {result.Offset(), parse_error_text(result.Code(), bytes, result.Offset())};
      return false;
    }
    return finish_reference(payload, collector, handler, rejection);
  }
}

}  // namespace jira_alerts::parse
