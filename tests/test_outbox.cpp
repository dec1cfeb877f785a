#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "replay/replayer.hpp"
#include "store/outbox.hpp"
#include "store/sources.hpp"
#include "store/store.hpp"
#include "testutil.hpp"

namespace jira_alerts {
namespace {

constexpr std::string_view target = "pagerduty=http://127.0.0.1:9/v2/enqueue";

std::string payload(const std::string& key, long long ts, const std::string& status,
                    const std::string& category) {
  return R"({"webhookEvent":"jira:issue_updated","timestamp":)" + std::to_string(ts) +
         R"(,"issue":{"id":"1","key":")" + key +
         R"(","fields":{"summary":"Checkout down","project":{"key":"KAN"},"priority":{"name":"High"},"status":{"name":")" +
         status + R"(","statusCategory":{"key":")" + category + R"("}}}}})" + "\n";
}

// A state file with two sources that both take every issue: jira (the default) and kan.
struct TwoSources {
  test::TempDir dir;
  store::Store st{dir.file("state.db"), store::Access::write};
  std::vector<store::SourceRecord> sources;
  int files = 0;

  TwoSources() {
    store::Batch batch(st);
    store::add_source(st.db(), {0, "kan", {}, {}, {}, {}});
    batch.commit();
    sources = store::read_sources(st.db());
    REQUIRE(sources.size() == 2);
  }

  const store::SourceRecord& source(std::string_view name) const {
    return *std::find_if(sources.begin(), sources.end(),
                         [&](const store::SourceRecord& s) { return s.name == name; });
  }

  void replay(const std::string& content) {
    std::vector<replay::AlertSet> sets;
    for (const auto& s : sources) sets.push_back({s.id, s.name, std::nullopt, rules::Mapping{}});
    replay::Replayer replayer(st, std::move(sets), nullptr, replay::OnReject::keep_going);
    replayer.command_line = "test";
    replayer.replay({dir.write(std::to_string(++files) + ".ndjson", content)});
    replayer.finish();
  }

  // (source, fingerprint, action) of what TARGET is owed of the sources NAMED.
  std::vector<std::string> owed(const std::vector<std::string>& named) {
    std::vector<store::SourceRecord> chosen;
    for (const auto& n : named) chosen.push_back(source(n));
    std::vector<std::string> out;
    for (const auto& p : store::pending_events(st.db(), target, chosen))
      out.push_back(p.source + " " + p.fingerprint + " " +
                    std::string(rules::action_name(p.action)));
    return out;
  }

  // What a push of the sources NAMED that TARGET acknowledged all of records.
  void acknowledge(const std::vector<std::string>& named) {
    const std::int64_t newest = store::newest_event_id(st.db());
    std::vector<store::SourceRecord> chosen;
    for (const auto& n : named) chosen.push_back(source(n));
    for (const auto& p : store::pending_events(st.db(), target, chosen))
      store::acknowledge(st.db(), target, p.alert_id, p.event_id);
    for (const auto& s : chosen) store::acknowledge_through(st.db(), target, s.name, newest);
  }
};

TEST_SUITE("outbox") {
  TEST_CASE("one issue in two sources: two alerts owed, each under its source") {
    TwoSources w;
    w.replay(payload("KAN-1", 1000, "Open", "new"));
    CHECK(w.owed({"jira", "kan"}) == std::vector<std::string>{"jira KAN-1 open", "kan KAN-1 open"});
    CHECK(w.owed({"kan"}) == std::vector<std::string>{"kan KAN-1 open"});
    CHECK(w.owed({}).empty());
  }

  TEST_CASE("a push of one source leaves the other's changes owed, and sends nothing twice") {
    TwoSources w;
    w.replay(payload("KAN-1", 1000, "Open", "new") + payload("KAN-2", 2000, "Open", "new"));
    w.acknowledge({"kan"});
    CHECK(w.owed({"kan"}).empty());
    // The watermark of kan passed jira's events: jira's stay owed, all of them.
    CHECK(w.owed({"jira"}) == std::vector<std::string>{"jira KAN-1 open", "jira KAN-2 open"});
    w.replay(payload("KAN-1", 3000, "Done", "done"));
    CHECK(w.owed({"kan"}) == std::vector<std::string>{"kan KAN-1 resolve"});
    CHECK(w.owed({"jira", "kan"}) == std::vector<std::string>{"jira KAN-1 open", "jira KAN-2 open",
                                                              "jira KAN-1 resolve",
                                                              "kan KAN-1 resolve"});
    w.acknowledge({"jira"});
    CHECK(w.owed({"jira"}).empty());
    CHECK(w.owed({"kan"}) == std::vector<std::string>{"kan KAN-1 resolve"});
    w.acknowledge({"kan"});
    CHECK(w.owed({"jira", "kan"}).empty());
  }

  TEST_CASE("the default source keeps the watermark of a file from before sources") {
    TwoSources w;
    w.replay(payload("KAN-1", 1000, "Open", "new"));
    const std::int64_t newest = store::newest_event_id(w.st.db());
    // As a push before sources existed left it.
    w.st.set_meta("push.acknowledged:" + std::string(target), std::to_string(newest));
    CHECK(store::acknowledged_through(w.st.db(), target, "jira") == newest);
    CHECK(store::acknowledged_through(w.st.db(), target, "kan") == 0);
    CHECK(w.owed({"jira", "kan"}) == std::vector<std::string>{"kan KAN-1 open"});
    store::acknowledge_through(w.st.db(), target, "kan", newest);
    CHECK(w.st.meta("push.acknowledged:kan:" + std::string(target)) == std::to_string(newest));
  }

  TEST_CASE("due_alerts: the alerts of the sources named, each with its source") {
    TwoSources w;
    w.replay(payload("KAN-1", 1000, "Open", "new"));
    const auto due = store::due_alerts(w.st.db(), target, {w.source("kan")});
    REQUIRE(due.size() == 1);
    CHECK(due.front().alert.alert_source == "kan");
    CHECK(due.front().alert.fingerprint == "KAN-1");
    CHECK(store::due_alerts(w.st.db(), target, w.sources).size() == 2);
  }
}

}  // namespace
}  // namespace jira_alerts
