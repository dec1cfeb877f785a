#include <doctest/doctest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "capture/applier.hpp"
#include "capture/log.hpp"
#include "capture/receiver.hpp"
#include "full_disk.hpp"
#include "parse/envelope.hpp"
#include "parse/recorded.hpp"
#include "testutil.hpp"
#include "util/error.hpp"

using jira_alerts::capture::CaptureLog;
using jira_alerts::test::TempDir;

namespace {

// An envelope line as record writes it, of an issue-created payload for KEY.
std::string recorded(const std::string& key, int timestamp = 5,
                     const std::string& status = "To Do") {
  const std::string body = R"({"webhookEvent":"jira:issue_created","timestamp":)" +
                           std::to_string(timestamp) + R"(,"issue":{"key":")" + key +
                           R"(","fields":{"status":{"name":")" + status + R"("}}}})";
  return jira_alerts::capture::envelope_line(1, "/jira", {}, body) + "\n";
}

// The first column of the first row of SQL, read from the state file at PATH by a
// connection of its own: only what was committed.
std::string committed(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string value = "(none)";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != nullptr)
      value = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return value;
}

// The payload counts of the batches an Applier commits, as on_applied tells them.
struct Batches {
  std::mutex mutex;
  std::condition_variable applied;
  std::vector<std::uint64_t> payloads;

  explicit Batches(jira_alerts::capture::Applier& applier) {
    applier.on_applied = [this](const jira_alerts::capture::AppliedBatch& b) {
      const std::lock_guard lock(mutex);
      payloads.push_back(b.payloads);
      applied.notify_all();
    };
  }
  // Those so far, once there are N (or 10 s passed).
  std::vector<std::uint64_t> wait_for(std::size_t n) {
    std::unique_lock lock(mutex);
    applied.wait_for(lock, std::chrono::seconds(10), [&] { return payloads.size() >= n; });
    return payloads;
  }
};

