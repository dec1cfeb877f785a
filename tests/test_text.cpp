#include <doctest/doctest.h>

#include <string>

#include "report/format.hpp"
#include "report/json.hpp"
#include "report/table.hpp"
#include "rules/mapping.hpp"
#include "util/text.hpp"

using jira_alerts::util::display_width;
using jira_alerts::util::fold_case;

namespace {

std::string printable(std::string_view text) {
  std::string out;
  jira_alerts::util::append_printable(out, text);
  return out;
}

}  // namespace

TEST_SUITE("util.text") {
  TEST_CASE("fold_case: Unicode case folding with an ASCII fast path") {
    CHECK(fold_case("Done") == "done");
    CHECK(fold_case("RÉSOLU") == fold_case("Résolu"));
    CHECK(fold_case("RÉSOLU") == "résolu");
    CHECK(fold_case("Re\xcc\x81solu") == "résolu");      // a decomposed É composes
    CHECK(fold_case("STRASSE") == fold_case("Straße"));  // full folding: ß is ss
    CHECK(fold_case("ΣΊΣΥΦΟΣ") == fold_case("σίσυφος"));
    CHECK(fold_case("\xff\xfe") == "\xff\xfe");  // invalid UTF-8 stays as it is
  }

  TEST_CASE("display_width: terminal columns") {
    CHECK(display_width("") == 0);
    CHECK(display_width("KAN-12") == 6);
    CHECK(display_width("Zürich") == 6);
    CHECK(display_width("e\xcc\x81") == 1);              // combining acute accent
    CHECK(display_width("障害対応") == 8);               // CJK: two columns each
    CHECK(display_width("\xf0\x9f\x94\xa5 fire") == 7);  // an emoji is two columns
    CHECK(display_width("\xff") == 1);                   // invalid byte: one column
  }

  TEST_CASE("append_printable: control characters are escaped") {
    CHECK(printable("plain text") == "plain text");
    CHECK(printable("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m");
    CHECK(printable("a\tb\nc\rd") == "a\\x09b\\x0ac\\x0dd");
    CHECK(printable("del\x7f") == "del\\x7f");
    CHECK(printable("c1 \xc2\x9b"
                    "31m") == "c1 \\x9b31m");  // U+009B, the 8-bit CSI
    CHECK(printable("Zürich 障害") == "Zürich 障害");
  }

  TEST_CASE("did_you_mean: one hint for every mistyped name") {
    using jira_alerts::util::did_you_mean;
    using jira_alerts::util::suggest;
    CHECK(suggest("open") == "; did you mean 'open'?");
    CHECK(suggest("") == "");
    CHECK(suggest("", " (states: open)") == " (states: open)");
    CHECK(did_you_mean("opne", {"open", "resolved"}) == "; did you mean 'open'?");
    CHECK(did_you_mean("RESOLV", {"open", "resolved"}) == "; did you mean 'resolved'?");
    CHECK(did_you_mean("zzzzzz", {"open", "resolved"}) == "");
    CHECK(did_you_mean("zzzzzz", {"open", "resolved"}, " (states: open, resolved)") ==
          " (states: open, resolved)");
  }

  TEST_CASE("tables align by display width and escape their cells") {
    jira_alerts::report::Table table({"KEY", "SUMMARY"});
    table.add({"障害-1", "x"});
    table.add({"KAN-2", "\x1b]0;title\x07"});
    std::FILE* sink = std::tmpfile();
    REQUIRE(sink != nullptr);
    {
      jira_alerts::report::Output out(sink);
      table.print(out);
    }
    std::rewind(sink);
    char buffer[256] = {};
    const auto n = std::fread(buffer, 1, sizeof buffer - 1, sink);
    std::fclose(sink);
    CHECK(std::string(buffer, n) ==
          "KEY     SUMMARY\n"
          "障害-1  x\n"
          "KAN-2   \\x1b]0;title\\x07\n");
  }
}

TEST_SUITE("rules.mapping") {
  TEST_CASE("status and priority names compare with Unicode case folding") {
    jira_alerts::rules::Mapping mapping;
    mapping.add_resolve_status("Résolu");
    CHECK(mapping.is_resolve_status("RÉSOLU"));
    CHECK(mapping.is_resolve_status("résolu"));
    CHECK(mapping.is_resolve_status("DONE"));
    CHECK_FALSE(mapping.is_resolve_status("Résolution"));
    mapping.set_priority("Élevée", jira_alerts::rules::Level::high);
    CHECK(mapping.priority("ÉLEVÉE").mapped);
    CHECK(mapping.priority("ÉLEVÉE").level == jira_alerts::rules::Level::high);
    CHECK(mapping.priority("HIGHEST").level == jira_alerts::rules::Level::critical);
    CHECK_FALSE(mapping.priority("Élevé").mapped);
  }
}

TEST_SUITE("report.json") {
  using jira_alerts::report::JsonWriter;
  using jira_alerts::report::Time;

  TEST_CASE("JsonWriter: members, nesting, null and times") {
    std::string out = "x";
    JsonWriter w;
    const std::optional<std::string> none, some = "s";
    w.reset(out).begin_object();
    w.members("a", "text", "n", std::int64_t{-3}, "u", std::uint64_t{7}, "ok", true, "none", none,
              "some", some, "at", Time{1}, "never", Time{});
    w.key("list").begin_array().value("one").value(std::optional<bool>()).end_array().end_object();
    CHECK(out ==
          "x{\"a\":\"text\",\"n\":-3,\"u\":7,\"ok\":true,\"none\":null,\"some\":\"s\","
          "\"at\":\"1970-01-01T00:00:00.001Z\",\"never\":null,\"list\":[\"one\",null]}");
    // The writer starts afresh at the end of whatever string it is given next.
    w.reset(out).begin_array().end_array();
    CHECK(out.substr(out.size() - 3) == "}[]");
  }

  TEST_CASE("append_json_string: every byte as a byte-at-a-time escape writes it") {
    // The reference: one byte at a time.
    const auto reference = [](std::string_view text) {
      std::string out = "\"";
      for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        const std::string_view shorts = "\"\"\\\\\nn\rr\tt\bb\ff";
        const auto at = shorts.find(ch);
        if (at != std::string_view::npos && at % 2 == 0) {
          out += '\\';
          out += shorts[at + 1];
        } else if (c < 0x20) {
          static constexpr char hex[] = "0123456789abcdef";
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xf];
        } else {
          out += ch;
        }
      }
      return out + "\"";
    };
    std::string all;  // every byte, where the eight-byte steps start and in between
    for (int c = 0; c < 256; ++c)
      all += std::string(static_cast<std::size_t>(c % 11), 'a') + char(c);
    for (const std::string& text :
         {std::string(), std::string("plain text, longer than eight bytes"), all,
          std::string(40, '"'), std::string(33, '\x01'), std::string("0123456\n89abcdef\\")}) {
      std::string out = "[";  // appended after what is there
      jira_alerts::util::append_json_string(out, text);
      CHECK(out == "[" + reference(text));
    }
  }

  TEST_CASE("JsonWriter: strings are escaped, control characters in lower-case hex") {
    std::string out;
    JsonWriter w;
    w.reset(out)
        .begin_object()
        .members("k\"", "q\" b\\ \n\r\t\b\f \x1b[0m \x7f \xc3\xa9")
        .end_object();
    CHECK(out == "{\"k\\\"\":\"q\\\" b\\\\ \\n\\r\\t\\b\\f \\u001b[0m \x7f \xc3\xa9\"}");
  }
}
