#include "parse/unpack.hpp"

#include "util/hmac.hpp"

namespace jira_alerts::parse {

Unpacker::Unpacker(Extractor::Engine engine) : extractor_(engine) {
  if (engine == Extractor::Engine::fast) recorded_ = std::make_unique<RecordedReader>();
}

void Unpacker::reject(Unpacked& u, std::string_view bytes, std::uint64_t offset, std::uint64_t line,
                      std::uint64_t column, std::string reason, const Emit& emit) {
  const Position at = position_of(bytes, offset, line, column);
  u.payload = nullptr;
  u.error_line = at.line;
  u.error_column = at.column;
  u.reason = std::move(reason);
  emit(u);
}

void Unpacker::unpack(std::string_view bytes, std::uint64_t line, std::uint64_t column,
                      const Emit& emit, bool padded) {
  Unpacked u;
  u.line = line;
  u.column = column;
  u.size = bytes.size();
  u.bytes = u.raw = bytes;
  // A line that record wrote is an envelope, never a payload: read at once as one.
  if (recorded_ && recorded_->read(bytes, list_)) {
    envelope(list_.front(), bytes, line, column, emit);
    return;
  }
  if (extractor_.extract(bytes, payload_, rejection_, padded)) {
    if (secret_) {
      reject(u, bytes, 0, line, column,
             "not signed: a plain payload carries no X-Hub-Signature (with --secret-file, "
             "payloads must come in envelopes)",
             emit);
      return;
    }
    u.payload = &payload_;
    emit(u);
    return;
  }
  // Only a frame that is not a usable payload can be an envelope: no second parse
  // for the payloads that make up nearly every input.
  if (envelopes_.read(bytes, list_)) {
    for (const Envelope& e : list_) envelope(e, bytes, line, column, emit);
    return;
  }
  reject(u, bytes, rejection_.offset, line, column, std::move(rejection_.reason), emit);
}

bool Unpacker::unpack_guessed(std::string_view bytes, std::uint64_t line, std::uint64_t column,
                              const Emit& emit) {
  // Lines that record wrote, and signed input, go the general way.
  if (!recorded_ || secret_ || RecordedReader::may_read(bytes)) return false;
  if (!extractor_.extract_fast(bytes, payload_)) return false;
  Unpacked u;
  u.line = line;
  u.column = column;
  u.size = bytes.size();
  u.bytes = u.raw = bytes;
  u.payload = &payload_;
  emit(u);
  return true;
}

void Unpacker::envelope(const Envelope& e, std::string_view frame, std::uint64_t line,
                        std::uint64_t column, const Emit& emit) {
  const Position at = position_of(frame, e.begin, line, column);
  Unpacked u;
  u.line = at.line;
  u.column = at.column;
  u.offset = e.begin;
  u.raw = e.end > e.begin ? frame.substr(e.begin, e.end - e.begin) : frame;
  u.size = u.raw.size();
  u.bytes = e.body;
  u.delivery_id = e.delivery_id;
  u.path = e.path;
  if (!e.problem.empty()) return reject(u, frame, e.begin, line, column, e.problem, emit);
  if (secret_) {
    const auto result = util::verify_signature(*secret_, e.body, e.signature);
    if (result != util::Signature::valid)
      return reject(u, frame, e.begin, line, column, std::string(util::signature_problem(result)),
                    emit);
  }
  if (!extractor_.extract(e.body, payload_, rejection_)) {
    return reject(u, frame, e.begin, line, column,
                  rejection_.reason + " (in the envelope's body, at byte " +
                      std::to_string(rejection_.offset) + ")",
                  emit);
  }
  u.payload = &payload_;
  emit(u);
}

}  // namespace jira_alerts::parse
