#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "report/show.hpp"
#include "store/history.hpp"
#include "store/open.hpp"
#include "store/stats.hpp"
#include "testutil.hpp"

using namespace jira_alerts;

namespace {

// Replays the sample history into DB through the command line, quietly (with CONFIG,
// when given).
void replay_sample(const std::string& db, const std::string& config = "") {
  std::vector<std::string> args{"jira-alerts", "replay", "--quiet", "--db", db};
  if (!config.empty()) args.insert(args.end(), {"--config", config});
  args.push_back(std::string(JIRA_ALERTS_SOURCE_DIR) + "/fixtures/history");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  REQUIRE(cli::run(static_cast<int>(argv.size()), argv.data()) == 0);
}

std::optional<store::AlertView> at(store::Database& db, const std::string& key, util::Millis when) {
  store::AlertFilter filter;
  filter.keys.push_back(key);
  const auto alerts = store::alerts_at(db, filter, when);
  if (alerts.empty()) return std::nullopt;
  return alerts.front();
}

// The id of the alert whose fingerprint is KEY (one source).
std::int64_t id_of(store::Database& db, const std::string& key) {
  const auto found = store::find_alerts(db, key);
  REQUIRE(found.size() == 1);
  return found.front().id;
}

std::vector<std::string> fingerprints(const std::vector<store::AlertView>& alerts) {
  std::vector<std::string> out;
  for (const auto& a : alerts) out.push_back(a.fingerprint);
  return out;
}

}  // namespace

