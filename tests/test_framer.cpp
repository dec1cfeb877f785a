#include <doctest/doctest.h>
#include <simdjson.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "read/framer.hpp"
#include "read/input.hpp"
#include "testutil.hpp"
#include "util/text.hpp"

using jira_alerts::read::ByteStream;
using jira_alerts::read::Frame;
using jira_alerts::read::FrameProblem;
using jira_alerts::read::Framer;
using jira_alerts::test::TempDir;

namespace {

// A frame copied out of the framer (its bytes are only valid until the next call).
struct Framed {
  std::string bytes;
  std::uint64_t line = 0;
  std::uint64_t column = 0;
  std::uint64_t size = 0;
  FrameProblem problem = FrameProblem::none;
};

bool same_frames(const std::vector<Framed>& a, const std::vector<Framed>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].bytes != b[i].bytes || a[i].line != b[i].line || a[i].column != b[i].column ||
        a[i].size != b[i].size || a[i].problem != b[i].problem)
      return false;
  }
  return true;
}

// How the caller treats the frames the framer guesses from their lines.
enum class Guesses : std::uint8_t {
  none,     // no guessing: every frame is scanned
  checked,  // guessed, and settled unless simdjson reads the guess as valid JSON
  settled,  // guessed, and every guess settled
};

bool valid_json(std::string_view bytes) {
  static simdjson::dom::parser parser;
  return parser.parse(bytes.data(), bytes.size()).error() == simdjson::SUCCESS;
}

// Every frame of IN, copied; and how many were guessed and kept (GUESSES::checked).
std::vector<Framed> frames_from(jira_alerts::read::ByteSource& in, std::size_t max_payload,
                                Guesses guesses = Guesses::none, std::size_t* kept = nullptr) {
  Framer framer(in, max_payload);
  if (guesses != Guesses::none) framer.guess_lines();
  std::vector<Framed> frames;
  Frame frame;
  while (framer.next(frame)) {
    if (frame.guessed && (guesses == Guesses::settled || !valid_json(frame.bytes)))
      framer.settle(frame);
    if (frame.guessed && kept != nullptr) ++*kept;
    if (frame.guessed) CHECK(frame.problem == FrameProblem::none);
    frames.push_back(
        {std::string(frame.bytes), frame.line, frame.column, frame.size, frame.problem});
  }
  // The end of the input stays the end.
  CHECK_FALSE(framer.next(frame));
  return frames;
}

// The frames of the input OPEN opens, which must be the same whether or not the framer
// guesses lines (the caller checking its guesses, or settling each).
template <typename Open>
std::vector<Framed> frames_every_way(const Open& open, std::size_t max_payload) {
  auto in = open();
  const auto scanned = frames_from(*in, max_payload);
  for (const Guesses guesses : {Guesses::checked, Guesses::settled}) {
    auto again = open();
    CHECK(same_frames(frames_from(*again, max_payload, guesses), scanned));
  }
  return scanned;
}

std::vector<Framed> frames_of_file(const std::string& path,
                                   std::size_t max_payload = Framer::default_max_payload) {
  return frames_every_way([&] { return std::make_unique<ByteStream>(path); }, max_payload);
}

// Writes CONTENT to a temporary file and frames it.
std::vector<Framed> frames_of(const std::string& content,
                              std::size_t max_payload = Framer::default_max_payload) {
  const TempDir dir;
  return frames_of_file(dir.write("input.json", content), max_payload);
}

// What a frame must hold: its bytes and where it starts.
struct Expected {
  std::string bytes;
  std::uint64_t line;
  std::uint64_t column;
};

void check_frames(const std::vector<Framed>& actual, const std::vector<Expected>& expected) {
  REQUIRE(actual.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    CHECK(actual[i].bytes == expected[i].bytes);
    CHECK(actual[i].line == expected[i].line);
    CHECK(actual[i].column == expected[i].column);
    CHECK(actual[i].size == expected[i].bytes.size());
    CHECK(actual[i].problem == FrameProblem::none);
  }
}

