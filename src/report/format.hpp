#pragma once
// Output formats and the buffered writer every command prints through.

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace jira_alerts::report {

// How records are printed.
enum class Format : std::uint8_t { text, jsonl, csv };

std::optional<Format> parse_format(std::string_view name);

// --color: auto colours a terminal unless NO_COLOR is set; always and never decide alone.
enum class ColourMode : std::uint8_t { automatic, always, never };

// Parses "auto", "always" or "never".
std::optional<ColourMode> parse_colour_mode(std::string_view name);

// Should text output on STREAM be coloured under MODE?
bool use_colour(std::FILE* stream, ColourMode mode = ColourMode::automatic);

// Buffers output and writes it in large blocks; flushes when destroyed. A reader that
// went away (a closed pipe) ends the output quietly: the rest is discarded and the
// command goes on. Any other failed write throws Error (exit 2) naming the cause; in
// the destructor it is kept for finish_output().
class Output {
 public:
  explicit Output(std::FILE* stream) : stream_(stream) {}
  ~Output();
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  // The buffer to append one record to; call done() after each record.
  std::string& buffer() { return buffer_; }
  void done() {
    if (buffer_.size() >= (1u << 16)) flush();
  }
  void flush();
  // Has the reader gone away? Nothing more reaches it.
  bool closed() const;

  // Whether tables and CSV print their header line (--no-header turns it off).
  bool headers() const { return headers_; }
  void set_headers(bool headers) { headers_ = headers; }

 private:
  std::FILE* stream_;
  std::string buffer_;
  bool headers_ = true;
};

// Flushes standard output once a command is done. Throws Error (exit 2) when a write
// to it failed, except when the reader went away.
void finish_output();

// Output held back until it may be shown (a replay prints a batch's decision records
// once the batch is committed), in an unnamed temporary file so that memory stays
// bounded whatever the batch. Without a temporary file it goes straight through.
class HeldOutput {
 public:
  explicit HeldOutput(std::FILE* out);
  ~HeldOutput();
  HeldOutput(const HeldOutput&) = delete;
  HeldOutput& operator=(const HeldOutput&) = delete;

  // Where to print what is held.
  std::FILE* stream() const { return held_ != nullptr ? held_ : out_; }
  // Writes what is held to the output and flushes it.
  void release();

 private:
  void clear();
  std::FILE* out_;
  std::FILE* held_;
};

// The text of an optional string, as a view.
std::optional<std::string_view> optional_view(const std::optional<std::string>& text);

// An ISO-8601 time, or ABSENT when there is none.
std::string time_or(std::optional<std::int64_t> ms, std::string_view absent);

// The name NAME gives an optional VALUE (a state, a level), as an optional text.
template <class T, class Name>
std::optional<std::string_view> name_of(const std::optional<T>& value, Name name) {
  if (value) return name(*value);
  return std::nullopt;
}

// Appends TEXT (control characters escaped) padded with spaces to WIDTH terminal
// columns, then one space.
void append_padded(std::string& out, std::string_view text, std::size_t width);

}  // namespace jira_alerts::report
