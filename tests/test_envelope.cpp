#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "parse/envelope.hpp"
#include "parse/recorded.hpp"
#include "parse/unpack.hpp"
#include "rules/decide.hpp"
#include "util/hmac.hpp"

using jira_alerts::parse::Envelope;
using jira_alerts::parse::EnvelopeReader;
using jira_alerts::parse::Extractor;
using jira_alerts::parse::RecordedReader;
using jira_alerts::parse::Unpacked;
using jira_alerts::parse::Unpacker;

namespace {

const std::string payload =
    R"({"webhookEvent":"jira:issue_created","timestamp":5,"issue":{"key":"KAN-1"}})";

// PAYLOAD as a JSON string literal.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

struct Seen {
  bool usable;
  std::uint64_t line, column, error_line, error_column;
  std::string key, reason, raw, delivery;
};

std::vector<Seen> unpack(const std::string& frame, Extractor::Engine engine,
                         const char* secret = nullptr) {
  Unpacker unpacker(engine);
  if (secret != nullptr) unpacker.require_signatures(secret);
  std::vector<Seen> out;
  unpacker.unpack(frame, 3, 1, [&](const Unpacked& u) {
    out.push_back({u.usable(), u.line, u.column, u.error_line, u.error_column,
                   u.usable() ? std::string(u.payload->key.value) : "", u.reason,
                   std::string(u.raw), std::string(u.delivery_id)});
  });
  return out;
}

}  // namespace