// Whether TEXT came to standard error, captured by ERR, within 10 s.
bool comes(const jira_alerts::test::CapturedStderr& err, const std::string& text) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (err.written().find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

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
    // A path and a header value that are not UTF-8 (a %FF in the URL, Latin-1): both
    // readers take the line, with those bytes written %XX.
    const std::string line = jira_alerts::capture::envelope_line(
        1, "/\xffjira",
        {{"user-agent", "Jira \xe9"}, {"x-atlassian-webhook-identifier", "id-\xe9"}}, "{}");
    REQUIRE(reader.read(line, out));
    REQUIRE(out.size() == 1);
    CHECK(out[0].problem.empty());
    CHECK(out[0].path == "/%FFjira");
    CHECK(out[0].delivery_id == "id-%E9");
    REQUIRE(recorded.read(line, fast));
    REQUIRE(fast.size() == 1);
    CHECK(fast[0].path == "/%FFjira");
    CHECK(fast[0].delivery_id == "id-%E9");
  }

  TEST_CASE("Applier: one batch takes what it is told of, and commits once nothing more comes") {
    using jira_alerts::capture::Applier;
    TempDir dir;
    jira_alerts::store::Store state(dir.file("state.db"), jira_alerts::store::Access::write);
    const jira_alerts::rules::Mapping mapping;
    const std::string day1 =
        dir.write("cap/2026-01-01.ndjson", recorded("KAN-1") + recorded("KAN-2"));
    const std::string day2 = dir.write("cap/2026-01-02.ndjson", recorded("KAN-3"));
    jira_alerts::capture::Metrics metrics;
    Applier applier(state, jira_alerts::replay::default_sets(mapping), dir.file("cap"),
                    "record --apply", &metrics, nullptr);
    // What /metrics shows: payloads applied, and open alerts (all priorities).
    const auto shown = [&] {
      std::istringstream text(metrics.render(true));
      std::int64_t applied = -1, open = 0;
      for (std::string line; std::getline(text, line);) {
        const auto space = line.rfind(' ');
        const std::string name = line.substr(0, space);
        if (name == "jira_alerts_applied_total") applied = std::stoll(line.substr(space + 1));
        if (name.rfind("jira_alerts_open_alerts{", 0) == 0)
          open += std::stoll(line.substr(space + 1));
      }
      return std::pair{applied, open};
    };
    Batches batches(applier);
    // Told of two files (a day ends) before it starts: both go in its first batch.
    applier.notify({day1, std::filesystem::file_size(day1)});
    applier.notify({day2, std::filesystem::file_size(day2)});
    applier.start();
    CHECK(batches.wait_for(1) == std::vector<std::uint64_t>{3});
    CHECK(shown() == std::pair<std::int64_t, std::int64_t>{3, 3});  // counted once it is idle
    // Committed while it runs, with how far each file was applied.
    const std::string db = dir.file("state.db");
    CHECK(committed(db, "SELECT count(*) FROM events") == "3");
    const auto progress = [&](const std::string& file) {
      return committed(db,
                       "SELECT value FROM meta WHERE key = '" + Applier::progress_key(file) + "'");
    };
    CHECK(progress(day1) == std::to_string(std::filesystem::file_size(day1)) + " 3");
    CHECK(progress(day2) == std::to_string(std::filesystem::file_size(day2)) + " 2");
    // A line that comes later is a batch of its own, from where the file was left.
    std::ofstream(day1, std::ios::app) << recorded("KAN-4");
    applier.notify({day1, std::filesystem::file_size(day1)});
    CHECK(batches.wait_for(2) == std::vector<std::uint64_t>{3, 1});
    CHECK(committed(db, "SELECT count(*) FROM alerts") == "4");
    CHECK(shown() == std::pair<std::int64_t, std::int64_t>{4, 4});
    CHECK(progress(day1) == std::to_string(std::filesystem::file_size(day1)) + " 4");
    applier.stop();
    CHECK(applier.counts().payloads == 4);
  }

  // An applier of one capture file, FIRST at first, into a state file on a disk that
  // fills up when told.
  struct OnFullDisk {
    jira_alerts::test::FullDisk disk;  // outlives the state file
    TempDir dir;
    const std::string db = dir.file("state.db");
    jira_alerts::store::Store state{db, jira_alerts::store::Access::write};
    const jira_alerts::rules::Mapping mapping;
    const std::string day;
    jira_alerts::capture::Applier applier;

    explicit OnFullDisk(const std::string& first, jira_alerts::replay::Sink* sink = nullptr)
        : day(dir.write("cap/2026-01-01.ndjson", first)),
          applier(state, jira_alerts::replay::default_sets(mapping), dir.file("cap"),
                  "record --apply", nullptr, sink) {}
  };

  // The places of the rejections a sink was told of, as "PATH:LINE".
  struct Rejections : jira_alerts::replay::Sink {
    std::mutex mutex;
    std::vector<std::string> told;
    void write(const jira_alerts::replay::DecisionRecord&) override {}
    void rejected(const jira_alerts::replay::Notice& n) override {
      const std::lock_guard lock(mutex);
      told.push_back(std::string(n.path) + ":" + std::to_string(n.line));
    }
    bool takes_records() const override { return false; }
  };

  TEST_CASE("Applier: a batch the state file refuses is rolled back and applied later") {
    using jira_alerts::capture::Applier;
    OnFullDisk f(recorded("KAN-1"));
    Applier& applier = f.applier;
    const std::string &db = f.db, &day = f.day;
    applier.retry_first = std::chrono::hours(1);  // only deliveries retry here
    std::atomic<bool> settings_fail{false};
    applier.before_batch = [&] {
      if (settings_fail) throw jira_alerts::Error("cannot read the settings");
    };
    Batches batches(applier);
    const auto deliver = [&](const std::string& key, const std::string& status = "To Do") {
      std::ofstream(day, std::ios::app) << recorded(key, 6, status);
      applier.notify({day, std::filesystem::file_size(day)});
    };
    jira_alerts::test::CapturedStderr err;
    applier.notify({day, std::filesystem::file_size(day)});
    applier.start();
    REQUIRE(batches.wait_for(1).size() == 1);
    // The disk is full: the commit fails, nothing of the batch is kept, the applier goes on.
    f.disk.full = true;
    deliver("KAN-1", "In Progress");
    deliver("KAN-2");
    CHECK(comes(err, "state file '" + db + "': "));
    CHECK(comes(err, "database or disk is full"));
    CHECK(committed(db, "SELECT count(*) FROM events") == "1");
    // The next delivery finds the settings unreadable before its batch: nothing applied.
    f.disk.full = false;
    settings_fail = true;
    deliver("KAN-3");
    CHECK(comes(err, "cannot read the settings"));
    CHECK(committed(db, "SELECT count(*) FROM events") == "1");
    // The one after applies every line since the last commit.
    settings_fail = false;
    deliver("KAN-4");
    CHECK(batches.wait_for(2) == std::vector<std::uint64_t>{1, 4});
    CHECK(committed(db, "SELECT count(*) FROM events") == "5");
    CHECK(committed(db, "SELECT count(*) FROM alerts") == "4");
    CHECK(committed(db, "SELECT value FROM meta WHERE key = '" + Applier::progress_key(day) +
                            "'") == std::to_string(std::filesystem::file_size(day)) + " 6");
    applier.stop();
  }

  TEST_CASE("Applier: a refused batch is tried again on its own, waiting longer each time") {
    using jira_alerts::capture::Applier;
    OnFullDisk f("");
    Applier& applier = f.applier;
    const std::string &db = f.db, &day = f.day;
    applier.retry_first = std::chrono::milliseconds(40);
    Batches batches(applier);
    jira_alerts::test::CapturedStderr err;
    applier.start();
    // The last delivery of a quiet hook meets a full disk: no other comes to retry it.
    f.disk.full = true;
    std::ofstream(day, std::ios::app) << recorded("KAN-1");
    applier.notify({day, std::filesystem::file_size(day)});
    CHECK(comes(err, "database or disk is full"));
    CHECK(comes(err, "(applied again in 40 ms, or with the next delivery)"));
    CHECK(comes(err, "(applied again in 80 ms, or with the next delivery)"));
    CHECK(comes(err, "(applied again in 160 ms, or with the next delivery)"));
    CHECK(committed(db, "SELECT count(*) FROM events") == "0");
    // Room again: the next retry applies it, with no delivery to wake it.
    f.disk.full = false;
    CHECK(batches.wait_for(1) == std::vector<std::uint64_t>{1});
    CHECK(committed(db, "SELECT count(*) FROM alerts WHERE fingerprint = 'KAN-1'") == "1");
    applier.stop();
  }

  TEST_CASE("Applier: a rejection in a refused batch is told once, when the batch commits") {
    using jira_alerts::capture::Applier;
    Rejections sink;
    OnFullDisk f("", &sink);
    Applier& applier = f.applier;
    const std::string& day = f.day;
    applier.retry_first = std::chrono::milliseconds(40);
    Batches batches(applier);
    jira_alerts::test::CapturedStderr err;
    applier.start();
    f.disk.full = true;
    std::ofstream(day, std::ios::app)
        << jira_alerts::capture::envelope_line(1, "/jira", {}, R"({"webhookEvent":)") << "\n"
        << recorded("KAN-1");
    applier.notify({day, std::filesystem::file_size(day)});
    CHECK(comes(err, "(applied again in 40 ms, or with the next delivery)"));
    CHECK(comes(err, "(applied again in 80 ms, or with the next delivery)"));
    f.disk.full = false;
    CHECK(batches.wait_for(1) == std::vector<std::uint64_t>{2});
    applier.stop();
    const std::lock_guard lock(sink.mutex);
    CHECK(sink.told == std::vector<std::string>{day + ":1"});
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