TEST_SUITE("store.history") {
  TEST_CASE("find_alerts, episodes_of and for_each_timeline_entry") {
    test::TempDir dir;
    replay_sample(dir.file("state.db"));
    store::Snapshot s(dir.file("state.db"));

    SUBCASE("an alias finds the moved issue") {
      const auto a = store::find_alerts(s.db(), "KAN-12");
      REQUIRE(a.size() == 1);
      CHECK(a[0].fingerprint == "OPS-140");
      CHECK(a[0].alert_source == "jira");
      CHECK(store::find_alerts(s.db(), "KAN-99").empty());
    }
    SUBCASE("episodes are kept with the priority at resolve") {
      const auto episodes = store::episodes_of(s.db(), id_of(s.db(), "OPS-101"));
      REQUIRE(episodes.size() == 2);
      CHECK(episodes[0].seq == 1);
      CHECK(episodes[0].opened_at == 1768294931482);
      CHECK(episodes[0].resolved_at == 1768298853918);
      CHECK(episodes[0].priority == rules::Level::critical);
      CHECK(episodes[1].seq == 2);
      CHECK(episodes[1].opened_at == 1770104892356);  // the reopen
      CHECK(episodes[1].resolved_at == 1770200774207);
      CHECK(episodes[1].priority == rules::Level::critical);
    }
    SUBCASE("the timeline lists every recorded payload in event time") {
      // (file, line, action in event time, as decided when it arrived, timestamp) of each
      // payload of OPS-101 the event log holds.
      struct Row {
        std::string file;
        std::int64_t line;
        rules::Action action, decided;
        util::Millis timestamp;
        bool operator==(const Row&) const = default;
      };
      std::vector<Row> rows;
      util::Millis last = 0;
      store::for_each_timeline_entry(
          s.db(), id_of(s.db(), "OPS-101"), [&](const store::TimelineEntry& t) {
            REQUIRE(t.timestamp);
            CHECK(*t.timestamp >= last);  // event time
            last = *t.timestamp;
            rows.push_back({std::filesystem::path(t.path).filename().string(), t.line, t.action,
                            t.decided, *t.timestamp});
          });
      using rules::Action;
      const std::vector<Row> expected{
          {"01-outage.ndjson", 1, Action::open, Action::open, 1768294931482},
          {"01-outage.ndjson", 2, Action::update, Action::update, 1768295200117},
          {"01-outage.ndjson", 3, Action::ignore, Action::ignore, 1768295462905},
          {"01-outage.ndjson", 4, Action::update, Action::update, 1768295667340},
          {"01-outage.ndjson", 5, Action::duplicate, Action::duplicate, 1768295667340},
          // Late: it arrived after line 7, and takes its place before it.
          {"01-outage.ndjson", 8, Action::update, Action::stale, 1768295935629},
          {"01-outage.ndjson", 7, Action::update, Action::update, 1768296680054},
          {"01-outage.ndjson", 10, Action::resolve, Action::resolve, 1768298853918},
          {"01-outage.ndjson", 11, Action::update, Action::update, 1768298950402},
          {"04-ops-101-reopened.json", 1, Action::reopen, Action::reopen, 1770104892356},
          {"06-followups.ndjson", 1, Action::update, Action::update, 1770106503480},
          {"06-followups.ndjson", 2, Action::update, Action::update, 1770108055019},
          {"06-followups.ndjson", 4, Action::resolve, Action::resolve, 1770200774207},
          {"07-late-deliveries.ndjson", 3, Action::duplicate, Action::duplicate, 1770200774207},
      };
      CHECK(rows == expected);
    }
    SUBCASE("all_keys holds fingerprints and aliases") {
      auto keys = store::all_keys(s.db());
      std::sort(keys.begin(), keys.end());
      // KAN-12 is OPS-140's alias since the move; the others are fingerprints.
      CHECK(keys == std::vector<std::string>{"KAN-12", "KAN-15", "KAN-16", "KAN-4", "KAN-7",
                                             "KAN-9", "OPS-101", "OPS-102", "OPS-140", "OPS-152"});
    }
  }

  TEST_CASE("alerts_at") {
    test::TempDir dir;
    replay_sample(dir.file("state.db"));
    store::Snapshot s(dir.file("state.db"));

    SUBCASE("nothing before the first payload") {
      CHECK(store::alerts_at(s.db(), {}, 1768294931481).empty());
    }
    SUBCASE("a payload that was stale counts when the newer one is after the cut") {
      const auto a = at(s.db(), "OPS-101", 1768296000000);  // 09:20, before the 09:31 payload
      REQUIRE(a);
      CHECK(a->state == rules::State::open);
      CHECK(a->status == "In Progress");
      CHECK(a->updated_at == 1768295935629);
      CHECK(a->events == 4);  // open, update, update, then the once-stale 09:18 payload
    }
    SUBCASE("a reopen starts a second episode") {
      const auto a = at(s.db(), "OPS-101", 1770104892356);
      REQUIRE(a);
      CHECK(a->state == rules::State::open);
      CHECK(a->reopens == 1);
      CHECK(a->episode == 2);
      CHECK_FALSE(a->resolved_at);
    }
    SUBCASE("before the move the alert has its old key") {
      const auto a = at(s.db(), "OPS-140", 1769212800000);  // Jan 24
      REQUIRE(a);
      CHECK(a->fingerprint == "KAN-12");
      CHECK(a->project == "KAN");
      CHECK(a->aliases.empty());
      const auto after = at(s.db(), "KAN-12", 1769420000000);  // after the move
      REQUIRE(after);
      CHECK(after->fingerprint == "OPS-140");
      CHECK(after->aliases == std::vector<std::string>{"KAN-12"});
    }
    SUBCASE("filters apply to the alerts as they stood") {
      store::AlertFilter open;
      open.state = rules::State::open;
      // OPS-102 was resolved at 09:52, after the cut; KAN-* did not exist yet.
      CHECK(fingerprints(store::alerts_at(s.db(), open, 1768296000000)) ==
            std::vector<std::string>{"OPS-101", "OPS-102"});
      store::AlertFilter kan;
      kan.projects = {"KAN"};
      // KAN-12 is still in KAN before its move to OPS-140; KAN-15 and KAN-16 count too.
      CHECK(fingerprints(store::alerts_at(s.db(), kan, 1769212800000)) ==
            std::vector<std::string>{"KAN-4", "KAN-7", "KAN-9", "KAN-12", "KAN-15", "KAN-16"});
      store::AlertFilter high;
      high.priorities = {rules::Level::high};
      // OPS-101 was CRITICAL then, OPS-102 HIGH.
      CHECK(fingerprints(store::alerts_at(s.db(), high, 1768296000000)) ==
            std::vector<std::string>{"OPS-102"});
    }
  }

  TEST_CASE("collect_stats") {
    test::TempDir dir;
    replay_sample(dir.file("state.db"));
    store::Snapshot s(dir.file("state.db"));
    using Matrix = std::array<std::array<std::int64_t, 4>, 2>;
    const auto level = [](rules::Level l) { return static_cast<std::size_t>(l); };
    const auto all = store::collect_stats(s.db(), {});
    // [open, resolved] x [CRITICAL, HIGH, MEDIUM, LOW], as `stats` prints it.
    CHECK(all.alerts == Matrix{{{0, 1, 2, 0}, {1, 2, 0, 3}}});
    CHECK(all.episodes_opened == 10);
    CHECK(all.episodes_resolved == 7);
    // Sorted times to resolve: OPS-101 twice; OPS-102 and OPS-140; KAN-7 and KAN-9
    // (KAN-4 was resolved without an opened_at: skipped).
    CHECK(all.time_to_resolve[level(rules::Level::critical)] ==
          std::vector<std::int64_t>{3922436, 95881851});
    CHECK(all.time_to_resolve[level(rules::Level::high)] ==
          std::vector<std::int64_t>{2264439, 699291911});
    CHECK(all.time_to_resolve[level(rules::Level::medium)].empty());
    CHECK(all.time_to_resolve[level(rules::Level::low)] ==
          std::vector<std::int64_t>{80531, 265214929});
    REQUIRE(all.reopens.size() == 1);
    CHECK(all.reopens[0].fingerprint == "OPS-101");
    CHECK(all.reopens[0].reopens == 1);
    CHECK(all.reopens[0].state == rules::State::resolved);
    CHECK(all.reopens[0].priority == rules::Level::critical);

    // From 2026-02-01: OPS-101 (reopened and resolved), OPS-152 (opened), KAN-16 (updated).
    const auto feb = store::collect_stats(s.db(), {1769904000000, std::nullopt});
    CHECK(feb.alerts == Matrix{{{0, 1, 1, 0}, {1, 0, 0, 0}}});
    CHECK(feb.episodes_opened == 2);
    CHECK(feb.episodes_resolved == 1);
    CHECK(feb.time_to_resolve[level(rules::Level::critical)] ==
          std::vector<std::int64_t>{95881851});
    CHECK(feb.time_to_resolve[level(rules::Level::high)].empty());
    REQUIRE(feb.reopens.size() == 1);
    CHECK(feb.reopens[0].fingerprint == "OPS-101");
  }

  TEST_CASE("percentile is nearest-rank") {
    CHECK_FALSE(store::percentile({}, 0.5));
    CHECK(store::percentile({7}, 0.9) == 7);
    CHECK(store::percentile({1, 2, 3, 4}, 0.5) == 2);
    CHECK(store::percentile({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.9) == 9);
    CHECK(store::percentile({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 0.9) == 10);
  }
}

TEST_SUITE("store.sources") {
  // Two sources that overlap: "all" takes every payload, "ops" those of project OPS, so
  // OPS-101 has an alert in each.
  struct TwoSources {
    test::TempDir dir;
    std::int64_t all = 0, ops = 0;
    TwoSources() {
      std::ofstream(dir.file("two.toml"))
          << "[[source]]\nname = \"all\"\n[[source]]\nname = \"ops\"\njql = \"project = OPS\"\n";
      replay_sample(dir.file("state.db"), dir.file("two.toml"));
      store::Snapshot s(dir.file("state.db"));
      for (const auto& source : store::read_sources(s.db()))
        (source.name == "all" ? all : ops) = source.id;
    }
  };

  TEST_CASE("a key has an alert in each source, with its own episodes and timeline") {
    TwoSources f;
    store::Snapshot s(f.dir.file("state.db"));
    const auto found = store::find_alerts(s.db(), "OPS-101");
    REQUIRE(found.size() == 2);
    CHECK(found[0].alert_source == "all");
    CHECK(found[1].alert_source == "ops");
    for (const auto& a : found) {
      CHECK(store::episodes_of(s.db(), a.id).size() == 2);
      std::size_t entries = 0;
      store::for_each_timeline_entry(s.db(), a.id, [&](const store::TimelineEntry&) { ++entries; });
      CHECK(entries == 14);  // its own payloads only, not the other source's too
    }
    const auto only_ops = store::find_alerts(s.db(), "OPS-101", {f.ops});
    REQUIRE(only_ops.size() == 1);
    CHECK(only_ops[0].alert_source_id == f.ops);
    CHECK(store::find_alerts(s.db(), "KAN-7", {f.ops}).empty());
    // At an event time, one a source too.
    CHECK(store::alerts_at_key(s.db(), "OPS-101", 1769212800000).size() == 2);
    CHECK(store::alerts_at_key(s.db(), "OPS-101", 1769212800000, {f.all}).size() == 1);
    auto keys = store::all_keys(s.db(), {f.ops});
    std::sort(keys.begin(), keys.end());
    CHECK(keys == std::vector<std::string>{"KAN-12", "OPS-101", "OPS-102", "OPS-140", "OPS-152"});
  }

  TEST_CASE("the gates count and name the open alerts of the selected sources") {
    TwoSources f;
    store::Snapshot s(f.dir.file("state.db"));
    store::AlertFilter open;
    open.state = rules::State::open;
    CHECK(store::count_alerts(s.db(), open) == 4);  // all: KAN-15, KAN-16, OPS-152; ops: OPS-152
    open.sources = {f.ops};
    CHECK(store::count_alerts(s.db(), open) == 1);
    open.sources = {f.all, f.ops};
    CHECK(store::count_alerts(s.db(), open) == 4);
    std::vector<std::pair<std::string, std::int64_t>> keys;
    const auto visit = [&](const store::KeyView& k) {
      keys.emplace_back(std::string(k.fingerprint), k.alert_source_id);
    };
    store::for_each_key(s.db(), rules::State::open, {}, {f.ops}, 10, visit);
    CHECK(keys == std::vector<std::pair<std::string, std::int64_t>>{{"OPS-152", f.ops}});
    keys.clear();
    store::for_each_key(s.db(), rules::State::open, {}, {}, 2, visit);
    CHECK(keys ==
          std::vector<std::pair<std::string, std::int64_t>>{{"KAN-15", f.all}, {"KAN-16", f.all}});
    keys.clear();
    // OPS-152's P1 is not mapped here: MEDIUM. One fingerprint in two sources: by source.
    store::for_each_key(s.db(), rules::State::open, {rules::Level::medium}, {}, 10, visit);
    CHECK(keys == std::vector<std::pair<std::string, std::int64_t>>{
                      {"KAN-15", f.all}, {"OPS-152", f.all}, {"OPS-152", f.ops}});
  }

  TEST_CASE("the gates read index alerts_by_state only, also for some sources") {
    TwoSources f;
    store::Snapshot s(f.dir.file("state.db"));
    store::AlertFilter filter;
    filter.state = rules::State::open;
    filter.priorities = {rules::Level::critical, rules::Level::high};
    filter.sources = {f.ops};
    for (const std::string& sql : {store::count_alerts_sql(filter), store::for_each_key_sql(2, 1),
                                   store::for_each_key_sql(4, 2), store::for_each_key_sql(4, 0)}) {
      store::Statement plan(s.db(), ("EXPLAIN QUERY PLAN " + sql).c_str());
      int reads = 0;
      while (plan.step()) {
        const std::string detail(plan.text(3));
        if (detail.find(" a ") == std::string::npos && detail.find(" a") + 2 != detail.size())
          continue;
        ++reads;
        CAPTURE(sql);
        CHECK(detail.rfind("SEARCH a USING COVERING INDEX alerts_by_state (state=? AND priority=?)",
                           0) == 0);
      }
      CHECK(reads > 0);
    }
  }

  TEST_CASE("stats per source; a payload decided for two sources counts once") {
    TwoSources f;
    store::Snapshot s(f.dir.file("state.db"));
    const auto all = store::collect_stats(s.db(), {}, f.all);
    const auto ops = store::collect_stats(s.db(), {}, f.ops);
    const auto both = store::collect_stats(s.db(), {});
    // Source "all" is the whole sample, as one source replays it.
    CHECK(all.episodes_opened == 10);
    CHECK(all.episodes_resolved == 7);
    CHECK(ops.episodes_opened == 5);
    CHECK(both.episodes_opened == all.episodes_opened + ops.episodes_opened);
    REQUIRE(ops.reopens.size() == 1);
    CHECK(ops.reopens[0].fingerprint == "OPS-101");
    CHECK(both.reopens.size() == 2);
    const auto payloads = store::count_payloads(s.db(), {});
    REQUIRE(payloads.by_source.size() == 2);
    CHECK(payloads.by_source[0] == std::pair<std::int64_t, std::int64_t>{f.all, 39});
    CHECK(payloads.by_source[1].second > 0);
    CHECK(payloads.outside == 0);
    CHECK(payloads.total == 39);
    CHECK(store::count_payloads(s.db(), {}, {f.ops}).total == payloads.by_source[1].second);
  }

  TEST_CASE("a source that another config leaves out stays, with its settings") {
    // A command with config A adds source a (record --apply may then wait for deliveries,
    // a holding nothing yet); a command with config C must not take it away, or A's
    // alerts would belong to no source.
    test::TempDir dir;
    std::ofstream(dir.file("a.toml")) << "[[source]]\nname = \"a\"\njql = \"project = NONE\"\n";
    std::ofstream(dir.file("c.toml")) << "[[source]]\nname = \"c\"\n";
    std::ifstream in(std::string(JIRA_ALERTS_SOURCE_DIR) + "/fixtures/history/01-outage.ndjson");
    std::string created;  // an issue's first payload, outside a's scope
    REQUIRE(std::getline(in, created));
    std::ofstream(dir.file("none.ndjson")) << created << "\n";
    std::vector<std::string> args{
        "jira-alerts",        "replay",   "--quiet",          "--db",
        dir.file("state.db"), "--config", dir.file("a.toml"), dir.file("none.ndjson")};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    REQUIRE(cli::run(static_cast<int>(argv.size()), argv.data()) == 0);
    replay_sample(dir.file("state.db"), dir.file("c.toml"));
    store::Snapshot s(dir.file("state.db"));
    std::vector<std::string> names;
    for (const auto& source : store::read_sources(s.db())) {
      names.push_back(source.name);
      CHECK(source.settings.has_value());
    }
    // The new file's source jira, that no command used, is gone.
    CHECK(names == std::vector<std::string>{"a", "c"});
  }

  TEST_CASE("payloads that share a line, issue, event and time are each counted") {
    // One line of a JSON array holds a payload and its second delivery: two payloads,
    // each decided for both sources.
    test::TempDir dir;
    std::ifstream in(std::string(JIRA_ALERTS_SOURCE_DIR) + "/fixtures/history/01-outage.ndjson");
    std::string payload;
    REQUIRE(std::getline(in, payload));
    std::ofstream(dir.file("twice.json")) << "[" << payload << "," << payload << "]\n";
    std::ofstream(dir.file("two.toml")) << "[[source]]\nname = \"a\"\n[[source]]\nname = \"b\"\n";
    std::vector<std::string> args{"jira-alerts",
                                  "replay",
                                  "--quiet",
                                  "--db",
                                  dir.file("state.db"),
                                  "--config",
                                  dir.file("two.toml"),
                                  dir.file("twice.json")};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    REQUIRE(cli::run(static_cast<int>(argv.size()), argv.data()) == 0);
    store::Snapshot s(dir.file("state.db"));
    const auto payloads = store::count_payloads(s.db(), {});
    REQUIRE(payloads.by_source.size() == 2);
    CHECK(payloads.by_source[0].second == 2);
    CHECK(payloads.by_source[1].second == 2);
    CHECK(payloads.total == 2);
    CHECK(store::count_payloads(s.db(), {}, {payloads.by_source[0].first}).total == 2);
  }
}

TEST_SUITE("report.show") {
  TEST_CASE("duration_text") {
    CHECK(report::duration_text(12345) == "12.3s");
    CHECK(report::duration_text(2264439) == "37m 44s");
    CHECK(report::duration_text(3922436) == "1h 05m");
    CHECK(report::duration_text(95881851) == "1d 02h");
  }
}
