#include "parse/fields.hpp"

#include "parse/extract.hpp"
#include "util/text.hpp"

namespace jira_alerts::parse {

bool to_priority(Collector& c, std::string_view name) {
  c.p.priority_form = PriorityForm::named;
  c.p.priority = name;
  return true;
}

bool to_timestamp(Collector& c, std::string_view iso8601) {
  c.p.timestamp = util::parse_iso8601(iso8601);
  return c.p.timestamp.has_value();
}

void timestamp_ms(Collector& c, std::int64_t ms) {
  c.p.timestamp = ms;
}

void issue_id_number(Collector& c, std::int64_t id) {
  c.set_integer_id(true, id);
}

void changelog_id_number(Collector& c, std::int64_t id) {
  c.set_integer_id(false, id);
}

// A changelog item is identified by fieldId when present, else by its (localised) field.
void Collector::finish_item() {
  const bool by_id = item.field_id.present;
  const std::string_view id = by_id ? item.field_id.value : item.field.value;
  if (by_id ? id == "status" : util::equals_lower(id, "status")) {
    if (item.to.present) changelog_status = item.to;
  } else if (by_id ? (id == "issuekey" || id == "key") : util::equals_lower(id, "key")) {
    if (item.from.present) p.moved_from = item.from;
    if (item.to.present) p.moved_to = item.to;
  }
}

void Collector::set_integer_id(bool issue_id, std::int64_t value) {
  std::string& digits = issue_id ? id_digits : changelog_digits;
  digits = std::to_string(value);
  (issue_id ? p.issue_id : p.changelog_id).set(digits);
}

void Collector::finish() {
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

}  // namespace jira_alerts::parse
