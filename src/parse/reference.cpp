#include "parse/reference.hpp"

#include <rapidjson/error/error.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "parse/fields.hpp"

namespace jira_alerts::parse {
namespace {

// Does TEXT hold the three-byte form of a UTF-16 surrogate (ED A0..BF xx)?
bool encodes_surrogate(std::string_view text) {
  for (std::size_t i = text.find('\xED'); i != std::string_view::npos && i + 1 < text.size();
       i = text.find('\xED', i + 1)) {
    const auto next = static_cast<unsigned char>(text[i + 1]);
    if (next >= 0xA0 && next <= 0xBF) return true;
  }
  return false;
}

// Walks RapidJSON's events through the field table, naming the offset of every fault.
class Handler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Handler> {
 public:
  Handler(Collector& collector, const char* base, rapidjson::InsituStringStream& stream)
      : c_(collector), base_(base), stream_(stream) {}

  std::string error;
  std::uint64_t error_offset = 0;
  std::uint64_t issue_offset = 0;  // where the issue object begins, for rejections after parsing

  // The offset of the '"' before TEXT, a string parsed in place.
  std::uint64_t offset_of(std::string_view text) const {
    return static_cast<std::uint64_t>(text.data() - base_) - 1;
  }

  bool StartObject() {
    const std::uint64_t at = tell();  // the stream stands at the '{'
    if (depth_ == 0) return push(Node::root);
    Node node = Node::other;
    if (top() == Node::items) {
      node = Node::item;
    } else if (pending_ != nullptr) {
      if (!pending_->takes_object()) return type_error(at, "an object");
      node = pending_->opens;
      if (node == Node::issue) issue_offset = at;
    }
    pending_ = nullptr;
    c_.open(node);
    return push(node);
  }

  bool EndObject(rapidjson::SizeType) {
    c_.close(top());
    --depth_;
    return true;
  }

  bool StartArray() {
    const std::uint64_t at = tell();
    if (depth_ == 0) return fail(at, "not an object: the payload is a JSON array");
    if (top() == Node::items) return item_error(at, "an array");
    Node node = Node::other;
    if (pending_ != nullptr) {
      if (!pending_->takes_array()) return type_error(at, "an array");
      node = Node::items;
    }
    pending_ = nullptr;
    return push(node);
  }

  bool EndArray(rapidjson::SizeType) {
    --depth_;
    return true;
  }

  bool Key(const char* s, rapidjson::SizeType n, bool) {
    pending_ = nullptr;
    const Node parent = top();
    if (parent == Node::other || parent == Node::items) return true;
    const Member* m = c_.key(parent, std::string_view(s, n));
    if (m == nullptr) return true;
    std::uint64_t& seen = seen_[depth_];
    if (seen & bit(*m)) {
      return fail(static_cast<std::uint64_t>(s - base_) - 1,
                  std::string("field '") + m->path + "' appears more than once");
    }
    seen |= bit(*m);
    pending_ = m;
    return true;
  }

  bool String(const char* s, rapidjson::SizeType n, bool) {
    const std::string_view v(s, n);
    const std::uint64_t at = offset_of(v);
    if (depth_ == 0) return fail(at, "not an object: the payload is a JSON string");
    if (top() == Node::items) return item_error(at, "a string");
    const Member* m = take();
    if (m == nullptr) return true;
    // RapidJSON decodes a lone \udc00 into bytes that are not UTF-8; what the rules
    // keep must be valid UTF-8.
    if (encodes_surrogate(v))
      return fail(at, "invalid JSON: a \\u escape holds an unpaired UTF-16 surrogate");
    if (m->text == nullptr) return type_error(at, "a string");
    if (!m->text(c_, v)) {
      return fail(at, std::string("field '") + m->path + "' " + m->refused + ": '" +
                          std::string(v.substr(0, 64)) + "'");
    }
    return true;
  }

