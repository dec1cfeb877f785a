#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "parse/extract.hpp"
#include "rules/decide.hpp"
#include "rules/mapping.hpp"
#include "rules/transition.hpp"
#include "util/text.hpp"

using jira_alerts::parse::Extractor;
using jira_alerts::parse::Payload;
using jira_alerts::parse::Rejection;
using jira_alerts::rules::Action;
using jira_alerts::rules::Current;
using jira_alerts::rules::Decision;
using jira_alerts::rules::Level;
using jira_alerts::rules::Mapping;
using jira_alerts::rules::Rule;
using jira_alerts::rules::State;
namespace rules = jira_alerts::rules;

namespace {

// A payload built from JSON through the extractor, as the replayer builds it.
// The payload's views point into the extractor, so both live here.
class Given {
 public:
  explicit Given(std::string json) : json_(std::move(json)) {
    Rejection rejection;
    INFO(json_);
    REQUIRE_MESSAGE(extractor_.extract(json_, payload_, rejection), rejection.reason);
  }
  Given(const Given&) = delete;
  Given& operator=(const Given&) = delete;

  const Payload& payload() const { return payload_; }
  const std::string& bytes() const { return json_; }

 private:
  std::string json_;
  Extractor extractor_{Extractor::Engine::reference};
  Payload payload_;
};

// An issue event for KAN-5: EVENT with the members of issue.fields in FIELDS, and
// EXTRA members of the payload (e.g. a timestamp or a changelog).
std::string issue_event(std::string_view event, std::string_view fields,
                        std::string_view extra = "") {
  std::string json = R"({"webhookEvent":")" + std::string(event) + R"(",)";
  if (!extra.empty()) json += std::string(extra) + ",";
  json += R"("issue":{"key":"KAN-5","fields":{)" + std::string(fields) + "}}}";
  return json;
}

std::string status(std::string_view name, std::string_view category = "") {
  std::string s = R"("status":{"name":")" + std::string(name) + '"';
  if (!category.empty()) s += R"(,"statusCategory":{"key":")" + std::string(category) + R"("})";
  return s + "}";
}

// The alert as it stands before the payload: none, open or resolved.
enum class Before { none, open, resolved };

std::optional<Current> current(Before before,
                               std::optional<jira_alerts::util::Millis> updated_at = std::nullopt) {
  switch (before) {
    case Before::none:
      return std::nullopt;
    case Before::open:
      return Current{State::open, updated_at};
    case Before::resolved:
      return Current{State::resolved, updated_at};
  }
  return std::nullopt;
}

const char* before_name(Before before) {
  switch (before) {
    case Before::none:
      return "no alert";
    case Before::open:
      return "open";
    case Before::resolved:
      return "resolved";
  }
  return "?";
}

Decision decide(const Given& given, Before before, const Mapping& mapping = Mapping(),
                bool already_applied = false,
                std::optional<jira_alerts::util::Millis> updated_at = std::nullopt) {
  const auto alert = current(before, updated_at);
  return rules::decide(given.payload(), alert ? &*alert : nullptr, already_applied, mapping);
}

std::string action(const Decision& d) {
  return std::string(rules::action_name(d.action));
}
std::string state(const Decision& d) {
  return std::string(rules::state_name(d.state));
}
std::string level(const Decision& d) {
  return std::string(rules::level_name(d.priority));
}

// The reason as decision records show it.
std::string reason(const Given& given, const Decision& d) {
  const Payload& p = given.payload();
  return rules::reason_text(d.rule, d.action, p.status.value, p.effective_event(),
                            p.timestamp.has_value());
}

// A row of the §1.1 and §1.2 tables: a payload, the alert before, what happens.
struct Row {
  std::string json;
  Before before;
  Action action;
  Rule rule;
  State state;
  const char* reason;
};

void check_rows(const std::vector<Row>& rows, const Mapping& mapping = Mapping()) {
  for (const auto& row : rows) {
    CAPTURE(row.json);
    INFO("before: ", before_name(row.before));
    const Given given(row.json);
    const Decision d = decide(given, row.before, mapping);
    CHECK(action(d) == rules::action_name(row.action));
    CHECK(d.rule == row.rule);
    CHECK(state(d) == rules::state_name(row.state));
    CHECK(reason(given, d) == row.reason);
  }
}

}  // namespace

