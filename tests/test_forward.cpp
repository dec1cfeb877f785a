#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <cstring>
#include <string>

#include "forward/alertmanager.hpp"
#include "forward/change.hpp"
#include "forward/http.hpp"
#include "forward/opsgenie.hpp"
#include "forward/pagerduty.hpp"
#include "forward/pusher.hpp"
#include "forward/target.hpp"
#include "store/store.hpp"
#include "testutil.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace jira_alerts::forward {
namespace {

using rules::Action;
using rules::Level;

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

std::string str(const rapidjson::Value& v) {
  REQUIRE(v.IsString());
  return {v.GetString(), v.GetStringLength()};
}

Change sample(Action action) {
  Change c;
  c.fingerprint = "KAN-5";
  c.action = action;
  c.priority = Level::high;
  c.jira_priority = "Major";
  c.status = "In Progress";
  c.summary = "Checkout is down";
  c.project = "KAN";
  c.site = "https://acme.atlassian.net";
  c.user = "Priya Raman";
  c.reason = "status 'In Progress' is active: open";
  c.timestamp = 1768294931482;  // 2026-01-13T09:02:11.482Z
  return c;
}

TEST_SUITE("forward") {
  TEST_CASE("levels: severity and Opsgenie priority") {
    CHECK(severity(Level::critical) == "critical");
    CHECK(severity(Level::high) == "error");
    CHECK(severity(Level::medium) == "warning");
    CHECK(severity(Level::low) == "info");
    CHECK(opsgenie_priority(Level::critical) == "P1");
    CHECK(opsgenie_priority(Level::high) == "P2");
    CHECK(opsgenie_priority(Level::medium) == "P3");
    CHECK(opsgenie_priority(Level::low) == "P4");
  }

  TEST_CASE("jira_site: the site of issue.self") {
    CHECK(util::jira_site("https://acme.atlassian.net/rest/api/2/issue/10002") ==
          "https://acme.atlassian.net");
    CHECK(util::jira_site("http://jira.local:8080/jira/rest/api/2/issue/1") ==
          "http://jira.local:8080/jira");
    CHECK(util::jira_site("").empty());
    CHECK(util::jira_site("ftp://x/rest/").empty());
    CHECK(util::jira_site("https://acme.atlassian.net/issue/1").empty());
    CHECK(util::jira_site("https://a\"b/rest/api").empty());
  }

  TEST_CASE("cut_utf8 never splits a character") {
    CHECK(cut_utf8("short", 10) == "short");
    CHECK(cut_utf8("abcdefghij", 10) == "abcdefghij");
    CHECK(cut_utf8("abcdefghijk", 10) == "abcdefg\xE2\x80\xA6");
    // "ü" is two bytes: a cut inside it backs up to before it.
    const std::string cut = cut_utf8("abcdef\xC3\xBCxyz", 9);
    CHECK(cut == "abcdef\xE2\x80\xA6");
    CHECK(cut.size() <= 9);
    CHECK(cut_utf8("abcdef", 2).empty());
  }

  TEST_CASE("browse_url, site_host, escape_path_segment") {
    CHECK(browse_url(std::string_view("https://acme.atlassian.net"), "KAN-5") ==
          "https://acme.atlassian.net/browse/KAN-5");
    CHECK(browse_url(std::nullopt, "KAN-5").empty());
    CHECK(site_host(std::string_view("https://acme.atlassian.net"), "x") == "acme.atlassian.net");
    CHECK(site_host(std::string_view("http://h:8080/jira"), "x") == "h:8080");
    CHECK(site_host(std::nullopt, "jira-alerts") == "jira-alerts");
    CHECK(escape_path_segment("KAN-5") == "KAN-5");
    CHECK(escape_path_segment("a/b c?ü") == "a%2Fb%20c%3F%C3%BC");
  }

  TEST_CASE("alertmanager: an open and a resolved alert") {
    store::AlertView open;
    open.fingerprint = "KAN-5";
    open.project = "KAN";
    open.summary = "Checkout is down";
    open.status = "In Progress";
    open.jira_priority = "Highest";
    open.site = "https://acme.atlassian.net";
    open.state = rules::State::open;
    open.priority = Level::critical;
    open.opened_at = 1768294931482;
    store::AlertView resolved = open;
    resolved.fingerprint = "KAN-6";
    resolved.state = rules::State::resolved;
    resolved.priority = Level::low;
    resolved.resolved_at = 1768298531482;
    resolved.site.reset();
    resolved.project.reset();

    const auto d = parse(alertmanager::body({open, resolved}));
    REQUIRE(d.IsArray());
    REQUIRE(d.Size() == 2);
    const auto& a = d[0];
    CHECK(str(a["labels"]["alertname"]) == "JiraIssue");
    CHECK(str(a["labels"]["fingerprint"]) == "KAN-5");
    CHECK(str(a["labels"]["project"]) == "KAN");
    CHECK(str(a["labels"]["priority"]) == "CRITICAL");
    CHECK(str(a["labels"]["severity"]) == "critical");
    CHECK(str(a["annotations"]["summary"]) == "KAN-5: Checkout is down");
    CHECK(str(a["annotations"]["status"]) == "In Progress");
    CHECK(str(a["annotations"]["jira_priority"]) == "Highest");
    CHECK(str(a["startsAt"]) == "2026-01-13T09:02:11.482Z");
    CHECK_FALSE(a.HasMember("endsAt"));
    CHECK(str(a["generatorURL"]) == "https://acme.atlassian.net/browse/KAN-5");
    const auto& r = d[1];
    CHECK(str(r["labels"]["severity"]) == "info");
    CHECK_FALSE(r["labels"].HasMember("project"));
    CHECK(str(r["endsAt"]) == "2026-01-13T10:02:11.482Z");
    CHECK_FALSE(r.HasMember("generatorURL"));
  }

  TEST_CASE("pagerduty: trigger and resolve") {
    const auto t = parse(pagerduty::event(sample(Action::open), "ROUTINGKEY"));
    CHECK(str(t["routing_key"]) == "ROUTINGKEY");
    CHECK(str(t["event_action"]) == "trigger");
    CHECK(str(t["dedup_key"]) == "KAN-5");
    const auto& p = t["payload"];
    CHECK(str(p["summary"]) == "KAN-5: Checkout is down");
    CHECK(str(p["source"]) == "acme.atlassian.net");
    CHECK(str(p["severity"]) == "error");
    CHECK(str(p["timestamp"]) == "2026-01-13T09:02:11.482Z");
    CHECK(str(p["component"]) == "KAN");
    CHECK(str(p["custom_details"]["status"]) == "In Progress");
    CHECK(str(p["custom_details"]["jira_priority"]) == "Major");
    CHECK(str(p["custom_details"]["user"]) == "Priya Raman");
    CHECK(str(p["custom_details"]["reason"]) == "status 'In Progress' is active: open");
    CHECK(str(t["client_url"]) == "https://acme.atlassian.net/browse/KAN-5");
    for (const Action a : {Action::update, Action::reopen})
      CHECK(str(parse(pagerduty::event(sample(a), "k"))["event_action"]) == "trigger");
    const auto r = parse(pagerduty::event(sample(Action::resolve), ""));
    CHECK(str(r["event_action"]) == "resolve");
    CHECK_FALSE(r.HasMember("routing_key"));
  }

  TEST_CASE("an update that leaves the alert resolved ends the incident, never raises it") {
    Change c = sample(Action::update);  // Done to Closed, or no status on a resolved alert
    c.state = rules::State::resolved;
    CHECK(str(parse(pagerduty::event(c, "k"))["event_action"]) == "resolve");
    CHECK(opsgenie::request(c).action == "close");
    c.state = rules::State::open;
    CHECK(str(parse(pagerduty::event(c, "k"))["event_action"]) == "trigger");
    CHECK(opsgenie::request(c).action == "create");
  }

  TEST_CASE("pagerduty: the summary is cut to 1024 bytes") {
    Change c = sample(Action::open);
    const std::string long_summary(3000, 'x');
    c.summary = long_summary;
    const auto d = parse(pagerduty::event(c, "k"));
    CHECK(d["payload"]["summary"].GetStringLength() <= pagerduty::max_summary);
    CHECK(d["payload"]["summary"].GetStringLength() > 1000);
  }

  TEST_CASE("opsgenie: create and close by alias") {
    Change c = sample(Action::open);
    const std::string long_summary(500, 'y');
    c.summary = long_summary;
    const auto create = opsgenie::request(c);
    CHECK(create.action == "create");
    CHECK(create.path == "/v2/alerts");
    const auto b = parse(create.body);
    CHECK(b["message"].GetStringLength() <= opsgenie::max_message);
    CHECK(str(b["alias"]) == "KAN-5");
    CHECK(str(b["priority"]) == "P2");
    CHECK(str(b["source"]) == "acme.atlassian.net");
    REQUIRE(b["tags"].IsArray());
    CHECK(str(b["tags"][0]) == "jira");
    CHECK(str(b["details"]["jira_priority"]) == "Major");

    c.action = Action::resolve;
    c.fingerprint = "KAN 5/x";
    const auto close = opsgenie::request(c);
    CHECK(close.action == "close");
    CHECK(close.path == "/v2/alerts/KAN%205%2Fx/close?identifierType=alias");
    const auto line = parse(opsgenie::line(close));
    CHECK(str(line["action"]) == "close");
    CHECK(str(line["body"]["source"]) == "acme.atlassian.net");
  }

  TEST_CASE("sources: any source but jira is told apart by its name") {
    CHECK(platform_key("jira", "KAN-5") == "KAN-5");
    CHECK(platform_key("payments", "KAN-5") == "payments/KAN-5");
    Change c = sample(Action::open);
    const std::string plain = pagerduty::event(c, "k");
    CHECK(plain.find("alert_source") == std::string::npos);
    c.source = "payments";
    const auto t = parse(pagerduty::event(c, "k"));
    CHECK(str(t["dedup_key"]) == "payments/KAN-5");
    CHECK(str(t["payload"]["custom_details"]["alert_source"]) == "payments");
    CHECK(str(t["payload"]["summary"]) == "KAN-5: Checkout is down");
    const auto create = parse(opsgenie::request(c).body);
    CHECK(str(create["alias"]) == "payments/KAN-5");
    CHECK(str(create["entity"]) == "KAN-5");
    CHECK(str(create["tags"][1]) == "payments");
    CHECK(str(create["details"]["alert_source"]) == "payments");
    c.action = Action::resolve;
    CHECK(opsgenie::request(c).path == "/v2/alerts/payments%2FKAN-5/close?identifierType=alias");

    store::AlertView a;
    a.fingerprint = "KAN-5";
    a.priority = Level::high;
    const std::string unnamed = alertmanager::body({a});
    a.alert_source = "jira";
    CHECK(alertmanager::body({a}) == unnamed);
    store::AlertView b = a;
    b.alert_source = "payments";
    const auto d = parse(alertmanager::body({a, b}));
    REQUIRE(d.Size() == 2);
    CHECK_FALSE(d[0]["labels"].HasMember("alert_source"));
    CHECK(str(d[1]["labels"]["alert_source"]) == "payments");
  }

  TEST_CASE("backoff_delay doubles up to the cap, with half of it jittered") {
    const Backoff b{milliseconds(500), milliseconds(30'000)};
    CHECK(backoff_delay(0, b, 0) == milliseconds(250));
    CHECK(backoff_delay(0, b, 250) == milliseconds(500));
    CHECK(backoff_delay(0, b, 251) == milliseconds(250));  // wraps within [half, full]
    CHECK(backoff_delay(1, b, 0) == milliseconds(500));
    CHECK(backoff_delay(3, b, 0) == milliseconds(2000));
    CHECK(backoff_delay(20, b, 0) == milliseconds(15'000));
    CHECK(backoff_delay(200, b, ~std::uint64_t{0}) <= milliseconds(30'000));
    for (std::uint64_t r = 0; r < 1000; r += 7) {
      const auto d = backoff_delay(2, b, r * 0x9E3779B97F4A7C15ULL);
      CHECK(d >= milliseconds(1000));
      CHECK(d <= milliseconds(2000));
    }
  }

  TEST_CASE("parse_retry_after: seconds or an HTTP-date") {
    const util::Millis now = 1445412480000;  // 2015-10-21T07:28:00Z
    CHECK(parse_retry_after("120", now) == milliseconds(120'000));
    CHECK(parse_retry_after(" 0 ", now) == milliseconds(0));
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now) == milliseconds(30'000));
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now) == milliseconds(0));
    CHECK(parse_retry_after("99999999999999", now) >= milliseconds(86'400'000));
    CHECK_FALSE(parse_retry_after("", now));
    CHECK_FALSE(parse_retry_after("-5", now));
    CHECK_FALSE(parse_retry_after("1.5", now));
    CHECK_FALSE(parse_retry_after("soon", now));
    CHECK_FALSE(parse_retry_after("Wed, 21 Foo 2015 07:28:30 GMT", now));
    CHECK_FALSE(parse_retry_after("Wednesday, 21-Oct-15 07:28:30 GMT", now));
  }

  TEST_CASE("retryable_status") {
    for (const int s : {429, 408, 500, 502, 503, 504}) CHECK(retryable_status(s));
    for (const int s : {200, 202, 400, 401, 403, 404, 413, 422}) CHECK_FALSE(retryable_status(s));
  }

  TEST_CASE("vendor_message and mask") {
    CHECK(vendor_message(R"({"status":"invalid event","message":"Event object is invalid",)"
                         R"("errors":["Length of 'routing_key' is incorrect"]})") ==
          "Event object is invalid: Length of 'routing_key' is incorrect");
    CHECK(vendor_message(R"({"message":"Key format is not valid!","took":0.001})") ==
          "Key format is not valid!");
    CHECK(vendor_message("bad request\nmore") == "bad request");
    CHECK(vendor_message(std::string(1000, 'x')).size() < 400);
    CHECK(mask("key abc and abc", "abc") == "key ******** and ********");
    CHECK(mask("nothing", "") == "nothing");
    // A secret that the mask itself holds is replaced once, not again inside the mask.
    CHECK(mask("key ** and **", "**") == "key ******** and ********");
    CHECK(mask("a*b", "*") == "a********b");
  }

  TEST_CASE("Pusher: a round the HTTP library throws in is told, and pushing goes on") {
    test::TempDir dir;
    const std::string db = dir.file("state.db");
    { store::Store made(db, store::Access::write); }
    // A port past 65535 (which parse_target refuses): the HTTP client throws from stoi.
    Target target{};
    target.platform = Platform::alertmanager;
    target.url = {"http://127.0.0.1:99999999999", ""};
    target.name = "alertmanager=" + target.url.origin;
    target.option = "--push";
    test::CapturedStderr err;
    {
      Pusher pusher(db, {target}, {});
      pusher.start();
      pusher.notify();
      pusher.stop();
    }
    const std::string told = err.text();
    CHECK(told.find("jira-alerts: record: push: ") != std::string::npos);
  }

  TEST_CASE("parse_target") {
    const Target am = parse_target("alertmanager=http://127.0.0.1:9093/");
    CHECK(am.platform == Platform::alertmanager);
    CHECK(am.url.origin == "http://127.0.0.1:9093");
    CHECK(am.url.path.empty());
    CHECK(am.name == "alertmanager=http://127.0.0.1:9093");
    const Target pd = parse_target("pagerduty");
    CHECK(pd.url.origin == "https://events.pagerduty.com");
    CHECK(pd.url.path == "/v2/enqueue");
    CHECK(parse_target("opsgenie").name == "opsgenie=https://api.opsgenie.com");
    CHECK(parse_target("opsgenie=https://api.eu.opsgenie.com").url.origin ==
          "https://api.eu.opsgenie.com");
    for (const char* bad : {"alertmanager", "alertmanager=", "slack=http://x", "pagerduty=ftp://x",
                            "opsgenie=http://", "pagerduty=http://a b"}) {
      CHECK_THROWS_AS(parse_target(bad), Error);
    }
    // A port is a number from 1 to 65535, said before anything is sent.
    for (const char* bad :
         {"alertmanager=http://127.0.0.1:99999999999", "alertmanager=http://h:0",
          "alertmanager=http://h:/", "alertmanager=http://h:9o93", "alertmanager=http://[::1"}) {
      CAPTURE(bad);
      const std::string named = std::string("--to: '") + (std::strchr(bad, '=') + 1) + "': ";
      CHECK_THROWS_WITH_AS(parse_target(bad, "--to"), doctest::Contains(named.c_str()), Error);
    }
    CHECK_THROWS_WITH_AS(parse_target("alertmanager=http://127.0.0.1:99999999999", "--to"),
                         "--to: 'http://127.0.0.1:99999999999': the port must be a number from 1 "
                         "to 65535",
                         Error);
    for (const char* good : {"alertmanager=http://[::1]:9093", "alertmanager=http://[::1]",
                             "alertmanager=http://user:secret@am:65535/", "opsgenie=https://h"}) {
      CAPTURE(good);
      CHECK_NOTHROW(parse_target(good));
    }
  }
}

}  // namespace
}  // namespace jira_alerts::forward
