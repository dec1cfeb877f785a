#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "capture/log.hpp"
#include "capture/receiver.hpp"
#include "parse/envelope.hpp"
#include "parse/recorded.hpp"
#include "testutil.hpp"
#include "util/error.hpp"

using jira_alerts::capture::CaptureLog;
using jira_alerts::test::TempDir;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_SUITE("capture") {
  TEST_CASE("CaptureLog: concurrent appends are all durable, whole lines, once") {
    TempDir dir;
    CaptureLog log(dir.file("cap"));
    const std::string file = log.file_for(0);
    CHECK(file == dir.file("cap") + "/1970-01-01.ndjson");
    std::atomic<std::uint64_t> durable_end{0}, batches{0};
    log.on_durable = [&](const jira_alerts::capture::Durable& d) {
      CHECK(d.path == file);
      CHECK(d.end > durable_end.load());  // only ever grows
      durable_end = d.end;
      ++batches;
    };
    constexpr int threads = 8, each = 50;
    std::atomic<int> failed{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (int i = 0; i < each; ++i)
          if (!log.append("{\"t\":" + std::to_string(t) + ",\"i\":" + std::to_string(i) + "}",
                          file))
            ++failed;
      });
    }
    for (auto& th : pool) th.join();
    log.stop();
    CHECK(failed == 0);
    const std::string text = slurp(file);
    CHECK(durable_end == text.size());
    CHECK(batches <= threads * each);
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    REQUIRE(lines.size() == threads * each);
    std::sort(lines.begin(), lines.end());
    CHECK(std::adjacent_find(lines.begin(), lines.end()) == lines.end());
    CHECK_FALSE(log.append("{}", file));  // stopped: nothing more is accepted
  }

  TEST_CASE("CaptureLog: an unfinished last line is cut off before appending") {
    TempDir dir;
    const std::string file = dir.write("cap/1970-01-01.ndjson", "{\"a\":1}\n{\"torn");
    CaptureLog log(dir.file("cap"));
    REQUIRE(log.append("{\"b\":2}", file));
    CHECK(slurp(file) == "{\"a\":1}\n{\"b\":2}\n");
  }

  TEST_CASE("CaptureLog: one writer per directory") {
    TempDir dir;
    CaptureLog log(dir.file("cap"));
    CHECK_THROWS_WITH_AS(
        CaptureLog(dir.file("cap")),
        ("--out: another 'jira-alerts record' is writing to '" + dir.file("cap") + "'").c_str(),
        jira_alerts::Error);
  }

  TEST_CASE("CaptureLog: a failed write is refused, and the log goes on") {
    TempDir dir;
    CaptureLog log(dir.file("cap"));
    const std::string file = log.file_for(0);
    REQUIRE(symlink("/dev/full", file.c_str()) == 0);
    CHECK_FALSE(log.append("{\"lost\":1}", file));
    REQUIRE(unlink(file.c_str()) == 0);
    const std::string other = log.file_for(86'400'000);  // the next day
    CHECK(log.append("{\"kept\":1}", other));
    CHECK(slurp(other) == "{\"kept\":1}\n");
  }

  TEST_CASE("envelope_line: read back as the delivery it recorded") {
    jira_alerts::parse::EnvelopeReader reader;
    jira_alerts::parse::RecordedReader recorded;  // the capture's own lines, read at once
    std::vector<jira_alerts::parse::Envelope> out, fast;
    const std::vector<std::pair<std::string, std::string>> headers{
        {"x-atlassian-webhook-identifier", "id-1"}, {"x-hub-signature", "sha256=ab"}};
    for (const std::string& body : {std::string("{\"webhookEvent\":\"x\",\n\"t\":\"\\u00e9\"}"),
                                    std::string("not json \xff\x00 at all", 17), std::string()}) {
      const std::string line = jira_alerts::capture::envelope_line(1234, "/jira", headers, body);
      CHECK(line.find('\n') == std::string::npos);  // one line, whatever the body
      REQUIRE(reader.read(line, out));
      REQUIRE(out.size() == 1);
      CHECK(out[0].problem.empty());
      CHECK(out[0].body == body);
      CHECK(out[0].delivery_id == "id-1");
      CHECK(out[0].signature == "sha256=ab");
      REQUIRE(recorded.read(line, fast));
      REQUIRE(fast.size() == 1);
      CHECK(fast[0].body == body);
      CHECK(fast[0].delivery_id == "id-1");
      CHECK(fast[0].signature == "sha256=ab");
      CHECK(fast[0].end == line.size());
    }
  }

  TEST_CASE("keeps_header") {
    using jira_alerts::capture::keeps_header;
    CHECK(keeps_header("x-atlassian-webhook-identifier"));
    CHECK(keeps_header("x-atlassian-webhook-retry"));
    CHECK(keeps_header("x-hub-signature"));
    CHECK(keeps_header("content-type"));
    CHECK_FALSE(keeps_header("authorization"));
    CHECK_FALSE(keeps_header("cookie"));
  }
}