TEST_SUITE("rules.decide") {
  TEST_CASE("decide: event kinds (SPEC 1.1)") {
    const std::string in_progress = status("In Progress", "indeterminate");
    check_rows({
        {issue_event("jira:issue_created", status("To Do", "new")), Before::none, Action::open,
         Rule::active_status, State::open, "status 'To Do' is active: open"},
        {issue_event("jira:issue_updated", in_progress), Before::open, Action::update,
         Rule::active_status, State::open, "status 'In Progress' is active: update"},
        {issue_event("jira:issue_updated", in_progress), Before::none, Action::open,
         Rule::active_status, State::open, "status 'In Progress' is active: open"},
        // Deletion resolves whatever the status says.
        {issue_event("jira:issue_deleted", in_progress), Before::open, Action::resolve,
         Rule::deleted, State::resolved, "issue deleted: resolve"},
        {issue_event("jira:issue_deleted", in_progress), Before::none, Action::resolve,
         Rule::deleted, State::resolved, "issue deleted: resolve"},
        {issue_event("jira:issue_deleted", ""), Before::resolved, Action::update, Rule::deleted,
         State::resolved, "issue deleted: already resolved, update"},
        // A workflow post-function body is an update.
        {R"({"transition":{"to_status":"In Progress"},"issue":{"key":"KAN-5"}})", Before::open,
         Action::update, Rule::active_status, State::open,
         "status 'In Progress' is active: update"},
        {R"({"transition":{"to_status":"Done"},"issue":{"key":"KAN-5"}})", Before::open,
         Action::resolve, Rule::resolve_status, State::resolved,
         "status 'Done' is a resolve status: resolve"},
        {R"({"transition":{"to_status":"In Progress"},"issue":{"key":"KAN-5"}})", Before::resolved,
         Action::reopen, Rule::active_status, State::open,
         "status 'In Progress' is active: reopen"},
        {R"({"transition":{},"issue":{"key":"KAN-5"}})", Before::none, Action::open,
         Rule::no_status, State::open, "no status in the payload: open"},
    });

    SUBCASE("any other event string is ignored and leaves the state alone") {
      for (const char* event :
           {"comment_created", "worklog_updated", "jira:worklog_updated", "issuelink_created",
            "sprint_started", "jira:version_released", "jira:issue_unknown", "issue_created"}) {
        for (const Before before : {Before::none, Before::open, Before::resolved}) {
          INFO("event := ", std::string(event));
          INFO("before: ", before_name(before));
          const Given given(issue_event(event, status("Done", "done"), R"("timestamp":5)"));
          const Decision d =
              decide(given, before, Mapping(), /*already_applied=*/true, /*updated_at=*/10);
          CHECK(action(d) == "ignore");
          CHECK(d.rule == Rule::ignored_event);
          CHECK(state(d) == (before == Before::resolved ? "resolved" : "open"));
          CHECK(reason(given, d) ==
                "event '" + std::string(event) + "' does not change alerts: ignored");
          CHECK_FALSE(rules::is_applied(d.action));
        }
      }
    }
    SUBCASE("an ignored event without an issue") {
      const Given given(R"({"webhookEvent":"comment_created","comment":{"body":"hi"}})");
      const Decision d = decide(given, Before::none);
      CHECK(action(d) == "ignore");
      CHECK(reason(given, d) == "event 'comment_created' does not change alerts: ignored");
    }
  }

  TEST_CASE("decide: the status decides (SPEC 1.2)") {
    const std::string active = status("In Progress", "indeterminate");
    const std::string done = status("Done", "done");
    const std::string updated = "jira:issue_updated";

    SUBCASE("every combination of status and alert") {
      check_rows({
          {issue_event(updated, active), Before::none, Action::open, Rule::active_status,
           State::open, "status 'In Progress' is active: open"},
          {issue_event(updated, active), Before::open, Action::update, Rule::active_status,
           State::open, "status 'In Progress' is active: update"},
          {issue_event(updated, active), Before::resolved, Action::reopen, Rule::active_status,
           State::open, "status 'In Progress' is active: reopen"},
          {issue_event(updated, done), Before::open, Action::resolve, Rule::resolve_status,
           State::resolved, "status 'Done' is a resolve status: resolve"},
          {issue_event(updated, done), Before::none, Action::resolve, Rule::resolve_status,
           State::resolved, "status 'Done' is a resolve status: resolve"},
          {issue_event(updated, done), Before::resolved, Action::update, Rule::resolve_status,
           State::resolved, "status 'Done' is a resolve status: already resolved, update"},
          {issue_event("jira:issue_created", done), Before::none, Action::resolve,
           Rule::resolve_status, State::resolved, "status 'Done' is a resolve status: resolve"},
      });
    }

    SUBCASE("no status anywhere: the state stays, or an active alert opens") {
      const std::string no_status =
          issue_event(updated, R"("summary":"comment edited","priority":{"name":"High"})");
      check_rows({
          {no_status, Before::none, Action::open, Rule::no_status, State::open,
           "no status in the payload: open"},
          {no_status, Before::open, Action::update, Rule::no_status, State::open,
           "no status in the payload: state unchanged, update"},
          {no_status, Before::resolved, Action::update, Rule::no_status, State::resolved,
           "no status in the payload: state unchanged, update"},
          // A changelog without a status item is still no status.
          {issue_event(updated, "",
                       R"("changelog":{"id":"1","items":[{"field":"assignee","toString":"Bob"}]})"),
           Before::resolved, Action::update, Rule::no_status, State::resolved,
           "no status in the payload: state unchanged, update"},
      });
    }

    SUBCASE("a status from the changelog or the transition decides like fields.status") {
      check_rows({
          {issue_event(updated, "",
                       R"("changelog":{"items":[{"field":"status","toString":"Closed"}]})"),
           Before::open, Action::resolve, Rule::resolve_status, State::resolved,
           "status 'Closed' is a resolve status: resolve"},
          {issue_event(updated, "",
                       R"("changelog":{"items":[{"field":"status","toString":"Reopened"}]})"),
           Before::resolved, Action::reopen, Rule::active_status, State::open,
           "status 'Reopened' is active: reopen"},
      });
    }

    SUBCASE("resolve status names: trimmed and case-insensitive") {
      for (const char* name : {"Done", "Closed", "Resolved", "done", "DONE", "  done ", "cLoSeD",
                               "   Resolved", "resolved "}) {
        INFO("name := ", std::string(name));
        const Given given(issue_event(updated, status(name)));
        const Decision d = decide(given, Before::open);
        CHECK(action(d) == "resolve");
        CHECK(d.rule == Rule::resolve_status);
        CHECK(state(d) == "resolved");
        CHECK(reason(given, d) ==
              "status '" + std::string(name) + "' is a resolve status: resolve");
      }
    }

    SUBCASE("names that only look like resolve statuses are active") {
      for (const char* name :
           {"Done!", "Not Done", "Closing", "Resolve", "Don e", "Done-ish", ""}) {
        INFO("name := ", std::string(name));
        const Given given(issue_event(updated, status(name)));
        const Decision d = decide(given, Before::open);
        CHECK(action(d) == "update");
        CHECK(d.rule == Rule::active_status);
        CHECK(state(d) == "open");
      }
    }

    SUBCASE("the category done resolves: Won't Do, Cancelled, translated names") {
      for (const char* name : {"Won't Do", "Cancelled", "Erledigt", "Duplicate"}) {
        INFO("name := ", std::string(name));
        const Given given(issue_event(updated, status(name, "done")));
        const Decision d = decide(given, Before::open);
        CHECK(action(d) == "resolve");
        CHECK(d.rule == Rule::done_category);
        CHECK(state(d) == "resolved");
        CHECK(reason(given, d) ==
              "status '" + std::string(name) + "' is in category done: resolve");
      }
      const Given resolved_again(issue_event(updated, status("Won't Do", "done")));
      const Decision d = decide(resolved_again, Before::resolved);
      CHECK(action(d) == "update");
      CHECK(reason(resolved_again, d) ==
            "status 'Won't Do' is in category done: already resolved, update");
    }

    SUBCASE("other categories are active") {
      for (const char* category : {"new", "indeterminate", "undefined", "done-ish", "not done"}) {
        INFO("category := ", std::string(category));
        const Given given(issue_event(updated, status("Won't Do", category)));
        const Decision d = decide(given, Before::open);
        CHECK(action(d) == "update");
        CHECK(d.rule == Rule::active_status);
      }
    }

    SUBCASE("a resolve status name wins over an active category") {
      const Given given(issue_event(updated, status("Done", "indeterminate")));
      const Decision d = decide(given, Before::open);
      CHECK(action(d) == "resolve");
      CHECK(d.rule == Rule::resolve_status);
    }

    SUBCASE("the category of a changelog status is not read") {
      // fields.status has no name: the changelog's toString is the status and the
      // category (which belongs to fields.status) must not count.
      const Given given(
          issue_event(updated, R"("status":{"statusCategory":{"key":"done"}})",
                      R"("changelog":{"items":[{"field":"status","toString":"Won't Do"}]})"));
      const Decision d = decide(given, Before::open);
      CHECK(action(d) == "update");
      CHECK(d.rule == Rule::active_status);
    }

    SUBCASE("--no-category: the category is ignored") {
      Mapping mapping;
      mapping.set_use_category(false);
      check_rows(
          {
              {issue_event(updated, status("Won't Do", "done")), Before::open, Action::update,
               Rule::active_status, State::open, "status 'Won't Do' is active: update"},
              {issue_event(updated, status("Won't Do", "done")), Before::resolved, Action::reopen,
               Rule::active_status, State::open, "status 'Won't Do' is active: reopen"},
              {issue_event(updated, status("Done", "done")), Before::open, Action::resolve,
               Rule::resolve_status, State::resolved, "status 'Done' is a resolve status: resolve"},
              {issue_event("jira:issue_deleted", status("Won't Do", "done")), Before::open,
               Action::resolve, Rule::deleted, State::resolved, "issue deleted: resolve"},
          },
          mapping);
    }

    SUBCASE("custom resolve statuses replace the defaults") {
      Mapping mapping;
      mapping.set_resolve_statuses({"Fixed", " Shipped "});
      check_rows(
          {
              {issue_event(updated, status("fixed")), Before::open, Action::resolve,
               Rule::resolve_status, State::resolved,
               "status 'fixed' is a resolve status: resolve"},
              {issue_event(updated, status("SHIPPED")), Before::open, Action::resolve,
               Rule::resolve_status, State::resolved,
               "status 'SHIPPED' is a resolve status: resolve"},
              {issue_event(updated, status("Done")), Before::open, Action::update,
               Rule::active_status, State::open, "status 'Done' is active: update"},
              // The category still counts.
              {issue_event(updated, status("Done", "done")), Before::open, Action::resolve,
               Rule::done_category, State::resolved, "status 'Done' is in category done: resolve"},
          },
          mapping);
    }

    SUBCASE("an added resolve status joins the defaults") {
      Mapping mapping;
      mapping.add_resolve_status("Won't Fix");
      check_rows(
          {
              {issue_event(updated, status("won't fix")), Before::open, Action::resolve,
               Rule::resolve_status, State::resolved,
               "status 'won't fix' is a resolve status: resolve"},
              {issue_event(updated, status("Closed")), Before::open, Action::resolve,
               Rule::resolve_status, State::resolved,
               "status 'Closed' is a resolve status: resolve"},
          },
          mapping);
    }
  }

  TEST_CASE("decide: priority (SPEC 1.3)") {
    struct PriorityRow {
      std::string fields;
      const char* level;
      bool mapped;
    };
    const auto named = [](std::string_view name) {
      return R"("priority":{"name":")" + std::string(name) + R"(","id":"1"})";
    };
    const std::vector<PriorityRow> rows{
        {named("Critical"), "CRITICAL", true},
        {named("Highest"), "CRITICAL", true},
        {named("Blocker"), "CRITICAL", true},
        {named("High"), "HIGH", true},
        {named("Major"), "HIGH", true},
        {named("Medium"), "MEDIUM", true},
        {named("Low"), "LOW", true},
        {named("Lowest"), "LOW", true},
        {named("Minor"), "LOW", true},
        {named("Trivial"), "LOW", true},
        // Case-insensitive, and white space around the name does not count.
        {named("critical"), "CRITICAL", true},
        {named("BLOCKER"), "CRITICAL", true},
        {named("hIgH"), "HIGH", true},
        {named(" Minor "), "LOW", true},
        // The plain-string form.
        {R"("priority":"Highest")", "CRITICAL", true},
        {R"("priority":"trivial")", "LOW", true},
        // Absent, null and {}: the default, mapped (no warning).
        {R"("summary":"no priority")", "MEDIUM", true},
        {R"("priority":null)", "MEDIUM", true},
        {R"("priority":{})", "MEDIUM", true},
        // An object without a name: the default, with the unmapped warning.
        {R"("priority":{"id":"3"})", "MEDIUM", false},
        // Any other name: the default, with a warning.
        {named("P1"), "MEDIUM", false},
        {R"("priority":"P1")", "MEDIUM", false},
        {named("Urgent"), "MEDIUM", false},
        {named("Critical!"), "MEDIUM", false},
        {named(""), "MEDIUM", false},
    };
    for (const auto& row : rows) {
      CAPTURE(row.fields);
      const Given given(
          issue_event("jira:issue_created", status("To Do", "new") + "," + row.fields));
      const Decision d = decide(given, Before::none);
      CHECK(level(d) == row.level);
      CHECK(d.priority_mapped == row.mapped);
    }

    SUBCASE("priority follows the payload on every action, the resolving one included") {
      const Given given(
          issue_event("jira:issue_updated", status("Done", "done") + "," + named("Blocker")));
      for (const Before before : {Before::none, Before::open, Before::resolved}) {
        INFO("before: ", before_name(before));
        CHECK(level(decide(given, before)) == "CRITICAL");
      }
      CHECK(level(decide(given, Before::open, Mapping(), /*already_applied=*/true)) == "CRITICAL");
    }

    SUBCASE("ignored events still report the priority they carry") {
      const Given given(issue_event("comment_created", named("Low")));
      CHECK(level(decide(given, Before::open)) == "LOW");
    }

    SUBCASE("configurable entries and default") {
      Mapping mapping;
      mapping.set_priority("P1", Level::critical);
      mapping.set_priority(" p2 ", Level::high);
      mapping.set_priority("HIGH", Level::low);
      mapping.set_default_priority(Level::low);
      struct Configured {
        std::string fields;
        const char* level;
        bool mapped;
      };
      for (const auto& row : std::vector<Configured>{
               {named("P1"), "CRITICAL", true},
               {named("p1"), "CRITICAL", true},
               {named("P2"), "HIGH", true},
               {named("High"), "LOW", true},
               {named("Blocker"), "CRITICAL", true},
               {named("P9"), "LOW", false},
               {R"("priority":null)", "LOW", true},
               {R"("summary":"none")", "LOW", true},
           }) {
        CAPTURE(row.fields);
        const Given given(issue_event("jira:issue_created", row.fields));
        const Decision d = decide(given, Before::none, mapping);
        CHECK(level(d) == row.level);
        CHECK(d.priority_mapped == row.mapped);
      }
    }
  }

  TEST_CASE("decide: duplicates and stale payloads (SPEC 1.5)") {
    const Given resolving(issue_event("jira:issue_updated",
                                      status("Done", "done") + R"(,"priority":"High")",
                                      R"("timestamp":1000)"));
    const Given active(issue_event("jira:issue_updated",
                                   status("In Progress") + R"(,"priority":"Low")",
                                   R"("timestamp":1000)"));
    const Given untimed(issue_event("jira:issue_updated", status("Done", "done")));

    SUBCASE("already applied: duplicate, with the state and priority it would set") {
      const Decision d = decide(resolving, Before::open, Mapping(), /*already_applied=*/true);
      CHECK(action(d) == "duplicate");
      CHECK(d.rule == Rule::duplicate);
      CHECK(state(d) == "resolved");
      CHECK(level(d) == "HIGH");
      CHECK_FALSE(rules::is_applied(d.action));
      CHECK(reason(resolving, d) ==
            "already applied to this alert (same event, key, timestamp and changelog id): skipped");

      const Decision r = decide(active, Before::resolved, Mapping(), /*already_applied=*/true);
      CHECK(action(r) == "duplicate");
      CHECK(state(r) == "open");
      CHECK(level(r) == "LOW");
    }
    SUBCASE("a duplicate without a timestamp is told by its bytes") {
      const Decision d = decide(untimed, Before::resolved, Mapping(), /*already_applied=*/true);
      CHECK(action(d) == "duplicate");
      CHECK(reason(untimed, d) ==
            "already applied to this alert (identical payload bytes): skipped");
    }
    SUBCASE("not applied before: decided as usual") {
      CHECK(action(decide(resolving, Before::open, Mapping(), /*already_applied=*/false)) ==
            "resolve");
    }
    SUBCASE("already applied but no alert: the alert is new, so it applies") {
      CHECK(action(decide(resolving, Before::none, Mapping(), /*already_applied=*/true)) ==
            "resolve");
    }
    SUBCASE("older than the alert's newest payload: stale, with the state it would set") {
      const Decision d = decide(resolving, Before::open, Mapping(), false, /*updated_at=*/1001);
      CHECK(action(d) == "stale");
      // The rule its status gives: it decides again in the alert's history in event time.
      CHECK(d.rule == Rule::resolve_status);
      CHECK(state(d) == "resolved");
      CHECK(level(d) == "HIGH");
      CHECK_FALSE(rules::is_applied(d.action));
      CHECK(reason(resolving, d) ==
            "status 'Done' is a resolve status, but older than the alert's newest applied "
            "payload: stale, placed in its history by event time");

      const Decision r = decide(active, Before::resolved, Mapping(), false, /*updated_at=*/5000);
      CHECK(action(r) == "stale");
      CHECK(state(r) == "open");
    }
    SUBCASE("the same timestamp is not stale") {
      CHECK(action(decide(resolving, Before::open, Mapping(), false, /*updated_at=*/1000)) ==
            "resolve");
      CHECK(action(decide(active, Before::resolved, Mapping(), false, /*updated_at=*/1000)) ==
            "reopen");
    }
    SUBCASE("a newer timestamp is not stale") {
      CHECK(action(decide(resolving, Before::open, Mapping(), false, /*updated_at=*/999)) ==
            "resolve");
    }
    SUBCASE("without a timestamp a payload is never stale") {
      CHECK(action(decide(untimed, Before::open, Mapping(), false, /*updated_at=*/1000)) ==
            "resolve");
    }
    SUBCASE("an alert without a time makes nothing stale") {
      CHECK(action(decide(resolving, Before::open, Mapping(), false, std::nullopt)) == "resolve");
    }
    SUBCASE("a duplicate is reported as a duplicate even when it is also old") {
      const Decision d =
          decide(resolving, Before::open, Mapping(), /*already_applied=*/true, /*updated_at=*/5000);
      CHECK(action(d) == "duplicate");
      CHECK(d.rule == Rule::duplicate);
    }
    SUBCASE("a stale deletion") {
      const Given deleted(issue_event("jira:issue_deleted", "", R"("timestamp":10)"));
      const Decision d = decide(deleted, Before::open, Mapping(), false, /*updated_at=*/20);
      CHECK(action(d) == "stale");
      CHECK(d.rule == Rule::deleted);
      CHECK(state(d) == "resolved");
    }
  }

  TEST_CASE("status_rule") {
    const Mapping mapping;
    CHECK(rules::status_rule("Done", "", false, mapping) == Rule::resolve_status);
    CHECK(rules::status_rule(" closed ", "new", true, mapping) == Rule::resolve_status);
    CHECK(rules::status_rule("Won't Do", "done", true, mapping) == Rule::done_category);
    CHECK(rules::status_rule("Won't Do", " done ", true, mapping) == Rule::done_category);
    CHECK(rules::status_rule("Won't Do", "done", false, mapping) == Rule::active_status);
    CHECK(rules::status_rule("Won't Do", "indeterminate", true, mapping) == Rule::active_status);
    CHECK(rules::status_rule("In Progress", "", false, mapping) == Rule::active_status);

    Mapping no_category;
    no_category.set_use_category(false);
    CHECK(rules::status_rule("Won't Do", "done", true, no_category) == Rule::active_status);
    CHECK(rules::status_rule("Done", "done", true, no_category) == Rule::resolve_status);
  }

  TEST_CASE("reason_text") {
    struct ReasonRow {
      Rule rule;
      Action action;
      const char* status;
      const char* event;
      bool has_timestamp;
      const char* text;
    };
    const ReasonRow rows[] = {
        {Rule::ignored_event, Action::ignore, "", "comment_created", true,
         "event 'comment_created' does not change alerts: ignored"},
        {Rule::duplicate, Action::duplicate, "Done", "jira:issue_updated", true,
         "already applied to this alert (same event, key, timestamp and changelog id): skipped"},
        {Rule::duplicate, Action::duplicate, "Done", "jira:issue_updated", false,
         "already applied to this alert (identical payload bytes): skipped"},
        {Rule::stale, Action::stale, "Done", "jira:issue_updated", true,
         "older than the alert's newest applied payload: recorded, state unchanged"},
        {Rule::done_category, Action::stale, "Won't Do", "jira:issue_updated", true,
         "status 'Won't Do' is in category done, but older than the alert's newest applied "
         "payload: stale, placed in its history by event time"},
        {Rule::no_status, Action::stale, "", "jira:issue_updated", true,
         "no status in the payload, but older than the alert's newest applied payload: stale, "
         "placed in its history by event time"},
        {Rule::rejected, Action::reject, "", "", false, "unusable payload: rejected"},
        {Rule::deleted, Action::resolve, "", "jira:issue_deleted", true, "issue deleted: resolve"},
        {Rule::deleted, Action::update, "", "jira:issue_deleted", true,
         "issue deleted: already resolved, update"},
        {Rule::resolve_status, Action::resolve, "Done", "jira:issue_updated", true,
         "status 'Done' is a resolve status: resolve"},
        {Rule::resolve_status, Action::update, "Done", "jira:issue_updated", true,
         "status 'Done' is a resolve status: already resolved, update"},
        {Rule::done_category, Action::resolve, "Won't Do", "jira:issue_updated", true,
         "status 'Won't Do' is in category done: resolve"},
        {Rule::done_category, Action::update, "Won't Do", "jira:issue_updated", true,
         "status 'Won't Do' is in category done: already resolved, update"},
        {Rule::active_status, Action::open, "To Do", "jira:issue_created", true,
         "status 'To Do' is active: open"},
        {Rule::active_status, Action::update, "In Progress", "jira:issue_updated", true,
         "status 'In Progress' is active: update"},
        {Rule::active_status, Action::reopen, "Reopened", "jira:issue_updated", true,
         "status 'Reopened' is active: reopen"},
        {Rule::no_status, Action::open, "", "jira:issue_updated", true,
         "no status in the payload: open"},
        {Rule::no_status, Action::update, "", "jira:issue_updated", true,
         "no status in the payload: state unchanged, update"},
    };
    for (const auto& row : rows) {
      INFO("row.text := ", std::string(row.text));
      CHECK(rules::reason_text(row.rule, row.action, row.status, row.event, row.has_timestamp) ==
            row.text);
    }
  }

  TEST_CASE("identity") {
    const auto id = [](const std::string& json) {
      const Given given(json);
      return rules::identity(given.payload(), given.bytes());
    };
    const std::string base =
        R"({"webhookEvent":"jira:issue_updated","timestamp":1000,"issue":{"key":"KAN-5"},"changelog":{"id":"10"}})";

    SUBCASE("same event, key, timestamp and changelog id: same identity, whatever else differs") {
      CHECK(
          id(base) ==
          id(R"({ "timestamp" : 1000, "webhookEvent" : "jira:issue_updated", "changelog": {"id": "10"},
                            "issue": {"key": "KAN-5", "fields": {"summary": "other", "status": {"name": "Done"}}},
                            "user": {"displayName": "Bob"}})"));
      // The same instant written as an ISO-8601 string.
      CHECK(
          id(base) ==
          id(R"({"webhookEvent":"jira:issue_updated","timestamp":"1970-01-01T00:00:01Z","issue":{"key":"KAN-5"},"changelog":{"id":"10"}})"));
    }
    SUBCASE("any of them different: a different identity") {
      const std::string others[] = {
          R"({"webhookEvent":"jira:issue_created","timestamp":1000,"issue":{"key":"KAN-5"},"changelog":{"id":"10"}})",
          R"({"webhookEvent":"jira:issue_updated","timestamp":1000,"issue":{"key":"KAN-6"},"changelog":{"id":"10"}})",
          R"({"webhookEvent":"jira:issue_updated","timestamp":1001,"issue":{"key":"KAN-5"},"changelog":{"id":"10"}})",
          R"({"webhookEvent":"jira:issue_updated","timestamp":1000,"issue":{"key":"KAN-5"},"changelog":{"id":"11"}})",
          R"({"webhookEvent":"jira:issue_updated","timestamp":1000,"issue":{"key":"KAN-5"},"changelog":{"id":""}})",
          R"({"webhookEvent":"jira:issue_updated","timestamp":1000,"issue":{"key":"KAN-5"}})",
          R"({"webhookEvent":"jira:issue_updated","timestamp":232,"issue":{"key":"KAN-5"},"changelog":{"id":"10"}})",
      };
      const auto reference = id(base);
      for (const auto& other : others) {
        CAPTURE(other);
        CHECK(id(other) != reference);
      }
    }
    SUBCASE("an absent changelog id differs from an empty one") {
      CHECK(
          id(R"({"webhookEvent":"jira:issue_updated","timestamp":1,"issue":{"key":"KAN-5"}})") !=
          id(R"({"webhookEvent":"jira:issue_updated","timestamp":1,"issue":{"key":"KAN-5"},"changelog":{"id":""}})"));
    }
    SUBCASE("without a timestamp: a hash of the payload's bytes") {
      const std::string a =
          R"({"webhookEvent":"jira:issue_updated","issue":{"key":"KAN-5"},"changelog":{"id":"10"}})";
      const std::string b =
          R"({"webhookEvent":"jira:issue_updated", "issue":{"key":"KAN-5"},"changelog":{"id":"10"}})";
      CHECK(id(a) == jira_alerts::util::hash64(a));
      CHECK(id(b) == jira_alerts::util::hash64(b));
      CHECK(id(a) != id(b));
    }
  }

}  // TEST_SUITE

TEST_SUITE("rules.mapping") {
  TEST_CASE("Mapping::priority") {
    const Mapping mapping;
    CHECK(mapping.priority("Blocker").level == Level::critical);
    CHECK(mapping.priority("Blocker").mapped);
    CHECK(mapping.priority("MAJOR").level == Level::high);
    CHECK(mapping.priority("medium").level == Level::medium);
    CHECK(mapping.priority("Trivial").level == Level::low);
    CHECK(mapping.priority(" \tLow\n").level == Level::low);
    CHECK_FALSE(mapping.priority("P1").mapped);
    CHECK(mapping.priority("P1").level == Level::medium);
    CHECK_FALSE(mapping.priority("").mapped);
    CHECK_FALSE(mapping.priority(std::string(200, 'x')).mapped);
    CHECK(mapping.default_priority() == Level::medium);
  }

  TEST_CASE("Mapping::is_resolve_status") {
    Mapping mapping;
    CHECK(mapping.is_resolve_status("Done"));
    CHECK(mapping.is_resolve_status(" RESOLVED "));
    CHECK(mapping.is_resolve_status("\tDone\r\n"));
    CHECK(mapping.is_resolve_status("closed"));
    CHECK_FALSE(mapping.is_resolve_status("Won't Do"));
    CHECK_FALSE(mapping.is_resolve_status(""));
    CHECK(mapping.resolve_statuses() == std::vector<std::string>{"Done", "Closed", "Resolved"});

    SUBCASE("set_resolve_statuses replaces, trimmed, without repeats") {
      mapping.set_resolve_statuses({" Fixed ", "fixed", "Shipped"});
      CHECK(mapping.resolve_statuses() == std::vector<std::string>{"Fixed", "Shipped"});
      CHECK(mapping.is_resolve_status("FIXED"));
      CHECK_FALSE(mapping.is_resolve_status("Done"));
    }
    SUBCASE("add_resolve_status appends once") {
      mapping.add_resolve_status("Won't Do");
      mapping.add_resolve_status(" won't do ");
      mapping.add_resolve_status("DONE");
      CHECK(mapping.resolve_statuses() ==
            std::vector<std::string>{"Done", "Closed", "Resolved", "Won't Do"});
      CHECK(mapping.is_resolve_status("won't do"));
    }
    SUBCASE("an empty list resolves by category only") {
      mapping.set_resolve_statuses({});
      CHECK(mapping.resolve_statuses().empty());
      CHECK_FALSE(mapping.is_resolve_status("Done"));
    }
  }

  TEST_CASE("level_name and parse_level") {
    CHECK(rules::level_name(Level::critical) == "CRITICAL");
    CHECK(rules::level_name(Level::high) == "HIGH");
    CHECK(rules::level_name(Level::medium) == "MEDIUM");
    CHECK(rules::level_name(Level::low) == "LOW");
    CHECK(rules::parse_level("critical") == Level::critical);
    CHECK(rules::parse_level(" High ") == Level::high);
    CHECK(rules::parse_level("MEDIUM") == Level::medium);
    CHECK(rules::parse_level("low") == Level::low);
    CHECK_FALSE(rules::parse_level("Blocker").has_value());
    CHECK_FALSE(rules::parse_level("").has_value());
    CHECK(rules::level_names() == std::vector<std::string>{"CRITICAL", "HIGH", "MEDIUM", "LOW"});
  }

}  // TEST_SUITE

TEST_SUITE("rules.decide") {
  TEST_CASE("action_name, parse_action and is_applied") {
    const std::pair<Action, const char*> names[] = {
        {Action::open, "open"},     {Action::update, "update"}, {Action::resolve, "resolve"},
        {Action::reopen, "reopen"}, {Action::ignore, "ignore"}, {Action::duplicate, "duplicate"},
        {Action::stale, "stale"},   {Action::reject, "reject"},
    };
    for (const auto& [a, name] : names) {
      INFO("name := ", std::string(name));
      CHECK(rules::action_name(a) == name);
      CHECK(rules::parse_action(name) == a);
    }
    CHECK_FALSE(rules::parse_action("Open").has_value());
    CHECK_FALSE(rules::parse_action("").has_value());
    CHECK(rules::is_applied(Action::open));
    CHECK(rules::is_applied(Action::update));
    CHECK(rules::is_applied(Action::resolve));
    CHECK(rules::is_applied(Action::reopen));
    CHECK_FALSE(rules::is_applied(Action::ignore));
    CHECK_FALSE(rules::is_applied(Action::duplicate));
    CHECK_FALSE(rules::is_applied(Action::stale));
    CHECK_FALSE(rules::is_applied(Action::reject));
  }

  TEST_CASE("state_name and parse_state") {
    CHECK(rules::state_name(State::open) == "open");
    CHECK(rules::state_name(State::resolved) == "resolved");
    CHECK(rules::parse_state("open") == State::open);
    CHECK(rules::parse_state("resolved") == State::resolved);
    CHECK_FALSE(rules::parse_state("closed").has_value());
  }

}  // TEST_SUITE

namespace {

using jira_alerts::rules::AlertState;
using jira_alerts::rules::Facts;
using jira_alerts::rules::Outcome;

template <typename T>
std::string shown(const std::optional<T>& v) {
  if (!v) return "-";
  if constexpr (std::is_arithmetic_v<T>)
    return std::to_string(*v);
  else
    return "'" + std::string(*v) + "'";
}

// Every field of an alert, so that a row asserts all of them at once.
std::string describe(const AlertState& a) {
  return "key=" + a.fingerprint + " issue_id=" + shown(a.issue_id) +
         " project=" + shown(a.project) + " jira_priority=" + shown(a.jira_priority) +
         " status=" + shown(a.status) + " summary=" + shown(a.summary) + " site=" + shown(a.site) +
         " state=" + std::string(rules::state_name(a.state)) +
         " priority=" + std::string(rules::level_name(a.priority)) +
         " opened=" + shown(a.opened_at) + " resolved=" + shown(a.resolved_at) +
         " updated=" + shown(a.updated_at) + " events=" + std::to_string(a.events) +
         " reopens=" + std::to_string(a.reopens) + " episode=" + std::to_string(a.episode);
}

std::string describe(const Outcome& o) {
  return std::string(o.applied ? "applied" : "unchanged") + (o.opens_episode ? " opens" : "") +
         (o.closes_episode ? " closes" : "") + " summary=" + shown(o.summary);
}

// An alert that has seen two payloads: open since 1000, newest at 2000.
AlertState open_alert() {
  return {.fingerprint = "KAN-5",
          .issue_id = "10005",
          .project = "KAN",
          .jira_priority = "High",
          .status = "In Progress",
          .summary = "Disk full",
          .site = "https://acme.atlassian.net",
          .state = State::open,
          .priority = Level::high,
          .opened_at = 1000,
          .resolved_at = std::nullopt,
          .updated_at = 2000,
          .events = 2,
          .reopens = 0,
          .episode = 1};
}

// The same alert, resolved at 2000.
AlertState resolved_alert() {
  AlertState a = open_alert();
  a.state = State::resolved;
  a.status = "Done";
  a.resolved_at = 2000;
  return a;
}

// What a payload for KAN-5 at time AT tells, naming a summary, status and priority.
Facts facts(bool first, std::optional<jira_alerts::util::Millis> at, std::string_view summary,
            std::string_view status, std::optional<std::string_view> jira_priority = "High") {
  return {.first = first,
          .key = "KAN-5",
          .timestamp = at,
          .summary = summary,
          .project = std::nullopt,
          .issue_id = "10005",
          .site = "https://acme.atlassian.net",
          .status = status,
          .jira_priority = jira_priority};
}

Decision decision(Action action, State state, Level priority = Level::high) {
  return {action, Rule::active_status, state, priority, true};
}

// One row: the alert before, the decision and facts, the whole alert after and outcome.
struct TransitionRow {
  const char* name;
  AlertState before;
  Decision decision;
  Facts facts;
  AlertState after;
  Outcome outcome;
};

// BASE with CHANGE applied: a row's expected alert, spelled as a difference.
template <typename F>
AlertState with(AlertState base, F change) {
  change(base);
  return base;
}

}  // namespace

TEST_SUITE("rules.transition") {
  TEST_CASE("transition: what a payload does to its alert") {
    const AlertState none;
    const std::vector<TransitionRow> rows = {
        {"a new alert opens episode 1, its project from the key",
         none,
         decision(Action::open, State::open),
         facts(true, 1000, "Disk full", "To Do"),
         with(open_alert(),
              [](AlertState& a) {
                a.status = "To Do";
                a.updated_at = 1000;
                a.events = 1;
              }),
         {true, true, false, "Disk full"}},
        {"a new alert first seen resolved: opened unknown, episode 1 closed at once",
         none,
         decision(Action::resolve, State::resolved, Level::low),
         facts(true, 1000, "Disk full", "Done", std::nullopt),
         with(open_alert(),
              [](AlertState& a) {
                a.state = State::resolved;
                a.status = "Done";
                a.jira_priority.reset();
                a.priority = Level::low;
                a.opened_at.reset();
                a.resolved_at = 1000;
                a.updated_at = 1000;
                a.events = 1;
              }),
         {true, true, true, "Disk full"}},
        {"a new alert without a timestamp has no times",
         none,
         decision(Action::open, State::open),
         facts(true, std::nullopt, "Disk full", "In Progress"),
         with(open_alert(),
              [](AlertState& a) {
                a.opened_at.reset();
                a.updated_at.reset();
                a.events = 1;
              }),
         {true, true, false, "Disk full"}},
        {"an update sets the fields; the same summary is not recorded again",
         open_alert(),
         decision(Action::update, State::open, Level::low),
         facts(false, 3000, "Disk full", "Review", std::nullopt),
         with(open_alert(),
              [](AlertState& a) {
                a.status = "Review";
                a.jira_priority.reset();  // a payload without a named priority clears it
                a.priority = Level::low;
                a.updated_at = 3000;
                a.events = 3;
              }),
         {true, false, false, std::nullopt}},
        {"an update without a timestamp keeps the newest time",
         open_alert(),
         decision(Action::update, State::open),
         facts(false, std::nullopt, "Disk on fire", "Review"),
         with(open_alert(),
              [](AlertState& a) {
                a.status = "Review";
                a.summary = "Disk on fire";
                a.events = 3;
              }),
         {true, false, false, "Disk on fire"}},
        {"a resolve closes the episode",
         open_alert(),
         decision(Action::resolve, State::resolved),
         facts(false, 3000, "Disk full", "Done"),
         with(resolved_alert(),
              [](AlertState& a) {
                a.resolved_at = 3000;
                a.updated_at = 3000;
                a.events = 3;
              }),
         {true, false, true, std::nullopt}},
        {"a reopen opens the next episode",
         resolved_alert(),
         decision(Action::reopen, State::open),
         facts(false, 3000, "Disk full again", "To Do"),
         with(open_alert(),
              [](AlertState& a) {
                a.status = "To Do";
                a.summary = "Disk full again";
                a.opened_at = 3000;
                a.updated_at = 3000;
                a.events = 3;
                a.reopens = 1;
                a.episode = 2;
              }),
         {true, true, false, "Disk full again"}},
        {"an update of a resolved alert keeps its episode closed",
         resolved_alert(),
         decision(Action::update, State::resolved),
         facts(false, 3000, "Disk full", "Closed"),
         with(resolved_alert(),
              [](AlertState& a) {
                a.status = "Closed";
                a.updated_at = 3000;
                a.events = 3;
              }),
         {true, false, false, std::nullopt}},
        {"a stale payload changes nothing, and records the summary it would set",
         open_alert(),
         decision(Action::stale, State::resolved),
         facts(false, 1500, "Old title", "Done"),
         open_alert(),
         {false, false, false, "Old title"}},
        {"a stale payload with the alert's summary records none",
         open_alert(),
         decision(Action::stale, State::resolved),
         facts(false, 1500, "Disk full", "Done"),
         open_alert(),
         {false, false, false, std::nullopt}},
        {"a duplicate changes nothing and records no summary",
         open_alert(),
         decision(Action::duplicate, State::open),
         facts(false, 2000, "Other", "To Do"),
         open_alert(),
         {false, false, false, std::nullopt}},
        {"an ignored event changes nothing",
         open_alert(),
         decision(Action::ignore, State::open),
         facts(false, 3000, "Other", "To Do"),
         open_alert(),
         {false, false, false, std::nullopt}},
    };
    for (const TransitionRow& row : rows) {
      INFO(row.name);
      AlertState a = row.before;
      const Outcome o = rules::transition(a, row.decision, row.facts);
      CHECK(describe(a) == describe(row.after));
      CHECK(describe(o) == describe(row.outcome));
    }
  }

  TEST_CASE("transition: project and site") {
    struct ProjectRow {
      const char* name;
      AlertState before;
      std::string_view key;
      std::optional<std::string_view> project, site;
      std::optional<std::string> project_after, site_after;
    };
    const AlertState none;
    const std::vector<ProjectRow> rows = {
        {"a new alert's project comes from its key", none, "OPS-12", std::nullopt, std::nullopt,
         "OPS", std::nullopt},
        {"a key without a project part gives none", none, "12", std::nullopt, std::nullopt,
         std::nullopt, std::nullopt},
        {"the last '-' splits the key", none, "MY-OPS-12", std::nullopt, "https://a.example",
         "MY-OPS", "https://a.example"},
        {"a named project wins over the key", none, "OPS-12", "Operations", std::nullopt,
         "Operations", std::nullopt},
        {"an alert keeps its project and site when the payload names none", open_alert(), "OPS-12",
         std::nullopt, std::nullopt, "KAN", "https://acme.atlassian.net"},
        {"a named project and site replace the alert's", open_alert(), "KAN-5", "Kanban",
         "https://b.example", "Kanban", "https://b.example"},
    };
    for (const ProjectRow& row : rows) {
      INFO(row.name);
      AlertState a = row.before;
      Facts f;
      f.first = row.before.episode == 0;
      f.key = row.key;
      f.timestamp = 5000;
      f.project = row.project;
      f.site = row.site;
      rules::transition(a, decision(Action::update, State::open), f);
      CHECK(shown(a.project) == shown(row.project_after));
      CHECK(shown(a.site) == shown(row.site_after));
    }
  }

  TEST_CASE("action_for, state_after and redecide") {
    struct Row {
      std::optional<State> before;
      std::optional<State> recorded;
      bool has_status;
      State after;
      Action action;
    };
    const std::vector<Row> rows = {
        {std::nullopt, State::open, true, State::open, Action::open},
        {std::nullopt, State::resolved, true, State::resolved, Action::resolve},
        {std::nullopt, State::resolved, false, State::open, Action::open},
        {std::nullopt, std::nullopt, true, State::open, Action::open},
        {State::open, State::open, true, State::open, Action::update},
        {State::open, State::resolved, true, State::resolved, Action::resolve},
        {State::open, State::resolved, false, State::open, Action::update},
        {State::resolved, State::open, true, State::open, Action::reopen},
        {State::resolved, State::resolved, true, State::resolved, Action::update},
        {State::resolved, State::open, false, State::resolved, Action::update},
    };
    for (const Row& row : rows) {
      INFO("before ",
           shown(row.before ? std::optional(rules::state_name(*row.before)) : std::nullopt),
           ", recorded ",
           shown(row.recorded ? std::optional(rules::state_name(*row.recorded)) : std::nullopt),
           ", has status ", row.has_status);
      const Decision d = rules::redecide(row.before, row.recorded, row.has_status, Level::low);
      CHECK(d.state == row.after);
      CHECK(rules::action_name(d.action) == rules::action_name(row.action));
      CHECK(d.rule == (row.has_status ? Rule::active_status : Rule::no_status));
      CHECK(d.priority == Level::low);
      CHECK(d.priority_mapped);
      CHECK(rules::action_for(row.before, row.after) == row.action);
      CHECK(rules::state_after(
                row.before, row.has_status ? std::optional(d.state) : std::nullopt) == row.after);
    }
  }
}

TEST_SUITE("rules.merge") {
  TEST_CASE("merge: the newer half of a moved issue's history gives the fields and the key") {
    // The alert under the old key (FROM) and the one under the new key (INTO).
    const AlertState old_half = with(resolved_alert(), [](AlertState& a) {
      a.fingerprint = "OLD-1";
      a.project = "OLD";
      a.summary = "Old title";
      a.site.reset();
      a.events = 4;
      a.reopens = 1;
      a.episode = 2;
    });
    const AlertState new_half = with(open_alert(), [](AlertState& a) {
      a.fingerprint = "NEW-1";
      a.project = "NEW";
      a.opened_at = 2500;
      a.updated_at = 3000;
      a.events = 1;
      a.episode = 1;
    });
    struct MergeRow {
      const char* name;
      AlertState into, from;
      AlertState after;
      std::string alias;
      rules::MergedEpisodes episodes;
    };
    const std::vector<MergeRow> rows = {
        {"INTO is newer: it keeps its fields and key, adds the counts", new_half, old_half,
         with(new_half,
              [](AlertState& a) {
                a.events = 5;
                a.reopens = 1;
              }),
         "OLD-1", rules::MergedEpisodes::keep_one},
        {"FROM is newer: its fields and key, INTO's site kept",
         with(new_half, [](AlertState& a) { a.updated_at = 1500; }), old_half,
         with(old_half,
              [&](AlertState& a) {
                a.site = new_half.site;
                a.events = 5;
                a.reopens = 1;
                a.episode = 1;  // the store numbers the episodes again
              }),
         "NEW-1", rules::MergedEpisodes::close_open},
        {"a tie keeps INTO's", with(new_half, [](AlertState& a) { a.updated_at = 2000; }), old_half,
         with(new_half,
              [](AlertState& a) {
                a.updated_at = 2000;
                a.events = 5;
                a.reopens = 1;
              }),
         "OLD-1", rules::MergedEpisodes::keep_one},
        {"a half without any timestamp is the older",
         with(new_half, [](AlertState& a) { a.updated_at.reset(); }), old_half,
         with(old_half,
              [&](AlertState& a) {
                a.site = new_half.site;
                a.events = 5;
                a.reopens = 1;
                a.episode = 1;
              }),
         "NEW-1", rules::MergedEpisodes::close_open},
        {"INTO without a site takes FROM's",
         with(old_half,
              [](AlertState& a) {
                a.fingerprint = "NEW-1";
                a.updated_at = 5000;
              }),
         with(new_half, [](AlertState& a) { a.fingerprint = "OLD-1"; }),
         with(old_half,
              [&](AlertState& a) {
                a.fingerprint = "NEW-1";
                a.updated_at = 5000;
                a.site = new_half.site;
                a.events = 5;
                a.reopens = 1;
              }),
         "OLD-1", rules::MergedEpisodes::close_open},
    };
    for (const MergeRow& row : rows) {
      INFO(row.name);
      AlertState into = row.into;
      const rules::Merged m = rules::merge(into, row.from);
      CHECK(describe(into) == describe(row.after));
      CHECK(m.alias == row.alias);
      CHECK(m.episodes == row.episodes);
    }
  }

  TEST_CASE("moves: which key an alert goes by") {
    struct KeyRow {
      const char* name;
      std::optional<jira_alerts::util::Millis> updated_at, at;
      std::string_view key;
      bool move_takes, payload_takes;
    };
    const std::vector<KeyRow> rows = {
        {"a newer payload", 2000, 3000, "NEW-1", true, true},
        {"as new as the alert", 2000, 2000, "NEW-1", true, false},
        {"an older payload (a late move)", 2000, 1000, "NEW-1", false, false},
        {"a payload without a timestamp", 2000, std::nullopt, "NEW-1", true, false},
        {"an alert without a timestamp", std::nullopt, 1000, "NEW-1", true, false},
        {"the key the alert goes by already", 2000, 3000, "KAN-5", true, false},
    };
    for (const KeyRow& row : rows) {
      INFO(row.name);
      AlertState a = open_alert();
      a.updated_at = row.updated_at;
      CHECK(rules::move_takes_key(a, row.at) == row.move_takes);
      CHECK(rules::payload_takes_key(a, row.key, row.at) == row.payload_takes);
    }
  }

  TEST_CASE("is_stale") {
    using Millis = jira_alerts::util::Millis;
    const std::vector<std::tuple<std::optional<Millis>, std::optional<Millis>, bool>> rows = {
        {1000, 2000, true},          {2000, 2000, false},         {3000, 2000, false},
        {std::nullopt, 2000, false}, {1000, std::nullopt, false},
    };
    for (const auto& [at, newest, stale] : rows) {
      INFO("at ", shown(at), ", newest ", shown(newest));
      CHECK(rules::is_stale(at, newest) == stale);
    }
  }

  TEST_CASE("project_of_key and project_after_move") {
    const std::vector<std::tuple<std::string_view, std::optional<std::string_view>,
                                 std::optional<std::string>, std::optional<std::string>>>
        rows = {
            {"KAN-5", std::nullopt, "KAN", "KAN"},
            {"MY-OPS-5", std::nullopt, "MY-OPS", "MY-OPS"},
            {"KAN-5", "Kanban", "KAN", "Kanban"},
            {"-5", std::nullopt, std::nullopt, std::nullopt},
            {"KAN5", std::nullopt, std::nullopt, std::nullopt},
            {"", "Kanban", std::nullopt, "Kanban"},
        };
    for (const auto& [key, project, of_key, after_move] : rows) {
      INFO("key := ", std::string(key));
      CHECK(shown(rules::project_of_key(key)) == shown(of_key));
      CHECK(shown(rules::project_after_move(key, project)) == shown(after_move));
    }
  }
}

TEST_SUITE("rules.decide") {
  TEST_CASE("identity: with a timestamp the bytes do not count, without one only they do") {
    const Given timed(
        R"({"webhookEvent":"jira:issue_updated","timestamp":1000,"issue":{"key":"KAN-5"}})");
    const auto with_bytes = [&](std::string_view bytes) {
      return rules::identity(timed.payload(), bytes);
    };
    CHECK(with_bytes(timed.bytes()) == with_bytes("other bytes"));
    CHECK(with_bytes(timed.bytes()) == with_bytes(""));
    CHECK(with_bytes(timed.bytes()) != jira_alerts::util::hash64(timed.bytes()));

    const Given untimed(R"({"webhookEvent":"jira:issue_updated","issue":{"key":"KAN-5"}})");
    CHECK(rules::identity(untimed.payload(), "one") == jira_alerts::util::hash64("one"));
    CHECK(rules::identity(untimed.payload(), "one") != rules::identity(untimed.payload(), "two"));

    // A workflow post-function body has no webhookEvent: it counts as the issue update
    // it is, and differs from any other event at the same key and time.
    const Given transition(
        R"({"timestamp":1000,"transition":{"to_status":"Done"},"issue":{"key":"KAN-5"}})");
    const Given created(
        R"({"webhookEvent":"jira:issue_created","timestamp":1000,"issue":{"key":"KAN-5"}})");
    CHECK(rules::identity(transition.payload(), transition.bytes()) ==
          rules::identity(timed.payload(), timed.bytes()));
    CHECK(rules::identity(transition.payload(), transition.bytes()) !=
          rules::identity(created.payload(), created.bytes()));
  }

  TEST_CASE("delivery_identity") {
    CHECK(rules::delivery_identity("") == 0);
    const auto a = rules::delivery_identity("b5a0c3c5-0b6f-4b0e-9a0f-3d6d8a1e2f10");
    const auto b = rules::delivery_identity("b5a0c3c5-0b6f-4b0e-9a0f-3d6d8a1e2f11");
    CHECK(a != 0);
    CHECK(a != b);
    // Never the content identity of a payload whose bytes are the delivery id.
    CHECK(a != jira_alerts::util::hash64("b5a0c3c5-0b6f-4b0e-9a0f-3d6d8a1e2f10"));
    CHECK(rules::delivery_identity("x") != jira_alerts::util::hash64("x"));
  }

  TEST_CASE("Mapping setters: each changes the decisions it governs, and nothing else") {
    const Given wont_do(issue_event("jira:issue_updated", status("Won't Do", "done")));
    const Given shipped(issue_event("jira:issue_updated", status("Shipped")));
    const Given done(issue_event("jira:issue_updated", status("Done")));
    const auto priority = [](std::string_view fields) {
      return R"("priority":)" + std::string(fields);
    };
    const Given p1(issue_event("jira:issue_created", priority(R"({"name":"P1"})")));
    const Given high(issue_event("jira:issue_created", priority(R"({"name":"High"})")));
    const Given none(issue_event("jira:issue_created", R"("summary":"no priority")"));

    const Mapping defaults;
    CHECK(action(decide(wont_do, Before::open, defaults)) == "resolve");
    CHECK(action(decide(shipped, Before::open, defaults)) == "update");
    CHECK(action(decide(done, Before::open, defaults)) == "resolve");

    SUBCASE("set_use_category(false): a done category no longer resolves") {
      Mapping m;
      m.set_use_category(false);
      const Decision d = decide(wont_do, Before::open, m);
      CHECK(action(d) == "update");
      CHECK(d.rule == Rule::active_status);
      CHECK(action(decide(done, Before::open, m)) == "resolve");  // names still do
      m.set_use_category(true);
      CHECK(decide(wont_do, Before::open, m).rule == Rule::done_category);
    }
    SUBCASE("set_resolve_statuses and add_resolve_status: which names resolve") {
      Mapping m;
      m.set_resolve_statuses({"Shipped"});
      CHECK(action(decide(shipped, Before::open, m)) == "resolve");
      CHECK(action(decide(done, Before::open, m)) == "update");
      CHECK(action(decide(wont_do, Before::open, m)) == "resolve");  // the category stays
      m.add_resolve_status("Done");
      CHECK(action(decide(done, Before::open, m)) == "resolve");
      CHECK(action(decide(shipped, Before::open, m)) == "resolve");
    }
    SUBCASE("set_priority: a new name, and a default name mapped elsewhere") {
      Mapping m;
      m.set_priority("P1", Level::critical);
      m.set_priority("High", Level::low);
      const Decision d = decide(p1, Before::none, m);
      CHECK(level(d) == "CRITICAL");
      CHECK(d.priority_mapped);
      CHECK(level(decide(high, Before::none, m)) == "LOW");
      CHECK(level(decide(none, Before::none, m)) == "MEDIUM");
      // The defaults are untouched by another mapping's changes.
      CHECK(level(decide(high, Before::none, defaults)) == "HIGH");
      CHECK_FALSE(decide(p1, Before::none, defaults).priority_mapped);
    }
    SUBCASE("set_default_priority: absent and unmapped priorities, never mapped ones") {
      Mapping m;
      m.set_default_priority(Level::critical);
      CHECK(level(decide(none, Before::none, m)) == "CRITICAL");
      const Decision unmapped = decide(p1, Before::none, m);
      CHECK(level(unmapped) == "CRITICAL");
      CHECK_FALSE(unmapped.priority_mapped);
      CHECK(level(decide(high, Before::none, m)) == "HIGH");
    }
  }
}  // TEST_SUITE
