#include "read/framer.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace jira_alerts::read {
namespace {

constexpr std::size_t chunk_size = 1u << 20;

// Bit I of each mask describes byte I of a 64-byte block.
struct Masks {
  std::uint64_t quote = 0, backslash = 0, newline = 0, open = 0, close = 0, brace = 0;
};

// Classifies a block: quotes, backslashes, line ends, '{' or '[', '}' or ']', and '{'.
Masks classify(const char* p) {
  Masks m;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i newline = _mm_set1_epi8('\n');
  const __m128i case_bit = _mm_set1_epi8(0x20);
  const __m128i open = _mm_set1_epi8('{');   // '[' | 0x20 == '{'
  const __m128i close = _mm_set1_epi8('}');  // ']' | 0x20 == '}'
  for (std::ptrdiff_t i = 0; i < 4; ++i) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
    const __m128i folded = _mm_or_si128(v, case_bit);
    const auto bits = [&](__m128i eq) {
      return static_cast<std::uint64_t>(static_cast<std::uint16_t>(_mm_movemask_epi8(eq)))
             << (16 * i);
    };
    m.quote |= bits(_mm_cmpeq_epi8(v, quote));
    m.backslash |= bits(_mm_cmpeq_epi8(v, backslash));
    m.newline |= bits(_mm_cmpeq_epi8(v, newline));
    m.open |= bits(_mm_cmpeq_epi8(folded, open));
    m.close |= bits(_mm_cmpeq_epi8(folded, close));
    m.brace |= bits(_mm_cmpeq_epi8(v, open));
  }
#else
  for (int i = 0; i < 64; ++i) {
    const std::uint64_t bit = std::uint64_t{1} << i;
    switch (p[i]) {
      case '"':
        m.quote |= bit;
        break;
      case '\\':
        m.backslash |= bit;
        break;
      case '\n':
        m.newline |= bit;
        break;
      case '{':
        m.open |= bit;
        m.brace |= bit;
        break;
      case '[':
        m.open |= bit;
        break;
      case '}':
      case ']':
        m.close |= bit;
        break;
      default:
        break;
    }
  }
#endif
  return m;
}

// Bits of the bytes after an odd run of backslashes (simdjson's method).
// CARRY says whether the block's first byte is escaped, and is updated for the next.
std::uint64_t escaped_bytes(std::uint64_t backslash, std::uint64_t& carry) {
  constexpr std::uint64_t even_bits = 0x5555555555555555ULL;
  backslash &= ~carry;
  const std::uint64_t follows_escape = backslash << 1 | carry;
  const std::uint64_t odd_starts = backslash & ~even_bits & ~follows_escape;
  std::uint64_t even_starts = 0;
  carry = __builtin_add_overflow(odd_starts, backslash, &even_starts) ? 1 : 0;
  return (even_bits ^ (even_starts << 1)) & follows_escape;
}

// Bit I is the XOR of bits 0..I: with quote bits in, the bytes inside strings.
std::uint64_t prefix_xor(std::uint64_t x) {
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
}

// The bytes inside strings, from the unescaped quotes and the carry.
std::uint64_t strings_of(std::uint64_t quotes, Carry& carry) {
  const std::uint64_t strings = prefix_xor(quotes) ^ carry.in_string;
  carry.in_string = static_cast<std::uint64_t>(static_cast<std::int64_t>(strings) >> 63);
  return strings;
}

}  // namespace

// Any processor: 16 bytes at a time (or one by one), prefix XOR by shifts.
Block scan_block_portable(const char* p, Carry& carry) {
  const Masks m = classify(p);
  const std::uint64_t quotes = m.quote & ~escaped_bytes(m.backslash, carry.escape);
  return {strings_of(quotes, carry), m.newline, m.open, m.close, m.brace};
}

namespace {

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define JIRA_ALERTS_AVX2 __attribute__((target("avx2,pclmul")))

// Bit I: byte I of the 64 in LO and HI equals C.
JIRA_ALERTS_AVX2 inline std::uint64_t equal64(__m256i lo, __m256i hi, char c) {
  const __m256i v = _mm256_set1_epi8(c);
  const auto low = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, v)));
  const auto high = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, v)));
  return std::uint64_t{high} << 32 | low;
}

