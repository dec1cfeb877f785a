#include "util/time.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
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

namespace {

constexpr Millis day_ms = 86'400'000;

// Reads a run of digits at POS into VALUE (at most 18 of them); false when there is none.
bool number(std::string_view s, std::size_t& pos, std::int64_t& value) {
  const std::size_t start = pos;
  value = 0;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9' && pos - start < 18)
    value = value * 10 + (s[pos++] - '0');
  return pos > start && (pos == s.size() || s[pos] < '0' || s[pos] > '9');
}

// "2h", "7d", "1h30m": a sum of NUMBER UNIT terms, in milliseconds.
std::optional<Millis> duration(std::string_view s) {
  if (s.empty()) return std::nullopt;
  Millis total = 0;
  for (std::size_t pos = 0; pos < s.size();) {
    std::int64_t n = 0;
    if (!number(s, pos, n) || pos == s.size()) return std::nullopt;
    Millis unit = 0;
    switch (s[pos++]) {
      case 's':
        unit = 1000;
        break;
      case 'm':
        unit = 60'000;
        break;
      case 'h':
        unit = 3'600'000;
        break;
      case 'd':
        unit = day_ms;
        break;
      case 'w':
        unit = 7 * day_ms;
        break;
      default:
        return std::nullopt;
    }
    if (n > INT64_MAX / unit / 2) return std::nullopt;
    total += n * unit;
  }
  return total;
}

// "@1768298853" or "@1768298853.5": epoch seconds.
std::optional<Millis> epoch_seconds(std::string_view s) {
  std::size_t pos = 0;
  std::int64_t whole = 0;
  const bool negative = literal(s, pos, '-');
  if (!number(s, pos, whole) || whole > INT64_MAX / 1000 - 1) return std::nullopt;
  Millis ms = whole * 1000;
  if (literal(s, pos, '.')) {
    unsigned fraction = 0;
    const std::size_t start = pos;
    if (!digits(s, pos, std::min<int>(3, static_cast<int>(s.size() - pos)), fraction) ||
        pos == start)
      return std::nullopt;
    for (std::size_t i = pos - start; i < 3; ++i) fraction *= 10;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    ms += fraction;
  }
  if (pos != s.size()) return std::nullopt;
  return negative ? -ms : ms;
}

// "2026-01-13": UTC midnight.
std::optional<Millis> date_only(std::string_view s) {
  std::size_t pos = 0;
  unsigned year = 0, month = 0, day = 0;
  if (s.size() != 10 || !digits(s, pos, 4, year) || !literal(s, pos, '-') ||
      !digits(s, pos, 2, month) || !literal(s, pos, '-') || !digits(s, pos, 2, day))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
  return days_from_civil(year, month, day) * day_ms;
}

Millis midnight(Millis t) {
  return t - ((t % day_ms) + day_ms) % day_ms;
}

TimeArgument refuse(std::string why) {
  return {std::nullopt, std::move(why)};
}

}  // namespace

TimeArgument parse_time_argument(std::string_view text, Millis now) {
  if (text.empty()) return refuse("the time is empty");
  if (text == "now") return {now, {}};
  if (text == "today") return {midnight(now), {}};
  if (text == "yesterday") return {midnight(now) - day_ms, {}};
  if (text.front() == '-' || text.front() == '+') {
    if (const auto d = duration(text.substr(1)))
      return {text.front() == '-' ? now - *d : now + *d, {}};
    return refuse(
        "not a relative time: write a number and a unit (s, m, h, d, w), e.g. -2h, "
        "-7d or -1h30m");
  }
  if (text.front() == '@') {
    if (const auto ms = epoch_seconds(text.substr(1))) return {ms, {}};
    return refuse("not epoch seconds: write @ and a number, e.g. @1768298853");
  }
  if (text.find_first_not_of("0123456789") == std::string_view::npos) {
    std::size_t pos = 0;
    std::int64_t value = 0;
    if (!number(text, pos, value)) return refuse("the number is too large");
    if (value < 100'000'000'000)
      return refuse(
          "a bare number is epoch milliseconds from 100000000000 on; this one can only "
          "be seconds: write @" +
          std::string(text));
    return {value, {}};
  }
  if (const auto t = date_only(text)) return {t, {}};
  if (const auto t = parse_iso8601(text)) return {t, {}};
  return refuse(
      "expected an ISO-8601 date or time (2026-01-13, 2026-01-13T09:30:00Z), now, "
      "today, a relative time (-2h, -7d), @SECONDS or epoch milliseconds");
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
