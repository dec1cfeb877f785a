#pragma once
// The rules of SPEC §1 as a pure function: a payload and the alert as it stands in,
// a decision out. No file, clock or database is touched here.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "parse/payload.hpp"
#include "rules/jql.hpp"
#include "rules/mapping.hpp"
#include "util/time.hpp"

namespace jira_alerts::rules {

// What a payload does to its alert.
enum class Action : std::uint8_t {
  open,
  update,
  resolve,
  reopen,
  ignore,
  duplicate,
  stale,
  reject
};

// "open", "update", ... as in decision records.
std::string_view action_name(Action action);
std::optional<Action> parse_action(std::string_view name);

// Does the action change the alert (and count as applied)?
constexpr bool is_applied(Action action) {
  return action == Action::open || action == Action::update || action == Action::resolve ||
         action == Action::reopen;
}

// An alert's state.
enum class State : std::uint8_t { open, resolved };

std::string_view state_name(State state);
std::optional<State> parse_state(std::string_view name);

// Which rule fired; the reason in words is derived from it.
enum class Rule : std::uint8_t {
  ignored_event,   // not an issue event
  duplicate,       // its identity was already applied to the alert
  stale,           // older than the alert's newest payload (event logs of earlier versions)
  deleted,         // jira:issue_deleted
  resolve_status,  // the status name is a resolve status
  done_category,   // the status category is "done"
  active_status,   // any other status
  no_status,       // no status anywhere in the payload
  out_of_scope,    // the issue does not match the scope (--jql)
  rejected,        // unusable payload (SPEC §4)
};

// The alert a payload belongs to, as it stands before the payload.
struct Current {
  State state;
  std::optional<util::Millis> updated_at;  // newest applied payload's timestamp
};

// The outcome for one payload.
struct Decision {
  Action action;
  Rule rule;
  State state;           // the state the payload sets (would set, when not applied)
  Level priority;        // the priority the payload sets (would set, when not applied)
  bool priority_mapped;  // false: an unknown Jira priority fell back to the default
};

// Is a payload timestamped AT older than NEWEST, the newest payload its alert applied?
// Such a payload is stale: it changes no current field, and takes its place in the
// alert's history in event time. Without either time it is not.
constexpr bool is_stale(std::optional<util::Millis> at, std::optional<util::Millis> newest) {
  return at && newest && *at < *newest;
}

// Decides what PAYLOAD does to ALERT (null when no alert exists for its key).
// ALREADY_APPLIED tells whether the payload's identity was applied to ALERT before.
Decision decide(const parse::Payload& payload, const Current* alert, bool already_applied,
                const Mapping& mapping);

// Does the status (name, category) resolve under MAPPING?
Rule status_rule(std::string_view status, std::string_view category, bool has_category,
                 const Mapping& mapping);

// What an issue event says of its alert's state under MAPPING: the rule that fires
// (deleted, no_status or a status rule) and the state it asks for (none: no status).
struct StatusVerdict {
  Rule rule;
  std::optional<State> state;
};

// The verdict of issue EVENT with STATUS (none: the payload has no status) in status
// category CATEGORY (none: not sent).
StatusVerdict status_verdict(std::string_view event, std::optional<std::string_view> status,
                             std::optional<std::string_view> category, const Mapping& mapping);

// The level of a payload's priority under MAPPING: NAME when it has one (NAMED), else
// the default; an unnamed priority object (UNNAMED) counts as not mapped.
PriorityMapping priority_level(std::optional<std::string_view> name, bool unnamed,
                               const Mapping& mapping);

// The reason in words: which rule fired and what it did, e.g.
// "status 'Won't Do' is in category done: resolve". SCOPE is the scope's query, for
// out_of_scope ("outside scope: project = KAN").
std::string reason_text(Rule rule, Action action, std::string_view status, std::string_view event,
                        bool has_timestamp, std::string_view scope = {});

// What a scope query reads of PAYLOAD's issue; the views point into PAYLOAD.
jql::Issue scope_fields(const parse::Payload& payload);

// Duplicate identity (SPEC §1.5): event, key, timestamp and changelog id when the
// payload has a timestamp; otherwise a hash of its bytes.
std::uint64_t identity(const parse::Payload& payload, std::string_view bytes);

// The identity of a delivery id (X-Atlassian-Webhook-Identifier, or a failed-webhook
// item's id): a payload whose delivery was applied is a duplicate too. 0 for no id.
std::uint64_t delivery_identity(std::string_view delivery_id);

}  // namespace jira_alerts::rules