// With AVX2 and carry-less multiplication: 32 bytes at a time, prefix XOR in one
// multiplication by all ones.
JIRA_ALERTS_AVX2 Block scan_block_avx2(const char* p, Carry& carry) {
  const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
  const __m256i case_bit = _mm256_set1_epi8(0x20);
  const __m256i lo_folded = _mm256_or_si256(lo, case_bit);  // '[' | 0x20 == '{'
  const __m256i hi_folded = _mm256_or_si256(hi, case_bit);  // ']' | 0x20 == '}'
  const std::uint64_t backslash = equal64(lo, hi, '\\');
  const std::uint64_t quotes = equal64(lo, hi, '"') & ~escaped_bytes(backslash, carry.escape);
  const __m128i all_ones = _mm_set1_epi8(-1);
  const __m128i product =
      _mm_clmulepi64_si128(_mm_cvtsi64_si128(static_cast<long long>(quotes)), all_ones, 0);
  const std::uint64_t strings =
      static_cast<std::uint64_t>(_mm_cvtsi128_si64(product)) ^ carry.in_string;
  carry.in_string = static_cast<std::uint64_t>(static_cast<std::int64_t>(strings) >> 63);
  return {strings, equal64(lo, hi, '\n'), equal64(lo_folded, hi_folded, '{'),
          equal64(lo_folded, hi_folded, '}'), equal64(lo, hi, '{')};
}

#endif

}  // namespace

BlockScanner block_scanner() {
#if defined(JIRA_ALERTS_AVX2)
  static const BlockScanner scanner =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("pclmul") ? scan_block_avx2
                                                                         : scan_block_portable;
  return scanner;
#else
  return scan_block_portable;
#endif
}

std::string problem_reason(const Frame& frame) {
  if (frame.problem == FrameProblem::empty) return "empty input: no payload";
  return "payload of " + std::to_string(frame.size) + " bytes is larger than the limit of " +
         std::to_string(Framer::default_max_payload >> 20) + " MiB";
}

Framer::Framer(ByteSource& in, std::size_t max_payload)
    : in_(in),
      max_payload_(max_payload),
      buf_(std::make_unique<char[]>(chunk_size + padding)),
      cap_(chunk_size) {
  while (end_ < 3 && fill()) {
  }
  if (end_ - pos_ >= 3 && std::memcmp(buf_.get() + pos_, "\xEF\xBB\xBF", 3) == 0) pos_ += 3;
}

// Reads more input, first dropping bytes no frame needs any more. False at the end.
bool Framer::fill() {
  if (eof_) return false;
  const std::size_t keep_from = skipping_ ? pos_ : std::min(begin_, pos_);
  if (skipping_) {
    // starts_payload() looks back for the last byte that is not white space.
    for (std::size_t i = keep_from; i > begin_; --i) {
      const char c = buf_[i - 1];
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
        dropped_last_ = c;
        break;
      }
    }
  }
  if (keep_from > 0) {
    std::memmove(buf_.get(), buf_.get() + keep_from, end_ - keep_from);
    base_ += keep_from;
    end_ -= keep_from;
    pos_ -= keep_from;
    begin_ -= std::min(begin_, keep_from);
  }
  if (cap_ - end_ < chunk_size / 2) {
    const std::size_t cap = std::max(cap_ * 2, end_ + chunk_size);
    auto grown = std::make_unique<char[]>(cap + padding);
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
          frame = Frame{
              {}, line_, absolute(pos_) - line_begin_ + 1, absolute(pos_), 0, FrameProblem::empty};
          return true;
        }
        return false;
      }
    }
    const char c = buf_[pos_];
    if (c == '\n') {
      newline();
    } else if (c == ' ' || c == '\t' || c == '\r' || (in_array_ && c == ',')) {
      // white space, or what separates the elements of a top-level array
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
  frame.offset = frame_begin_;
  skipping_ = false;
  dropped_last_ = 0;
  frame.guessed = false;
  const char first = buf_[pos_];
  if (first == '{' && guess_line())
    frame.guessed = true;
  else if (first == '{' || first == '[')
    scan_container();
  else
    scan_scalar();
  emit(frame, skipping_ ? FrameProblem::too_large : FrameProblem::none);
  return true;
}

void Framer::settle(Frame& frame) {
  pos_ = begin_;
  frame.guessed = false;
  scan_container();
  emit(frame, skipping_ ? FrameProblem::too_large : FrameProblem::none);
}

