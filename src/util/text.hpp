#pragma once
// Small string helpers shared by every layer.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace jira_alerts::util {

// TEXT without leading and trailing ASCII white space.
std::string_view trim(std::string_view text);

// TEXT case-folded (Unicode full case folding, NFC), so that "RÉSOLU" and "Résolu" compare
// equal; ASCII text takes a fast path. Invalid UTF-8 is folded as ASCII.
std::string fold_case(std::string_view text);

// Is TEXT plain ASCII?
bool is_ascii(std::string_view text);

// The width of TEXT on a terminal: wide (CJK, emoji) characters count 2, combining
// marks 0; invalid UTF-8 counts a column a byte.
std::size_t display_width(std::string_view text);

// Appends TEXT with control characters (C0, DEL, C1: escape sequences from payloads)
// written as \xHH, so that text output cannot drive the terminal.
void append_printable(std::string& out, std::string_view text);

// ASCII lower-case copy (Jira's status and priority names compare case-insensitively).
std::string to_lower(std::string_view text);

// Does TEXT equal LOWERED (lower-case ASCII) ignoring ASCII case? Allocates nothing.
bool equals_lower(std::string_view text, std::string_view lowered);

// Appends TEXT as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view text);

// Appends TEXT as one CSV field, quoted when it must be.
void append_csv_field(std::string& out, std::string_view text);

// 64-bit FNV-1a, the hash behind duplicate identities.
std::uint64_t hash64(std::string_view bytes, std::uint64_t seed = 0xcbf29ce484222325ULL);

// The Jira site of an issue's REST URL (issue.self), "https://acme.atlassian.net" of
// "https://acme.atlassian.net/rest/api/2/issue/10002"; "" when SELF is not such a URL.
std::string_view jira_site(std::string_view self);

// The candidate closest to WORD by edit distance, or "" when none is close.
std::string closest(std::string_view word, const std::vector<std::string>& candidates);

// "; did you mean 'SUGGESTION'?", or OTHERWISE when there is no suggestion: the one
// hint every message about a mistyped name ends with.
std::string suggest(std::string_view suggestion, std::string_view otherwise = "");

// suggest() with the candidate closest to WORD.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates,
                         std::string_view otherwise = "");

}  // namespace jira_alerts::util
