#include "util/text.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace jira_alerts::util {

std::string_view trim(std::string_view text) {
  constexpr std::string_view space = " \t\r\n\f\v";
  const auto first = text.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(space);
  return text.substr(first, last - first + 1);
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool equals_lower(std::string_view text, std::string_view lowered) {
  if (text.size() != lowered.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lowered[i]) return false;
  }
  return true;
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  constexpr std::uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
  // Written in place: room for two bytes a byte (a short escape) and the quotes,
  // grown by four for each \u00xx, cut to size at the end.
  std::size_t used = out.size();
  out.resize(used + text.size() * 2 + 2);
  char* p = out.data() + used;
  *p++ = '"';
  for (std::size_t i = 0; i < text.size(); ++i) {
    // Eight bytes at a time while none of them needs an escape: no byte below 0x20,
    // no '"', no '\\' (each test sets the high bit of such a byte).
    while (i + 8 <= text.size()) {
      std::uint64_t v = 0;
      std::memcpy(&v, text.data() + i, 8);
      const std::uint64_t quote = v ^ (ones * '"'), backslash = v ^ (ones * '\\');
      if ((((v - ones * 0x20) & ~v) | ((quote - ones) & ~quote) |
           ((backslash - ones) & ~backslash)) &
          highs)
        break;
      std::memcpy(p, text.data() + i, 8);
      p += 8;
      i += 8;
    }
    if (i == text.size()) break;
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      *p++ = static_cast<char>(c);
      continue;
    }
    *p++ = '\\';
    switch (c) {
      case '"':
      case '\\':
        *p++ = static_cast<char>(c);
        continue;
      case '\n':
        *p++ = 'n';
        continue;
      case '\r':
        *p++ = 'r';
        continue;
      case '\t':
        *p++ = 't';
        continue;
      case '\b':
        *p++ = 'b';
        continue;
      case '\f':
        *p++ = 'f';
        continue;
      default:
        used = static_cast<std::size_t>(p - out.data());
        out.resize(out.size() + 4);
        p = out.data() + used;
        for (const char e : {'u', '0', '0', hex[c >> 4], hex[c & 0xf]}) *p++ = e;
    }
  }
  *p++ = '"';
  out.resize(static_cast<std::size_t>(p - out.data()));
}

void append_csv_field(std::string& out, std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += text;
    return;
  }
  out.push_back('"');
  for (const char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

std::uint64_t hash64(std::string_view bytes, std::uint64_t seed) {
  std::uint64_t h = seed;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string closest(std::string_view word, const std::vector<std::string>& candidates) {
  const std::string w = to_lower(word);
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, w.size() / 3) + 1;
  for (const auto& candidate : candidates) {
    const std::string c = to_lower(candidate);
    std::vector<std::size_t> row(c.size() + 1);
    for (std::size_t j = 0; j <= c.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= w.size(); ++i) {
      std::size_t diagonal = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= c.size(); ++j) {
        const std::size_t above = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (w[i - 1] == c[j - 1] ? 0 : 1)});
        diagonal = above;
      }
    }
    const bool prefix = !w.empty() && c.rfind(w, 0) == 0;
    const std::size_t distance = prefix ? 1 : row[c.size()];
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

std::string_view jira_site(std::string_view self) {
  if (self.rfind("https://", 0) != 0 && self.rfind("http://", 0) != 0) return {};
  const auto rest = self.find("/rest/");
  if (rest == std::string_view::npos) return {};
  const std::string_view site = self.substr(0, rest);
  // Only the characters of a URL's scheme, host, port and path: the site goes into links.
  for (const char c : site)
    if (static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '<' || c == '>' || c == '\\' ||
        c == '?' || c == '#' || static_cast<unsigned char>(c) >= 0x7f)
      return {};
  return site;
}

}  // namespace jira_alerts::util

namespace jira_alerts::util {

std::string suggest(std::string_view suggestion, std::string_view otherwise) {
  if (suggestion.empty()) return std::string(otherwise);
  return "; did you mean '" + std::string(suggestion) + "'?";
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates,
                         std::string_view otherwise) {
  return suggest(closest(word, candidates), otherwise);
}

}  // namespace jira_alerts::util

namespace jira_alerts::util {

bool is_ascii(std::string_view text) {
  for (const char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

std::string fold_case(std::string_view text) {
  if (!is_ascii(text)) {
    utf8proc_uint8_t* folded = nullptr;
    const auto n = utf8proc_map(
        reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
        static_cast<utf8proc_ssize_t>(text.size()), &folded,
        static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD));
    if (n >= 0) {
      std::string out(reinterpret_cast<const char*>(folded), static_cast<std::size_t>(n));
      std::free(folded);
      return out;
    }
  }
  return to_lower(text);
}

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  auto left = static_cast<utf8proc_ssize_t>(text.size());
  while (left > 0) {
    if (*p < 0x80) {  // ASCII: one column (controls are escaped before they get here)
      ++width;
      ++p;
      --left;
      continue;
    }
    utf8proc_int32_t code = 0;
    const auto n = utf8proc_iterate(p, left, &code);
    if (n <= 0) {
      ++width;
      ++p;
      --left;
      continue;
    }
    width += static_cast<std::size_t>(std::max(0, utf8proc_charwidth(code)));
    p += n;
    left -= n;
  }
  return width;
}

void append_printable(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    // C1 controls are U+0080..U+009F: 0xC2 0x80..0x9F in UTF-8.
    const bool c1 = c == 0xC2 && i + 1 < text.size() &&
                    static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(text[i + 1]) <= 0x9F;
    if (c >= 0x20 && c != 0x7F && !c1) continue;
    out.append(text.data() + run, i - run);
    const auto code = c1 ? static_cast<unsigned char>(text[++i]) : c;
    out += "\\x";
    out.push_back(hex[code >> 4]);
    out.push_back(hex[code & 0xf]);
    run = i + 1;
  }
  out.append(text.data() + run, text.size() - run);
}

}  // namespace jira_alerts::util
