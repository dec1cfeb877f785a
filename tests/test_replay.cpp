#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "parse/unpack.hpp"
#include "replay/replayer.hpp"
#include "replay/sink.hpp"
#include "report/console.hpp"
#include "store/store.hpp"
#include "testutil.hpp"

namespace jira_alerts {
namespace {

// A sink that keeps what it is told, each in words.
class Recorder : public replay::Sink {
 public:
  std::vector<std::string> records, rejections, warnings;
  std::vector<std::uint64_t> progress_at;  // payload counts
  int flushes = 0;
  bool takes = true;

  void write(const replay::DecisionRecord& r) override {
    records.push_back(std::string(rules::action_name(r.action)) + " " +
                      std::string(r.fingerprint.value_or("-")) + ": " + std::string(r.reason));
  }
  void flush() override { ++flushes; }
  void rejected(const replay::Notice& n) override { rejections.push_back(place(n)); }
  void warning(const replay::Notice& n) override { warnings.push_back(place(n)); }
  void progress(const replay::Counts& c) override { progress_at.push_back(c.payloads); }
  bool takes_records() const override { return takes; }

 private:
  static std::string place(const replay::Notice& n) {
    std::string s = std::string(n.path) + ":" + std::to_string(n.line);
    if (n.column) s += ":" + std::to_string(*n.column);
    return s + ": " + std::string(n.text);
  }
};

std::string created(const std::string& key, long long ts, const std::string& priority) {
  return R"({"webhookEvent":"jira:issue_created","timestamp":)" + std::to_string(ts) +
         R"(,"issue":{"key":")" + key + R"(","fields":{"priority":{"name":")" + priority +
         R"("},"status":{"name":"To Do"}}}})" + "\n";
}

// Replays CONTENT, written to NAME in DIR, into a fresh state file, telling SINK.
replay::Counts replay_into(Recorder& sink, const test::TempDir& dir, const std::string& name,
                           const std::string& content) {
  store::Store st(dir.file("state.db"), store::Access::write);
  const rules::Mapping mapping;
  replay::Replayer replayer(st, replay::default_sets(mapping), &sink, replay::OnReject::keep_going);
  replayer.replay({dir.write(name, content)});
  replayer.finish();
  return replayer.counts();
}

}  // namespace

