#include "parse/scope.hpp"

namespace jira_alerts::parse {
namespace {

using Value = rapidjson::Value;

// The member NAME of V, when V is an object that has it. (HasMember and operator[]
// rather than FindMember: clang's C++20 mode calls RapidJSON's iterator comparison
// ambiguous.)
const Value* member(const Value& v, const char* name) {
  return v.IsObject() && v.HasMember(name) ? &v[name] : nullptr;
}

// The member NAME of V when it is an object.
const Value* object_at(const Value& v, const char* name) {
  const Value* m = member(v, name);
  return m != nullptr && m->IsObject() ? m : nullptr;
}

std::string_view string_of(const Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

void text_at(const Value* v, const char* name, Text& out) {
  const Value* m = v != nullptr ? member(*v, name) : nullptr;
  if (m != nullptr && m->IsString()) out.set(string_of(*m));
}

// Every name a user object gives: the ones JQL may compare an assignee or reporter with.
void user_at(const Value* fields, const char* name, std::vector<std::string_view>& out) {
  const Value* user = fields != nullptr ? object_at(*fields, name) : nullptr;
  if (user == nullptr) return;
  for (const char* name_member : {"accountId", "name", "key", "emailAddress", "displayName"}) {
    Text t;
    text_at(user, name_member, t);
    if (t.present) out.push_back(t.value);
  }
}

}  // namespace

void ScopeReader::read(std::string_view bytes, Payload& p) {
  p.project_name = {};
  p.issuetype = {};
  p.category_name = {};
  p.labels.clear();
  p.components.clear();
  p.assignee.clear();
  p.reporter.clear();
  // The pool keeps every parse until cleared: one payload's worth at a time.
  doc_.SetNull();
  doc_.GetAllocator().Clear();
  doc_.Parse(bytes.data(), bytes.size());
  if (doc_.HasParseError()) return;
  const Value* issue = object_at(doc_, "issue");
  const Value* fields = issue != nullptr ? object_at(*issue, "fields") : nullptr;
  if (fields == nullptr) return;
  text_at(object_at(*fields, "project"), "name", p.project_name);
  text_at(object_at(*fields, "issuetype"), "name", p.issuetype);
  // The category belongs to issue.fields.status, as its key does for the rules.
  if (p.status_source == StatusSource::fields) {
    const Value* status = object_at(*fields, "status");
    text_at(status != nullptr ? object_at(*status, "statusCategory") : nullptr, "name",
            p.category_name);
  }
  if (const Value* labels = member(*fields, "labels"); labels != nullptr && labels->IsArray())
    for (const Value& label : labels->GetArray())
      if (label.IsString()) p.labels.push_back(string_of(label));
  if (const Value* components = member(*fields, "components");
      components != nullptr && components->IsArray())
    for (const Value& component : components->GetArray()) {
      Text name;
      text_at(component.IsObject() ? &component : nullptr, "name", name);
      if (name.present) p.components.push_back(name.value);
    }
  user_at(fields, "assignee", p.assignee);
  user_at(fields, "reporter", p.reporter);
}

}  // namespace jira_alerts::parse
