#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cstdint>
#include <fstream>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "replay/replayer.hpp"
#include "replay/sink.hpp"
#include "store/open.hpp"
#include "store/queries.hpp"
#include "store/store.hpp"
#include "testutil.hpp"
#include "util/error.hpp"

namespace jira_alerts {
namespace {

std::string payload(const std::string& event, const std::string& key, long long ts,
                    const std::string& status, const std::string& category,
                    const std::string& extra = "") {
  return R"({"webhookEvent":")" + event + R"(","timestamp":)" + std::to_string(ts) +
         R"(,"issue":{"id":"1","key":")" + key + R"(","fields":{"summary":"Checkout down )" +
         std::to_string(ts) + R"(","project":{"key":"OPS"},"priority":{"name":"High"},)" +
         R"("status":{"name":")" + status + R"(","statusCategory":{"key":")" + category +
         R"("}}}})" + extra + "}\n";
}

// What makes a replay read one alert's events (index events_by_alert) as it goes.
std::string reads_events(const std::string& what) {
  std::string h;
  if (what == "late" || what == "all") {
    h += payload("jira:issue_updated", "OPS-7", 50'000, "Done", "done");
    h += payload("jira:issue_updated", "OPS-7", 40'000, "In Progress", "indeterminate");
  }
  if (what == "merge" || what == "all") {  // two alerts of one moved issue become one
    h += payload("jira:issue_created", "KAN-1", 60'000, "To Do", "new");
    h += payload("jira:issue_updated", "WEB-9", 61'000, "Done", "done");
    h += payload("jira:issue_updated", "WEB-9", 62'000, "To Do", "new",
                 R"(,"changelog":{"id":"9","items":[{"field":"Key","fieldtype":"jira",)"
                 R"("from":null,"fromString":"KAN-1","to":null,"toString":"WEB-9"}]})");
  }
  if (what == "comment" || what == "all") {  // a comment that came before its issue
    h += payload("comment_created", "NEW-1", 70'000, "Open", "new");
    h += payload("jira:issue_created", "NEW-1", 71'000, "Open", "new");
  }
  return h;
}

// 2,100 new issues, with WHAT (reads_events) after the first 1,100.
std::string bulk_history(const std::string& what = "all") {
  std::string h;
  const auto created = [&](int from, int to) {
    for (int i = from; i <= to; ++i)
      h += payload("jira:issue_created", "OPS-" + std::to_string(i), 10'000 + i, "Open", "new");
  };
  created(1, 1'100);
  h += reads_events(what);
  created(1'101, 2'100);
  return h;
}

bool has_index(store::Database& db, const char* name) {
  store::Statement s(db, "SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?1");
  s.bind(1, std::string_view(name));
  return s.step();
}

// Notes, at each progress report, whether the two indexes stood in the open batch.
class IndexWatch : public replay::Sink {
 public:
  explicit IndexWatch(store::Database& db) : db_(db) {}
  std::vector<std::string> seen;
  void write(const replay::DecisionRecord&) override {}
  void flush() override {}
  void rejected(const replay::Notice&) override {}
  void warning(const replay::Notice&) override {}
  void progress(const replay::Counts& c) override {
    seen.push_back(std::to_string(c.payloads) + (has_index(db_, "events_by_alert") ? " e" : " -") +
                   (has_index(db_, "alerts_by_state") ? "s" : "-"));
  }
  bool takes_records() const override { return false; }

 private:
  store::Database& db_;
};

}  // namespace

TEST_SUITE("store.indexes") {
  TEST_CASE("a bulk replay builds the reports' indexes at its end, to the same state") {
    for (const std::string what : {"none", "late", "merge", "comment", "all"}) {
      CAPTURE(what);
      test::TempDir dir;
      const std::string input = dir.write("h.ndjson", bulk_history(what));
      const rules::Mapping mapping;
      std::vector<std::string> seen;
      for (const std::string name : {"bulk.db", "kept.db"}) {
        store::Store st(dir.file(name), store::Access::write);
        IndexWatch watch(st.db());
        replay::Replayer replayer(st, replay::default_sets(mapping), &watch,
                                  replay::OnReject::keep_going);
        if (name == "kept.db") replayer.bulk_payloads = std::numeric_limits<std::uint64_t>::max();
        replayer.replay({input});
        replayer.finish();
        if (name == "bulk.db") seen = watch.seen;
        CHECK(has_index(st.db(), "events_by_alert"));
        CHECK(has_index(st.db(), "alerts_by_state"));
        CHECK_FALSE(st.indexes().deferred());
      }
      // Past the first 1,000 payloads (an empty file's bulk) neither index is kept up,
      // until the replay reads an alert's events: that one is built again then (for a
      // late payload, when its batch commits).
      const bool reads_now = what == "merge" || what == "comment" || what == "all";
      CHECK(seen == std::vector<std::string>{"1024 es", reads_now ? "2048 e-" : "2048 --"});

      store::Database bulk(dir.file("bulk.db"), store::OpenMode::read_only);
      store::Database kept(dir.file("kept.db"), store::OpenMode::read_only);
      store::Statement check(bulk, "PRAGMA integrity_check");
      REQUIRE(check.step());
      CHECK(std::string(check.text(0)) == "ok");
      for (const char* table : {"alerts", "episodes", "aliases", "events"})
        CHECK_MESSAGE(test::dump(bulk, table) == test::dump(kept, table), table);
      if (what != "all") continue;
      // The late payload, the merge and the adopted comment all did their part.
      CHECK(test::dump(bulk, "aliases").find("KAN-1|") != std::string::npos);
      store::Statement adopted(bulk,
                               "SELECT count(*) FROM events e JOIN alerts a ON a.id = e.alert_id "
                               "WHERE a.fingerprint = 'NEW-1'");
      REQUIRE(adopted.step());
      CHECK(adopted.int64(0) == 2);
    }
  }

  TEST_CASE("a run no larger than the file's event log keeps the indexes up as it goes") {
    test::TempDir dir;
    const std::string input = dir.write("h.ndjson", bulk_history());
    const rules::Mapping mapping;
    store::Store st(dir.file("state.db"), store::Access::write);
    for (int run = 0; run < 2; ++run) {
      IndexWatch watch(st.db());
      replay::Replayer replayer(st, replay::default_sets(mapping), &watch,
                                replay::OnReject::keep_going);
      replayer.replay({input});
      replayer.finish();
      // The second run is as large as the log it finds: no bulk.
      if (run == 1) CHECK(watch.seen == std::vector<std::string>{"1024 es", "2048 es"});
    }
  }

  TEST_CASE("a run from a pipe keeps the indexes up however long it runs") {
    test::TempDir dir;
    const std::string fifo = dir.file("deliveries");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    std::thread writer([&] { std::ofstream(fifo, std::ios::binary) << bulk_history("none"); });
    store::Store st(dir.file("state.db"), store::Access::write);
    IndexWatch watch(st.db());
    replay::Replayer replayer(st, replay::default_sets(rules::Mapping{}), &watch,
                              replay::OnReject::keep_going);
    replayer.replay({fifo});
    writer.join();
    replayer.finish();
    CHECK(replayer.counts().payloads == 2'100);
    CHECK(watch.seen == std::vector<std::string>{"1024 es", "2048 es"});
  }

  TEST_CASE("a writer builds events_by_alert again when another process dropped it") {
    test::TempDir dir;
    const std::string path = dir.file("state.db");
    store::Store st(path, store::Access::write);
    const auto replay = [&](const std::string& name, const std::string& text) {
      replay::Replayer replayer(st, replay::default_sets(rules::Mapping{}), nullptr,
                                replay::OnReject::keep_going);
      replayer.replay({dir.write(name, text)});
      replayer.finish();
    };
    replay("a.ndjson", payload("jira:issue_created", "OPS-1", 1'000, "Open", "new") +
                           payload("jira:issue_updated", "OPS-1", 3'000, "Done", "done"));
    {
      // A bulk replay of another process, between two batches.
      store::Database other(path, store::OpenMode::read_write);
      other.exec("DROP INDEX events_by_alert");
    }
    CHECK_FALSE(has_index(st.db(), "events_by_alert"));
    // A late payload: its alert's history is read by alert, which needs the index.
    replay("b.ndjson",
           payload("jira:issue_updated", "OPS-1", 2'000, "In Progress", "indeterminate"));
    CHECK(has_index(st.db(), "events_by_alert"));
  }

  TEST_CASE("a --strict bulk replay that stops on a rejection rolls the drop back too") {
    test::TempDir dir;
    const std::string input = dir.write("h.ndjson", bulk_history() + "{\"webhookEvent\":\n");
    const rules::Mapping mapping;
    store::Store st(dir.file("state.db"), store::Access::write);
    replay::Replayer replayer(st, replay::default_sets(mapping), nullptr, replay::OnReject::stop);
    CHECK_FALSE(replayer.replay({input}));
    CHECK(has_index(st.db(), "events_by_alert"));
    CHECK(has_index(st.db(), "alerts_by_state"));
    store::Statement events(st.db(), "SELECT count(*) FROM events");
    REQUIRE(events.step());
    CHECK(events.int64(0) == 0);
  }

  TEST_CASE("a file whose index cannot be built is still opened, with its page cache") {
    test::TempDir dir;
    const std::string path = dir.file("state.db");
    { store::Store made(path, store::Access::write); }
    {
      // Something in the index's way: building it fails (as on a full disk).
      store::Database db(path, store::OpenMode::read_write);
      db.exec("DROP INDEX alerts_by_state; CREATE TABLE alerts_by_state (x)");
    }
    store::Store st(path, store::Access::write);
    CHECK_FALSE(has_index(st.db(), "alerts_by_state"));
    store::Statement size(st.db(), "PRAGMA cache_size");
    REQUIRE(size.step());
    CHECK(size.int64(0) == -8192);
  }

  TEST_CASE("a failure while building or dropping an index names it") {
    CHECK(store::operation_of(
              "CREATE INDEX IF NOT EXISTS events_by_alert ON events (alert_id, timestamp)") ==
          "building index events_by_alert");
    CHECK(store::operation_of("CREATE INDEX alerts_by_state ON alerts (state)") ==
          "building index alerts_by_state");
    CHECK(store::operation_of("DROP INDEX IF EXISTS alerts_by_state") ==
          "dropping index alerts_by_state");
    CHECK(store::operation_of("CREATE TABLE meta (key TEXT)") == "creating the schema");
  }

  TEST_CASE("a store whose committed batch dropped the indexes builds them as it closes") {
    // As when a bulk replay's later input cannot be read: its batches so far stand.
    test::TempDir dir;
    {
      store::Store st(dir.file("state.db"), store::Access::write);
      store::Batch batch(st);
      st.indexes().defer();
      batch.commit();
      CHECK(st.indexes().deferred());
    }
    store::Database db(dir.file("state.db"), store::OpenMode::read_only);
    CHECK(has_index(db, "events_by_alert"));
    CHECK(has_index(db, "alerts_by_state"));
  }

  TEST_CASE("a file a killed bulk replay left without the indexes reads the same, and heals") {
    test::TempDir dir;
    const std::string path = dir.file("state.db");
    {
      store::Store st(path, store::Access::write);
      replay::Replayer replayer(st, replay::default_sets(rules::Mapping{}), nullptr,
                                replay::OnReject::keep_going);
      replayer.replay({dir.write("h.ndjson", bulk_history())});
      replayer.finish();
    }
    const auto listing = [&] {
      store::Snapshot snap(path);
      std::string out;
      store::AlertFilter open;
      open.state = rules::State::open;
      store::for_each_alert(snap.db(), open,
                            [&](const store::AlertView& a) { out += a.fingerprint + " "; });
      return out + std::to_string(store::count_alerts(snap.db(), open));
    };
    const std::string before = listing();
    {
      store::Database db(path, store::OpenMode::read_write);
      db.exec("DROP INDEX events_by_alert; DROP INDEX alerts_by_state");
    }
    CHECK(listing() == before);
    {
      store::Database db(path, store::OpenMode::read_only);
      CHECK_FALSE(has_index(db, "alerts_by_state"));  // readers do not write
    }
    store::Store st(path, store::Access::write);
    CHECK(has_index(st.db(), "events_by_alert"));
    CHECK(has_index(st.db(), "alerts_by_state"));
  }
}

}  // namespace jira_alerts
