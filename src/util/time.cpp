#include "util/time.hpp"

#include <chrono>
#include <cstdio>

namespace jira_alerts::util {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

constexpr Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

bool is_leap(std::int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

// Reads exactly N digits at POS; advances POS.
bool digits(std::string_view s, std::size_t& pos, int n, unsigned& value) {
  if (pos + static_cast<std::size_t>(n) > s.size()) return false;
  value = 0;
  for (int i = 0; i < n; ++i) {
    const char c = s[pos + static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  pos += static_cast<std::size_t>(n);
  return true;
}

bool literal(std::string_view s, std::size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

std::optional<Millis> parse_iso8601(std::string_view s) {
  std::size_t pos = 0;
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(s, pos, 4, year) || !literal(s, pos, '-') || !digits(s, pos, 2, month) ||
      !literal(s, pos, '-') || !digits(s, pos, 2, day))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
  if (!literal(s, pos, 'T') && !literal(s, pos, 't') && !literal(s, pos, ' ')) return std::nullopt;
  if (!digits(s, pos, 2, hour) || !literal(s, pos, ':') || !digits(s, pos, 2, minute))
    return std::nullopt;
  if (literal(s, pos, ':') && !digits(s, pos, 2, second)) return std::nullopt;
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  unsigned millis = 0;
  if (literal(s, pos, '.') || literal(s, pos, ',')) {
    int seen = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (seen < 3) millis = millis * 10 + static_cast<unsigned>(s[pos] - '0');
      ++seen;
      ++pos;
    }
    if (seen == 0) return std::nullopt;
    for (; seen < 3; ++seen) millis *= 10;
  }
  std::int64_t offset_minutes = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      const int sign = s[pos] == '-' ? -1 : 1;
      ++pos;
      unsigned oh = 0, om = 0;
      if (!digits(s, pos, 2, oh)) return std::nullopt;
      if (pos < s.size()) {
        literal(s, pos, ':');
        if (!digits(s, pos, 2, om)) return std::nullopt;
      }
      if (oh > 23 || om > 59) return std::nullopt;
      offset_minutes = sign * static_cast<std::int64_t>(oh * 60 + om);
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t days = days_from_civil(year, month, day);
  const std::int64_t seconds =
      days * 86400 + std::int64_t{hour} * 3600 + std::int64_t{minute} * 60 + second;
  return (seconds - offset_minutes * 60) * 1000 + millis;
}

std::optional<Millis> parse_time(std::string_view text) {
  if (!text.empty() && text.size() <= 18 &&
      text.find_first_not_of("0123456789") == std::string_view::npos) {
    Millis value = 0;
    for (const char c : text) value = value * 10 + (c - '0');
    return value;
  }
  return parse_iso8601(text);
}

void append_iso8601(std::string& out, Millis ms) {
  std::int64_t days = ms / 86400000;
  std::int64_t rem = ms % 86400000;
  if (rem < 0) {
    rem += 86400000;
    --days;
  }
  const Civil c = civil_from_days(days);
  const auto sec = rem / 1000;
  char buf[40];
  const int n =
      std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                    static_cast<long long>(c.year), c.month, c.day,
                    static_cast<long long>(sec / 3600), static_cast<long long>(sec / 60 % 60),
                    static_cast<long long>(sec % 60), static_cast<long long>(rem % 1000));
  out.append(buf, static_cast<std::size_t>(n));
}

std::string format_iso8601(Millis ms) {
  std::string out;
  append_iso8601(out, ms);
  return out;
}

Millis now_millis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace jira_alerts::util