TEST_SUITE("envelope") {
  TEST_CASE("read: the three shapes, and what is not an envelope") {
    EnvelopeReader reader;
    std::vector<Envelope> out;
    SUBCASE("a line record writes") {
      const std::string line =
          R"({"received_at":1,"path":"/jira","headers":{"X-Atlassian-Webhook-Identifier":"abc","x-hub-signature":"sha256=00"},"body":)" +
          quoted(payload) + "}";
      REQUIRE(reader.read(line, out));
      REQUIRE(out.size() == 1);
      CHECK(out[0].body == payload);
      CHECK(out[0].delivery_id == "abc");
      CHECK(out[0].signature == "sha256=00");
      CHECK(out[0].problem.empty());
      CHECK(out[0].begin == 0);
      CHECK(out[0].end == line.size());
    }
    SUBCASE("a failed-webhook item, its id a number") {
      REQUIRE(reader.read(
          R"({"id":77,"body":)" + quoted(payload) + R"(,"url":"u","failureTime":9})", out));
      REQUIRE(out.size() == 1);
      CHECK(out[0].delivery_id == "77");
      CHECK_FALSE(out[0].signature.has_value());
    }
    SUBCASE("the failed-webhook list: one envelope per item, bad items say why") {
      const std::string list = R"({"values":[{"id":"a","body":)" + quoted(payload) +
                               R"(,"failureTime":1},{"id":"b","body":{}},3],"maxResults":100})";
      REQUIRE(reader.read(list, out));
      REQUIRE(out.size() == 3);
      CHECK(out[0].problem.empty());
      CHECK(list.substr(out[0].begin, out[0].end - out[0].begin).rfind(R"({"id":"a")", 0) == 0);
      CHECK(out[1].problem == "not an envelope: 'body' must be a string holding the delivery");
      CHECK(out[2].problem == "not an envelope: an item of 'values' must be an object");
    }
    SUBCASE("base64 bodies") {
      REQUIRE(reader.read(R"({"received_at":1,"body_encoding":"base64","body":"/wA="})", out));
      CHECK(out[0].body == std::string("\xff\0", 2));
      REQUIRE(reader.read(R"({"received_at":1,"body_encoding":"base64","body":"@@@@"})", out));
      CHECK(out[0].problem == "envelope 'body' is not valid base64");
    }
    SUBCASE("a repeated body is refused") {
      REQUIRE(reader.read(R"({"received_at":1,"body":"{}","body":"{}"})", out));
      CHECK(out[0].problem == "envelope member 'body' appears more than once");
    }
    SUBCASE("not envelopes") {
      CHECK_FALSE(reader.read(payload, out));
      CHECK_FALSE(reader.read(R"({"body":"x"})", out));  // a body alone says nothing
      CHECK_FALSE(reader.read(R"({"webhookEvent":"x","received_at":1,"body":"{}"})", out));
      CHECK_FALSE(reader.read(R"({"received_at":1,"body":{"a":1}})", out));
      CHECK_FALSE(reader.read(R"({"received_at":1,"body":"x")", out));  // truncated
      CHECK_FALSE(reader.read("[1,2]", out));
    }
  }

  TEST_CASE("RecordedReader: record's lines read as EnvelopeReader reads them") {
    RecordedReader recorded;
    EnvelopeReader reader;
    std::vector<Envelope> fast, general;
    const std::string head = R"({"received_at":1700000000000,"path":"/jira",)";
    SUBCASE("the lines it reads") {
      for (
          const std::string& line : {
              head +
                  R"("headers":{"X-Atlassian-Webhook-Identifier":"a","x-atlassian-webhook-identifier":"b","X-Hub-Signature":"sha256=0f","user-agent":"u"},"body":)" +
                  quoted(payload) + "}",
              head + R"("headers":{},"body":"{\"t\":\"\u00e9 \ud83d\ude00 \\u0041\"}"}  )"
                     "\r",
              head + R"("headers":{},"body_encoding":"base64","body":"/wA="})",
              head + R"("headers":{},"body_encoding":"base64","body":"@@@@"})",
              head + R"("headers":{},"body_encoding":"gzip","body":"x"})",
              head + R"("headers":{},"body":"not json at all"})",
              std::string(R"({"received_at":1.5,"body":""})"),
          }) {
        CAPTURE(line);
        REQUIRE(recorded.read(line, fast));
        REQUIRE(reader.read(line, general));
        REQUIRE(fast.size() == 1);
        REQUIRE(general.size() == 1);
        CHECK(fast[0].begin == general[0].begin);
        CHECK(fast[0].end == general[0].end);
        CHECK(fast[0].body == general[0].body);
        CHECK(fast[0].delivery_id == general[0].delivery_id);
        CHECK(fast[0].signature == general[0].signature);
        CHECK(fast[0].problem == general[0].problem);
      }
      REQUIRE(recorded.read(
          head + R"("headers":{"X-ATLASSIAN-webhook-identifier":"z"},"body":"b"})", fast));
      CHECK(fast[0].delivery_id == "z");
      CHECK(fast[0].body == "b");
    }
    SUBCASE("what it leaves to EnvelopeReader") {
      for (const std::string& line : {
               head + R"("headers":{},"body":"{}","extra":1})",    // a member record never writes
               head + R"("headers":{},"body":"{}","body":"{}"})",  // a repeated member
               head + R"("headers":{"x-hub-signature":1},"body":"{}"})",
               head + R"("headers":[],"body":"{}"})",
               head + R"("headers":{},"body":{"a":1}})",
               head + R"("headers":{},"body":"\udc00"})",  // simdjson refuses a lone low surrogate
               std::string(R"({"received_at":123456789012345678901234,"body":"{}"})"),
               std::string(R"({"received_at":"1","body":"{}"})"),
               std::string(R"({"received_at":1,"path":"/jira"})"),
               std::string(R"({"received_at":1,"body":"x")"),     // cut short
               std::string(R"( {"received_at":1,"body":"{}"})"),  // not as record writes it
               std::string(R"({"webhookEvent":"x","received_at":1,"body":"{}"})"),
           }) {
        CAPTURE(line);
        CHECK_FALSE(recorded.read(line, fast));
      }
    }
  }

  TEST_CASE("base64 and UTF-8 helpers") {
    for (const std::string& bytes : {std::string(), std::string("a"), std::string("ab"),
                                     std::string("abc"), std::string("\xff\xfe\x00\x01", 4)}) {
      std::string encoded, decoded;
      jira_alerts::parse::append_base64(encoded, bytes);
      CHECK(encoded.size() % 4 == 0);
      REQUIRE(jira_alerts::parse::decode_base64(encoded, decoded));
      CHECK(decoded == bytes);
    }
    CHECK(jira_alerts::parse::is_valid_utf8("plain \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
    CHECK_FALSE(jira_alerts::parse::is_valid_utf8("\xff"));
    CHECK_FALSE(jira_alerts::parse::is_valid_utf8("\xc3"));              // cut short
    CHECK_FALSE(jira_alerts::parse::is_valid_utf8("\xed\xa0\x80"));      // a surrogate
    CHECK_FALSE(jira_alerts::parse::is_valid_utf8("\xc0\xaf"));          // overlong
    CHECK_FALSE(jira_alerts::parse::is_valid_utf8("\xe0\x80\xaf"));      // overlong, 3 bytes
    CHECK_FALSE(jira_alerts::parse::is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
    CHECK_FALSE(jira_alerts::parse::is_valid_utf8("ok, then \x80"));     // a lone continuation
    CHECK(jira_alerts::parse::is_valid_utf8(""));
    CHECK(jira_alerts::parse::is_valid_utf8(std::string("a\0b", 3)));
    CHECK(jira_alerts::parse::is_valid_utf8("\xef\xbf\xbf \xf4\x8f\xbf\xbf"));  // the last ones
    const std::string long_text(1000, 'x');  // past the validator's blocks
    CHECK(jira_alerts::parse::is_valid_utf8(long_text + "\xc3\xa9" + long_text));
    CHECK_FALSE(jira_alerts::parse::is_valid_utf8(long_text + "\xc3" + long_text));
  }

  TEST_CASE("escape_invalid_utf8: only the bytes that are not UTF-8 become %XX") {
    using jira_alerts::parse::escape_invalid_utf8;
    CHECK(escape_invalid_utf8("/jira") == "/jira");
    CHECK(escape_invalid_utf8("/caf\xc3\xa9 \xf0\x9f\x98\x80") == "/caf\xc3\xa9 \xf0\x9f\x98\x80");
    CHECK(escape_invalid_utf8("/\xffjira") == "/%FFjira");
    CHECK(escape_invalid_utf8("Jira \xe9") == "Jira %E9");                    // Latin-1
    CHECK(escape_invalid_utf8("caf\xc3") == "caf%C3");                        // cut short
    CHECK(escape_invalid_utf8("\xc3(\xc3\xa9") == "%C3(\xc3\xa9");            // then a valid one
    CHECK(escape_invalid_utf8("\xed\xa0\x80") == "%ED%A0%80");                // a surrogate
    CHECK(escape_invalid_utf8("\xc0\xaf") == "%C0%AF");                       // overlong
    CHECK(escape_invalid_utf8("\x80\xf4\x90\x80\x80") == "%80%F4%90%80%80");  // above U+10FFFF
    for (const std::string bytes : {"\xff\xfe", "a\xe2\x82", "\xe2\x82\xac\xc3"})
      CHECK(jira_alerts::parse::is_valid_utf8(escape_invalid_utf8(bytes)));
  }

  TEST_CASE_TEMPLATE("unpack: both engines read envelopes alike", Engine,
                     std::integral_constant<Extractor::Engine, Extractor::Engine::fast>,
                     std::integral_constant<Extractor::Engine, Extractor::Engine::reference>) {
    const Extractor::Engine engine = Engine::value;
    SUBCASE("a plain payload is itself") {
      const auto seen = unpack(payload, engine);
      REQUIRE(seen.size() == 1);
      CHECK(seen[0].usable);
      CHECK(seen[0].key == "KAN-1");
      CHECK(seen[0].delivery.empty());
    }
    SUBCASE("an envelope's body is the payload; a bad body points at the envelope") {
      const std::string list =
          "{\"values\": [\n  {\"id\":\"d1\",\"failureTime\":1,\"body\":" + quoted(payload) +
          "},\n  {\"id\":\"d2\",\"url\":\"u\",\"body\":" + quoted("{\"webhookEvent\":1}") + "}]}";
      const auto seen = unpack(list, engine);
      REQUIRE(seen.size() == 2);
      CHECK(seen[0].usable);
      CHECK(seen[0].key == "KAN-1");
      CHECK(seen[0].delivery == "d1");
      CHECK(seen[0].line == 4);
      CHECK(seen[0].column == 3);
      CHECK_FALSE(seen[1].usable);
      CHECK(seen[1].error_line == 5);
      CHECK(seen[1].error_column == 3);
      CHECK(seen[1].reason ==
            "field 'webhookEvent' must be a string, not a number (in the envelope's body, at byte "
            "16)");
      CHECK(seen[1].raw.rfind(R"({"id":"d2")", 0) == 0);  // what rejects --export writes
    }
    SUBCASE("a recorded line whose body is garbage: rejected at the envelope, whole") {
      const std::string line =
          R"({"received_at":1,"path":"/jira","headers":{"x-atlassian-webhook-identifier":"d9"},"body":"{\"webhookEvent\": nope"})";
      const auto seen = unpack(line, engine);
      REQUIRE(seen.size() == 1);
      CHECK_FALSE(seen[0].usable);
      CHECK(seen[0].line == 3);
      CHECK(seen[0].column == 1);
      CHECK(seen[0].error_line == 3);
      CHECK(seen[0].error_column == 1);
      CHECK(seen[0].reason ==
            "invalid JSON: not a valid JSON value (in the envelope's body, at byte 18)");
      CHECK(seen[0].raw == line);  // what rejects --export writes
      CHECK(seen[0].delivery == "d9");
      const auto good =
          unpack(R"({"received_at":1,"path":"/jira","headers":{},"body":)" + quoted(payload) + "}",
                 engine);
      REQUIRE(good.size() == 1);
      CHECK(good[0].usable);
      CHECK(good[0].key == "KAN-1");
    }
    SUBCASE("with a secret: signed envelopes only") {
      const std::string sig = "sha256=" + jira_alerts::util::hmac_sha256_hex("k", payload);
      const auto envelope = [&](const std::string& headers) {
        return R"({"received_at":1,"headers":{)" + headers + R"(},"body":)" + quoted(payload) + "}";
      };
      auto seen = unpack(envelope(R"("x-hub-signature":")" + sig + "\""), engine, "k");
      REQUIRE(seen.size() == 1);
      CHECK(seen[0].usable);
      seen = unpack(envelope(R"("x-hub-signature":")" + sig + "\""), engine, "other");
      CHECK(seen[0].reason ==
            "signature mismatch: X-Hub-Signature is not the HMAC-SHA256 of the body under the "
            "secret");
      seen = unpack(envelope(""), engine, "k");
      CHECK(seen[0].reason == "not signed: no X-Hub-Signature");
      seen = unpack(payload, engine, "k");
      CHECK_FALSE(seen[0].usable);
      CHECK(seen[0].reason.rfind("not signed: a plain payload", 0) == 0);
    }
  }

  TEST_CASE("delivery identity") {
    using jira_alerts::rules::delivery_identity;
    CHECK(delivery_identity("") == 0);
    CHECK(delivery_identity("a") != 0);
    CHECK(delivery_identity("a") == delivery_identity("a"));
    CHECK(delivery_identity("a") != delivery_identity("b"));
  }
}

TEST_SUITE("hmac") {
  TEST_CASE("hmac_sha256_hex: RFC 4231 test case 2") {
    CHECK(jira_alerts::util::hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }

  TEST_CASE("verify_signature") {
    using jira_alerts::util::Signature;
    using jira_alerts::util::verify_signature;
    const std::string good = "sha256=" + jira_alerts::util::hmac_sha256_hex("s", "body");
    CHECK(verify_signature("s", "body", good) == Signature::valid);
    std::string upper = good;
    for (char& c : upper)
      if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
    upper.replace(0, 7, "sha256=");
    CHECK(verify_signature("s", "body", upper) == Signature::valid);  // hex in either case
    CHECK(verify_signature("s", "body!", good) == Signature::mismatch);
    CHECK(verify_signature("t", "body", good) == Signature::mismatch);
    CHECK(verify_signature("s", "body", good.substr(0, good.size() - 1)) == Signature::mismatch);
    CHECK(verify_signature("s", "body", "sha1=" + good.substr(7)) == Signature::mismatch);
    CHECK(verify_signature("s", "body", std::nullopt) == Signature::missing);
  }
}
