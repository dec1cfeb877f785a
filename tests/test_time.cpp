#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>

#include "util/time.hpp"

using jira_alerts::util::format_iso8601;
using jira_alerts::util::Millis;
using jira_alerts::util::parse_iso8601;
using jira_alerts::util::parse_time_argument;

namespace {

// 2026-01-02T03:04:05Z, the instant most cases below spell in different ways.
constexpr Millis base = 1767323045000;

struct Accepted {
  const char* text;
  Millis expected;
};

}  // namespace

TEST_SUITE("util.time") {
  TEST_CASE("parse_iso8601") {
    SUBCASE("accepted forms") {
      const Accepted cases[] = {
          // Jira Server's form, with a numeric offset without a colon (SPEC §1.1).
          {"2011-06-07T10:31:26.805-0500", 1307460686805},
          {"2026-01-02T03:04:05Z", base},
          {"2026-01-02T03:04:05z", base},
          {"2026-01-02t03:04:05Z", base},
          {"2026-01-02T03:04:05+00:00", base},
          {"2026-01-02T03:04:05+0000", base},
          {"2026-01-02T03:04:05-00:00", base},
          {"2026-01-02T08:34:05+05:30", base},
          {"2026-01-02T08:34:05+0530", base},
          {"2026-01-01T22:04:05-05:00", base},
          {"2026-01-01T22:04:05-0500", base},
          {"2026-01-02T04:04:05+01", base},
          // No offset means UTC.
          {"2026-01-02T03:04:05", base},
          // A space instead of 'T'.
          {"2026-01-02 03:04:05", base},
          {"2026-01-02 03:04:05.678+00:00", base + 678},
          // No seconds.
          {"2026-01-02T03:04Z", base - 5000},
          {"2026-01-02T03:04", base - 5000},
          {"2026-01-02T08:34+05:30", base - 5000},
          // Fractions of 1 to 9 digits: milliseconds kept, the rest dropped.
          {"2026-01-02T03:04:05.6Z", base + 600},
          {"2026-01-02T03:04:05.67Z", base + 670},
          {"2026-01-02T03:04:05.678Z", base + 678},
          {"2026-01-02T03:04:05.6789Z", base + 678},
          {"2026-01-02T03:04:05.678912345Z", base + 678},
          {"2026-01-02T03:04:05.000Z", base},
          {"2026-01-02T03:04:05,678Z", base + 678},
          // Calendar edges.
          {"2024-02-29T23:59:59Z", 1709251199000},
          {"2000-02-29T00:00:00Z", 951782400000},
          {"2000-03-01T00:00:00Z", 951868800000},
          {"1970-01-01T00:00:00Z", 0},
          {"1970-01-01T00:00:00.001Z", 1},
          {"1969-12-31T23:59:59.999Z", -1},
          {"1900-01-01T00:00:00Z", -2208988800000},
      };
      for (const auto& c : cases) {
        INFO("c.text := ", std::string(c.text));
        const auto ms = parse_iso8601(c.text);
        REQUIRE(ms.has_value());
        CHECK(*ms == c.expected);
      }
    }

    SUBCASE("rejected forms") {
      const char* const cases[] = {
          "",
          "garbage",
          "2026",
          "2026-01-02",
          "2026-01-02T",
          "2026-01-02T03",
          "2026-01-02T3:04:05Z",
          "2026-13-01T00:00:00Z",
          "2026-00-01T00:00:00Z",
          "2026-01-00T00:00:00Z",
          "2026-01-32T00:00:00Z",
          "2026-02-30T00:00:00Z",
          "2023-02-29T00:00:00Z",  // not a leap year
          "1900-02-29T00:00:00Z",  // divisible by 100, not by 400
          "2026-04-31T00:00:00Z",
          "2026-01-02T24:00:00Z",
          "2026-01-02T03:60:00Z",
          "2026-01-02T03:04:61Z",
          "2026-01-02T03:04:05.Z",
          "2026-01-02T03:04:05Zjunk",
          "2026-01-02T03:04:05Z ",
          " 2026-01-02T03:04:05Z",
          "2026-01-02T03:04:05+",
          "2026-01-02T03:04:05+5",
          "2026-01-02T03:04:05+05:",
          "2026-01-02T03:04:05+0",
          "2026-01-02T03:04:05+24:00",
          "2026-01-02T03:04:05+05:60",
          "2026-01-02T03:04:05 UTC",
          "2026-01-02X03:04:05Z",
          "2026/01/02T03:04:05Z",
          "2019-2-27 13:30:21,620",
          "1307460686805",
          "yesterday",
      };
      for (const char* text : cases) {
        INFO("text := ", std::string(text));
        CHECK_FALSE(parse_iso8601(text).has_value());
      }
    }
  }

  TEST_CASE("format_iso8601") {
    CHECK(format_iso8601(0) == "1970-01-01T00:00:00.000Z");
    CHECK(format_iso8601(1) == "1970-01-01T00:00:00.001Z");
    CHECK(format_iso8601(-1) == "1969-12-31T23:59:59.999Z");
    CHECK(format_iso8601(-1000) == "1969-12-31T23:59:59.000Z");
    CHECK(format_iso8601(-86400000) == "1969-12-31T00:00:00.000Z");
    CHECK(format_iso8601(-2208988800000) == "1900-01-01T00:00:00.000Z");
    CHECK(format_iso8601(base + 678) == "2026-01-02T03:04:05.678Z");
    CHECK(format_iso8601(1307460686805) == "2011-06-07T15:31:26.805Z");
    CHECK(format_iso8601(1709251199000) == "2024-02-29T23:59:59.000Z");
    CHECK(format_iso8601(253402300799999) == "9999-12-31T23:59:59.999Z");

    SUBCASE("round trip through parse_iso8601") {
      for (const Millis ms : {Millis{0}, Millis{-1}, base, base + 1, Millis{951782400000},
                              Millis{-2208988800000}, Millis{253402300799999}}) {
        CAPTURE(ms);
        CHECK(parse_iso8601(format_iso8601(ms)) == std::optional<Millis>(ms));
      }
    }

    SUBCASE("append_iso8601 appends") {
      std::string out = "at ";
      jira_alerts::util::append_iso8601(out, 0);
      CHECK(out == "at 1970-01-01T00:00:00.000Z");
    }
  }

  TEST_CASE("parse_time_argument") {
    // "Now" for the relative forms: 2026-01-02T03:04:05Z.
    const Millis now = base;
    const Millis midnight = 1767312000000;  // 2026-01-02T00:00:00Z
    SUBCASE("accepted forms") {
      const Accepted cases[] = {
          {"2026-01-02T03:04:05Z", base},
          {"2011-06-07T10:31:26.805-0500", 1307460686805},
          {"2026-01-02T04:04:05+01:00", base},
          // A date alone is UTC midnight.
          {"2026-01-13", 1768262400000},
          {"2024-02-29", 1709164800000},
          {"1970-01-01", 0},
          {"now", now},
          {"today", midnight},
          {"yesterday", midnight - 86400000},
          {"-2h", now - 2 * 3600000},
          {"-7d", now - 7 * 86400000LL},
          {"-30m", now - 30 * 60000},
          {"-45s", now - 45000},
          {"-2w", now - 14 * 86400000LL},
          {"-1h30m", now - 90 * 60000},
          {"-0s", now},
          {"+1d", now + 86400000},
          {"@0", 0},
          {"@1768298853", 1768298853000},
          {"@1768298853.5", 1768298853500},
          {"@1768298853.918", 1768298853918},
          {"@1768298853.9187", 1768298853918},
          {"@-1", -1000},
          // Epoch milliseconds: a bare integer of at least 10^11.
          {"100000000000", 100000000000},
          {"1768298853918", 1768298853918},
      };
      for (const auto& c : cases) {
        INFO("c.text := ", std::string(c.text));
        const auto t = parse_time_argument(c.text, now);
        CHECK(t.why == "");
        REQUIRE(t.value.has_value());
        CHECK(*t.value == c.expected);
      }
    }
    SUBCASE("refused forms, each with its reason") {
      struct Refused {
        const char* text;
        const char* why_contains;
      };
      const Refused cases[] = {
          {"", "empty"},
          {"1768298853", "write @1768298853"},
          {"0", "write @0"},
          {"99999999999", "write @99999999999"},
          {"99999999999999999999", "too large"},
          {"-2", "relative time"},
          {"-2x", "relative time"},
          {"-h", "relative time"},
          {"-", "relative time"},
          {"-2h-", "relative time"},
          {"@", "epoch seconds"},
          {"@12a", "epoch seconds"},
          {"@1.", "epoch seconds"},
          {"2026-13-01", "ISO-8601"},
          {"2026-02-30", "ISO-8601"},
          {"2026-1-2", "ISO-8601"},
          {"2026-01-02T", "ISO-8601"},
          {"yesterday ", "ISO-8601"},
          {"NOW", "ISO-8601"},
          {"1.5", "ISO-8601"},
          {"12a", "ISO-8601"},
      };
      for (const auto& c : cases) {
        INFO("c.text := ", std::string(c.text));
        const auto t = parse_time_argument(c.text, now);
        CHECK_FALSE(t.value.has_value());
        CHECK(t.why.find(c.why_contains) != std::string::npos);
      }
    }
  }

}  // TEST_SUITE
