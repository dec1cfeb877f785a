#pragma once
// Framing: splits a byte stream into payloads, whatever the file's shape.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "read/input.hpp"

namespace jira_alerts::read {

// What went wrong with a frame before any JSON was parsed.
enum class FrameProblem : std::uint8_t {
  none,       // a candidate payload: the parser decides
  too_large,  // longer than the payload limit: only a prefix was kept
  empty,      // the input held no payload at all
};

// One candidate payload and where it starts.
struct Frame {
  std::string_view bytes;    // the raw bytes (a prefix when too_large); valid until next()
  std::uint64_t line = 1;    // 1-based line of the first byte
  std::uint64_t column = 1;  // 1-based byte column of the first byte
  std::uint64_t offset = 0;  // 0-based byte offset of the first byte in the (decompressed) input
  std::uint64_t size = 0;    // the full size in bytes, also when only a prefix is kept
  FrameProblem problem = FrameProblem::none;
  bool guessed = false;  // framed by its line alone (Framer::guess_lines): see settle()
};

// Why a frame with a problem is rejected, in words.
std::string problem_reason(const Frame& frame);

// A 64-byte block as the framer sees it (bit I for byte I): the bytes inside
// strings (their opening quote included), line ends, '{' or '[', '}' or ']', and '{'.
struct Block {
  std::uint64_t strings = 0, newline = 0, open = 0, close = 0, brace = 0;
};

// What one block tells the next: all ones when it ended inside a string, and 1
// when the next block's first byte is escaped.
struct Carry {
  std::uint64_t in_string = 0, escape = 0;
};

// Scans the 64 bytes at P, updating CARRY for the next block.
using BlockScanner = Block (*)(const char* p, Carry& carry);

// The scanner for any processor, and the fastest this processor runs (AVX2 and
// carry-less multiplication where there are); both give the same blocks.
Block scan_block_portable(const char* p, Carry& carry);
BlockScanner block_scanner();

// Finds payload boundaries without parsing: one object, an array of objects,
// NDJSON or concatenated (pretty-printed) objects, with a BOM and CRLF allowed.
// After a broken payload it resumes at the next line that starts with '{' (see
// starts_payload() for how JSON printed without indentation is told apart).
// Memory is bounded by the largest payload (at most MAX_PAYLOAD bytes are held).
class Framer {
 public:
  static constexpr std::size_t default_max_payload = 64u << 20;
  static constexpr std::size_t kept_prefix = 64u << 10;
  // The bytes of a frame without a problem are followed by at least this many
  // readable bytes (of any value), so that a parser that reads past the end of
  // its input (simdjson) can read the frame where it is.
  static constexpr std::size_t padding = 64;

  explicit Framer(ByteSource& in, std::size_t max_payload = default_max_payload);

  // Fills FRAME with the next payload; false at the end of the input.
  bool next(Frame& frame);

  // From now on, a payload that is the first on its line, starts with '{' and whose
  // line ends with '}' (NDJSON) is framed as that line without scanning its bytes,
  // and marked guessed. The guess is the frame a scan finds whenever the line is
  // valid JSON (one object, whose matching '}' is the last); a caller that finds it
  // is not calls settle() before the next call to next().
  void guess_lines() { guess_lines_ = true; }
  // Frames the guessed FRAME again by scanning it, as next() would have without
  // guessing: it may then end elsewhere, or have a problem.
  void settle(Frame& frame);

  // The 1-based line and column just past the last byte read.
  std::uint64_t line() const { return line_; }
  std::uint64_t column() const { return absolute(end_) - line_begin_ + 1; }
  // The byte offset just past the last byte read.
  std::uint64_t offset() const { return absolute(end_); }

 private:
  bool fill();
  void newline();
  void emit(Frame& frame, FrameProblem problem);
  bool guess_line();
  void scan_container();
  void scan_scalar();
  void advance(std::uint64_t newlines, std::size_t n);
  enum class Start : std::uint8_t { no, yes, unknown };  // unknown: more bytes are needed
  bool starts_payload(std::size_t at, bool in_array);
  Start line_starts_payload(std::size_t at, bool in_array) const;
  std::uint64_t absolute(std::size_t index) const { return base_ + index; }

  ByteSource& in_;
  std::size_t max_payload_;
  std::unique_ptr<char[]> buf_;
  std::size_t cap_ = 0;
  std::size_t pos_ = 0;     // next byte to scan
  std::size_t end_ = 0;     // end of the bytes read
  std::size_t begin_ = 0;   // first byte of the frame being scanned
  std::uint64_t base_ = 0;  // absolute offset of buf_[0]
  std::uint64_t line_ = 1;
  std::uint64_t line_begin_ = 0;   // absolute offset of the current line's first byte
  std::uint64_t frame_begin_ = 0;  // absolute offset of the frame's first byte
  bool eof_ = false;
  bool in_array_ = false;  // inside a top-level array: its elements are the payloads
  bool skipping_ = false;  // the frame outgrew the limit: bytes are dropped, not kept
  char dropped_last_ = 0;  // the last byte other than white space dropped from the frame
  bool seen_payload_ = false;
  bool reported_empty_ = false;
  bool guess_lines_ = false;
  std::uint64_t last_end_ = 0;      // absolute offset just past the last frame
  std::string prefix_;              // kept prefix of a frame being skipped
  std::vector<bool> arrays_;        // scan_container's stack of container kinds, reused
  std::vector<bool> saved_arrays_;  // that stack before a block scanned on trial
};

}  // namespace jira_alerts::read
