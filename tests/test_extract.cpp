#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "parse/extract.hpp"

using jira_alerts::parse::Extractor;
using Engine = jira_alerts::parse::Extractor::Engine;
using jira_alerts::parse::is_issue_event;
using jira_alerts::parse::is_usable_key;
using jira_alerts::parse::Payload;
using jira_alerts::parse::position_of;
using jira_alerts::parse::PriorityForm;
using jira_alerts::parse::Rejection;
using jira_alerts::parse::StatusSource;

namespace {

// Every extraction test runs with both engines: simdjson with the RapidJSON fallback,
// and RapidJSON alone. They must agree on every payload.
struct Fast {
  static constexpr Engine engine = Engine::fast;
};
struct Reference {
  static constexpr Engine engine = Engine::reference;
};

// The fields both ways of reading a payload must agree on.
std::string summary_of(const Payload& p) {
  std::string out;
  for (const auto* t : {&p.event, &p.key, &p.issue_id, &p.status, &p.category, &p.summary,
                        &p.project, &p.changelog_id, &p.moved_from, &p.moved_to, &p.user, &p.self})
    out += (t->present ? "+" : "-") + std::string(t->value) + "|";
  return out + std::to_string(p.timestamp.value_or(-1)) + "|" + std::string(p.priority) + "|" +
         std::to_string(static_cast<int>(p.status_source)) + "|" +
         std::to_string(static_cast<int>(p.priority_form)) + "|" + std::to_string(p.workflow_body);
}

// One extractor per test, as the replayer keeps one: the payload's views point into it.
// Each payload is also read as the replay's reader hands it over, where the framer
// holds it, followed by bytes of what comes next (Extractor::extract's PADDED): both
// must decide the same.
struct Extract {
  explicit Extract(Engine engine) : extractor(engine), in_place(engine) {}

  Extractor extractor, in_place;
  Payload payload, in_place_payload;
  Rejection rejection, in_place_rejection;
  std::string held;

  bool operator()(std::string_view json) {
    held.assign(json);
    held.append(Extractor::padding, '7');
    const bool padded = in_place.extract(std::string_view(held).substr(0, json.size()),
                                         in_place_payload, in_place_rejection, true);
    const bool usable = extractor.extract(json, payload, rejection);
    CHECK(padded == usable);
    if (usable) {
      CHECK(summary_of(in_place_payload) == summary_of(payload));
    } else {
      CHECK(in_place_rejection.reason == rejection.reason);
      CHECK(in_place_rejection.offset == rejection.offset);
    }
    return usable;
  }
};

// A rejection table row: the payload, the reason, and where it points (the first
// occurrence of MARK in JSON; an empty MARK means the start of the payload).
struct Rejected {
  std::string json;
  const char* mark;
  const char* reason;
};

std::uint64_t offset_of(const std::string& json, std::string_view mark) {
  if (mark.empty()) return 0;
  const auto at = json.find(mark);
  REQUIRE(at != std::string::npos);
  return at;
}

void check_rejections(Engine engine, std::initializer_list<Rejected> rows) {
  for (const auto& row : rows) {
    CAPTURE(row.json);
    Extract extract(engine);
    REQUIRE_FALSE(extract(row.json));
    CHECK(extract.rejection.reason == row.reason);
    CHECK(extract.rejection.offset == offset_of(row.json, row.mark));
  }
}

// Jira Cloud: statusCategory present, a changelog with string ids, noise around the fields read.
constexpr std::string_view cloud_update = R"({
  "timestamp": 1712345678901,
  "webhookEvent": "jira:issue_updated",
  "issue_event_type_name": "issue_generic",
  "user": {
    "self": "https://example.atlassian.net/rest/api/2/user?accountId=5b10a2844c20165700ede21g",
    "accountId": "5b10a2844c20165700ede21g",
    "avatarUrls": {"48x48": "https://avatar/48.png", "24x24": "https://avatar/24.png"},
    "displayName": "Ada Lovelace",
    "active": true,
    "timeZone": "Europe/London"
  },
  "issue": {
    "id": "10005",
    "self": "https://example.atlassian.net/rest/api/2/10005",
    "key": "KAN-5",
    "fields": {
      "statuscategorychangedate": "2024-04-05T19:34:38.901+0000",
      "issuetype": {"id": "10001", "name": "Task", "subtask": false},
      "customfield_10020": [{"id": 1, "name": "Sprint 1", "state": "active"}],
      "labels": ["prod", "db"],
      "priority": {"self": "https://example.atlassian.net/rest/api/2/priority/2", "iconUrl": "x", "name": "High", "id": "2"},
      "status": {
        "self": "https://example.atlassian.net/rest/api/2/status/10001",
        "description": "",
        "name": "In Progress",
        "id": "3",
        "statusCategory": {"self": "x", "id": 4, "key": "indeterminate", "colorName": "yellow", "name": "In Progress"}
      },
      "summary": "Database \"primary\" is down",
      "project": {"self": "x", "id": "10000", "key": "KAN", "name": "Kanban", "projectTypeKey": "software"},
      "resolution": null,
      "votes": {"votes": 0, "hasVoted": false}
    }
  },
  "changelog": {
    "id": "10104",
    "items": [
      {"field": "status", "fieldtype": "jira", "fieldId": "status", "from": "10000", "fromString": "To Do", "to": "3", "toString": "In Progress"}
    ]
  }
})";

// Jira Server 6 (2013): no statusCategory, a string timestamp-free body, integer ids in places.
constexpr std::string_view server_created = R"({
    "webhookEvent": "jira:issue_created",
    "user": {"name": "leo", "displayName": "Leo Franchi", "active": true},
    "issue": {
        "id": "10007",
        "self": "http://lfranchi.com:8080/rest/api/2/issue/10007",
        "key": "BUG-15",
        "fields": {
            "summary": "New bug with hook",
            "progress": {"progress": 0, "total": 0},
            "priority": {"self": "http://lfranchi.com:8080/rest/api/2/priority/3", "iconUrl": "x", "name": "Major", "id": "3"},
            "status": {"self": "http://lfranchi.com:8080/rest/api/2/status/1", "description": "open", "iconUrl": "x", "name": "Open", "id": "1"},
            "project": {"self": "x", "id": "10100", "key": "BUG", "name": "Bugs"},
            "aggregatetimespent": null,
            "subtasks": []
        }
    }
})";

// A workflow post-function body: no webhookEvent, a transition, an ISO timestamp.
constexpr std::string_view workflow_body = R"({
  "timestamp": "2011-06-07T10:31:26.805-0500",
  "transition": {"workflowId": 10200, "workflowName": "TestProj Workflow", "transitionId": 3,
                 "transitionName": "Resolve Issue", "from_status": "In Progress", "to_status": "Resolved"},
  "user": {"name": "hamlet", "displayName": "Hamlet"},
  "issue": {"id": 10300, "key": "TEST-1", "fields": {"summary": "Fix it", "priority": {"name": "Major"}}}
})";

}  // namespace

