#include "report/format.hpp"

#include <unistd.h>

#include <cstdlib>

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

void Output::flush() {
  if (!buffer_.empty()) {
    std::fwrite(buffer_.data(), 1, buffer_.size(), stream_);
    buffer_.clear();
  }
  std::fflush(stream_);
}

std::optional<std::string_view> optional_view(const std::optional<std::string>& text) {
  if (text) return std::string_view(*text);
  return std::nullopt;
}

std::string time_or(std::optional<std::int64_t> ms, std::string_view absent) {
  return ms ? util::format_iso8601(*ms) : std::string(absent);
}

void append_json_time(std::string& out, std::optional<std::int64_t> ms) {
  if (!ms) {
    out += "null";
    return;
  }
  out.push_back('"');
  util::append_iso8601(out, *ms);
  out.push_back('"');
}

void append_json_optional(std::string& out, std::optional<std::string_view> text) {
  if (text)
    util::append_json_string(out, *text);
  else
    out += "null";
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