// The payload at pos_ ('{'), when it is the first on its line and the line, whole in
// the buffer, ends with '}': moves pos_ past that '}'. Each line is searched at most
// once (a payload after another on its line is scanned), so the cost stays linear.
bool Framer::guess_line() {
  if (!guess_lines_ || in_array_ || last_end_ > line_begin_) return false;
  const char* first = buf_.get() + pos_;
  const auto* newline = static_cast<const char*>(std::memchr(first, '\n', end_ - pos_));
  if (newline == nullptr) return false;
  const char* last = newline;
  while (last > first && (last[-1] == ' ' || last[-1] == '\t' || last[-1] == '\r')) --last;
  const auto size = static_cast<std::size_t>(last - first);
  if (size < 2 || last[-1] != '}' || size > max_payload_) return false;
  pos_ += size;
  return true;
}

void Framer::emit(Frame& frame, FrameProblem problem) {
  frame.size = absolute(pos_) - frame_begin_;
  // Scanning checks the limit a block at a time: the final size decides.
  if (problem == FrameProblem::none && frame.size > max_payload_) {
    problem = FrameProblem::too_large;
    prefix_.assign(buf_.get() + begin_, std::min(kept_prefix, pos_ - begin_));
  }
  frame.problem = problem;
  if (problem == FrameProblem::too_large) {
    frame.bytes = prefix_;
  } else {
    // A payload cut short ends where its last line does, not where the next one starts.
    std::size_t end = pos_;
    while (end > begin_ && (buf_[end - 1] == ' ' || buf_[end - 1] == '\t' ||
                            buf_[end - 1] == '\r' || buf_[end - 1] == '\n'))
      --end;
    frame.bytes = std::string_view(buf_.get() + begin_, end - begin_);
    frame.size = end - begin_;
  }
  skipping_ = false;
  last_end_ = absolute(pos_);
}

// Scans an object or array to its matching bracket, 64 bytes at a time: masks of
// quotes, escapes and brackets tell which brackets lie outside strings, so only
// those and line starts are visited one by one. A line that starts with '{'
// inside the value means the payload was cut short: the frame ends before it.
void Framer::scan_container() {
  // Which open containers are arrays, innermost last (the first few hundred levels).
  constexpr std::size_t max_tracked_depth = 512;
  std::vector<bool>& arrays = arrays_;
  arrays.clear();
  const BlockScanner scan_block = block_scanner();
  int depth = 0;
  Carry carry;
  std::uint64_t newline_before = 0;  // 1 when the byte before the next block is '\n'
  for (;;) {
    if (!skipping_ && pos_ - begin_ > max_payload_) {
      skipping_ = true;
      prefix_.assign(buf_.get() + begin_, std::min(kept_prefix, pos_ - begin_));
    }
    const std::size_t available = end_ - pos_;
    if (available == 0 && !eof_) {
      fill();
      continue;
    }
    if (available == 0) {
      in_array_ = false;  // cut short by the end of the input
      return;
    }
    // Fewer than 64 bytes with more to come: the block is scanned on trial. If the
    // frame ends in it, nothing waits for more input (a slow pipe); if not, the
    // state is put back and the block scanned again once more bytes are in.
    const bool trial = available < 64 && !eof_;
    const Carry saved = carry;
    const std::uint64_t saved_newline_before = newline_before;
    const int saved_depth = depth;
    if (trial) saved_arrays_ = arrays;
    const std::size_t size = std::min<std::size_t>(available, 64);
    const char* block = buf_.get() + pos_;
    char tail[64];
    if (size < 64) {
      std::memcpy(tail, block, size);
      std::memset(tail + size, ' ', 64 - size);
      block = tail;
    }
    const Block m = scan_block(block, carry);
    const std::uint64_t strings = m.strings;
    const std::uint64_t line_start_brace = m.brace & (m.newline << 1 | newline_before);
    std::uint64_t events = ((m.open | m.close) & ~strings) | line_start_brace;
    while (events != 0) {
      const int i = __builtin_ctzll(events);
      const std::uint64_t bit = std::uint64_t{1} << i;
      events &= events - 1;
      if ((line_start_brace & bit) && (depth > 0 || (strings & bit)) &&
          ((strings & bit) ||
           starts_payload(pos_ + static_cast<std::size_t>(i), !arrays.empty() && arrays.back()))) {
        advance(m.newline, static_cast<std::size_t>(i));
        in_array_ = false;  // resume as a stream of objects
        return;
      }
      if (m.open & bit) {
        ++depth;
        if (arrays.size() < max_tracked_depth) arrays.push_back((m.brace & bit) == 0);
      } else if (static_cast<std::size_t>(--depth) < max_tracked_depth && !arrays.empty()) {
        arrays.pop_back();
      }
      if ((m.close & bit) && depth == 0) {
        advance(m.newline, static_cast<std::size_t>(i) + 1);
        return;
      }
    }
    if (trial) {
      carry = saved;
      newline_before = saved_newline_before;
      depth = saved_depth;
      arrays.swap(saved_arrays_);
      fill();
      continue;
    }
    newline_before = m.newline >> 63;
    advance(m.newline, size);
  }
}