std::string gzip_file(const TempDir& dir, const std::string& name, const std::string& content) {
  const std::string path = dir.file(name);
  gzFile file = gzopen(path.c_str(), "wb");
  REQUIRE(file != nullptr);
  REQUIRE(gzwrite(file, content.data(), static_cast<unsigned>(content.size())) ==
          static_cast<int>(content.size()));
  REQUIRE(gzclose(file) == Z_OK);
  return path;
}

// An object of exactly SIZE bytes (SIZE >= 8) whose string value is filled with FILL.
std::string object_of_size(std::size_t size, char fill = 'x') {
  return R"({"a":")" + std::string(size - 8, fill) + R"("})";
}

constexpr std::string_view pretty_a =
    "{\n"
    "  \"webhookEvent\": \"jira:issue_created\",\n"
    "  \"issue\": {\n"
    "    \"key\": \"KAN-1\",\n"
    "    \"fields\": {\"summary\": \"a {brace} and a [bracket]\"}\n"
    "  }\n"
    "}";
constexpr std::string_view pretty_b =
    "{\n"
    "  \"webhookEvent\": \"jira:issue_updated\",\n"
    "  \"issue\": {\"key\": \"KAN-2\"}\n"
    "}";

// Bytes from memory, at most READ_SIZE at a time: a pipe that delivers in small pieces.
class MemorySource final : public jira_alerts::read::ByteSource {
 public:
  MemorySource(std::string_view data, std::size_t read_size) : data_(data), read_size_(read_size) {}
  std::size_t read(char* buffer, std::size_t size) override {
    const std::size_t n = std::min({size, read_size_, data_.size() - at_});
    std::memcpy(buffer, data_.data() + at_, n);
    at_ += n;
    return n;
  }

 private:
  std::string_view data_;
  std::size_t read_size_;
  std::size_t at_ = 0;
};

std::vector<Framed> frames_read_by(std::string_view input, std::size_t read_size,
                                   std::size_t max_payload = Framer::default_max_payload) {
  return frames_every_way([&] { return std::make_unique<MemorySource>(input, read_size); },
                          max_payload);
}

// A payload as Python's json.dumps(indent=0) prints it: every '{' of an array
// element starts its line. PAD characters in the summary move those braces.
std::string indent0(std::size_t pad = 0) {
  return "{\n\"webhookEvent\": \"jira:issue_updated\",\n\"issue\": {\n\"key\": \"KAN-1\",\n"
         "\"summary\": \"" +
         std::string(pad, 's') +
         "\"\n},\n\"changelog\": {\n\"items\": [\n{\n\"field\": \"status\",\n\"toString\": "
         "\"Done\"\n},\n{\n\"field\": \"priority\"\n}\n]\n}\n}";
}

}  // namespace

