#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "cli/command.hpp"
#include "rules/decide.hpp"
#include "rules/jql.hpp"
#include "rules/settings.hpp"
#include "testutil.hpp"
#include "util/error.hpp"

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

TEST_SUITE("cli.sources") {
  using jira_alerts::cli::build_settings;
  using jira_alerts::cli::MappingOptions;

  // The sources of config TEXT, built with OPTIONS' flags.
  jira_alerts::cli::GivenSettings sources_of(const std::string& text, MappingOptions options = {}) {
    const jira_alerts::test::TempDir dir;
    options.config_file = dir.write("teams.toml", text);
    return build_settings(options);
  }

  TEST_CASE("a source's mapping: defaults, the top level, its own tables, then the flags") {
    MappingOptions flags;
    flags.priorities = {"P2=LOW"};
    const auto given = sources_of(R"(
[priority.map]
P1 = "CRITICAL"
P2 = "CRITICAL"

[[source]]
name = "pay"
jql = "project = PAY"
path = "/pay"
[source.priority]
default = "HIGH"
[source.priority.map]
P1 = "MEDIUM"
[source.status]
resolve = ["Shipped"]

[[source]]
name = "all"
)",
                                  flags);
    REQUIRE(given.sources.size() == 2);
    const auto& pay = given.sources[0];
    CHECK(pay.name == "pay");
    CHECK(pay.jql == "project = PAY");
    CHECK(pay.path == "/pay");
    REQUIRE(pay.mapping.scope() != nullptr);
    CHECK(pay.mapping.scope()->text() == "project = PAY");
    CHECK(pay.mapping.default_priority() == Level::high);
    CHECK(pay.mapping.priority("P1").level == Level::medium);  // its own over the top level
    CHECK(pay.mapping.priority("P2").level == Level::low);     // the flag over both
    CHECK(pay.mapping.is_resolve_status("Shipped"));
    CHECK_FALSE(pay.mapping.is_resolve_status("Done"));
    const auto& all = given.sources[1];
    CHECK_FALSE(all.jql.has_value());
    CHECK_FALSE(all.path.has_value());
    CHECK(all.mapping.scope() == nullptr);
    CHECK(all.mapping.default_priority() == Level::medium);
    CHECK(all.mapping.priority("P1").level == Level::critical);  // the top level
    CHECK(all.mapping.priority("P2").level == Level::low);
    CHECK(all.mapping.is_resolve_status("Done"));
    // The top-level mapping is the config's without any source's tables.
    CHECK(given.mapping.default_priority() == Level::medium);
  }

  TEST_CASE("a config without sources divides nothing") {
    const auto given = sources_of("[priority]\ndefault = \"LOW\"\n");
    CHECK(given.sources.empty());
    CHECK(given.mapping.default_priority() == Level::low);
  }

  TEST_CASE("source mistakes are named with their place") {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"[[source]]\njql = \"project = A\"\n", "1:1: a [[source]] needs a name"},
        {"[[source]]\nname = \"a b\"\n", "2:8: source name 'a b' must be 1 to 64 letters"},
        {"[[source]]\nname = \"a\"\n[[source]]\nname = \"a\"\n",
         "4:8: source 'a' is defined twice"},
        {"[[source]]\nname = \"a\"\npath = \"/x\"\n[[source]]\nname = \"b\"\npath = \"/x\"\n",
         "6:8: path '/x' feeds source 'a' already"},
        {"[[source]]\nname = \"a\"\npath = \"x\"\n",
         "3:8: source 'a': path 'x' must be a URL path"},
        {"[[source]]\nname = \"a\"\njql = \"updated > 1\"\n", "3:7: source 'a': jql: 1:1:"},
        {"[[source]]\nname = \"a\"\nscope = \"x\"\n", "3:9: unknown setting 'source.scope'"},
        {"[[source]]\nname = 3\n", "2:8: 'source.name' must be a string"},
        {"source = \"a\"\n", "1:10: 'source' must be an array of tables"},
    };
    for (const auto& [text, want] : cases) {
      CAPTURE(text);
      try {
        sources_of(text);
        FAIL("accepted");
      } catch (const jira_alerts::Error& e) {
        CHECK(std::string(e.what()).find(want) != std::string::npos);
      }
    }
  }
}
