#pragma once
// One frame to the payloads it holds: itself, or the bodies of the envelopes in it.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parse/envelope.hpp"
#include "parse/extract.hpp"
#include "parse/recorded.hpp"

namespace jira_alerts::parse {

// One payload out of a frame, usable or rejected. The views stay valid during the call.
struct Unpacked {
  std::uint64_t line = 1, column = 1;  // where the payload, or its envelope, starts
  std::uint64_t offset = 0;            // ... as a byte offset into the frame
  std::uint64_t size = 0;              // its bytes in the input (the whole envelope's)
  const Payload* payload = nullptr;    // the fields when usable, else null
  std::string_view bytes;              // the payload's own bytes (an envelope's body)
  std::string_view delivery_id;        // the envelope's delivery id ("": none)
  std::string_view path;               // the URL path record received it at ("": none)
  std::string_view raw;                // what a rejection keeps: the payload or its envelope
  std::uint64_t error_line = 0, error_column = 0;
  std::string reason;  // why it was rejected

  bool usable() const { return payload != nullptr; }
};

// Reads frames as plain payloads or envelopes (SPEC §6), in both extractor engines.
class Unpacker {
 public:
  using Emit = std::function<void(const Unpacked&)>;

  explicit Unpacker(Extractor::Engine engine = Extractor::default_engine());

  // From now on every payload must come in an envelope signed with SECRET.
  void require_signatures(std::string secret) { secret_ = std::move(secret); }

  // Calls EMIT for each payload in the frame BYTES, which starts at LINE:COLUMN.
  // PADDED: Extractor::padding readable bytes follow BYTES (see Extractor::extract).
  void unpack(std::string_view bytes, std::uint64_t line, std::uint64_t column, const Emit& emit,
              bool padded = false);

  // For a frame the framer guessed (read::Frame::guessed; padded): emits it and returns
  // true when simdjson reads it as a usable payload, so as valid JSON that the guess
  // framed right. Else emits nothing and returns false: the frame is settled and
  // then unpacked.
  bool unpack_guessed(std::string_view bytes, std::uint64_t line, std::uint64_t column,
                      const Emit& emit);

 private:
  void reject(Unpacked& u, std::string_view bytes, std::uint64_t offset, std::uint64_t line,
              std::uint64_t column, std::string reason, const Emit& emit);
  void envelope(const Envelope& e, std::string_view frame, std::uint64_t line, std::uint64_t column,
                const Emit& emit);

  Extractor extractor_;
  std::unique_ptr<RecordedReader> recorded_;  // with the fast engine only
  EnvelopeReader envelopes_;
  std::vector<Envelope> list_;
  Payload payload_;
  Rejection rejection_;
  std::optional<std::string> secret_;
};

}  // namespace jira_alerts::parse
