#pragma once
// Event times: epoch milliseconds, parsed from and printed as ISO-8601.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jira_alerts::util {

// Milliseconds since 1970-01-01T00:00:00Z.
using Millis = std::int64_t;

// Parses an ISO-8601 date-time such as "2011-06-07T10:31:26.805-0500" or
// "2026-01-02T03:04:05Z"; a missing offset means UTC. Nothing on failure.
std::optional<Millis> parse_iso8601(std::string_view text);

// A time given on the command line (--at, --since, --until), or why it is not one.
struct TimeArgument {
  std::optional<Millis> value;
  std::string why;  // set when VALUE is empty
};

// Parses a command-line time against NOW: an ISO-8601 date-time, an ISO-8601 date (UTC
// midnight), "now", "today" or "yesterday" (UTC midnight), a time relative to now
// ("-2h", "-7d", "-1h30m"; units s, m, h, d, w), "@SECONDS" (epoch seconds, a fraction
// allowed) or epoch milliseconds (a bare integer of at least 10^11; a smaller one can
// only be seconds and is refused with a hint to write @N).
TimeArgument parse_time_argument(std::string_view text, Millis now);

// Formats as "2026-01-02T03:04:05.678Z".
std::string format_iso8601(Millis ms);

// Appends the same form to OUT without allocating a temporary.
void append_iso8601(std::string& out, Millis ms);

// The wall clock, for run metadata only (never for event times).
Millis now_millis();

}  // namespace jira_alerts::util
