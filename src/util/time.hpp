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

// Parses TIME as epoch milliseconds (all digits) or as ISO-8601.
std::optional<Millis> parse_time(std::string_view text);

// Formats as "2026-01-02T03:04:05.678Z".
std::string format_iso8601(Millis ms);

// Appends the same form to OUT without allocating a temporary.
void append_iso8601(std::string& out, Millis ms);

// The wall clock, for run metadata only (never for event times).
Millis now_millis();

}  // namespace jira_alerts::util
