#include "parse/extract.hpp"

#include <simdjson.h>

#include <cstdlib>
#include <cstring>

#include "parse/fields.hpp"
#include "parse/reference.hpp"

namespace jira_alerts::parse {
namespace {

// Reads the fields the rules read from a simdjson DOM through the field table. For
// usable payloads it reads what the reference reads; anything else (a duplicate or
// mistyped field, a number where the digits matter) returns false and the payload goes
// to the reference, which decides and explains.
class DomReader {
 public:
  explicit DomReader(Collector& collector) : c_(collector) {}

  bool root(simdjson::dom::object object) { return members(Node::root, object); }

 private:
  using element = simdjson::dom::element;
  using type = simdjson::dom::element_type;

  bool members(Node node, simdjson::dom::object object) {
    std::uint64_t seen = 0;
    for (const auto field : object) {
      const Member* m = c_.key(node, field.key);
      if (m == nullptr) continue;
      if (seen & bit(*m)) return false;
      seen |= bit(*m);
      if (!value(*m, field.value)) return false;
    }
    return true;
  }

  bool value(const Member& m, element e) {
    switch (e.type()) {
      case type::NULL_VALUE:
        return m.null_is_absent;
      case type::STRING:
        return m.text != nullptr && m.text(c_, std::string_view(e));
      case type::INT64:
        if (m.integer == nullptr) return false;
        m.integer(c_, std::int64_t(e));
        return true;
      case type::OBJECT:
        return m.takes_object() && object(m.opens, simdjson::dom::object(e));
      case type::ARRAY:
        return m.takes_array() && items(simdjson::dom::array(e));
      default:
        return false;
    }
  }

  bool object(Node node, simdjson::dom::object object) {
    c_.open(node);
    if (!members(node, object)) return false;
    c_.close(node);
    return true;
  }

  // The rules read every changelog item: each must be an object.
  bool items(simdjson::dom::array array) {
    for (const element item : array)
      if (item.type() != type::OBJECT || !object(Node::item, simdjson::dom::object(item)))
        return false;
    return true;
  }

  Collector& c_;
};

}  // namespace

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

static_assert(Extractor::padding >= simdjson::SIMDJSON_PADDING);

bool Extractor::fast_extract(const char* bytes, std::size_t size, Payload& payload) {
  if (size > dom_->capacity() && dom_->allocate(size, max_depth) != simdjson::SUCCESS) return false;
  simdjson::dom::element root;
  if (dom_->parse(bytes, size, false).get(root) != simdjson::SUCCESS) return false;
  if (root.type() != simdjson::dom::element_type::OBJECT) return false;
  Collector collector(payload, id_digits_, changelog_id_digits_);
  if (!DomReader(collector).root(simdjson::dom::object(root))) return false;
  collector.finish();
  return unusable(payload, collector.transition_seen).reason == nullptr;
}

bool Extractor::extract_fast(std::string_view bytes, Payload& payload) {
  payload = Payload{};
  return engine_ == Engine::fast && fast_extract(bytes.data(), bytes.size(), payload);
}

bool Extractor::extract(std::string_view bytes, Payload& payload, Rejection& rejection,
                        bool padded) {
  payload = Payload{};
  // simdjson accepts no NUL byte anywhere (in a string it is an unescaped control
  // character, elsewhere no JSON token), so what it reads needs no search for one.
  const bool fast = engine_ == Engine::fast;
  if (fast && padded) {
    if (fast_extract(bytes.data(), bytes.size(), payload)) return true;
    payload = Payload{};
  }
  if (const void* nul = std::memchr(bytes.data(), '\0', bytes.size())) {
    rejection = {static_cast<std::uint64_t>(static_cast<const char*>(nul) - bytes.data()),
                 "invalid JSON: NUL byte in the payload"};
    return false;
  }
  // One copy serves both engines: simdjson reads it (it needs the padding),
  // RapidJSON then parses it in place (it needs the terminating NUL).
  buffer_.resize(bytes.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(buffer_.data(), bytes.data(), bytes.size());
  std::memset(buffer_.data() + bytes.size(), 0, simdjson::SIMDJSON_PADDING);
  if (fast && !padded) {
    if (fast_extract(buffer_.data(), bytes.size(), payload)) return true;
    payload = Payload{};
  }
  return reference_extract(bytes, buffer_, payload, id_digits_, changelog_id_digits_, rejection);
}

}  // namespace jira_alerts::parse
