#include "report/format.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "util/error.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

namespace jira_alerts::report {

std::optional<Format> parse_format(std::string_view name) {
  if (name == "text") return Format::text;
  if (name == "jsonl") return Format::jsonl;
  if (name == "csv") return Format::csv;
  return std::nullopt;
}

std::optional<ColourMode> parse_colour_mode(std::string_view name) {
  if (name == "auto") return ColourMode::automatic;
  if (name == "always") return ColourMode::always;
  if (name == "never") return ColourMode::never;
  return std::nullopt;
}

bool use_colour(std::FILE* stream, ColourMode mode) {
  if (mode != ColourMode::automatic) return mode == ColourMode::always;
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour != nullptr && no_colour[0] != '\0') return false;
  return isatty(fileno(stream)) != 0;
}

namespace {

// Standard output's fate, for finish_output(): its reader went away, or the first
// error that a write to it met.
bool stdout_closed = false;
int stdout_error = 0;

std::string name_of(std::FILE* stream) {
  return stream == stdout ? "standard output" : stream == stderr ? "standard error" : "output";
}

// A failed write to STREAM: EPIPE closes it quietly, anything else is an error.
void failed(std::FILE* stream, int error) {
  if (stream == stdout) {
    if (error == EPIPE) {
      stdout_closed = true;
      return;
    }
    if (stdout_error == 0) stdout_error = error;
  }
  if (error == EPIPE) return;
  throw Error("cannot write to " + name_of(stream) + ": " + std::strerror(error));
}

}  // namespace

bool Output::closed() const {
  return stream_ == stdout && stdout_closed;
}

void Output::flush() {
  if (closed()) {
    buffer_.clear();
    return;
  }
  if (!buffer_.empty()) {
    const std::size_t size = buffer_.size();
    const std::size_t wrote = std::fwrite(buffer_.data(), 1, size, stream_);
    const int error = errno;
    buffer_.clear();
    if (wrote != size) {
      std::clearerr(stream_);
      failed(stream_, error);
      return;
    }
  }
  if (std::fflush(stream_) != 0) {
    const int error = errno;
    std::clearerr(stream_);
    failed(stream_, error);
  }
}

Output::~Output() {
  try {
    flush();
  } catch (const Error&) {
    // Kept in stdout_error: finish_output() reports it once the command is done.
  }
}

void finish_output() {
  if (!stdout_closed && std::fflush(stdout) != 0) failed(stdout, errno);
  if (!stdout_closed && stdout_error == 0 && std::ferror(stdout) != 0) stdout_error = EIO;
  if (stdout_error != 0 && !stdout_closed)
    throw Error("cannot write to standard output: " + std::string(std::strerror(stdout_error)));
}

HeldOutput::HeldOutput(std::FILE* out) : out_(out), held_(std::tmpfile()) {}

HeldOutput::~HeldOutput() {
  if (held_ != nullptr) std::fclose(held_);
}

void HeldOutput::clear() {
  std::rewind(held_);
  if (ftruncate(fileno(held_), 0) != 0) {
    // The file keeps its old bytes past the new end: they are never read again.
  }
}

void HeldOutput::release() {
  // A closed standard output takes nothing more; a failed write is reported as
  // Output::flush() reports it.
  const auto closed = [this] { return out_ == stdout && stdout_closed; };
  if (held_ != nullptr) {
    std::fflush(held_);
    const long size = std::ftell(held_);
    std::rewind(held_);
    char block[1 << 16];
    for (long left = closed() ? 0 : size; left > 0;) {
      const std::size_t n =
          std::fread(block, 1, static_cast<std::size_t>(std::min<long>(left, sizeof block)), held_);
      if (n == 0) break;
      if (std::fwrite(block, 1, n, out_) != n) {
        const int error = errno;
        std::clearerr(out_);
        clear();
        failed(out_, error);
        return;
      }
      left -= static_cast<long>(n);
    }
    clear();
  }
  if (!closed() && std::fflush(out_) != 0) {
    const int error = errno;
    std::clearerr(out_);
    failed(out_, error);
  }
}

std::optional<std::string_view> optional_view(const std::optional<std::string>& text) {
  if (text) return std::string_view(*text);
  return std::nullopt;
}

std::string time_or(std::optional<std::int64_t> ms, std::string_view absent) {
  return ms ? util::format_iso8601(*ms) : std::string(absent);
}

void append_padded(std::string& out, std::string_view text, std::size_t width) {
  const std::size_t start = out.size();
  util::append_printable(out, text);
  const std::size_t columns =
      util::display_width(std::string_view(out).substr(start, out.size() - start));
  if (columns < width) out.append(width - columns, ' ');
  out.push_back(' ');
}

}  // namespace jira_alerts::report
