#include "read/framer.hpp"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace jira_alerts::read {
namespace {

constexpr std::size_t chunk_size = 1u << 20;

constexpr bool is_structural(char c) {
  return c == '"' || c == '\\' || c == '\n' || c == '{' || c == '}' || c == '[' || c == ']';
}

// The first byte in [P, END) that framing must look at: quotes, escapes,
// brackets and line ends. Everything else is skipped sixteen bytes at a time.
const char* find_structural(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i newline = _mm_set1_epi8('\n');
  const __m128i open_brace = _mm_set1_epi8('{');
  const __m128i close_brace = _mm_set1_epi8('}');
  const __m128i open_bracket = _mm_set1_epi8('[');
  const __m128i close_bracket = _mm_set1_epi8(']');
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, newline));
    m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, open_brace), _mm_cmpeq_epi8(v, close_brace)));
    m = _mm_or_si128(m,
                     _mm_or_si128(_mm_cmpeq_epi8(v, open_bracket), _mm_cmpeq_epi8(v, close_bracket)));
    const int mask = _mm_movemask_epi8(m);
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  while (p < end && !is_structural(*p)) ++p;
  return p;
}

}  // namespace

Framer::Framer(ByteStream& in, std::size_t max_payload)
    : in_(in), max_payload_(max_payload), buf_(new char[chunk_size]), cap_(chunk_size) {
  fill();
  if (end_ - pos_ >= 3 && std::memcmp(buf_.get() + pos_, "\xEF\xBB\xBF", 3) == 0) pos_ += 3;
}

// Reads more input, first dropping bytes no frame needs any more. False at the end.
bool Framer::fill() {
  if (eof_) return false;
  const std::size_t keep_from = skipping_ ? pos_ : std::min(begin_, pos_);
  if (keep_from > 0) {
    std::memmove(buf_.get(), buf_.get() + keep_from, end_ - keep_from);
    base_ += keep_from;
    end_ -= keep_from;
    pos_ -= keep_from;
    begin_ -= std::min(begin_, keep_from);
  }
  if (cap_ - end_ < chunk_size / 2) {
    const std::size_t cap = std::max(cap_ * 2, end_ + chunk_size);
    std::unique_ptr<char[]> grown(new char[cap]);
    std::memcpy(grown.get(), buf_.get(), end_);
    buf_ = std::move(grown);
    cap_ = cap;
  }
  const std::size_t n = in_.read(buf_.get() + end_, cap_ - end_);
  if (n == 0) {
    eof_ = true;
    return false;
  }
  end_ += n;
  return true;
}

void Framer::newline() {
  ++line_;
  line_begin_ = absolute(pos_) + 1;
}

bool Framer::next(Frame& frame) {
  // Skip what separates payloads: white space, and commas inside a top-level array.
  for (;;) {
    if (pos_ == end_) {
      begin_ = pos_;
      if (!fill()) {
        if (!seen_payload_ && !reported_empty_) {
          reported_empty_ = true;
          frame = Frame{{}, line_, absolute(pos_) - line_begin_ + 1, 0, FrameProblem::empty};
          return true;
        }
        return false;
      }
    }
    const char c = buf_[pos_];
    if (c == '\n') {
      newline();
    } else if (c == ' ' || c == '\t' || c == '\r') {
    } else if (in_array_ && c == ',') {
    } else if (in_array_ && c == ']') {
      in_array_ = false;
    } else if (!in_array_ && c == '[') {
      in_array_ = true;
      seen_payload_ = true;  // an empty array is a batch of nothing, not an empty input
    } else {
      break;
    }
    ++pos_;
  }

  seen_payload_ = true;
  begin_ = pos_;
  frame_begin_ = absolute(pos_);
  frame.line = line_;
  frame.column = frame_begin_ - line_begin_ + 1;
  skipping_ = false;
  const char first = buf_[pos_];
  if (first == '{' || first == '[')
    scan_container();
  else
    scan_scalar();
  emit(frame, skipping_ ? FrameProblem::too_large : FrameProblem::none);
  return true;
}

void Framer::emit(Frame& frame, FrameProblem problem) {
  frame.size = absolute(pos_) - frame_begin_;
  frame.problem = problem;
  if (problem == FrameProblem::too_large)
    frame.bytes = prefix_;
  else
    frame.bytes = std::string_view(buf_.get() + begin_, pos_ - begin_);
  skipping_ = false;
}

// Scans an object or array to its matching bracket. A line that starts with '{'
// inside it means the payload was cut short: the frame ends before that line.
void Framer::scan_container() {
  int depth = 0;
  bool in_string = false;
  bool escape = false;
  for (;;) {
    if (pos_ == end_) {
      if (!skipping_ && pos_ - begin_ > max_payload_) {
        skipping_ = true;
        prefix_.assign(buf_.get() + begin_, kept_prefix);
      }
      if (!fill()) {
        in_array_ = false;  // truncated at the end of the input
        return;
      }
    }
    if (escape) {
      escape = false;
      if (buf_[pos_] == '\n') newline();
      ++pos_;
      continue;
    }
    pos_ = static_cast<std::size_t>(find_structural(buf_.get() + pos_, buf_.get() + end_) -
                                    buf_.get());
    if (pos_ == end_) continue;
    const char c = buf_[pos_];
    if (c == '{' && depth > 0 && absolute(pos_) == line_begin_) {
      in_array_ = false;  // resume as a stream of objects
      return;
    }
    if (c == '\n') {
      newline();
    } else if (in_string) {
      if (c == '"')
        in_string = false;
      else if (c == '\\')
        escape = true;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) {
        ++pos_;
        return;
      }
    }
    ++pos_;
  }
}

// Scans a value that is not a container (a scalar, or garbage): at the top level
// to the end of its line; inside an array to the next ',' or ']' outside a string.
void Framer::scan_scalar() {
  bool in_string = false;
  bool escape = false;
  for (;;) {
    if (pos_ == end_) {
      if (!skipping_ && pos_ - begin_ > max_payload_) {
        skipping_ = true;
        prefix_.assign(buf_.get() + begin_, kept_prefix);
      }
      if (!fill()) return;
    }
    const char c = buf_[pos_];
    if (c == '\n') return;
    if (escape) {
      escape = false;
    } else if (in_string) {
      if (c == '"')
        in_string = false;
      else if (c == '\\')
        escape = true;
    } else if (c == '"') {
      in_string = true;
    } else if (in_array_ && (c == ',' || c == ']')) {
      return;
    }
    ++pos_;
  }
}

}  // namespace jira_alerts::read