  bool Null() {
    if (depth_ == 0) return fail(tell() - 4, "not an object: the payload is null");
    if (top() == Node::items) return item_error(tell() - 4, "null");
    const Member* m = take();
    if (m != nullptr && !m->null_is_absent) return type_error(tell() - 4, "null");
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
  // RapidJSON gives as a double every number written with a fraction or an exponent,
  // and every integer beyond 64 bits.
  bool Double(double d) {
    if (d != std::trunc(d)) return scalar("a fractional number", 0);
    if (std::fabs(d) >= 0x1p63) return scalar("a number out of range", 0);
    return scalar("a number written with a fraction or an exponent", 0);
  }

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

  const Member* take() {
    last_ = pending_;
    pending_ = nullptr;
    return last_;
  }

  bool integer(std::int64_t value) {
    if (depth_ == 0) return fail(0, "not an object: the payload is a JSON number");
    if (top() == Node::items) return item_error(tell(), "a number");
    const Member* m = take();
    if (m == nullptr) return true;
    // The stream still stands at the number when its handler runs.
    if (m->integer == nullptr) return type_error(tell(), "a number");
    m->integer(c_, value);
    return true;
  }

  // A scalar where the rules want something else; LENGTH is how far the stream has
  // already moved past it (literals), so that the error points at its start.
  bool scalar(const char* what, std::uint64_t length) {
    if (depth_ == 0) return fail(0, std::string("not an object: the payload is ") + what);
    if (top() == Node::items) return item_error(tell() - length, what);
    if (take() == nullptr) return true;
    return type_error(tell() - length, what);
  }

  // The rules read every changelog item: each must be an object.
  bool item_error(std::uint64_t at, const std::string& found) {
    return fail(at, "field 'changelog.items[]' must be an object, not " + found);
  }

  bool type_error(std::uint64_t at, const std::string& found) {
    const Member& m = pending_ != nullptr ? *pending_ : *last_;
    return fail(at, std::string("field '") + m.path + "' must be " + m.expected + ", not " + found);
  }

  bool fail(std::uint64_t at, std::string reason) {
    error = std::move(reason);
    error_offset = at;
    return false;
  }

  static constexpr int max_tracked = 16;  // the rules read nothing deeper

  Collector& c_;
  const char* base_;
  rapidjson::InsituStringStream& stream_;
  int depth_ = 0;
  std::array<Node, max_tracked> nodes_{};
  std::array<std::uint64_t, max_tracked + 1> seen_{};
  const Member* pending_ = nullptr;
  const Member* last_ = nullptr;
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

// What follows a successful parse: the status picked, SPEC §4's last checks.
bool finish(Payload& payload, Collector& collector, const Handler& handler, Rejection& rejection) {
  collector.finish();
  if (const Unusable u = unusable(payload, collector.transition_seen); u.reason != nullptr) {
    const std::uint64_t at = u.at == Unusable::At::issue ? handler.issue_offset
                             : u.at == Unusable::At::key ? handler.offset_of(payload.key.value)
                                                         : 0;
    rejection = {at, u.reason};
    return false;
  }
  return true;
}

}  // namespace

bool reference_extract(std::string_view bytes, std::vector<char>& buffer, Payload& payload,
                       std::string& id_digits, std::string& changelog_digits,
                       Rejection& rejection) {
  for (bool retried = false;; retried = true) {
    rapidjson::InsituStringStream stream(buffer.data());
    Collector collector(payload, id_digits, changelog_digits);
    Handler handler(collector, buffer.data(), stream);
    rapidjson::Reader reader;
    constexpr unsigned flags = rapidjson::kParseInsituFlag | rapidjson::kParseValidateEncodingFlag |
                               rapidjson::kParseIterativeFlag;
    const auto result = reader.Parse<flags>(stream, handler);
    if (result.IsError()) {
      // RapidJSON calls 0e400 too big for a double; it is zero, as simdjson reads it.
      if (result.Code() == rapidjson::kParseErrorNumberTooBig && !retried &&
          blank_zero_exponents(bytes, buffer)) {
        payload = Payload{};
        continue;
      }
      if (result.Code() == rapidjson::kParseErrorTermination)
        rejection = {handler.error_offset, handler.error};
      else
        rejection = {result.Offset(), parse_error_text(result.Code(), bytes, result.Offset())};
      return false;
    }
    return finish(payload, collector, handler, rejection);
  }
}

}  // namespace jira_alerts::parse
