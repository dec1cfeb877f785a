#pragma once
// What a scope (--jql) reads of an issue beyond the rules' own fields: the project's
// name, the issue type, the status category's name, labels, components, assignee and
// reporter. Read only when a scope is set, from the payload's bytes, and leniently: a
// field of an unexpected type is as if absent (it scopes; it never rejects a payload).

#include <rapidjson/document.h>

#include <cstddef>
#include <string_view>

#include "parse/payload.hpp"

namespace jira_alerts::parse {

class ScopeReader {
 public:
  // Sets PAYLOAD's scope fields from BYTES, the payload the rest of it was extracted
  // from. The views stay valid until the next read.
  void read(std::string_view bytes, Payload& payload);
  // The bytes its parse holds: one payload's worth, however many it has read.
  std::size_t pool_size() { return doc_.GetAllocator().Size(); }

 private:
  rapidjson::Document doc_;
};

}  // namespace jira_alerts::parse
