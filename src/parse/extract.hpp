#pragma once
// Extraction: one framed payload's bytes to the fields the rules read, or a rejection.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "parse/payload.hpp"

namespace simdjson::dom {
class parser;
}

namespace jira_alerts::parse {

// Why a payload was rejected, and where: OFFSET counts bytes from the payload's start.
struct Rejection {
  std::uint64_t offset = 0;
  std::string reason;
};

// Parses payloads into a buffer it reuses, so reading a payload allocates nothing
// once the buffer has grown. simdjson reads the usable ones; every payload it does
// not accept as usable is read again by RapidJSON's SAX reader, which is the
// reference: it decides every rejection and names its position.
class Extractor {
 public:
  // Deeper nesting than this is rejected (the rules never read below depth 6).
  static constexpr int max_depth = 512;
  // The readable bytes past a payload that let simdjson read it where it is.
  static constexpr std::size_t padding = 64;

  enum class Engine : std::uint8_t {
    fast,       // simdjson first, RapidJSON for what it does not accept
    reference,  // RapidJSON only
  };

  // The engine JIRA_ALERTS_PARSER selects: "rapidjson" for the reference, else fast.
  static Engine default_engine();

  explicit Extractor(Engine engine = default_engine());
  ~Extractor();
  Extractor(const Extractor&) = delete;
  Extractor& operator=(const Extractor&) = delete;

  // Reads BYTES into PAYLOAD; false with REJECTION filled when the payload is
  // unusable (SPEC §4). PAYLOAD's views stay valid until the next call. PADDED:
  // at least `padding` readable bytes (of any value) follow BYTES, so that the fast
  // engine reads them where they are, without a copy.
  bool extract(std::string_view bytes, Payload& payload, Rejection& rejection, bool padded = false);
  // The fast engine alone on BYTES (padded): true when simdjson reads them as valid
  // JSON and a usable payload; false for anything else, which extract() then decides.
  bool extract_fast(std::string_view bytes, Payload& payload);

 private:
  bool fast_extract(const char* bytes, std::size_t size, Payload& payload);

  Engine engine_;
  std::unique_ptr<simdjson::dom::parser> dom_;
  std::vector<char> buffer_;
  std::string id_digits_, changelog_id_digits_;  // integer ids as text, for the views
};

// Line and column (1-based) of OFFSET in BYTES, which start at LINE:COLUMN.
struct Position {
  std::uint64_t line;
  std::uint64_t column;
};
Position position_of(std::string_view bytes, std::uint64_t offset, std::uint64_t line,
                     std::uint64_t column);

// Is KEY usable as a fingerprint: 1 to 255 bytes, no white space or control characters?
bool is_usable_key(std::string_view key);

}  // namespace jira_alerts::parse