// Does the '{' at buf_[AT], first on its line inside an unfinished value, start a
// new payload (the value before it was cut short)? It does unless it can continue
// the value, as JSON printed without indentation writes it: after ':', after '[',
// or after ',' IN_ARRAY; and then only if its line does not hold a whole object
// (as an NDJSON line does). Reads on until the answer is known, so that where
// the reads happened to end changes nothing (the bytes may move: pos_ follows).
bool Framer::starts_payload(std::size_t at, bool in_array) {
  for (;;) {
    const Start answer = line_starts_payload(at, in_array);
    if (answer != Start::unknown) return answer == Start::yes;
    const std::uint64_t absolute_at = absolute(at);
    fill();
    at = static_cast<std::size_t>(absolute_at - base_);
  }
}

Framer::Start Framer::line_starts_payload(std::size_t at, bool in_array) const {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  std::size_t before = at;
  while (before > begin_ && space(buf_[before - 1])) --before;
  // The frame's first bytes may be gone (it is too large): the last one dropped counts.
  const char previous = before > begin_ ? buf_[before - 1] : dropped_last_;
  if (previous == 0) return Start::yes;
  // After ',' only an array takes a '{'; inside an object a member name must follow.
  if (previous != ':' && previous != '[' && !(previous == ',' && in_array)) return Start::yes;

  const char* p = buf_.get() + at;
  const char* end = buf_.get() + end_;
  const auto* newline =
      static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
  if (newline == nullptr && !eof_) {
    // A line longer than the payload limit is a payload of its own; else read on.
    return end_ - at > max_payload_ ? Start::yes : Start::unknown;
  }
  const char* stop = newline != nullptr ? newline : end;
  int depth = 0;
  bool in_string = false;
  bool escape = false;
  for (; p < stop; ++p) {
    const char c = *p;
    if (escape) {
      escape = false;
    } else if (c == '\\') {
      escape = true;
    } else if (in_string) {
      in_string = c != '"';
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      while (++p < stop)
        if (!space(*p)) return Start::no;
      // The last element of an array printed without indentation is followed by
      // ']' (or '}', ','): it continues the value; a payload is followed by '{'.
      for (p = stop; p < end; ++p) {
        if (space(*p)) continue;
        return *p != ']' && *p != '}' && *p != ',' ? Start::yes : Start::no;
      }
      if (!eof_ && end_ - at <= max_payload_) return Start::unknown;
      return Start::yes;
    }
  }
  return Start::no;
}

// Moves past the first N bytes of the block at pos_, counting its line ends.
void Framer::advance(std::uint64_t newlines, std::size_t n) {
  if (n < 64) newlines &= (std::uint64_t{1} << n) - 1;
  if (newlines != 0) {
    line_ += static_cast<std::uint64_t>(__builtin_popcountll(newlines));
    line_begin_ = absolute(pos_) + static_cast<std::uint64_t>(63 - __builtin_clzll(newlines)) + 1;
  }
  pos_ += n;
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
        prefix_.assign(buf_.get() + begin_, std::min(kept_prefix, pos_ - begin_));
      }
      if (!fill()) return;
    }
    const char c = buf_[pos_];
    if (c == '\n') return;
    if (escape) {
      escape = false;
    } else if (c == '\\') {
      escape = true;
    } else if (in_string) {
      if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (in_array_ && (c == ',' || c == ']')) {
      return;
    }
    ++pos_;
  }
}

}  // namespace jira_alerts::read
