#include "report/json.hpp"

#include "util/text.hpp"
#include "util/time.hpp"

namespace jira_alerts::report {

JsonWriter& JsonWriter::reset(std::string& out) {
  sink_.out = &out;
  Reset(sink_);
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
  Prefix(rapidjson::kStringType);
  util::append_json_string(*sink_.out, text);
  EndValue(true);
  return *this;
}

JsonWriter& JsonWriter::value(Time time) {
  if (!time.ms) return null();
  Prefix(rapidjson::kStringType);
  std::string& out = *sink_.out;
  out.push_back('"');
  util::append_iso8601(out, *time.ms);
  out.push_back('"');
  EndValue(true);
  return *this;
}

}  // namespace jira_alerts::report