TYPE_TO_STRING(Fast);
TYPE_TO_STRING(Reference);

TEST_SUITE("parse.extract") {
  TEST_CASE_TEMPLATE("Extractor::extract reads the fields of realistic payloads", E, Fast,
                     Reference) {
    Extract extract(E::engine);

    SUBCASE("Jira Cloud issue update") {
      REQUIRE(extract(cloud_update));
      const Payload& p = extract.payload;
      CHECK(p.event.present);
      CHECK(p.event.value == "jira:issue_updated");
      CHECK_FALSE(p.workflow_body);
      CHECK(p.effective_event() == "jira:issue_updated");
      REQUIRE(p.timestamp.has_value());
      CHECK(*p.timestamp == 1712345678901);
      CHECK(p.has_issue);
      CHECK(p.key.value == "KAN-5");
      CHECK(p.issue_id.value == "10005");
      CHECK(p.status_source == StatusSource::fields);
      CHECK(p.status.value == "In Progress");
      CHECK(p.category.present);
      CHECK(p.category.value == "indeterminate");
      CHECK(p.priority_form == PriorityForm::named);
      CHECK(p.priority == "High");
      CHECK(p.summary.value == "Database \"primary\" is down");
      CHECK(p.project.value == "KAN");
      CHECK(p.changelog_id.value == "10104");
      CHECK(p.user.value == "Ada Lovelace");
      CHECK(p.self.value == "https://example.atlassian.net/rest/api/2/10005");
      CHECK_FALSE(p.moved_from.present);
      CHECK_FALSE(p.moved_to.present);
    }

    SUBCASE("old Jira Server issue creation without statusCategory") {
      REQUIRE(extract(server_created));
      const Payload& p = extract.payload;
      CHECK(p.event.value == "jira:issue_created");
      CHECK_FALSE(p.timestamp.has_value());
      CHECK(p.key.value == "BUG-15");
      CHECK(p.issue_id.value == "10007");
      CHECK(p.status_source == StatusSource::fields);
      CHECK(p.status.value == "Open");
      CHECK_FALSE(p.category.present);
      CHECK(p.priority_form == PriorityForm::named);
      CHECK(p.priority == "Major");
      CHECK(p.summary.value == "New bug with hook");
      CHECK(p.project.value == "BUG");
      CHECK(p.user.value == "Leo Franchi");
      CHECK_FALSE(p.changelog_id.present);
    }

    SUBCASE("workflow post-function body") {
      REQUIRE(extract(workflow_body));
      const Payload& p = extract.payload;
      CHECK_FALSE(p.event.present);
      CHECK(p.workflow_body);
      CHECK(p.effective_event() == "jira:issue_updated");
      REQUIRE(p.timestamp.has_value());
      CHECK(*p.timestamp == 1307460686805);
      CHECK(p.key.value == "TEST-1");
      CHECK(p.status_source == StatusSource::transition);
      CHECK(p.status.value == "Resolved");
      CHECK_FALSE(p.category.present);
      CHECK(p.priority == "Major");
      CHECK(p.user.value == "Hamlet");
    }

    SUBCASE("the extractor is reusable: nothing leaks from one payload to the next") {
      REQUIRE(extract(cloud_update));
      REQUIRE(extract(R"({"webhookEvent":"comment_created"})"));
      const Payload& p = extract.payload;
      CHECK(p.event.value == "comment_created");
      CHECK_FALSE(p.has_issue);
      CHECK_FALSE(p.key.present);
      CHECK_FALSE(p.timestamp.has_value());
      CHECK(p.status_source == StatusSource::none);
      CHECK(p.priority_form == PriorityForm::absent);
      CHECK_FALSE(p.user.present);
    }
  }

  TEST_CASE_TEMPLATE("Extractor::extract timestamp forms", E, Fast, Reference) {
    Extract extract(E::engine);
    SUBCASE("integer milliseconds") {
      REQUIRE(extract(R"({"webhookEvent":"x","timestamp":1307460686805})"));
      CHECK(extract.payload.timestamp == std::optional<std::int64_t>(1307460686805));
    }
    SUBCASE("ISO-8601 string with a -0500 offset") {
      REQUIRE(extract(R"({"webhookEvent":"x","timestamp":"2011-06-07T10:31:26.805-0500"})"));
      CHECK(extract.payload.timestamp == std::optional<std::int64_t>(1307460686805));
    }
    SUBCASE("ISO-8601 string in UTC") {
      REQUIRE(extract(R"({"webhookEvent":"x","timestamp":"2011-06-07T15:31:26.805Z"})"));
      CHECK(extract.payload.timestamp == std::optional<std::int64_t>(1307460686805));
    }
    SUBCASE("zero and negative integers") {
      REQUIRE(extract(R"({"webhookEvent":"x","timestamp":0})"));
      CHECK(extract.payload.timestamp == std::optional<std::int64_t>(0));
      REQUIRE(extract(R"({"webhookEvent":"x","timestamp":-5})"));
      CHECK(extract.payload.timestamp == std::optional<std::int64_t>(-5));
    }
    SUBCASE("null and absent mean no timestamp") {
      REQUIRE(extract(R"({"webhookEvent":"x","timestamp":null})"));
      CHECK_FALSE(extract.payload.timestamp.has_value());
      REQUIRE(extract(R"({"webhookEvent":"x"})"));
      CHECK_FALSE(extract.payload.timestamp.has_value());
    }
    SUBCASE("a nested timestamp is not the event time") {
      REQUIRE(extract(R"({"webhookEvent":"x","comment":{"timestamp":5},"issue":{"timestamp":6}})"));
      CHECK_FALSE(extract.payload.timestamp.has_value());
    }
  }

  TEST_CASE_TEMPLATE("Extractor::extract priority forms", E, Fast, Reference) {
    struct Row {
      const char* fields;
      PriorityForm form;
      const char* name;
    };
    const Row rows[] = {
        {R"("priority":{"name":"Highest","id":"1"})", PriorityForm::named, "Highest"},
        {R"("priority":"Blocker")", PriorityForm::named, "Blocker"},
        {R"("priority":"P1")", PriorityForm::named, "P1"},
        {R"("priority":{})", PriorityForm::absent, ""},
        // An object with members but no name cannot be mapped: a warning, not silence.
        {R"("priority":{"id":"3"})", PriorityForm::unnamed, ""},
        {R"("priority":{"name":null})", PriorityForm::unnamed, ""},
        {R"("priority":null)", PriorityForm::absent, ""},
        {R"("summary":"no priority at all")", PriorityForm::absent, ""},
    };
    for (const auto& row : rows) {
      const std::string json =
          std::string(R"({"webhookEvent":"jira:issue_created","issue":{"key":"A-1","fields":{)") +
          row.fields + "}}}";
      CAPTURE(json);
      Extract extract(E::engine);
      REQUIRE(extract(json));
      CHECK(extract.payload.priority_form == row.form);
      CHECK(extract.payload.priority == row.name);
    }
  }

  TEST_CASE_TEMPLATE("Extractor::extract ids as strings or integers", E, Fast, Reference) {
    Extract extract(E::engine);
    SUBCASE("strings") {
      REQUIRE(extract(
          R"({"webhookEvent":"jira:issue_updated","issue":{"id":"10001","key":"A-1"},"changelog":{"id":"77"}})"));
      CHECK(extract.payload.issue_id.present);
      CHECK(extract.payload.issue_id.value == "10001");
      CHECK(extract.payload.changelog_id.present);
      CHECK(extract.payload.changelog_id.value == "77");
    }
    SUBCASE("integers are accepted") {
      // The digits themselves are not checked here: see the report (integer ids come out empty).
      REQUIRE(extract(
          R"({"webhookEvent":"jira:issue_updated","issue":{"id":10001,"key":"A-1"},"changelog":{"id":77}})"));
      CHECK(extract.payload.issue_id.present);
      CHECK(extract.payload.changelog_id.present);
    }
    SUBCASE("null is absent") {
      REQUIRE(extract(
          R"({"webhookEvent":"jira:issue_updated","issue":{"id":null,"key":"A-1"},"changelog":{"id":null}})"));
      CHECK_FALSE(extract.payload.issue_id.present);
      CHECK_FALSE(extract.payload.changelog_id.present);
    }
  }

  TEST_CASE_TEMPLATE("Extractor::extract status sources", E, Fast, Reference) {
    Extract extract(E::engine);
    const std::string head =
        R"({"webhookEvent":"jira:issue_updated","issue":{"key":"A-1","fields":)";

    SUBCASE("fields.status with its category") {
      REQUIRE(
          extract(head + R"({"status":{"name":"Won't Do","statusCategory":{"key":"done"}}}}})"));
      CHECK(extract.payload.status_source == StatusSource::fields);
      CHECK(extract.payload.status.value == "Won't Do");
      CHECK(extract.payload.category.present);
      CHECK(extract.payload.category.value == "done");
    }
    SUBCASE("a status changelog item's toString when fields.status is absent") {
      REQUIRE(extract(
          head +
          R"({"summary":"s"}},"changelog":{"id":"1","items":[)"
          R"({"field":"resolution","fieldtype":"jira","toString":"Done"},)"
          R"({"field":"status","fieldtype":"jira","from":"1","fromString":"Open","to":"6","toString":"Closed"}]}})"));
      CHECK(extract.payload.status_source == StatusSource::changelog);
      CHECK(extract.payload.status.value == "Closed");
      CHECK_FALSE(extract.payload.category.present);
    }
    SUBCASE("fields.status wins over the changelog item") {
      REQUIRE(extract(head + R"({"status":{"name":"Reopened"}}},"changelog":{"items":[)"
                             R"({"fieldId":"status","toString":"Closed"}]}})"));
      CHECK(extract.payload.status_source == StatusSource::fields);
      CHECK(extract.payload.status.value == "Reopened");
    }
    SUBCASE("fields.status wins over transition.to_status") {
      REQUIRE(extract(R"({"issue":{"key":"A-1","fields":{"status":{"name":"Resolved"}}},)"
                      R"("transition":{"to_status":"In Progress"}})"));
      CHECK(extract.payload.workflow_body);
      CHECK(extract.payload.status_source == StatusSource::fields);
      CHECK(extract.payload.status.value == "Resolved");
    }
    SUBCASE("the changelog wins over transition.to_status") {
      REQUIRE(extract(R"({"issue":{"key":"A-1"},"transition":{"to_status":"In Progress"},)"
                      R"("changelog":{"items":[{"field":"status","toString":"Done"}]}})"));
      CHECK(extract.payload.status_source == StatusSource::changelog);
      CHECK(extract.payload.status.value == "Done");
    }
    SUBCASE("a category without a status name is dropped") {
      REQUIRE(extract(head + R"({"status":{"statusCategory":{"key":"done"}}}}})"));
      CHECK(extract.payload.status_source == StatusSource::none);
      CHECK_FALSE(extract.payload.status.present);
      CHECK_FALSE(extract.payload.category.present);
    }
    SUBCASE("no status anywhere") {
      REQUIRE(extract(
          head +
          R"({"summary":"s"}},"changelog":{"items":[{"field":"assignee","toString":"Bob"}]}})"));
      CHECK(extract.payload.status_source == StatusSource::none);
      CHECK_FALSE(extract.payload.status.present);
    }
    SUBCASE("fieldId is preferred over the localised field name") {
      REQUIRE(extract(
          head +
          R"({}},"changelog":{"items":[{"fieldId":"status","field":"Statut","toString":"Fini"}]}})"));
      CHECK(extract.payload.status_source == StatusSource::changelog);
      CHECK(extract.payload.status.value == "Fini");

      REQUIRE(extract(
          head +
          R"({}},"changelog":{"items":[{"fieldId":"customfield_10001","field":"status","toString":"Done"}]}})"));
      CHECK(extract.payload.status_source == StatusSource::none);
    }
    SUBCASE("the field name matches case-insensitively without a fieldId") {
      REQUIRE(
          extract(head + R"({}},"changelog":{"items":[{"field":"Status","toString":"Done"}]}})"));
      CHECK(extract.payload.status_source == StatusSource::changelog);
      CHECK(extract.payload.status.value == "Done");
    }
    SUBCASE("a status item without toString gives no status") {
      REQUIRE(extract(head + R"({}},"changelog":{"items":[{"field":"status","toString":null}]}})"));
      CHECK(extract.payload.status_source == StatusSource::none);
    }
  }

  TEST_CASE_TEMPLATE("Extractor::extract Key changelog items (moves)", E, Fast, Reference) {
    Extract extract(E::engine);
    const std::string head =
        R"({"webhookEvent":"jira:issue_updated","issue":{"key":"INDEV-130"},"changelog":{"id":"43940","items":[)";

    SUBCASE("field Key") {
      REQUIRE(extract(
          head +
          R"({"field":"project","fieldtype":"jira","fieldId":"project","fromString":"Test","toString":"Dev"},)"
          R"({"field":"Key","fieldtype":"jira","from":null,"fromString":"TCP-2","to":null,"toString":"INDEV-130"}]}})"));
      CHECK(extract.payload.moved_from.present);
      CHECK(extract.payload.moved_from.value == "TCP-2");
      CHECK(extract.payload.moved_to.present);
      CHECK(extract.payload.moved_to.value == "INDEV-130");
    }
    SUBCASE("fieldId issuekey") {
      REQUIRE(extract(
          head +
          R"({"field":"Schlüssel","fieldId":"issuekey","fromString":"TCP-2","toString":"INDEV-130"}]}})"));
      CHECK(extract.payload.moved_from.value == "TCP-2");
      CHECK(extract.payload.moved_to.value == "INDEV-130");
    }
    SUBCASE("a fieldId that is not the key wins over field Key") {
      REQUIRE(extract(
          head +
          R"({"field":"Key","fieldId":"customfield_10100","fromString":"TCP-2","toString":"INDEV-130"}]}})"));
      CHECK_FALSE(extract.payload.moved_from.present);
      CHECK_FALSE(extract.payload.moved_to.present);
    }
    SUBCASE("members of other items do not leak into the Key item") {
      REQUIRE(extract(head + R"({"field":"summary","fromString":"old","toString":"new"},)"
                             R"({"field":"Key","toString":"INDEV-130"}]}})"));
      CHECK_FALSE(extract.payload.moved_from.present);
      CHECK(extract.payload.moved_to.value == "INDEV-130");
    }
  }

  TEST_CASE_TEMPLATE("Extractor::extract null means absent for optional fields", E, Fast,
                     Reference) {
    Extract extract(E::engine);
    REQUIRE(extract(
        R"({"webhookEvent":"jira:issue_updated","timestamp":null,"user":null,"changelog":null,"transition":null,)"
        R"("issue":{"id":null,"key":"A-1","fields":{"summary":null,"status":null,"priority":null,"project":null}}})"));
    const Payload& p = extract.payload;
    CHECK_FALSE(p.timestamp.has_value());
    CHECK_FALSE(p.user.present);
    CHECK_FALSE(p.changelog_id.present);
    CHECK_FALSE(p.issue_id.present);
    CHECK_FALSE(p.summary.present);
    CHECK_FALSE(p.project.present);
    CHECK(p.status_source == StatusSource::none);
    CHECK(p.priority_form == PriorityForm::absent);
    CHECK_FALSE(p.workflow_body);

    SUBCASE("null members of nested objects too") {
      REQUIRE(extract(
          R"({"webhookEvent":"jira:issue_updated","issue":{"key":"A-1","fields":{"status":{"name":null,"statusCategory":null},"project":{"key":null}}},"user":{"displayName":null}})"));
      CHECK(extract.payload.status_source == StatusSource::none);
      CHECK_FALSE(extract.payload.project.present);
      CHECK_FALSE(extract.payload.user.present);
    }
  }

  TEST_CASE_TEMPLATE("Extractor::extract strings", E, Fast, Reference) {
    Extract extract(E::engine);
    SUBCASE("escapes are decoded") {
      REQUIRE(extract(
          R"({"webhookEvent":"x","issue":{"fields":{"summary":"a \"b\" \\ c\n\u00e9\ud83d\ude00 {[}]"}}})"));
      CHECK(extract.payload.summary.value == "a \"b\" \\ c\n\xC3\xA9\xF0\x9F\x98\x80 {[}]");
    }
    SUBCASE("valid UTF-8 is kept") {
      REQUIRE(extract(
          "{\"webhookEvent\":\"jira:issue_created\",\"issue\":{\"key\":\"\xD0\x9A\xD0\x9B-1\","
          "\"fields\":{\"status\":{\"name\":\"\xD0\x93\xD0\xBE\xD1\x82\xD0\xBE\xD0\xB2\xD0\xBE\"}}}"
          "}"));
      CHECK(extract.payload.key.value == "\xD0\x9A\xD0\x9B-1");
      CHECK(extract.payload.status.value == "\xD0\x93\xD0\xBE\xD1\x82\xD0\xBE\xD0\xB2\xD0\xBE");
    }
    SUBCASE("a UTF-8 byte-order mark inside a string is just text") {
      REQUIRE(
          extract("{\"webhookEvent\":\"x\",\"user\":{\"displayName\":\"\xEF\xBB\xBF"
                  "Bob\"}}"));
      CHECK(extract.payload.user.value ==
            "\xEF\xBB\xBF"
            "Bob");
    }
  }

  TEST_CASE_TEMPLATE("Extractor::extract event kinds", E, Fast, Reference) {
    Extract extract(E::engine);
    SUBCASE("events other than issue events need no issue") {
      for (const char* event :
           {"comment_created", "worklog_updated", "jira:worklog_updated", "issuelink_created",
            "sprint_started", "jira:version_released", "jira:issue_unknown", ""}) {
        const std::string json = std::string(R"({"webhookEvent":")") + event + R"("})";
        CAPTURE(json);
        REQUIRE(extract(json));
        CHECK(extract.payload.event.value == event);
        CHECK_FALSE(extract.payload.workflow_body);
      }
    }
    SUBCASE("events other than issue events do not check the key") {
      REQUIRE(extract(R"({"webhookEvent":"jira:worklog_updated","issue":{"key":"not a key"}})"));
      CHECK(extract.payload.key.value == "not a key");
    }
    SUBCASE("a workflow body needs issue and transition objects only") {
      REQUIRE(extract(R"({"issue":{"key":"A-1"},"transition":{}})"));
      CHECK(extract.payload.workflow_body);
      CHECK(extract.payload.status_source == StatusSource::none);
    }
    SUBCASE("a webhookEvent beside a transition is not a workflow body") {
      REQUIRE(extract(
          R"({"webhookEvent":"jira:issue_created","issue":{"key":"A-1"},"transition":{}})"));
      CHECK_FALSE(extract.payload.workflow_body);
      CHECK(extract.payload.effective_event() == "jira:issue_created");
    }
  }

  TEST_CASE_TEMPLATE("Extractor::extract ignores what the rules do not read", E, Fast, Reference) {
    Extract extract(E::engine);
    SUBCASE("repeated members the rules do not read") {
      REQUIRE(extract(
          R"({"webhookEvent":"x","self":"a","self":"b","comment":{"id":1,"id":2},)"
          R"("issue":{"key":"A-1","fields":{"labels":[],"labels":[],"customfield":{"key":"k","key":"l"}}}})"));
      CHECK(extract.payload.key.value == "A-1");
    }
    SUBCASE("fields of the same name elsewhere in the tree") {
      REQUIRE(extract(
          R"({"webhookEvent":"x","comment":{"issue":{"key":"B-2"},"timestamp":1},)"
          R"("fields":{"status":{"name":"Done"}},"issue":{"key":"A-1","status":{"name":"Done"},)"
          R"("fields":{"parent":{"key":"P-1","fields":{"status":{"name":"Done"},"summary":"parent"}}}}})"));
      CHECK(extract.payload.key.value == "A-1");
      CHECK(extract.payload.status_source == StatusSource::none);
      CHECK_FALSE(extract.payload.summary.present);
      CHECK_FALSE(extract.payload.timestamp.has_value());
    }
    SUBCASE("any type for members the rules do not read") {
      REQUIRE(extract(
          R"({"webhookEvent":"x","a":true,"b":false,"c":1.5,"d":-1,"e":18446744073709551615,"f":null,"g":[[{}]]})"));
      CHECK(extract.payload.event.value == "x");
    }
    SUBCASE("repeated items in the changelog are separate objects") {
      REQUIRE(extract(
          R"({"webhookEvent":"jira:issue_updated","issue":{"key":"A-1"},"changelog":{"items":[)"
          R"({"field":"status","toString":"Open"},{"field":"status","toString":"Done"}]}})"));
      CHECK(extract.payload.status.value == "Done");
    }
  }

  TEST_CASE_TEMPLATE("Extractor::extract rejects invalid JSON", E, Fast, Reference) {
    check_rejections(
        E::engine,
        {
            {R"({"webhookEvent":"x" "timestamp":1})", R"("timestamp")",
             "invalid JSON: missing ',' or '}' after an object member"},
            {R"({"webhookEvent":"x","items":[1 2]})", "2]",
             "invalid JSON: missing ',' or ']' after an array element"},
            {R"({"webhookEvent" "x"})", R"("x")", "invalid JSON: missing ':' after a member name"},
            {R"({webhookEvent:"x"})", "webhookEvent",
             "invalid JSON: expected a member name in double quotes"},
            {R"({"webhookEvent":"x",})", "}",
             "invalid JSON: expected a member name in double quotes"},
            {R"({"webhookEvent":tru})", "}", "invalid JSON: not a valid JSON value"},
            {R"({"webhookEvent":"x"} {})", "{}",
             "invalid JSON: unexpected text after the end of the payload"},
            {R"({"webhookEvent":"\x41"})", R"(\x)",
             "invalid JSON: unknown escape sequence in a string"},
            {R"({"webhookEvent":"\u12G4"})", R"(\u)",
             "invalid JSON: a \\u escape needs four hex digits"},
            {R"({"webhookEvent":"\ud800x"})", R"(\ud800)",
             "invalid JSON: a \\u escape holds an unpaired UTF-16 surrogate"},
            {R"({"webhookEvent":"x","n":1.})", "}",
             "invalid JSON: missing digits after the decimal point"},
            {R"({"webhookEvent":"x","n":1e})", "}", "invalid JSON: missing digits in the exponent"},
        });
  }

  TEST_CASE_TEMPLATE("Extractor::extract rejects a truncated payload", E, Fast, Reference) {
    for (const std::string& json : {
             std::string(R"({"webhookEvent":"jira:issue_created","issue":{"key":"A-1")"),
             std::string(R"({"webhookEvent":"jira:issue_created","issue":{"key":"A-1",)"),
             std::string(R"({"webhookEvent":"jira:issue_created","issue":{"key":)"),
             std::string(R"({"webhookEvent":"jira:issue_created","issue":{"key")"),
             std::string(R"({"webhookEvent":"x","items":[1,2)"),
             std::string("{\"webhookEvent\":\"x\"\n  \r\n"),
         }) {
      CAPTURE(json);
      Extract extract(E::engine);
      REQUIRE_FALSE(extract(json));
      CHECK(extract.rejection.reason == "invalid JSON: the payload ends early (truncated?)");
      CHECK(extract.rejection.offset == json.size());
    }
    SUBCASE("inside a string") {
      const std::string json = R"({"webhookEvent":"jira:issue_cre)";
      Extract extract(E::engine);
      REQUIRE_FALSE(extract(json));
      CHECK(extract.rejection.reason == "invalid JSON: a string is not closed (truncated?)");
      CHECK(extract.rejection.offset == json.size());
    }
    SUBCASE("nothing at all") {
      Extract extract(E::engine);
      REQUIRE_FALSE(extract(" \n "));
      CHECK(extract.rejection.reason == "invalid JSON: the payload is empty");
    }
  }

  TEST_CASE_TEMPLATE("Extractor::extract reads a zero with a huge exponent as zero", E, Fast,
                     Reference) {
    // RapidJSON alone would call 0e400 too big for a double; both engines must agree.
    for (const std::string number : {"0e337", "-0.0E+999", "0e-999", "0.000e400"}) {
      const std::string json =
          R"({"webhookEvent":"jira:issue_created","n":)" + number +
          R"(,"issue":{"key":"A-1","fields":{"summary":"keeps 0e999 in a string"}}})";
      CAPTURE(json);
      Extract extract(E::engine);
      REQUIRE(extract(json));
      CHECK(extract.payload.summary.value == "keeps 0e999 in a string");
    }
    Extract extract(E::engine);
    REQUIRE_FALSE(extract(R"({"webhookEvent":"x","n":1e400})"));
    CHECK(extract.rejection.reason == "invalid JSON: number too big to be stored in a double");
  }

  TEST_CASE_TEMPLATE("Extractor::extract rejects bad bytes", E, Fast, Reference) {
    SUBCASE("invalid UTF-8 in a string") {
      for (const std::string& bad :
           {std::string("\xFF"), std::string("\xC3("), std::string("\xE2\x82"),
            std::string("\xED\xA0\x80"), std::string("\xC0\xAF")}) {
        const std::string json =
            "{\"webhookEvent\":\"jira:issue_created\",\"issue\":{\"key\":\"A-1\",\"fields\":{"
            "\"summary\":\"ok " +
            bad + "\"}}}";
        CAPTURE(json);
        Extract extract(E::engine);
        REQUIRE_FALSE(extract(json));
        CHECK(extract.rejection.reason == "invalid UTF-8 in a string");
        CHECK(extract.rejection.offset == json.find("ok ") + 3);
      }
    }
    SUBCASE("invalid UTF-8 in a member name that is not read") {
      const std::string json = "{\"webhookEvent\":\"x\",\"\xFE\":1}";
      Extract extract(E::engine);
      REQUIRE_FALSE(extract(json));
      CHECK(extract.rejection.reason == "invalid UTF-8 in a string");
      CHECK(extract.rejection.offset == json.find('\xFE'));
    }
    SUBCASE("a NUL byte") {
      std::string json = R"({"webhookEvent":"x","a":"b)";
      json += '\0';
      json += R"(c"})";
      Extract extract(E::engine);
      REQUIRE_FALSE(extract(json));
      CHECK(extract.rejection.reason == "invalid JSON: NUL byte in the payload");
      CHECK(extract.rejection.offset == 26);
    }
    SUBCASE("a NUL byte after the payload") {
      std::string json = R"({"webhookEvent":"x"})";
      json += '\0';
      Extract extract(E::engine);
      REQUIRE_FALSE(extract(json));
      CHECK(extract.rejection.reason == "invalid JSON: NUL byte in the payload");
      CHECK(extract.rejection.offset == 20);
    }
    SUBCASE("binary garbage") {
      Extract extract(E::engine);
      REQUIRE_FALSE(extract("\x1F\x8B\x08garbage"));
      CHECK(extract.rejection.reason == "invalid JSON: not a valid JSON value");
      CHECK(extract.rejection.offset == 0);
    }
  }

  TEST_CASE_TEMPLATE("Extractor::extract rejects what is not an object", E, Fast, Reference) {
    check_rejections(
        E::engine,
        {
            {R"("jira:issue_created")", "", "not an object: the payload is a JSON string"},
            {"42", "", "not an object: the payload is a JSON number"},
            {"1.5", "", "not an object: the payload is a fractional number"},
            {"true", "", "not an object: the payload is a boolean"},
            {"null", "", "not an object: the payload is null"},
        });
    SUBCASE("an array") {
      // The offset is not checked: see the report (it underflows for a top-level array).
      Extract extract(E::engine);
      REQUIRE_FALSE(extract(R"([{"webhookEvent":"jira:issue_created","issue":{"key":"A-1"}}])"));
      CHECK(extract.rejection.reason == "not an object: the payload is a JSON array");
    }
  }

  TEST_CASE_TEMPLATE("Extractor::extract rejects payloads without a usable event", E, Fast,
                     Reference) {
    check_rejections(E::engine, {
                                    {R"({})", "", "no 'webhookEvent': not a Jira webhook payload"},
                                    {R"({"timestamp":1,"user":{"displayName":"Bob"}})", "",
                                     "no 'webhookEvent': not a Jira webhook payload"},
                                    {R"({"transition":{"to_status":"Done"}})", "",
                                     "no 'webhookEvent': not a Jira webhook payload"},
                                    {R"({"issue":null,"transition":{}})", "",
                                     "no 'webhookEvent': not a Jira webhook payload"},
                                    {R"({"webhookEvent":null,"issue":{"key":"A-1"}})", "null",
                                     "field 'webhookEvent' must be a string, not null"},
                                    {R"({"webhookEvent":5})", "5",
                                     "field 'webhookEvent' must be a string, not a number"},
                                });
    SUBCASE("an issue without a webhookEvent or a transition") {
      // Offsets are not checked: see the report (they point at issue.key or the issue).
      for (const std::string& json : {std::string(R"({"issue":{"key":"A-1"},"timestamp":1})"),
                                      std::string(R"({"issue":{"key":"A-1"},"transition":null})"),
                                      std::string(R"({"issue":{"id":"1"}})")}) {
        CAPTURE(json);
        Extract extract(E::engine);
        REQUIRE_FALSE(extract(json));
        CHECK(extract.rejection.reason == "no 'webhookEvent': not a Jira webhook payload");
      }
    }
    SUBCASE("webhookEvent of other types") {
      // Offsets are not checked: see the report (they are one byte early for objects and
      // arrays, and after the value for booleans).
      for (const auto& [json, reason] : {
               std::pair{R"({"webhookEvent":{}})",
                         "field 'webhookEvent' must be a string, not an object"},
               std::pair{R"({"webhookEvent":["x"]})",
                         "field 'webhookEvent' must be a string, not an array"},
               std::pair{R"({"webhookEvent":true})",
                         "field 'webhookEvent' must be a string, not a boolean"},
           }) {
        INFO("json := ", std::string(json));
        Extract extract(E::engine);
        REQUIRE_FALSE(extract(json));
        CHECK(extract.rejection.reason == reason);
      }
    }
  }

  TEST_CASE_TEMPLATE("Extractor::extract rejects issue events without a usable key", E, Fast,
                     Reference) {
    const std::string long_key(256, 'K');
    check_rejections(
        E::engine,
        {
            {R"({"webhookEvent":"jira:issue_created"})", "",
             "issue event without an 'issue' object"},
            {R"({"webhookEvent":"jira:issue_updated","issue":null})", "",
             "issue event without an 'issue' object"},
            {R"({"webhookEvent":"jira:issue_deleted","issue":{"key":""}})", R"("")",
             "unusable 'issue.key': it must be 1 to 255 bytes with no white space or control "
             "characters"},
            {R"({"webhookEvent":"jira:issue_created","issue":{"key":"KAN 5"}})", R"("KAN 5")",
             "unusable 'issue.key': it must be 1 to 255 bytes with no white space or control "
             "characters"},
            {R"({"webhookEvent":"jira:issue_created","issue":{"key":"KAN-5\n"}})", R"("KAN-5)",
             "unusable 'issue.key': it must be 1 to 255 bytes with no white space or control "
             "characters"},
            {R"({"webhookEvent":"jira:issue_created","issue":{"key":")" + long_key + R"("}})",
             "\"KKK",
             "unusable 'issue.key': it must be 1 to 255 bytes with no white space or control "
             "characters"},
            {R"({"issue":{"key":" A-1"},"transition":{}})", R"(" A-1")",
             "unusable 'issue.key': it must be 1 to 255 bytes with no white space or control "
             "characters"},
        });
    SUBCASE("without a key") {
      // The offset is not checked: see the report (one byte before the issue object).
      for (const std::string& json :
           {std::string(R"({"webhookEvent":"jira:issue_created","issue":{}})"),
            std::string(R"({"webhookEvent":"jira:issue_created","issue":{"key":null}})"),
            std::string(R"({"issue":{"id":"1"},"transition":{}})")}) {
        INFO("json := ", std::string(json));
        Extract extract(E::engine);
        REQUIRE_FALSE(extract(json));
        CHECK(extract.rejection.reason == "issue event without 'issue.key'");
      }
    }
    SUBCASE("255 bytes are enough") {
      Extract extract(E::engine);
      CHECK(extract(R"({"webhookEvent":"jira:issue_created","issue":{"key":")" +
                    std::string(255, 'K') + R"("}})"));
    }
  }

  TEST_CASE_TEMPLATE("Extractor::extract rejects repeated fields", E, Fast, Reference) {
    check_rejections(
        E::engine,
        {
            {R"({"webhookEvent":"x","timestamp":1,"timestamp":2})", R"("timestamp":2)",
             "field 'timestamp' appears more than once"},
            {R"({"timestamp":1,"webhookEvent":"x","timestamp":1})", R"("timestamp":1})",
             "field 'timestamp' appears more than once"},
            {R"({"webhookEvent":"x","webhookEvent":"y"})", R"("webhookEvent":"y")",
             "field 'webhookEvent' appears more than once"},
            {R"({"webhookEvent":"jira:issue_created","issue":{"key":"A-1","key":"A-2"}})",
             R"("key":"A-2")", "field 'issue.key' appears more than once"},
            {R"({"webhookEvent":"x","issue":{"key":"A-1"},"issue":{"key":"A-1"}})",
             R"("issue":{"key":"A-1"}})", "field 'issue' appears more than once"},
            {R"({"webhookEvent":"x","issue":null,"issue":{"key":"A-1"}})", R"("issue":{)",
             "field 'issue' appears more than once"},
            {R"({"webhookEvent":"x","issue":{"fields":{"status":{"name":"A","name":"B"}}}})",
             R"("name":"B")", "field 'issue.fields.status.name' appears more than once"},
            {R"({"webhookEvent":"x","issue":{"fields":{"priority":"High","priority":{"name":"Low"}}}})",
             R"("priority":{)", "field 'issue.fields.priority' appears more than once"},
            {R"({"webhookEvent":"x","changelog":{"id":"1","items":[{"field":"status","toString":"A","toString":"B"}]}})",
             R"("toString":"B")", "field 'changelog.items[].toString' appears more than once"},
        });
  }

  TEST_CASE_TEMPLATE("Extractor::extract rejects fields of the wrong type", E, Fast, Reference) {
    check_rejections(
        E::engine,
        {
            {R"({"webhookEvent":"x","timestamp":"yesterday"})", R"("yesterday")",
             "field 'timestamp' is neither integer milliseconds nor an ISO-8601 time: 'yesterday'"},
            {R"({"webhookEvent":"x","timestamp":"1307460686805"})", R"("1307)",
             "field 'timestamp' is neither integer milliseconds nor an ISO-8601 time: "
             "'1307460686805'"},
            {R"({"webhookEvent":"x","timestamp":1.5})", "1.5",
             "field 'timestamp' must be integer milliseconds or an ISO-8601 string, not a "
             "fractional number"},
            {R"({"webhookEvent":"x","timestamp":18446744073709551615})", "1844",
             "field 'timestamp' must be integer milliseconds or an ISO-8601 string, not a number "
             "out of range"},
            {R"({"webhookEvent":"x","timestamp":99999999999999999999})", "9999",
             "field 'timestamp' must be integer milliseconds or an ISO-8601 string, not a number "
             "out of range"},
            {R"({"webhookEvent":"x","timestamp":1e3})", "1e3",
             "field 'timestamp' must be integer milliseconds or an ISO-8601 string, not a number "
             "written with a fraction or an exponent"},
            {R"({"webhookEvent":"x","issue":42})", "42",
             "field 'issue' must be an object, not a number"},
            {R"({"webhookEvent":"x","issue":"KAN-5"})", R"("KAN-5")",
             "field 'issue' must be an object, not a string"},
            {R"({"webhookEvent":"x","issue":{"key":5}})", "5}",
             "field 'issue.key' must be a string, not a number"},
            {R"({"webhookEvent":"x","issue":{"self":true}})", "true",
             "field 'issue.self' must be a string, not a boolean"},
            {R"({"webhookEvent":"x","issue":{"fields":{"status":"Done"}}})", R"("Done")",
             "field 'issue.fields.status' must be an object, not a string"},
            {R"({"webhookEvent":"x","issue":{"fields":{"summary":3}}})", "3}",
             "field 'issue.fields.summary' must be a string, not a number"},
            {R"({"webhookEvent":"x","issue":{"fields":{"priority":2}}})", "2}",
             "field 'issue.fields.priority' must be an object or a string, not a number"},
            {R"({"webhookEvent":"x","issue":{"id":1.5}})", "1.5",
             "field 'issue.id' must be a string or an integer, not a fractional number"},
            {R"({"webhookEvent":"x","changelog":{"items":"none"}})", R"("none")",
             "field 'changelog.items' must be an array, not a string"},
            {R"({"webhookEvent":"x","user":"bob"})", R"("bob")",
             "field 'user' must be an object, not a string"},
            {R"({"webhookEvent":"x","transition":"Done"})", R"("Done")",
             "field 'transition' must be an object, not a string"},
        });
    SUBCASE("objects and arrays where they do not belong") {
      // Offsets are not checked: see the report (one byte early).
      for (
          const auto& [json, reason] : {
              std::pair{R"({"webhookEvent":"x","issue":[]})",
                        "field 'issue' must be an object, not an array"},
              std::pair{R"({"webhookEvent":"x","issue":{"key":{"v":"A-1"}}})",
                        "field 'issue.key' must be a string, not an object"},
              std::pair{R"({"webhookEvent":"x","changelog":{"items":{}}})",
                        "field 'changelog.items' must be an array, not an object"},
              std::pair{R"({"webhookEvent":"x","issue":{"fields":{"summary":["a"]}}})",
                        "field 'issue.fields.summary' must be a string, not an array"},
              std::pair{
                  R"({"webhookEvent":"x","issue":{"fields":{"status":{"name":"A","statusCategory":"done"}}}})",
                  "field 'issue.fields.status.statusCategory' must be an object, not a string"},
              std::pair{R"({"webhookEvent":"x","issue":{"fields":{"status":true}}})",
                        "field 'issue.fields.status' must be an object, not a boolean"},
          }) {
        CAPTURE(json);
        Extract extract(E::engine);
        REQUIRE_FALSE(extract(json));
        CHECK(extract.rejection.reason == reason);
      }
    }
  }

  TEST_CASE_TEMPLATE("Extractor::extract rejects hostile input without crashing", E, Fast,
                     Reference) {
    SUBCASE("nesting 100,000 deep inside a member") {
      const std::string json = R"({"webhookEvent":"x","a":)" + std::string(100000, '[');
      Extract extract(E::engine);
      REQUIRE_FALSE(extract(json));
      CHECK(extract.rejection.reason == "nesting deeper than 512 levels");
      // At the bracket that goes one level too deep (the object is the first level): the
      // reader stopped there rather than walking the other 99,000 (bench/ measures speed).
      CHECK(extract.rejection.offset == json.find('[') + Extractor::max_depth - 1);
      // The same extractor reads the next payload whole: nothing of the deep one is left.
      REQUIRE(extract(R"({"webhookEvent":"jira:issue_updated","issue":{"key":"KAN-1"}})"));
      CHECK(extract.payload.key.value == "KAN-1");
    }
    SUBCASE("nesting 100,000 deep of objects") {
      std::string json = R"({"webhookEvent":"x")";
      json += R"(,"a":)";
      for (int i = 0; i < 100000; ++i) json += R"({"a":)";
      Extract extract(E::engine);
      REQUIRE_FALSE(extract(json));
      CHECK(extract.rejection.reason == "nesting deeper than 512 levels");
    }
    SUBCASE("512 levels are accepted, 513 are not") {
      const auto nested = [](int arrays) {
        return R"({"webhookEvent":"x","a":)" + std::string(static_cast<std::size_t>(arrays), '[') +
               std::string(static_cast<std::size_t>(arrays), ']') + "}";
      };
      Extract extract(E::engine);
      CHECK(extract(nested(Extractor::max_depth - 1)));
      CHECK_FALSE(extract(nested(Extractor::max_depth)));
      CHECK(extract.rejection.reason == "nesting deeper than 512 levels");
    }
    SUBCASE("a 5000-digit number") {
      const std::string json = R"({"webhookEvent":"x","n":)" + std::string(5000, '9') + "}";
      Extract extract(E::engine);
      REQUIRE_FALSE(extract(json));
      CHECK(extract.rejection.reason == "invalid JSON: number too big to be stored in a double");
      CHECK(extract.rejection.offset == 24);
    }
    SUBCASE("a 1 MB string in a member that is not read") {
      const std::string json =
          R"({"webhookEvent":"x","description":")" + std::string(1 << 20, 'x') + R"("})";
      Extract extract(E::engine);
      CHECK(extract(json));
    }
  }

  TEST_CASE("Extractor::default_engine") {
    // JIRA_ALERTS_PARSER=rapidjson selects the reference engine; anything else the fast one.
    const char* saved = std::getenv("JIRA_ALERTS_PARSER");
    const std::string original = saved != nullptr ? saved : "";
    SUBCASE("unset") {
      unsetenv("JIRA_ALERTS_PARSER");
      CHECK(Extractor::default_engine() == Engine::fast);
    }
    SUBCASE("rapidjson") {
      setenv("JIRA_ALERTS_PARSER", "rapidjson", 1);
      CHECK(Extractor::default_engine() == Engine::reference);
    }
    SUBCASE("another name") {
      setenv("JIRA_ALERTS_PARSER", "simdjson", 1);
      CHECK(Extractor::default_engine() == Engine::fast);
    }
    if (saved != nullptr)
      setenv("JIRA_ALERTS_PARSER", original.c_str(), 1);
    else
      unsetenv("JIRA_ALERTS_PARSER");
  }

  TEST_CASE("position_of") {
    SUBCASE("on the first line the start column is added") {
      const auto at = position_of(R"({"a" 1})", 5, 7, 3);
      CHECK(at.line == 7);
      CHECK(at.column == 8);
    }
    SUBCASE("offset 0 is the start") {
      const auto at = position_of("{}", 0, 4, 9);
      CHECK(at.line == 4);
      CHECK(at.column == 9);
    }
    SUBCASE("after newlines the column restarts at 1") {
      const std::string_view bytes = "{\n  \"a\": 1\n  \"b\": 2\n}";
      const auto at = position_of(bytes, bytes.find("\"b\""), 10, 5);
      CHECK(at.line == 12);
      CHECK(at.column == 3);
    }
    SUBCASE("the first byte of a line") {
      const auto at = position_of("ab\ncd", 3, 1, 1);
      CHECK(at.line == 2);
      CHECK(at.column == 1);
    }
    SUBCASE("a newline itself belongs to the line it ends") {
      const auto at = position_of("ab\ncd", 2, 1, 1);
      CHECK(at.line == 1);
      CHECK(at.column == 3);
    }
    SUBCASE("CRLF line ends") {
      const auto at = position_of("{\r\n  x", 5, 1, 1);
      CHECK(at.line == 2);
      CHECK(at.column == 3);
    }
    SUBCASE("an offset past the end is clamped to the end") {
      const auto at = position_of("ab\ncd", 99, 1, 1);
      CHECK(at.line == 2);
      CHECK(at.column == 3);
    }
    SUBCASE("a rejection's offset turned into line:column") {
      const std::string json = "{\n  \"webhookEvent\": \"x\"\n  \"timestamp\": 1\n}";
      Extractor extractor(Engine::reference);
      Payload payload;
      Rejection rejection;
      REQUIRE_FALSE(extractor.extract(json, payload, rejection));
      CHECK(rejection.reason == "invalid JSON: missing ',' or '}' after an object member");
      const auto at = position_of(json, rejection.offset, 17, 1);
      CHECK(at.line == 19);
      CHECK(at.column == 3);
    }
  }

  TEST_CASE("is_usable_key") {
    struct Row {
      std::string key;
      bool usable;
    };
    const Row rows[] = {
        {"KAN-5", true},
        {"A", true},
        {std::string(255, 'K'), true},
        {"\xD0\x9A\xD0\x9B-1", true},  // Cyrillic
        {"\xC3\xA9-1", true},          // é
        {"A\xC2\xA9-1", true},         // ©: U+00A9, past the C1 range
        {"", false},
        {std::string(256, 'K'), false},
        {"KAN 5", false},
        {" KAN-5", false},
        {"KAN-5 ", false},
        {"KAN\t5", false},
        {"KAN-5\n", false},
        {"KAN\r5", false},
        {"KAN\x7F"
         "5",
         false},
        {"KAN\x01"
         "5",
         false},
        {"KAN\xC2\xA0"
         "5",
         false},  // no-break space
        {"KAN\xC2\x85"
         "5",
         false},  // NEL, a C1 control
    };
    for (const auto& row : rows) {
      CAPTURE(row.key);
      CHECK(is_usable_key(row.key) == row.usable);
    }
  }

  TEST_CASE("is_issue_event") {
    CHECK(is_issue_event("jira:issue_created"));
    CHECK(is_issue_event("jira:issue_updated"));
    CHECK(is_issue_event("jira:issue_deleted"));
    CHECK_FALSE(is_issue_event("comment_created"));
    CHECK_FALSE(is_issue_event("jira:worklog_updated"));
    CHECK_FALSE(is_issue_event("issue_created"));
    CHECK_FALSE(is_issue_event("JIRA:ISSUE_CREATED"));
    CHECK_FALSE(is_issue_event(""));
  }

  TEST_CASE("Payload::effective_event") {
    Payload p;
    p.event.set("jira:issue_created");
    CHECK(p.effective_event() == "jira:issue_created");
    p = Payload{};
    p.workflow_body = true;
    CHECK(p.effective_event() == "jira:issue_updated");
  }

}  // TEST_SUITE
