#pragma once
// The one JSON writer of the program's records: RapidJSON's Writer over a string that
// the caller reuses, so that a record costs no allocation once the string has grown.

#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jira_alerts::report {

// Epoch milliseconds written as an ISO-8601 time (null when absent).
struct Time {
  std::optional<std::int64_t> ms;
};

// Appends what RapidJSON writes to a std::string.
struct StringSink {
  using Ch = char;
  std::string* out = nullptr;
  void Put(char c) { out->push_back(c); }
  void Flush() {}
};

// Writes JSON values at the end of a string: RapidJSON's Writer places the commas,
// colons and brackets and checks the nesting; strings are escaped as
// util::append_json_string does (control characters as \u00xx, lower-case hex).
class JsonWriter : private rapidjson::Writer<StringSink> {
 public:
  JsonWriter() : rapidjson::Writer<StringSink>(sink_) {}
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  // Starts a new value at the end of OUT.
  JsonWriter& reset(std::string& out);

  JsonWriter& begin_object() { return done(StartObject()); }
  JsonWriter& end_object() { return done(EndObject()); }
  JsonWriter& begin_array() { return done(StartArray()); }
  JsonWriter& end_array() { return done(EndArray()); }
  // A member's name, inside an object.
  JsonWriter& key(std::string_view name) { return value(name); }

  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(std::uint64_t number) { return done(Uint64(number)); }
  JsonWriter& value(std::int64_t number) { return done(Int64(number)); }
  JsonWriter& value(bool flag) { return done(Bool(flag)); }
  JsonWriter& null() { return done(Null()); }
  // An ISO-8601 time, or null.
  JsonWriter& value(Time time);
  // The value, or null when there is none.
  template <class T>
  JsonWriter& value(const std::optional<T>& v) {
    return v ? value(*v) : null();
  }

  // NAME: VALUE, and the REST of the name and value pairs, inside an object.
  template <class T, class... Rest>
  JsonWriter& members(std::string_view name, const T& v, const Rest&... rest) {
    key(name);
    value(v);
    if constexpr (sizeof...(rest) > 0) members(rest...);
    return *this;
  }

 private:
  JsonWriter& done(bool) { return *this; }

  StringSink sink_;
};

}  // namespace jira_alerts::report