TEST_SUITE("replay.sink") {
  TEST_CASE("a replay tells its sink every decision, rejection and warning, and prints nothing") {
    const test::TempDir dir;
    Recorder sink;
    const std::string level(rules::level_name(rules::Mapping().default_priority()));
    test::CapturedStderr err;
    const replay::Counts counts =
        replay_into(sink, dir, "a.ndjson",
                    created("KAN-1", 1000, "Weird") + created("KAN-2", 2000, "Weird") +
                        "{\"webhookEvent\": nope}\n" + created("KAN-3", 3000, "High"));
    CHECK(err.text().empty());
    CHECK(counts.payloads == 4);
    CHECK(sink.records == std::vector<std::string>{
                              "open KAN-1: status 'To Do' is active: open",
                              "open KAN-2: status 'To Do' is active: open",
                              "reject -: invalid JSON: not a valid JSON value",
                              "open KAN-3: status 'To Do' is active: open",
                          });
    CHECK(sink.rejections ==
          std::vector<std::string>{dir.file("a.ndjson") +
                                   ":3:19: invalid JSON: not a valid JSON value"});
    // Told once per name; every record of it carries the warning.
    CHECK(sink.warnings == std::vector<std::string>{
                               dir.file("a.ndjson") + ":1: unmapped priority 'Weird' counts as " +
                               level + " (map it with --priority 'Weird=LEVEL')"});
    CHECK(sink.flushes >= 1);
    CHECK(sink.progress_at.empty());  // fewer than 1024 payloads
  }

  TEST_CASE("a priority object without a name is warned about once") {
    const test::TempDir dir;
    Recorder sink;
    const std::string unnamed =
        R"({"webhookEvent":"jira:issue_created","timestamp":5,"issue":{"key":"KAN-1","fields":)"
        R"({"priority":{"id":"3"},"status":{"name":"To Do"}}}})"
        "\n";
    replay_into(sink, dir, "b.ndjson", unnamed + unnamed);
    const std::string level(rules::level_name(rules::Mapping().default_priority()));
    CHECK(sink.warnings == std::vector<std::string>{dir.file("b.ndjson") +
                                                    ":1: issue.fields.priority has no name: it "
                                                    "counts as " +
                                                    level});
    CHECK(sink.records.size() == 2);
  }

  TEST_CASE("progress every 1024 payloads; no records for a sink that takes none") {
    const test::TempDir dir;
    Recorder sink;
    sink.takes = false;
    std::string content;
    for (int i = 0; i < 2100; ++i)
      content += created("KAN-" + std::to_string(i + 1), 1000 + i, "High");
    content += "not json\n";
    const replay::Counts counts = replay_into(sink, dir, "c.ndjson", content);
    CHECK(counts.payloads == 2101);
    CHECK(sink.progress_at == std::vector<std::uint64_t>{1024, 2048});
    CHECK(sink.records.empty());
    CHECK(sink.rejections.size() == 1);  // told all the same
  }

  TEST_CASE("report::Console: messages on its stream, records to the sink behind it") {
    std::FILE* err = std::tmpfile();
    REQUIRE(err != nullptr);
    Recorder records;
    std::vector<std::uint64_t> progress;
    report::Console console(
        &records, [&](const replay::Counts& c) { progress.push_back(c.payloads); }, err);
    console.rejected({"in.json", 3, 7, "unexpected end of input"});
    console.warning({"in.json", 4, std::nullopt, "unmapped priority 'P9' counts as LOW"});
    replay::DecisionRecord r;
    r.action = rules::Action::update;
    r.fingerprint = "KAN-1";
    r.reason = "why";
    console.write(r);
    console.flush();
    replay::Counts c;
    c.payloads = 1024;
    console.progress(c);
    CHECK(console.takes_records());
    CHECK(records.records == std::vector<std::string>{"update KAN-1: why"});
    CHECK(records.flushes == 1);
    CHECK(progress == std::vector<std::uint64_t>{1024});
    std::rewind(err);
    std::string text;
    for (int ch; (ch = std::fgetc(err)) != EOF;) text.push_back(static_cast<char>(ch));
    std::fclose(err);
    CHECK(text ==
          "jira-alerts: in.json:3:7: unexpected end of input\n"
          "jira-alerts: warning: in.json:4: unmapped priority 'P9' counts as LOW\n");

    const report::Console quiet(nullptr);
    CHECK_FALSE(quiet.takes_records());
  }
}

TEST_SUITE("replay.batches") {
  TEST_CASE("a rolled-back batch of live deliveries leaves no count and no source behind") {
    // As record --apply does when the state file fails it: the batch is rolled back and
    // its deliveries taken again from the capture later.
    test::TempDir dir;
    store::Store st(dir.file("state.db"), store::Access::write);
    const rules::Mapping mapping;
    replay::Replayer replayer(st, replay::default_sets(mapping), nullptr,
                              replay::OnReject::keep_going);
    parse::Unpacker unpacker;
    replay::Parsed item;
    const auto take = [&](const std::string& key, std::uint64_t line) {
      std::string text = created(key, 1000 + static_cast<long long>(line), "High");
      text.pop_back();  // a capture line, without its newline
      unpacker.unpack(text, line, 1, [&](const parse::Unpacked& u) {
        item.assign(u, 0);
        replayer.take(item, "capture/2026-11-30.ndjson");
      });
    };
    replayer.open_batch();
    take("OPS-1", 1);
    replayer.rollback();
    CHECK(replayer.counts().payloads == 0);
    replayer.open_batch();
    take("OPS-1", 1);
    take("OPS-2", 2);
    replayer.commit();
    CHECK(replayer.counts().payloads == 2);
    CHECK(replayer.counts().of(rules::Action::open) == 2);
    // Each event names a source row that exists (the first was rolled back with its batch).
    store::Statement logged(st.db(), "SELECT count(*), min(path) FROM event_log");
    REQUIRE(logged.step());
    CHECK(logged.int64(0) == 2);
    CHECK(std::string(logged.text(1)) == "capture/2026-11-30.ndjson");
  }
}

}  // namespace jira_alerts
