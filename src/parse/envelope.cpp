#include "parse/envelope.hpp"

#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <simdjson.h>

#include <array>

#include "util/text.hpp"

namespace jira_alerts::parse {
namespace {

// Where a value stands: the containers an envelope is made of, or anything else.
enum class Ctx : std::uint8_t { root, headers, values, item, item_headers, other };

// The members that make an envelope.
enum class Member : std::uint8_t {
  none,
  body,
  body_encoding,
  received_at,
  headers,
  id,
  failure_time,
  url,
  values,
  webhook_event,
  identifier,  // headers: x-atlassian-webhook-identifier
  signature,   // headers: x-hub-signature
  path,        // the URL path a recorded delivery came to
};

// What one object (the root, or an item of "values") holds of an envelope.
struct Fields {
  std::uint64_t begin = 0, end = 0;
  std::optional<std::string> body, encoding, signature;
  std::string id, identifier, path;
  bool body_key = false, repeated_body = false, not_object = false;
  bool received_at = false, headers = false, has_id = false, failure_time = false, url = false,
       values = false, webhook_event = false;

  // "body" is a string and the members around it say what kind of envelope this is.
  bool is_envelope() const {
    return body && !repeated_body && (received_at || headers || (has_id && (failure_time || url)));
  }
};

Member envelope_key(std::string_view name, bool root) {
  static constexpr std::array<std::pair<std::string_view, Member>, 7> keys{{
      {"body", Member::body},
      {"body_encoding", Member::body_encoding},
      {"received_at", Member::received_at},
      {"headers", Member::headers},
      {"id", Member::id},
      {"failureTime", Member::failure_time},
      {"url", Member::url},
  }};
  for (const auto& [n, k] : keys)
    if (n == name) return k;
  if (root && name == "values") return Member::values;
  if (root && name == "path") return Member::path;
  if (root && name == "webhookEvent") return Member::webhook_event;
  return Member::none;
}

class Handler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Handler> {
 public:
  explicit Handler(const rapidjson::MemoryStream& stream) : stream_(stream) {}

  Fields root;
  std::vector<Fields> items;

  bool StartObject() {
    const Member key = take();
    if (stack_.empty()) {
      root.begin = tell();
      stack_.push_back(Ctx::root);
      return true;
    }
    const Ctx ctx = stack_.back();
    if (ctx == Ctx::values) {
      items.emplace_back().begin = tell();
      stack_.push_back(Ctx::item);
    } else if ((ctx == Ctx::root || ctx == Ctx::item) && key == Member::headers) {
      fields().headers = true;
      stack_.push_back(ctx == Ctx::root ? Ctx::headers : Ctx::item_headers);
    } else {
      stack_.push_back(Ctx::other);
    }
    return true;
  }

  bool EndObject(rapidjson::SizeType) {
    if (stack_.back() == Ctx::item) items.back().end = tell() + 1;
    if (stack_.back() == Ctx::root) root.end = tell() + 1;
    stack_.pop_back();
    return true;
  }

  bool StartArray() {
    const Member key = take();
    if (!stack_.empty() && stack_.back() == Ctx::values) scalar_item();
    const bool values = !stack_.empty() && stack_.back() == Ctx::root && key == Member::values;
    if (values) root.values = true;
    stack_.push_back(values ? Ctx::values : Ctx::other);
    return true;
  }

  bool EndArray(rapidjson::SizeType) {
    stack_.pop_back();
    return true;
  }

  bool Key(const char* s, rapidjson::SizeType n, bool) {
    const std::string_view name(s, n);
    pending_ = Member::none;
    switch (stack_.back()) {
      case Ctx::root:
      case Ctx::item:
        pending_ = envelope_key(name, stack_.back() == Ctx::root);
        if (pending_ == Member::body) {
          fields().repeated_body = fields().body_key;
          fields().body_key = true;
        }
        break;
      case Ctx::headers:
      case Ctx::item_headers:
        if (util::equals_lower(name, "x-atlassian-webhook-identifier"))
          pending_ = Member::identifier;
        if (util::equals_lower(name, "x-hub-signature")) pending_ = Member::signature;
        break;
      default:
        break;
    }
    return true;
  }

  bool String(const char* s, rapidjson::SizeType n, bool) {
    const Member key = take();
    if (!stack_.empty() && stack_.back() == Ctx::values) return scalar_item();
    if (stack_.empty()) return true;
    Fields& f = fields();
    const std::string_view v(s, n);
    switch (key) {
      case Member::body:
        f.body.emplace(v);
        break;
      case Member::body_encoding:
        f.encoding.emplace(v);
        break;
      case Member::id:
        f.id.assign(v);
        f.has_id = true;
        break;
      case Member::identifier:
        f.identifier.assign(v);
        break;
      case Member::signature:
        f.signature.emplace(v);
        break;
      case Member::path:
        f.path.assign(v);
        break;
      default:
        present(key);
    }
    return true;
  }

  bool Null() { return other(); }
  bool Bool(bool) { return other(); }
  bool Int(int i) { return number(std::to_string(i)); }
  bool Uint(unsigned u) { return number(std::to_string(u)); }
  bool Int64(std::int64_t i) { return number(std::to_string(i)); }
  bool Uint64(std::uint64_t u) { return number(std::to_string(u)); }
  bool Double(double) { return other(); }

 private:
  std::uint64_t tell() const { return static_cast<std::uint64_t>(stream_.Tell()); }

