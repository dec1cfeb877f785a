#pragma once
// The fields the rules read, declared once: where each member is, what it accepts and
// where its value goes. Both extraction engines (simdjson's DOM and RapidJSON's SAX
// reader) walk their JSON through this table, so a field is added in one row.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "parse/payload.hpp"

namespace jira_alerts::parse {

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
  items,  // the changelog.items array
  item,   // one of its objects
  transition,
  user,
};

struct Collector;

// Stores a string in the field; false when the text is no value the field accepts.
using TextSetter = bool (*)(Collector&, std::string_view);
// Stores an integer in the field.
using IntegerSetter = void (*)(Collector&, std::int64_t);

// One member the rules read, and what each JSON type does in it.
struct Member {
  Node parent;
  std::string_view name;
  const char* path;                 // how messages name the field
  const char* expected;             // what it accepts, in words, for type errors
  Node opens = Node::other;         // the object (or for items, the array) its value opens
  TextSetter text = nullptr;        // where a string goes; null: a string is a type error
  IntegerSetter integer = nullptr;  // where an integer goes; null: an integer is a type error
  bool null_is_absent = true;       // null spells "absent" for every field but the event type
  const char* refused = nullptr;    // why TEXT refused a string, after the field's name

  bool takes_object() const { return opens != Node::other && opens != Node::items; }
  bool takes_array() const { return opens == Node::items; }
};

// What both engines gather while reading: the payload's fields, and the candidates
// for its status until the whole payload has been read.
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

  // The member NAME of the object PARENT was read: its field, or null when the rules
  // do not read it.
  const Member* key(Node parent, std::string_view name);
  // An object that NODE names begins or ends.
  void open(Node node);
  void close(Node node);
  // An integer id, kept as its decimal digits so that both engines agree.
  void set_integer_id(bool issue_id, std::int64_t value);
  // Picks the status by preference once the whole payload has been read.
  void finish();

 private:
  void finish_item();
};

template <Text Payload::*field>
bool to_payload(Collector& c, std::string_view v) {
  (c.p.*field).set(v);
  return true;
}

template <Text Collector::*field>
bool to_collector(Collector& c, std::string_view v) {
  (c.*field).set(v);
  return true;
}

template <Text Collector::Item::*field>
bool to_item(Collector& c, std::string_view v) {
  (c.item.*field).set(v);
  return true;
}

bool to_priority(Collector& c, std::string_view name);
bool to_timestamp(Collector& c, std::string_view iso8601);
void timestamp_ms(Collector& c, std::int64_t ms);
void issue_id_number(Collector& c, std::int64_t id);
void changelog_id_number(Collector& c, std::int64_t id);

constexpr Member object(Node parent, std::string_view name, const char* path, Node opens) {
  return {parent, name, path, "an object", opens};
}

constexpr Member text(Node parent, std::string_view name, const char* path, TextSetter set) {
  return {parent, name, path, "a string", Node::other, set};
}

constexpr Member id(Node parent, std::string_view name, const char* path, TextSetter set,
                    IntegerSetter set_number) {
  return {parent, name, path, "a string or an integer", Node::other, set, set_number};
}

