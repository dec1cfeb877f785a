#include "rules/decide.hpp"

#include "rules/transition.hpp"
#include "util/text.hpp"

namespace jira_alerts::rules {

std::string_view action_name(Action action) {
  switch (action) {
    case Action::open:
      return "open";
    case Action::update:
      return "update";
    case Action::resolve:
      return "resolve";
    case Action::reopen:
      return "reopen";
    case Action::ignore:
      return "ignore";
    case Action::duplicate:
      return "duplicate";
    case Action::stale:
      return "stale";
    case Action::reject:
      return "reject";
  }
  return "reject";
}

std::optional<Action> parse_action(std::string_view name) {
  for (const Action a : {Action::open, Action::update, Action::resolve, Action::reopen,
                         Action::ignore, Action::duplicate, Action::stale, Action::reject})
    if (action_name(a) == name) return a;
  return std::nullopt;
}

std::string_view state_name(State state) {
  return state == State::open ? "open" : "resolved";
}

std::optional<State> parse_state(std::string_view name) {
  if (name == "open") return State::open;
  if (name == "resolved") return State::resolved;
  return std::nullopt;
}

Rule status_rule(std::string_view status, std::string_view category, bool has_category,
                 const Mapping& mapping) {
  if (mapping.is_resolve_status(status)) return Rule::resolve_status;
  if (mapping.use_category() && has_category && util::to_lower(util::trim(category)) == "done")
    return Rule::done_category;
  return Rule::active_status;
}

StatusVerdict status_verdict(std::string_view event, std::optional<std::string_view> status,
                             std::optional<std::string_view> category, const Mapping& mapping) {
  if (event == "jira:issue_deleted") return {Rule::deleted, State::resolved};
  if (!status) return {Rule::no_status, std::nullopt};
  const Rule rule = status_rule(*status, category.value_or(""), category.has_value(), mapping);
  return {rule, rule == Rule::active_status ? State::open : State::resolved};
}

PriorityMapping priority_level(std::optional<std::string_view> name, bool unnamed,
                               const Mapping& mapping) {
  if (name) return mapping.priority(*name);
  return {mapping.default_priority(), !unnamed};
}

Decision decide(const parse::Payload& p, const Current* alert, bool already_applied,
                const Mapping& mapping) {
  // A priority object without a name cannot be mapped: the default, with a warning.
  const PriorityMapping pm = priority_level(
      p.priority_form == parse::PriorityForm::named ? std::optional(p.priority) : std::nullopt,
      p.priority_form == parse::PriorityForm::unnamed, mapping);
  Decision d{Action::ignore, Rule::ignored_event, alert ? alert->state : State::open, pm.level,
             pm.mapped};
  const std::string_view event = p.effective_event();
  if (!parse::is_issue_event(event)) return d;
  // Outside the scope, a payload is as if the webhook's JQL filter had not sent it.
  if (mapping.scope() != nullptr && !mapping.scope()->matches(scope_fields(p))) {
    d.rule = Rule::out_of_scope;
    return d;
  }

  const StatusVerdict verdict = status_verdict(
      event,
      p.status_source == parse::StatusSource::none ? std::nullopt : std::optional(p.status.value),
      p.category.present ? std::optional(p.category.value) : std::nullopt, mapping);
  d.rule = verdict.rule;
  const std::optional<State> before = alert ? std::optional(alert->state) : std::nullopt;
  const std::optional<State> by_status = verdict.state;
  d.state = state_after(before, by_status);
  d.action = action_for(before, d.state);

  // A payload that is not applied keeps what it would have set in STATE and
  // PRIORITY: the event log records it, the alert does not change.
  if (alert && already_applied) {
    d.action = Action::duplicate;
    d.rule = Rule::duplicate;
  } else if (alert && is_stale(p.timestamp, alert->updated_at)) {
    // The rule stays the one its status gives: it decides again in event time.
    d.action = Action::stale;
  }
  return d;
}

jql::Issue scope_fields(const parse::Payload& p) {
  const auto text = [](const parse::Text& t) {
    return t.present ? std::optional(t.value) : std::nullopt;
  };
  jql::Issue i;
  // As the alert's project: the key's prefix when the payload names no project.
  i.project_key = p.project.present ? std::optional(p.project.value) : key_prefix(p.key.value);
  i.project_name = text(p.project_name);
  i.issuetype = text(p.issuetype);
  if (p.priority_form == parse::PriorityForm::named) i.priority = p.priority;
  if (p.status_source != parse::StatusSource::none) i.status = text(p.status);
  i.status_category = text(p.category);
  i.status_category_name = text(p.category_name);
  i.summary = text(p.summary);
  i.labels = p.labels;
  i.components = p.components;
  i.assignee = p.assignee;
  i.reporter = p.reporter;
  return i;
}

std::string reason_text(Rule rule, Action action, std::string_view status, std::string_view event,
                        bool has_timestamp, std::string_view scope) {
  std::string why;
  switch (rule) {
    case Rule::out_of_scope:
      return scope.empty() ? std::string("outside scope") : "outside scope: " + std::string(scope);
    case Rule::ignored_event:
      return "event '" + std::string(event) + "' does not change alerts: ignored";
    case Rule::duplicate:
      return has_timestamp
                 ? "already applied to this alert (same event, key, timestamp and changelog id): "
                   "skipped"
                 : "already applied to this alert (identical payload bytes): skipped";
    case Rule::stale:
      return "older than the alert's newest applied payload: recorded, state unchanged";
    case Rule::rejected:
      return "unusable payload: rejected";
    case Rule::deleted:
      why = "issue deleted";
      break;
    case Rule::resolve_status:
      why = "status '" + std::string(status) + "' is a resolve status";
      break;
    case Rule::done_category:
      why = "status '" + std::string(status) + "' is in category done";
      break;
    case Rule::active_status:
      why = "status '" + std::string(status) + "' is active";
      break;
    case Rule::no_status:
      why = "no status in the payload";
      break;
  }
  if (action == Action::stale)
    return why +
           ", but older than the alert's newest applied payload: stale, placed in its "
           "history by event time";
  const bool resolving =
      rule == Rule::deleted || rule == Rule::resolve_status || rule == Rule::done_category;
  if (action == Action::update && resolving) return why + ": already resolved, update";
  if (action == Action::update && rule == Rule::no_status) return why + ": state unchanged, update";
  return why + ": " + std::string(action_name(action));
}

std::uint64_t identity(const parse::Payload& p, std::string_view bytes) {
  if (!p.timestamp) return util::hash64(bytes);
  std::uint64_t h = util::hash64(p.effective_event());
  h = util::hash64(std::string_view("\x1f", 1), h);
  h = util::hash64(p.key.value, h);
  const auto ts = static_cast<std::uint64_t>(*p.timestamp);
  for (int i = 0; i < 8; ++i) {
    h ^= (ts >> (8 * i)) & 0xff;
    h *= 0x100000001b3ULL;
  }
  h = util::hash64(std::string_view(p.changelog_id.present ? "\x1e" : "\x1d", 1), h);
  return util::hash64(p.changelog_id.value, h);
}

std::uint64_t delivery_identity(std::string_view delivery_id) {
  if (delivery_id.empty()) return 0;
  // Its own prefix, so that it never equals the content identity of a payload.
  return util::hash64(delivery_id, util::hash64(std::string_view("delivery\x1f")));
}

}  // namespace jira_alerts::rules