  Member take() {
    const Member key = pending_;
    pending_ = Member::none;
    return key;
  }

  // The fields of the object being read: an item of "values", or the root.
  Fields& fields() {
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it)
      if (*it == Ctx::item) return items.back();
    return root;
  }

  void present(Member key) {
    Fields& f = fields();
    if (key == Member::received_at) f.received_at = true;
    if (key == Member::failure_time) f.failure_time = true;
    if (key == Member::url) f.url = true;
    if (key == Member::webhook_event) f.webhook_event = true;
  }

  bool number(std::string digits) {
    const Member key = take();
    if (!stack_.empty() && stack_.back() == Ctx::values) return scalar_item();
    if (key == Member::id) {
      fields().id = std::move(digits);
      fields().has_id = true;
    } else {
      present(key);
    }
    return true;
  }

  bool other() {
    const Member key = take();
    if (!stack_.empty() && stack_.back() == Ctx::values) return scalar_item();
    if (!stack_.empty()) present(key);
    return true;
  }

  // An item of "values" that is not an object.
  bool scalar_item() {
    Fields& item = items.emplace_back();
    item.begin = item.end = tell();
    item.not_object = true;
    return true;
  }

  const rapidjson::MemoryStream& stream_;
  std::vector<Ctx> stack_;
  Member pending_ = Member::none;
};

// The envelope FIELDS make, or why they make none.
Envelope make(Fields& f, bool item) {
  Envelope e;
  e.begin = f.begin;
  e.end = f.end;
  e.delivery_id = !f.identifier.empty() ? f.identifier : f.id;
  e.signature = std::move(f.signature);
  e.path = std::move(f.path);
  if (f.not_object) {
    e.problem = "not an envelope: an item of 'values' must be an object";
  } else if (f.repeated_body) {
    e.problem = "envelope member 'body' appears more than once";
  } else if (!f.body) {
    e.problem = "not an envelope: 'body' must be a string holding the delivery";
  } else if (item && !f.is_envelope()) {
    e.problem = "not an envelope: an item of 'values' needs 'id' and 'failureTime' or 'url'";
  } else if (!f.encoding) {
    e.body = std::move(*f.body);
  } else {
    decode_body(*f.body, f.encoding, e);
  }
  return e;
}

}  // namespace

bool EnvelopeReader::read(std::string_view bytes, std::vector<Envelope>& out) {
  out.clear();
  rapidjson::MemoryStream stream(bytes.data(), bytes.size());
  Handler handler(stream);
  rapidjson::Reader reader;
  constexpr unsigned flags = rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag;
  if (reader.Parse<flags>(stream, handler).IsError()) return false;
  Fields& root = handler.root;
  if (root.webhook_event) return false;
  if (root.is_envelope() || (root.repeated_body && (root.received_at || root.headers))) {
    out.push_back(make(root, false));
    return true;
  }
  if (!root.values || root.body) return false;
  for (Fields& item : handler.items) out.push_back(make(item, true));
  return true;
}

void decode_body(std::string_view body, std::optional<std::string_view> encoding, Envelope& e) {
  if (!encoding) {
    e.body.assign(body);
  } else if (*encoding != "base64") {
    e.problem = "envelope 'body_encoding' must be \"base64\", not '" +
                std::string(encoding->substr(0, 32)) + "'";
  } else if (!decode_base64(body, e.body)) {
    e.problem = "envelope 'body' is not valid base64";
  }
}

bool is_valid_utf8(std::string_view s) {
  // simdjson's validator: the same rules (no overlong forms, no surrogates, nothing
  // above U+10FFFF), many bytes at a time, for every body record receives.
  return simdjson::validate_utf8(s.data(), s.size());
}

std::string escape_invalid_utf8(std::string_view text) {
  if (is_valid_utf8(text)) return std::string(text);
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    // The length the lead byte announces; the validator judges the sequence.
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t n = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    if (i + n <= text.size() && is_valid_utf8(text.substr(i, n))) {
      out.append(text, i, n);
      i += n;
      continue;
    }
    out += '%';
    out += hex[lead >> 4];
    out += hex[lead & 15];
    ++i;
  }
  return out;
}

void append_base64(std::string& out, std::string_view bytes) {
  static constexpr char digits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16 |
                            static_cast<unsigned char>(bytes[i + 1]) << 8 |
                            static_cast<unsigned char>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(digits[v >> shift & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 0) return;
  std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
  if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
  out.push_back(digits[v >> 18 & 63]);
  out.push_back(digits[v >> 12 & 63]);
  out.push_back(rest == 2 ? digits[v >> 6 & 63] : '=');
  out.push_back('=');
}

bool decode_base64(std::string_view in, std::string& out) {
  out.clear();
  if (in.size() % 4 != 0) return false;
  const auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  for (std::size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    const int pad = last ? (in[i + 3] == '=') + (in[i + 2] == '=' && in[i + 3] == '=') : 0;
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const int d = k >= 4 - pad ? 0 : value(in[i + static_cast<std::size_t>(k)]);
      if (d < 0) return false;
      v = v << 6 | static_cast<std::uint32_t>(d);
    }
    out.push_back(static_cast<char>(v >> 16 & 0xff));
    if (pad < 2) out.push_back(static_cast<char>(v >> 8 & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(v & 0xff));
  }
  return true;
}

}  // namespace jira_alerts::parse
