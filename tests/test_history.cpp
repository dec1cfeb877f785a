#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "report/show.hpp"
#include "store/history.hpp"
#include "store/stats.hpp"
#include "store/store.hpp"
#include "testutil.hpp"

using namespace jira_alerts;

namespace {

// Replays the sample history into DB through the command line, quietly.
void replay_sample(const std::string& db) {
  std::vector<std::string> args{
      "jira-alerts", "replay", "--quiet",
      "--db",        db,       std::string(JIRA_ALERTS_SOURCE_DIR) + "/fixtures/history"};
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

}  // namespace

TEST_SUITE("store.history") {
  TEST_CASE("find_alert, episodes_of and for_each_timeline_entry") {
    test::TempDir dir;
    replay_sample(dir.file("state.db"));
    store::Store s(dir.file("state.db"), store::Access::read);

    SUBCASE("an alias finds the moved issue") {
      const auto a = store::find_alert(s.db(), "KAN-12");
      REQUIRE(a);
      CHECK(a->fingerprint == "OPS-140");
      CHECK_FALSE(store::find_alert(s.db(), "KAN-99"));
    }
    SUBCASE("episodes are kept with the priority at resolve") {
      const auto episodes = store::episodes_of(s.db(), "OPS-101");
      REQUIRE(episodes.size() == 2);
      CHECK(episodes[0].opened_at == 1768294931482);
      CHECK(episodes[0].resolved_at == 1768298853918);
      CHECK(episodes[0].priority == rules::Level::critical);
      CHECK(episodes[1].seq == 2);
    }
    SUBCASE("the timeline lists every recorded payload in input order") {
      std::vector<rules::Action> actions;
      store::for_each_timeline_entry(
          s.db(), "OPS-101", [&](const store::TimelineEntry& t) { actions.push_back(t.action); });
      REQUIRE(actions.size() == 14);
      CHECK(actions[0] == rules::Action::open);
      CHECK(actions[4] == rules::Action::duplicate);
      CHECK(actions[6] == rules::Action::stale);
      CHECK(actions.back() == rules::Action::duplicate);
    }
    SUBCASE("all_keys holds fingerprints and aliases") {
      const auto keys = store::all_keys(s.db());
      CHECK(keys.size() == 10);
    }
  }

  TEST_CASE("alerts_at") {
    test::TempDir dir;
    replay_sample(dir.file("state.db"));
    store::Store s(dir.file("state.db"), store::Access::read);

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
      CHECK(store::alerts_at(s.db(), open, 1768296000000).size() == 2);
      store::AlertFilter kan;
      kan.projects = {"KAN"};
      CHECK(store::alerts_at(s.db(), kan, 1769212800000).size() == 6);
      store::AlertFilter high;
      high.priorities = {rules::Level::high};
      CHECK(store::alerts_at(s.db(), high, 1768296000000).size() == 1);
    }
  }

  TEST_CASE("collect_stats") {
    test::TempDir dir;
    replay_sample(dir.file("state.db"));
    store::Store s(dir.file("state.db"), store::Access::read);
    const auto all = store::collect_stats(s.db(), {});
    CHECK(all.alerts[0][1] == 1);  // open HIGH
    CHECK(all.episodes_resolved == 7);
    CHECK(all.time_to_resolve[static_cast<std::size_t>(rules::Level::low)].size() ==
          2);  // KAN-4 skipped
    REQUIRE(all.reopens.size() == 1);
    CHECK(all.reopens[0].fingerprint == "OPS-101");
    const auto feb = store::collect_stats(s.db(), {1769904000000, std::nullopt});
    CHECK(feb.episodes_resolved == 1);
    CHECK(feb.alerts[1][3] == 0);
  }

  TEST_CASE("percentile is nearest-rank") {
    CHECK_FALSE(store::percentile({}, 0.5));
    CHECK(store::percentile({7}, 0.9) == 7);
    CHECK(store::percentile({1, 2, 3, 4}, 0.5) == 2);
    CHECK(store::percentile({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.9) == 9);
    CHECK(store::percentile({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 0.9) == 10);
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