// The members the rules read, grouped by parent.
inline constexpr std::array members{
    Member{Node::root, "webhookEvent", "webhookEvent", "a string", Node::other,
           to_payload<&Payload::event>, nullptr, false},
    Member{Node::root, "timestamp", "timestamp", "integer milliseconds or an ISO-8601 string",
           Node::other, to_timestamp, timestamp_ms, true,
           "is neither integer milliseconds nor an ISO-8601 time"},
    object(Node::root, "issue", "issue", Node::issue),
    object(Node::root, "changelog", "changelog", Node::changelog),
    object(Node::root, "transition", "transition", Node::transition),
    object(Node::root, "user", "user", Node::user),
    text(Node::issue, "key", "issue.key", to_payload<&Payload::key>),
    id(Node::issue, "id", "issue.id", to_payload<&Payload::issue_id>, issue_id_number),
    text(Node::issue, "self", "issue.self", to_payload<&Payload::self>),
    object(Node::issue, "fields", "issue.fields", Node::fields),
    object(Node::fields, "status", "issue.fields.status", Node::status),
    Member{Node::fields, "priority", "issue.fields.priority", "an object or a string",
           Node::priority, to_priority},
    text(Node::fields, "summary", "issue.fields.summary", to_payload<&Payload::summary>),
    object(Node::fields, "project", "issue.fields.project", Node::project),
    text(Node::status, "name", "issue.fields.status.name", to_collector<&Collector::fields_status>),
    object(Node::status, "statusCategory", "issue.fields.status.statusCategory", Node::category),
    text(Node::category, "key", "issue.fields.status.statusCategory.key",
         to_payload<&Payload::category>),
    text(Node::priority, "name", "issue.fields.priority.name", to_priority),
    text(Node::project, "key", "issue.fields.project.key", to_payload<&Payload::project>),
    id(Node::changelog, "id", "changelog.id", to_payload<&Payload::changelog_id>,
       changelog_id_number),
    Member{Node::changelog, "items", "changelog.items", "an array", Node::items},
    text(Node::item, "fieldId", "changelog.items[].fieldId", to_item<&Collector::Item::field_id>),
    text(Node::item, "field", "changelog.items[].field", to_item<&Collector::Item::field>),
    text(Node::item, "fromString", "changelog.items[].fromString", to_item<&Collector::Item::from>),
    text(Node::item, "toString", "changelog.items[].toString", to_item<&Collector::Item::to>),
    text(Node::transition, "to_status", "transition.to_status",
         to_collector<&Collector::transition_status>),
    text(Node::user, "displayName", "user.displayName", to_payload<&Payload::user>),
};

// Each member has one bit in the "seen" mask of its object, to find repeated members.
static_assert(members.size() <= 64);
inline std::uint64_t bit(const Member& m) {
  return std::uint64_t{1} << static_cast<unsigned>(&m - members.data());
}

// The members of each node: a run of the table.
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

// Does the table list each object's members together, as ranges_by_node() needs?
constexpr bool grouped_by_parent() {
  for (std::size_t i = 1; i < members.size(); ++i)
    for (std::size_t j = 0; j + 1 < i; ++j)
      if (members[j].parent == members[i].parent && members[i - 1].parent != members[i].parent)
        return false;
  return true;
}
static_assert(grouped_by_parent(), "list each object's members together");

inline constexpr auto member_ranges = ranges_by_node();

// Called for every member of the objects on the rules' paths (issue.fields alone has
// dozens), so a miss must be cheap.
inline const Member* Collector::key(Node parent, std::string_view name) {
  if (parent == Node::priority) priority_members = true;
  if (name.empty()) return nullptr;
  const Range r = member_ranges[static_cast<std::size_t>(parent)];
  for (std::size_t i = r.begin; i < r.end; ++i) {
    const Member& m = members[i];
    if (m.name.size() != name.size() || m.name[0] != name[0]) continue;
    // Names are short: compared in place rather than through a call to memcmp.
    std::size_t j = 1;
    while (j < name.size() && m.name[j] == name[j]) ++j;
    if (j == name.size()) return &m;
  }
  return nullptr;
}

inline void Collector::open(Node node) {
  if (node == Node::issue)
    p.has_issue = true;
  else if (node == Node::transition)
    transition_seen = true;
  else if (node == Node::item)
    item = {};
}

inline void Collector::close(Node node) {
  if (node == Node::item) finish_item();
}

// Why a payload that parsed is still unusable (SPEC §4), and what to point at.
struct Unusable {
  enum class At : std::uint8_t { payload, issue, key };
  const char* reason = nullptr;  // null: usable
  At at = At::payload;
};

// SPEC §4's checks of a parsed payload; marks a workflow post-function body as such.
Unusable unusable(Payload& payload, bool transition_seen);

}  // namespace jira_alerts::parse
