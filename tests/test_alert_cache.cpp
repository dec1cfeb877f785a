#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "replay/replayer.hpp"
#include "store/store.hpp"
#include "testutil.hpp"

namespace jira_alerts {
namespace {

// A deterministic pseudo-random history over ISSUES issues: creations (some after a
// comment on the issue), status and priority changes, payloads delivered late or twice,
// and issues moved to another project. Written so that a small alert cache lets alerts
// go, changed and late ones included, between the chunks of a batch.
std::string mixed_history(int issues, int payloads) {
  std::uint64_t seed = 0x9e3779b97f4a7c15;
  const auto next = [&](std::uint64_t below) {
    seed = seed * 6364136223846793005u + 1442695040888963407u;
    return (seed >> 33) % below;
  };
  static const char* const statuses[][2] = {
      {"To Do", "new"}, {"In Progress", "indeterminate"}, {"Done", "done"}};
  static const char* const priorities[] = {"Highest", "High", "Medium", "Low"};
  std::map<int, std::string> key;   // by issue: its key now
  std::map<int, long long> newest;  // by issue: its newest timestamp
  std::vector<std::string> sent;
  std::string h;
  long long clock = 1'000'000;
  const auto payload = [&](const char* event, int issue, long long ts, const std::string& extra) {
    const auto& status = statuses[next(3)];
    return std::string(R"({"webhookEvent":")") + event + R"(","timestamp":)" + std::to_string(ts) +
           R"(,"issue":{"id":")" + std::to_string(issue) + R"(","key":")" + key[issue] +
           R"(","fields":{"summary":"Service )" + std::to_string(issue) +
           R"( degraded","project":{"key":"OPS"},"priority":{"name":")" + priorities[next(4)] +
           R"("},"status":{"name":")" + status[0] + R"(","statusCategory":{"key":")" + status[1] +
           R"("}}}})" + extra + "}\n";
  };
  for (int n = 0; n < payloads; ++n) {
    clock += 1'000;
    const int issue = static_cast<int>(next(static_cast<std::uint64_t>(issues))) + 1;
    std::string line;
    if (!key.count(issue)) {
      key[issue] = "OPS-" + std::to_string(issue);
      if (next(8) == 0) h += payload("comment_created", issue, clock - 500, "");
      line = payload("jira:issue_created", issue, clock, "");
    } else if (next(25) == 0 && !sent.empty()) {
      line = sent[next(sent.size())];  // delivered twice
    } else if (next(15) == 0) {
      line = payload("jira:issue_updated", issue, newest[issue] - 1 - next(5'000), "");  // late
    } else if (next(60) == 0 && key[issue].rfind("OPS-", 0) == 0) {
      const std::string from = key[issue];
      key[issue] = "WEB-" + std::to_string(issue);
      line = payload("jira:issue_updated", issue, clock,
                     R"(,"changelog":{"id":"1","items":[{"field":"Key","fieldtype":"jira",)"
                     R"("from":null,"fromString":")" +
                         from + R"(","to":null,"toString":")" + key[issue] + R"("}]})");
    } else {
      line = payload("jira:issue_updated", issue, clock, "");
    }
    newest[issue] = std::max(newest[issue], clock);
    sent.push_back(line);
    h += line;
  }
  return h;
}

}  // namespace

TEST_SUITE("store.alert_cache") {
  TEST_CASE("a cache that lets alerts go gives the state that one keeping them all gives") {
    test::TempDir dir;
    const std::string input = dir.write("h.ndjson", mixed_history(150, 4'000));
    const rules::Mapping mapping;
    for (const std::size_t cached : {std::size_t{8}, std::size_t{40}, std::size_t{100'000}}) {
      CAPTURE(cached);
      store::Store st(dir.file(std::to_string(cached) + ".db"), store::Access::write);
      st.cached_alerts = cached;
      replay::Replayer replayer(st, replay::default_sets(mapping), nullptr,
                                replay::OnReject::keep_going);
      replayer.replay({input});
      replayer.finish();
      CHECK(replayer.counts().payloads > 4'000);  // the comments come on top
      CHECK(st.alerts().size() <= cached);
    }
    store::Database all(dir.file("100000.db"), store::OpenMode::read_only);
    for (const char* const small : {"8.db", "40.db"}) {
      CAPTURE(small);
      store::Database db(dir.file(small), store::OpenMode::read_only);
      for (const char* table : {"alerts", "episodes", "aliases", "events"})
        CHECK_MESSAGE(test::dump(db, table) == test::dump(all, table), table);
    }
    // The history did what it is for: moved issues, reopened and late-derived alerts.
    store::Statement moved(all, "SELECT count(*) FROM aliases");
    REQUIRE(moved.step());
    CHECK(moved.int64(0) > 0);
    store::Statement reopened(all, "SELECT count(*) FROM alerts WHERE reopens > 0");
    REQUIRE(reopened.step());
    CHECK(reopened.int64(0) > 0);
    store::Statement stale(all,
                           "SELECT count(*) FROM events WHERE action IN ('stale', 'duplicate')");
    REQUIRE(stale.step());
    CHECK(stale.int64(0) > 0);
  }
}

}  // namespace jira_alerts