TEST_SUITE("read.framer") {
  TEST_CASE("Framer::next one object") {
    SUBCASE("without a trailing newline") {
      check_frames(frames_of(R"({"webhookEvent":"x"})"), {{R"({"webhookEvent":"x"})", 1, 1}});
    }
    SUBCASE("with white space around it") {
      check_frames(frames_of("\n\n   {\"webhookEvent\":\"x\"}  \n\n"),
                   {{R"({"webhookEvent":"x"})", 3, 4}});
    }
    SUBCASE("pretty-printed over many lines") {
      check_frames(frames_of(std::string(pretty_a) + "\n"), {{std::string(pretty_a), 1, 1}});
    }
    SUBCASE("truncated at the end of the input") {
      check_frames(frames_of("{\"a\": {\"b\": 1"), {{"{\"a\": {\"b\": 1", 1, 1}});
    }
  }

  TEST_CASE("Framer::next NDJSON") {
    SUBCASE("one object a line, blank lines between") {
      check_frames(frames_of("{\"a\":1}\n\n{\"b\":2}\n   \n\t\n{\"c\":3}\n"),
                   {{"{\"a\":1}", 1, 1}, {"{\"b\":2}", 3, 1}, {"{\"c\":3}", 6, 1}});
    }
    SUBCASE("CRLF line ends") {
      check_frames(frames_of("{\"a\":1}\r\n{\"b\":2}\r\n\r\n{\"c\":3}"),
                   {{"{\"a\":1}", 1, 1}, {"{\"b\":2}", 2, 1}, {"{\"c\":3}", 4, 1}});
    }
    SUBCASE("CRLF inside a pretty object") {
      check_frames(frames_of("{\r\n  \"a\": 1\r\n}\r\n{\r\n  \"b\": 2\r\n}\r\n"),
                   {{"{\r\n  \"a\": 1\r\n}", 1, 1}, {"{\r\n  \"b\": 2\r\n}", 4, 1}});
    }
    SUBCASE("a UTF-8 byte-order mark is not part of the first payload") {
      const auto frames = frames_of("\xEF\xBB\xBF{\"a\":1}\n{\"b\":2}\n");
      REQUIRE(frames.size() == 2);
      CHECK(frames[0].bytes == "{\"a\":1}");
      CHECK(frames[0].line == 1);
      CHECK(frames[0].size == 7);
      CHECK(frames[1].bytes == "{\"b\":2}");
      CHECK(frames[1].line == 2);
      CHECK(frames[1].column == 1);
    }
  }

  TEST_CASE("Framer::next concatenated objects") {
    SUBCASE("pretty objects one after another") {
      const std::string input = std::string(pretty_a) + "\n" + std::string(pretty_b) + "\n\n" +
                                std::string(pretty_a) + "\n";
      check_frames(frames_of(input), {{std::string(pretty_a), 1, 1},
                                      {std::string(pretty_b), 8, 1},
                                      {std::string(pretty_a), 13, 1}});
    }
    SUBCASE("objects on one line") {
      check_frames(frames_of("{\"a\":1}{\"b\":2} {\"c\":3}\n"),
                   {{"{\"a\":1}", 1, 1}, {"{\"b\":2}", 1, 8}, {"{\"c\":3}", 1, 16}});
    }
    SUBCASE("a closing brace and the next object on one line") {
      check_frames(frames_of("{\n  \"a\": 1\n} {\n  \"b\": 2\n}"),
                   {{"{\n  \"a\": 1\n}", 1, 1}, {"{\n  \"b\": 2\n}", 3, 3}});
    }
    SUBCASE("JSON printed without indentation stays one payload") {
      const std::string flat = "{\n\"a\":\n{\n\"b\": 1\n},\n\"c\": [\n{\n\"d\": 2\n}\n]\n}";
      check_frames(frames_of(flat + "\n{\"e\":3}\n"), {{flat, 1, 1}, {"{\"e\":3}", 12, 1}});
      const std::string member = "{\"a\":\n{\"b\":1}}";
      check_frames(frames_of(member + "\n{\"c\":2}\n"), {{member, 1, 1}, {"{\"c\":2}", 3, 1}});
    }
    SUBCASE("line numbers stay right over many frames") {
      std::string input;
      std::vector<Expected> expected;
      for (int i = 0; i < 500; ++i) {
        const std::string object = "{\n  \"n\": " + std::to_string(i) + ",\n  \"s\": \"" +
                                   std::string(static_cast<std::size_t>(i % 97), 'y') + "\"\n}";
        expected.push_back({object, static_cast<std::uint64_t>(4 * i + 1), 1});
        input += object + "\n";
      }
      check_frames(frames_of(input), expected);
    }
  }

  TEST_CASE("Framer::next arrays of objects") {
    SUBCASE("compact") {
      check_frames(frames_of("[{\"a\":1},{\"b\":2}, {\"c\":[3]}]\n"),
                   {{"{\"a\":1}", 1, 2}, {"{\"b\":2}", 1, 10}, {"{\"c\":[3]}", 1, 19}});
    }
    SUBCASE("pretty") {
      check_frames(frames_of("[\n  {\n    \"a\": 1\n  },\n  {\n    \"b\": \"]\"\n  }\n]\n"),
                   {{"{\n    \"a\": 1\n  }", 2, 3}, {"{\n    \"b\": \"]\"\n  }", 5, 3}});
    }
    SUBCASE("elements at the start of their lines") {
      check_frames(frames_of("[\n{\"a\":1},\n{\"b\":2}\n]"),
                   {{"{\"a\":1}", 2, 1}, {"{\"b\":2}", 3, 1}});
    }
    SUBCASE("an array, then more objects") {
      check_frames(frames_of("[{\"a\":1}]\n{\"b\":2}\n[{\"c\":3}]"),
                   {{"{\"a\":1}", 1, 2}, {"{\"b\":2}", 2, 1}, {"{\"c\":3}", 3, 2}});
    }
    SUBCASE("elements that are not objects are frames of their own") {
      check_frames(frames_of("[1, \"x,]\", [2,3], {\"a\":1}]"),
                   {{"1", 1, 2}, {"\"x,]\"", 1, 5}, {"[2,3]", 1, 12}, {"{\"a\":1}", 1, 19}});
    }
    SUBCASE("an empty array holds no payloads") {
      CHECK(frames_of("[]").empty());
      CHECK(frames_of("[ ]\n").empty());
      CHECK(frames_of("\n[\n]\n").empty());
    }
    SUBCASE("an empty array, then an object") {
      check_frames(frames_of("[]\n{\"a\":1}"), {{"{\"a\":1}", 2, 1}});
    }
  }

  TEST_CASE("Framer::next strings") {
    SUBCASE("braces, brackets and escaped quotes inside strings") {
      const std::string a = R"({"a":"}{][\"}{","b":"\\","c":"\\\"}"})";
      const std::string b = R"({"d":"{"})";
      check_frames(frames_of(a + "\n" + b + "\n"), {{a, 1, 1}, {b, 2, 1}});
    }
    SUBCASE("escapes at every position of the scanner's blocks") {
      // The escaped quote, the escaped backslash and the braces in strings land on
      // every offset of a 64-byte block in turn.
      for (std::size_t shift = 0; shift < 140; ++shift) {
        CAPTURE(shift);
        const std::string a = R"({"a":")" + std::string(shift, 'x') + R"(\"}{[\\"})";
        const std::string b = R"({"b":"\\\\"})";
        check_frames(frames_of(a + "\n" + b + "\n" + a), {{a, 1, 1}, {b, 2, 1}, {a, 3, 1}});
      }
    }
    SUBCASE("a long run of backslashes") {
      const std::string a = R"({"a":")" + std::string(200, '\\') + R"("})";
      const std::string b = R"({"b":")" + std::string(201, '\\') + R"(""})";
      check_frames(frames_of(a + "\n" + b + "\n{}\n"), {{a, 1, 1}, {b, 2, 1}, {"{}", 3, 1}});
    }
  }

  TEST_CASE("Framer::next after broken payloads") {
    SUBCASE("a garbage line between objects is a frame of its own") {
      check_frames(frames_of("{\"a\":1}\nthis is not json\n{\"b\":2}\n"),
                   {{"{\"a\":1}", 1, 1}, {"this is not json", 2, 1}, {"{\"b\":2}", 3, 1}});
    }
    SUBCASE("a truncated NDJSON line, then a good one") {
      const auto frames = frames_of("{\"a\":1,\"b\":\n{\"c\":2}\n{\"d\":3}\n");
      REQUIRE(frames.size() == 3);
      CHECK(jira_alerts::util::trim(frames[0].bytes) == "{\"a\":1,\"b\":");
      CHECK(frames[0].line == 1);
      CHECK(frames[1].bytes == "{\"c\":2}");
      CHECK(frames[1].line == 2);
      CHECK(frames[1].column == 1);
      CHECK(frames[2].bytes == "{\"d\":3}");
      CHECK(frames[2].line == 3);
    }
    SUBCASE("a line cut inside a string, then a good one") {
      const auto frames = frames_of("{\"a\":\"unfinished\n{\"c\":\"}\"}\n");
      REQUIRE(frames.size() == 2);
      CHECK(jira_alerts::util::trim(frames[0].bytes) == "{\"a\":\"unfinished");
      CHECK(frames[1].bytes == "{\"c\":\"}\"}");
      CHECK(frames[1].line == 2);
    }
    SUBCASE("a truncated pretty object, then a new object at column 0") {
      const std::string input =
          "{\n"
          "  \"webhookEvent\": \"jira:issue_created\",\n"
          "  \"issue\": {\n"
          "    \"key\": \"KAN-1\",\n"
          "{\n"
          "  \"webhookEvent\": \"jira:issue_updated\"\n"
          "}\n";
      const auto frames = frames_of(input);
      REQUIRE(frames.size() == 2);
      CHECK(frames[0].line == 1);
      CHECK(jira_alerts::util::trim(frames[0].bytes) ==
            "{\n  \"webhookEvent\": \"jira:issue_created\",\n  \"issue\": {\n    \"key\": "
            "\"KAN-1\",");
      CHECK(frames[1].bytes == "{\n  \"webhookEvent\": \"jira:issue_updated\"\n}");
      CHECK(frames[1].line == 5);
      CHECK(frames[1].column == 1);
    }
    SUBCASE("a line cut after a comma, then a pretty object") {
      const auto frames = frames_of("{\"a\":1,\n{\n  \"c\": 2\n}\n{\"d\":4}\n");
      REQUIRE(frames.size() == 3);
      CHECK(jira_alerts::util::trim(frames[0].bytes) == "{\"a\":1,");
      CHECK(frames[1].bytes == "{\n  \"c\": 2\n}");
      CHECK(frames[1].line == 2);
      CHECK(frames[2].bytes == "{\"d\":4}");
      CHECK(frames[2].line == 5);
    }
    SUBCASE("a truncated array element, then an object at column 0") {
      const auto frames = frames_of("[\n  {\"a\": [1,\n{\"b\":2}\n");
      REQUIRE(frames.size() == 2);
      CHECK(frames[0].line == 2);
      CHECK(frames[1].bytes == "{\"b\":2}");
      CHECK(frames[1].line == 3);
    }
    SUBCASE("hostile nesting does not hide the next object") {
      const std::string deep = "{\"a\":" + std::string(100000, '[');
      const auto frames = frames_of(deep + "\n{\"b\":1}\n");
      REQUIRE(frames.size() == 2);
      CHECK(jira_alerts::util::trim(frames[0].bytes) == deep);
      CHECK(frames[1].bytes == "{\"b\":1}");
      CHECK(frames[1].line == 2);
    }
    SUBCASE("binary garbage: frames, no crash, every byte accounted for") {
      std::string noise;
      std::uint32_t x = 12345;
      for (int i = 0; i < 20000; ++i) {
        x = x * 1103515245u + 12345u;
        noise.push_back(static_cast<char>((x >> 16) & 0xff));
      }
      // The framer itself (a ByteStream rejects such a file before framing).
      MemorySource in(noise, noise.size());
      const auto frames = frames_from(in, Framer::default_max_payload);
      REQUIRE_FALSE(frames.empty());
      std::uint64_t total = 0;
      for (const auto& f : frames) {
        CHECK(f.size > 0);
        CHECK(f.problem == FrameProblem::none);
        CHECK(f.bytes.size() == f.size);
        total += f.size;
      }
      CHECK(total <= noise.size());
    }
  }

  TEST_CASE("Framer::next empty input") {
    SUBCASE("an empty file is one empty frame") {
      const auto frames = frames_of("");
      REQUIRE(frames.size() == 1);
      CHECK(frames[0].problem == FrameProblem::empty);
      CHECK(frames[0].bytes.empty());
      CHECK(frames[0].size == 0);
      CHECK(frames[0].line == 1);
      CHECK(frames[0].column == 1);
    }
    SUBCASE("white space only is one empty frame") {
      const auto frames = frames_of("  \n\r\n\t \n");
      REQUIRE(frames.size() == 1);
      CHECK(frames[0].problem == FrameProblem::empty);
      CHECK(frames[0].bytes.empty());
      CHECK(frames[0].size == 0);
    }
    SUBCASE("a byte-order mark only is one empty frame") {
      const auto frames = frames_of("\xEF\xBB\xBF");
      REQUIRE(frames.size() == 1);
      CHECK(frames[0].problem == FrameProblem::empty);
    }
  }

  TEST_CASE("Framer::next gzip input") {
    const std::string input =
        std::string(pretty_a) + "\n{\"b\":2}\r\n\n[{\"c\":3},{\"d\":4}]\ngarbage\n";
    const TempDir dir;
    const auto plain = frames_of_file(dir.write("plain.json", input));
    const auto zipped = frames_of_file(gzip_file(dir, "zipped.json.gz", input));
    REQUIRE(plain.size() == 5);
    REQUIRE(zipped.size() == plain.size());
    for (std::size_t i = 0; i < plain.size(); ++i) {
      CAPTURE(i);
      CHECK(zipped[i].bytes == plain[i].bytes);
      CHECK(zipped[i].line == plain[i].line);
      CHECK(zipped[i].column == plain[i].column);
      CHECK(zipped[i].size == plain[i].size);
    }
    CHECK(zipped[1].bytes == "{\"b\":2}");
    CHECK(zipped[3].bytes == "{\"d\":4}");

    SUBCASE("a gzip file whatever its name") {
      const auto frames = frames_of_file(gzip_file(dir, "history.json", "{\"a\":1}\n{\"b\":2}\n"));
      check_frames(frames, {{"{\"a\":1}", 1, 1}, {"{\"b\":2}", 2, 1}});
    }
    SUBCASE("a gzip file of nothing is empty input") {
      const auto frames = frames_of_file(gzip_file(dir, "empty.gz", ""));
      REQUIRE(frames.size() == 1);
      CHECK(frames[0].problem == FrameProblem::empty);
    }
  }

  TEST_CASE("Framer::next payload limit") {
    constexpr std::size_t limit = 1024;

    SUBCASE("a frame over the limit is too_large, with its full size, and the next one is read") {
      const std::string big = object_of_size(5000);
      const auto frames = frames_of(big + "\n{\"b\":2}\n", limit);
      REQUIRE(frames.size() == 2);
      CHECK(frames[0].problem == FrameProblem::too_large);
      CHECK(frames[0].size == big.size());
      CHECK(frames[0].line == 1);
      CHECK_FALSE(frames[0].bytes.empty());
      CHECK(frames[0].bytes.size() <= Framer::kept_prefix);
      CHECK(big.rfind(frames[0].bytes, 0) == 0);  // a prefix of the payload
      CHECK(frames[1].problem == FrameProblem::none);
      CHECK(frames[1].bytes == "{\"b\":2}");
      CHECK(frames[1].line == 2);
    }
    SUBCASE("line numbers after a too_large pretty frame") {
      std::string big = "{\n";
      for (int i = 0; i < 100; ++i)
        big += "  \"k" + std::to_string(i) + "\": \"" + std::string(60, 'v') + "\",\n";
      big += "  \"end\": 1\n}";
      const auto frames = frames_of(big + "\n{\"b\":2}\n", limit);
      REQUIRE(frames.size() == 2);
      CHECK(frames[0].problem == FrameProblem::too_large);
      CHECK(frames[0].size == big.size());
      CHECK(frames[1].bytes == "{\"b\":2}");
      CHECK(frames[1].line == 104);
    }
    SUBCASE("a frame of exactly the limit is kept whole") {
      const std::string exact = object_of_size(limit);
      check_frames(frames_of(exact + "\n{\"b\":2}\n", limit), {{exact, 1, 1}, {"{\"b\":2}", 2, 1}});
    }
    SUBCASE("a frame across the read chunks, far over the limit") {
      const std::string big = object_of_size(3u << 20);
      const auto frames = frames_of("{\"a\":1}\n" + big + "\n{\"b\":2}\n", 1u << 20);
      REQUIRE(frames.size() == 3);
      CHECK(frames[0].bytes == "{\"a\":1}");
      CHECK(frames[1].problem == FrameProblem::too_large);
      CHECK(frames[1].size == big.size());
      CHECK(frames[1].bytes.size() <= Framer::kept_prefix);
      CHECK(big.rfind(frames[1].bytes, 0) == 0);
      CHECK(frames[2].bytes == "{\"b\":2}");
      CHECK(frames[2].line == 3);
    }
  }

  TEST_CASE("Framer::next across read chunks") {
    SUBCASE("3 MB of NDJSON arrive intact") {
      std::string input;
      std::vector<Expected> expected;
      for (int i = 0; input.size() < (3u << 20); ++i) {
        const std::string line =
            "{\"webhookEvent\":\"jira:issue_updated\",\"n\":" + std::to_string(i) + ",\"pad\":\"" +
            std::string(static_cast<std::size_t>(200 + i % 1000), 'p') + "\"}";
        expected.push_back({line, static_cast<std::uint64_t>(i + 1), 1});
        input += line + "\n";
      }
      check_frames(frames_of(input), expected);
    }
    SUBCASE("one 3 MB payload arrives intact") {
      const std::string big = object_of_size(3u << 20, 'q');
      check_frames(frames_of("{\"a\":1}\n" + big + "\n{\"b\":2}"),
                   {{"{\"a\":1}", 1, 1}, {big, 2, 1}, {"{\"b\":2}", 3, 1}});
    }
    SUBCASE("pretty objects and array elements across the chunk boundaries") {
      std::string input = "[\n";
      std::vector<Expected> expected;
      std::uint64_t line = 2;
      for (int i = 0; input.size() < (3u << 20); ++i) {
        const std::string object =
            "  {\n    \"n\": " + std::to_string(i) + ",\n    \"s\": \"{[" +
            std::string(static_cast<std::size_t>(1000 + (i * 37) % 3000), 's') + "\\\"]}\"\n  }";
        expected.push_back({object.substr(2), line, 3});
        line += 4;
        input += object + ",\n";
      }
      input.resize(input.size() - 2);
      input += "\n]\n";
      check_frames(frames_of(input), expected);
    }
  }

  TEST_CASE("Framer::next is the same whatever the read sizes") {
    // Every shape the framer knows, broken payloads included, its brackets moved
    // to every offset of the scanner's 64-byte blocks: read 1 to 4096 bytes at a
    // time, the frames must be those of one read.
    for (std::size_t pad = 0; pad < 64; ++pad) {
      const std::string p = indent0(pad);
      const std::string s(pad, 's');
      const std::string inputs[] = {
          "\xEF\xBB\xBF" + p + "\n" + p + "\r\n{\"a\":1}\n",
          "{\"" + s + "\":[\n{\"c\":3},\n{\"d\":[{\"e\":4}]}]}\n" + std::string(pretty_a) + "\n",
          "[\n" + p + ",\n" + p + "\n]\n{\"z\":\"}{\\\"\"}",
          "{\"a\":1,\"" + s +
              "\":\n{\"c\":2}\ngarbage line\n{\"a\":\"unfinished\n{\"c\":\"}\"}\n"
              "[1, \"x,]\", [2,3]]\n{\n\"a\":\n{\"b\":1}\n,\n\"c\": [\n{\"d\":1}\n]\n}\n",
          p + p + "  \n\t\n",
      };
      for (const auto& input : inputs) {
        CAPTURE(input);
        const auto whole = frames_read_by(input, input.size() + 1);
        REQUIRE_FALSE(whole.empty());
        for (std::size_t read_size = 1; read_size <= 4096 && read_size <= input.size();
             ++read_size) {
          CAPTURE(read_size);
          REQUIRE(same_frames(frames_read_by(input, read_size), whole));
        }
        // A small payload limit: frames too large are cut the same way too.
        const auto limited = frames_read_by(input, input.size() + 1, 64);
        for (std::size_t read_size = 1; read_size <= 100; ++read_size) {
          CAPTURE(read_size);
          REQUIRE(same_frames(frames_read_by(input, read_size, 64), limited));
        }
      }
    }
  }

  TEST_CASE("Framer::next across the 1 MiB read, at every offset") {
    // NDJSON lines fill the first read up to just before a payload printed with
    // indent=0; its line-start '{' falls on, just before and just after the last
    // byte of the first 1 MiB read, at every offset of the scanner's blocks.
    constexpr std::size_t chunk = 1u << 20;
    const std::string filler_line = "{\"pad\":\"" + std::string(990, 'p') + "\"}";
    std::string base;
    std::uint64_t lines = 0;
    while (base.size() + filler_line.size() + 1 < chunk - 1000) {
      base += filler_line + "\n";
      ++lines;
    }
    for (std::size_t pad = 0; pad < 64; ++pad) {
      const std::string payload = indent0(pad);
      const std::size_t brace = payload.find("\n{\n") + 1;
      for (std::size_t last_byte = chunk - 3; last_byte <= chunk; ++last_byte) {
        CAPTURE(pad);
        CAPTURE(last_byte);
        const std::size_t start = last_byte - brace;
        // {"p":"…"} and '\n' fill up to the payload.
        const std::string last = "{\"p\":\"" + std::string(start - base.size() - 9, 'q') + "\"}";
        const std::string input = base + last + "\n" + payload + "\n{\"b\":2}\n";
        REQUIRE(input.find(payload) == start);
        const auto frames = frames_read_by(input, input.size());  // reads of 1 MiB
        REQUIRE(frames.size() == lines + 3);
        CHECK(frames[lines].bytes == last);
        CHECK(frames[lines + 1].bytes == payload);
        CHECK(frames[lines + 1].line == lines + 2);
        CHECK(frames[lines + 1].problem == FrameProblem::none);
        CHECK(frames[lines + 2].bytes == "{\"b\":2}");
      }
    }
  }

  TEST_CASE("Framer::guess_lines frames NDJSON lines as a scan does") {
    const auto guessed = [](std::string_view input, std::size_t read_size) {
      MemorySource in(input, read_size);
      std::size_t kept = 0;
      const auto frames = frames_from(in, Framer::default_max_payload, Guesses::checked, &kept);
      return std::make_pair(frames, kept);
    };
    SUBCASE("lines of valid JSON are guessed, whatever the read sizes") {
      const std::string input = "{\"a\":1}\n  {\"b\":[{\"c\":\"}\"}]} \r\n\n{}\n";
      const auto [frames, kept] = guessed(input, input.size());
      check_frames(frames, {{"{\"a\":1}", 1, 1}, {"{\"b\":[{\"c\":\"}\"}]}", 2, 3}, {"{}", 4, 1}});
      CHECK(kept == 3);
      for (std::size_t read_size = 1; read_size < input.size(); ++read_size)
        CHECK(same_frames(guessed(input, read_size).first, frames));
    }
    SUBCASE("a line that is no JSON value is settled to what a scan frames") {
      const std::string input =
          "{\"a\":{\"b\":1}\n{\"c\":2}\n{\"d\":1}}\n{\"e\":1}{\"f\":2}\n{\"g\":\"}\n{\"h\":3}\n";
      const auto [frames, kept] = guessed(input, input.size());
      check_frames(frames, {{"{\"a\":{\"b\":1}", 1, 1},
                            {"{\"c\":2}", 2, 1},
                            {"{\"d\":1}", 3, 1},
                            {"}", 3, 8},
                            {"{\"e\":1}", 4, 1},
                            {"{\"f\":2}", 4, 8},
                            {"{\"g\":\"}", 5, 1},
                            {"{\"h\":3}", 6, 1}});
      CHECK(kept == 2);  // c and h; a payload after another on its line is scanned
    }
  }

  TEST_CASE("the processor's block scanner sees what the portable one sees") {
    // Blocks of the bytes that matter to the scanner (quotes, runs of backslashes,
    // brackets, line ends, bytes with the high bit set), their carries chained.
    const char alphabet[] = {'"',  '\\', '\\', '{',    '}',    '[',    ']',
                             '\n', 'a',  ' ',  '\x7B', '\xDB', '\xFD', '\x5C'};
    std::uint32_t seed = 12345;
    std::string bytes(64 * 4096, ' ');
    for (char& c : bytes) {
      seed = seed * 1103515245u + 12345u;
      c = alphabet[(seed >> 16) % sizeof alphabet];
    }
    const jira_alerts::read::BlockScanner fastest = jira_alerts::read::block_scanner();
    jira_alerts::read::Carry portable_carry, fastest_carry;
    std::size_t blocks_in_string = 0;
    for (std::size_t at = 0; at < bytes.size(); at += 64) {
      CAPTURE(at);
      const auto expected =
          jira_alerts::read::scan_block_portable(bytes.data() + at, portable_carry);
      const auto got = fastest(bytes.data() + at, fastest_carry);
      REQUIRE(got.strings == expected.strings);
      REQUIRE(got.newline == expected.newline);
      REQUIRE(got.open == expected.open);
      REQUIRE(got.close == expected.close);
      REQUIRE(got.brace == expected.brace);
      REQUIRE(fastest_carry.in_string == portable_carry.in_string);
      REQUIRE(fastest_carry.escape == portable_carry.escape);
      if (portable_carry.in_string != 0) ++blocks_in_string;
    }
    // Strings do run across blocks, and not in every one.
    CHECK(blocks_in_string > 0);
    CHECK(blocks_in_string < bytes.size() / 64);
  }

}  // TEST_SUITE
