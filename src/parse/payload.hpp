#pragma once
// The fields of one webhook payload that the rules read (SPEC §1.1).

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "util/time.hpp"

namespace jira_alerts::parse {

// Where the payload's status came from, in order of preference.
enum class StatusSource : std::uint8_t {
  none,        // no status anywhere in the payload
  fields,      // issue.fields.status
  changelog,   // a status item's toString
  transition,  // transition.to_status of a workflow post-function body
};

// How issue.fields.priority was given.
enum class PriorityForm : std::uint8_t {
  absent,   // missing, null or {}: the default priority, no warning
  named,    // an object with a name, or a plain string
  unnamed,  // an object with members but no name ({"id": "1"}): the default, with a warning
};

// A text field: present or not. The view points into the extractor's buffer.
struct Text {
  std::string_view value;
  bool present = false;

  void set(std::string_view v) {
    value = v;
    present = true;
  }
};

// The payload's fields; the views stay valid until the extractor reads the next one.
struct Payload {
  Text event;                  // webhookEvent as sent
  bool workflow_body = false;  // no webhookEvent, but issue and transition: a post-function body
  std::optional<util::Millis> timestamp;
  bool has_issue = false;
  Text key;       // issue.key
  Text issue_id;  // issue.id (a number is kept as its digits)
  Text self;      // issue.self: the issue's REST URL, which names the Jira site
  Text status;    // the status name, from STATUS_SOURCE
  Text category;  // issue.fields.status.statusCategory.key
  StatusSource status_source = StatusSource::none;
  PriorityForm priority_form = PriorityForm::absent;
  std::string_view priority;  // the Jira priority name when named
  Text summary;
  Text project;
  Text changelog_id;
  Text moved_from;  // the old key of a Key changelog item
  Text moved_to;    // the new key of a Key changelog item
  Text user;        // user.displayName

  // What a scope (--jql) reads besides the fields above.
  Text project_name;                         // issue.fields.project.name
  Text issuetype;                            // issue.fields.issuetype.name
  Text category_name;                        // issue.fields.status.statusCategory.name
  std::vector<std::string_view> labels;      // issue.fields.labels
  std::vector<std::string_view> components;  // the names of issue.fields.components
  // The names each user goes by: accountId, name, key, emailAddress, displayName.
  std::vector<std::string_view> assignee, reporter;

  // The event type the rules act on: a workflow body counts as an update.
  std::string_view effective_event() const {
    return workflow_body ? std::string_view("jira:issue_updated") : event.value;
  }
};

// Is EVENT one of the three issue events that the status decides?
bool is_issue_event(std::string_view event);

}  // namespace jira_alerts::parse
