#include "rules/transition.hpp"

#include <utility>

namespace jira_alerts::rules {
namespace {

// Sets DST to TEXT, reusing DST's buffer: alerts change a little with every payload.
void assign(std::optional<std::string>& dst, std::string_view text) {
  if (dst)
    dst->assign(text);
  else
    dst.emplace(text);
}

bool differs(const std::optional<std::string>& current, std::string_view text) {
  return !current || *current != text;
}

// The fields an applied payload sets.
void set_fields(AlertState& a, const Decision& d, const Facts& f) {
  if (f.project)
    assign(a.project, *f.project);
  else if (!a.project)
    a.project = project_of_key(f.key);
  if (f.issue_id) assign(a.issue_id, *f.issue_id);
  if (f.site) assign(a.site, *f.site);
  if (f.status) assign(a.status, *f.status);
  if (f.jira_priority)
    assign(a.jira_priority, *f.jira_priority);
  else
    a.jira_priority.reset();
  a.priority = d.priority;
  a.state = d.state;
  if (f.timestamp && (!a.updated_at || *f.timestamp > *a.updated_at)) a.updated_at = f.timestamp;
  ++a.events;
}

}  // namespace

Outcome transition(AlertState& a, const Decision& d, const Facts& f) {
  Outcome o;
  const bool new_summary = f.summary && differs(a.summary, *f.summary);
  if (!is_applied(d.action)) {
    if (d.action == Action::stale && !f.first && new_summary) o.summary = f.summary;
    return o;
  }
  o.applied = true;
  if (new_summary) {
    assign(a.summary, *f.summary);
    o.summary = f.summary;
  }
  if (f.first) a.fingerprint = f.key;
  set_fields(a, d, f);
  if (f.first) {
    a.episode = 1;
    o.opens_episode = true;
    if (d.action == Action::open) {
      a.opened_at = f.timestamp;
    } else {
      a.resolved_at = f.timestamp;  // first seen resolved: when it opened is unknown
      o.closes_episode = true;
    }
  } else if (d.action == Action::resolve) {
    a.resolved_at = f.timestamp;
    o.closes_episode = true;
  } else if (d.action == Action::reopen) {
    ++a.reopens;
    ++a.episode;
    a.opened_at = f.timestamp;
    a.resolved_at.reset();
    o.opens_episode = true;
  }
  return o;
}

Action action_for(std::optional<State> before, State after) {
  if (!before) return after == State::resolved ? Action::resolve : Action::open;
  if (*before == after) return Action::update;
  return after == State::resolved ? Action::resolve : Action::reopen;
}

State state_after(std::optional<State> before, std::optional<State> by_status) {
  // A payload without a status keeps the state it finds; a new alert opens.
  return by_status.value_or(before.value_or(State::open));
}

Decision redecide(std::optional<State> before, std::optional<State> recorded, bool has_status,
                  Level priority) {
  const State after = state_after(
      before, has_status ? std::optional(recorded.value_or(State::open)) : std::nullopt);
  return {action_for(before, after), has_status ? Rule::active_status : Rule::no_status, after,
          priority, true};
}

std::optional<std::string_view> key_prefix(std::string_view key) {
  const auto dash = key.rfind('-');
  if (dash == std::string_view::npos || dash == 0) return std::nullopt;
  return key.substr(0, dash);
}

std::optional<std::string> project_of_key(std::string_view key) {
  const auto prefix = key_prefix(key);
  return prefix ? std::optional(std::string(*prefix)) : std::nullopt;
}

bool move_takes_key(const AlertState& alert, std::optional<util::Millis> at) {
  return !at || !alert.updated_at || *at >= *alert.updated_at;
}

bool payload_takes_key(const AlertState& alert, std::string_view key,
                       std::optional<util::Millis> at) {
  return alert.fingerprint != key && at && alert.updated_at && *at > *alert.updated_at;
}

std::optional<std::string> project_after_move(std::string_view key,
                                              std::optional<std::string_view> project) {
  return project ? std::optional<std::string>(*project) : project_of_key(key);
}

Merged merge(AlertState& into, const AlertState& from) {
  const bool from_is_newer =
      from.updated_at && (!into.updated_at || *from.updated_at > *into.updated_at);
  Merged m;
  m.alias = from.fingerprint;
  if (from_is_newer) {
    std::swap(m.alias, into.fingerprint);
    into.project = from.project;
    into.issue_id = from.issue_id;
    into.state = from.state;
    into.priority = from.priority;
    into.jira_priority = from.jira_priority;
    into.status = from.status;
    into.summary = from.summary;
    into.opened_at = from.opened_at;
    into.resolved_at = from.resolved_at;
    into.updated_at = from.updated_at;
  }
  if (!into.site) into.site = from.site;
  into.events += from.events;
  into.reopens += from.reopens;
  m.episodes =
      into.state == State::resolved ? MergedEpisodes::close_open : MergedEpisodes::keep_one;
  return m;
}

}  // namespace jira_alerts::rules
