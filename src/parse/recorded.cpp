#include "parse/recorded.hpp"

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <optional>

#include "util/text.hpp"

namespace jira_alerts::parse {
namespace {

using element = simdjson::dom::element;
using type = simdjson::dom::element_type;

constexpr std::string_view start = R"({"received_at":)";

// The members of a recorded line, in the order record writes them.
enum Member : std::uint8_t { received_at, path, headers, body, body_encoding, none };

Member member(std::string_view key) {
  static constexpr std::array<std::string_view, none> names{"received_at", "path", "headers",
                                                            "body", "body_encoding"};
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == key) return static_cast<Member>(i);
  return none;
}

bool is_number(element e) {
  return e.type() == type::INT64 || e.type() == type::UINT64 || e.type() == type::DOUBLE;
}

// What a recorded line holds of an envelope.
struct Line {
  std::optional<std::string_view> body, encoding, signature;
  std::string_view identifier;
  std::string_view path;
};

// Reads the headers' delivery id and signature (names in any case, the last one wins,
// as the SAX reader takes them); false when a header is not a string.
bool read_headers(simdjson::dom::object object, Line& line) {
  for (const auto field : object) {
    std::string_view value;
    if (field.value.get_string().get(value) != simdjson::SUCCESS) return false;
    if (util::equals_lower(field.key, "x-atlassian-webhook-identifier")) line.identifier = value;
    if (util::equals_lower(field.key, "x-hub-signature")) line.signature = value;
  }
  return true;
}

// Reads the members of ROOT into LINE; false when ROOT is not plainly a recorded line.
bool read_line(simdjson::dom::object root, Line& line) {
  unsigned seen = 0;
  for (const auto field : root) {
    const Member m = member(field.key);
    if (m == none || (seen & 1u << m) != 0) return false;
    seen |= 1u << m;
    const element value = field.value;
    if (m == received_at) {
      if (!is_number(value)) return false;
    } else if (m == headers) {
      simdjson::dom::object object;
      if (value.get_object().get(object) != simdjson::SUCCESS || !read_headers(object, line))
        return false;
    } else {
      std::string_view text;
      if (value.get_string().get(text) != simdjson::SUCCESS) return false;
      if (m == body) line.body = text;
      if (m == path) line.path = text;
      if (m == body_encoding) line.encoding = text;
    }
  }
  return (seen & 1u << received_at) != 0 && line.body.has_value();
}

}  // namespace

RecordedReader::RecordedReader() : parser_(std::make_unique<simdjson::dom::parser>()) {}

RecordedReader::~RecordedReader() = default;

bool RecordedReader::may_read(std::string_view bytes) {
  return bytes.substr(0, start.size()) == start;
}

bool RecordedReader::read(std::string_view bytes, std::vector<Envelope>& out) {
  if (!may_read(bytes)) return false;
  // simdjson refuses some text the SAX reader takes (a lone low surrogate escape, an
  // integer beyond 64 bits): such a line goes the general way.
  simdjson::dom::object root;
  if (parser_->parse(bytes.data(), bytes.size()).get_object().get(root) != simdjson::SUCCESS)
    return false;
  Line line;
  if (!read_line(root, line)) return false;
  out.clear();
  Envelope& e = out.emplace_back();
  e.begin = 0;
  e.end = bytes.find_last_of('}') + 1;  // only white space may follow the object
  e.delivery_id.assign(line.identifier);
  e.path.assign(line.path);
  if (line.signature) e.signature.emplace(*line.signature);
  decode_body(*line.body, line.encoding, e);
  return true;
}

}  // namespace jira_alerts::parse
