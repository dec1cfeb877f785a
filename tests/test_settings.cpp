#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "cli/command.hpp"
#include "rules/decide.hpp"
#include "rules/settings.hpp"

namespace rules = jira_alerts::rules;
using rules::Level;
using rules::Mapping;
using rules::Rule;
using rules::State;

namespace {

Mapping loaded(const std::string& text) {
  Mapping m;
  jira_alerts::cli::load_config_text(text, "settings", m);
  return m;
}

}  // namespace

TEST_SUITE("rules.settings") {
  TEST_CASE("the priority table keeps its order; a name set again keeps its place") {
    Mapping m;
    m.set_priority("P1", Level::critical);
    m.set_priority("highest", Level::high);  // a default, another spelling
    const auto& table = m.priority_table();
    REQUIRE(table.size() == 11);
    CHECK(table[1].name == "highest");
    CHECK(table[1].level == Level::high);
    CHECK(table.back().name == "P1");
    CHECK(m.priority("HIGHEST").level == Level::high);
  }

  TEST_CASE("config_text loads back into the same mapping") {
    Mapping m;
    m.set_resolve_statuses({"Done", "Won't Do", "Résolu"});
    m.set_use_category(false);
    m.set_default_priority(Level::low);
    m.set_priority("P0 \"page\"", Level::critical);
    m.set_priority("Trivial", Level::medium);
    const std::string text = rules::config_text(m);
    const Mapping back = loaded(text);
    CHECK(rules::differences(m, back).empty());
    CHECK(rules::config_text(back) == text);
    CHECK(back.resolve_statuses() == m.resolve_statuses());
    CHECK(back.priority("p0 \"PAGE\"").level == Level::critical);
    CHECK_FALSE(back.use_category());
    CHECK(rules::config_text(loaded(rules::config_text(Mapping{}))) ==
          rules::config_text(Mapping{}));
  }

  TEST_CASE("differences name each setting, compared as the rules compare") {
    const Mapping recorded;
    Mapping same;
    same.set_resolve_statuses({" closed", "DONE", "Resolved "});
    same.set_priority("MEDIUM", Level::medium);
    CHECK(rules::differences(recorded, same).empty());

    Mapping other;
    other.add_resolve_status("Mitigated");
    other.set_use_category(false);
    other.set_default_priority(Level::high);
    other.set_priority("P1", Level::critical);
    other.set_priority("Blocker", Level::high);
    const std::vector<std::string> lines = rules::differences(recorded, other);
    REQUIRE(lines.size() == 5);
    CHECK(lines[0] ==
          "status.resolve: [\"Done\", \"Closed\", \"Resolved\", \"Mitigated\"] here, [\"Done\", "
          "\"Closed\", \"Resolved\"] in the state file (adds \"Mitigated\")");
    CHECK(lines[1] == "status.category: false here, true in the state file");
    CHECK(lines[2] == "priority.default: HIGH here, MEDIUM in the state file");
    CHECK(lines[3] == "priority.map.\"Blocker\": HIGH here, CRITICAL in the state file");
    CHECK(lines[4] ==
          "priority.map.\"P1\": CRITICAL here, not mapped (MEDIUM by default) in the state file");

    Mapping fewer;
    fewer.set_resolve_statuses({"Done"});
    REQUIRE(rules::differences(recorded, fewer).size() == 1);
    CHECK(rules::differences(recorded, fewer)[0].ends_with("(drops \"Closed\", \"Resolved\")"));
  }

  TEST_CASE("status_verdict and priority_level: what decide and a rebuild both read") {
    Mapping m;
    m.add_resolve_status("Mitigated");
    const auto verdict = [&](std::string_view event, std::optional<std::string_view> status,
                             std::optional<std::string_view> category) {
      return rules::status_verdict(event, status, category, m);
    };
    CHECK(verdict("jira:issue_deleted", "Open", std::nullopt).rule == Rule::deleted);
    CHECK(verdict("jira:issue_deleted", "Open", std::nullopt).state == State::resolved);
    CHECK(verdict("jira:issue_updated", std::nullopt, "done").rule == Rule::no_status);
    CHECK_FALSE(verdict("jira:issue_updated", std::nullopt, "done").state.has_value());
    CHECK(verdict("jira:issue_updated", "mitigated", std::nullopt).rule == Rule::resolve_status);
    CHECK(verdict("jira:issue_updated", "Shipped", "done").rule == Rule::done_category);
    CHECK(verdict("jira:issue_updated", "Shipped", "indeterminate").state == State::open);
    m.set_use_category(false);
    CHECK(verdict("jira:issue_updated", "Shipped", "done").rule == Rule::active_status);

    m.set_default_priority(Level::low);
    CHECK(rules::priority_level("Highest", false, m).level == Level::critical);
    CHECK_FALSE(rules::priority_level("P9", false, m).mapped);
    CHECK(rules::priority_level("P9", false, m).level == Level::low);
    CHECK(rules::priority_level(std::nullopt, false, m).mapped);
    CHECK_FALSE(rules::priority_level(std::nullopt, true, m).mapped);
  }
}
