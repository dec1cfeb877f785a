#include "rules/history.hpp"

namespace jira_alerts::rules {

Decision History::add(const Recorded& r, Facts facts, std::string_view identity, Outcome& outcome) {
  outcome = {};
  const Level priority = r.priority;
  if (!seen_.emplace(identity).second)
    return {Action::duplicate, Rule::duplicate, r.state.value_or(alert_.state), priority, true};
  const Decision d = redecide(exists_ ? std::optional(alert_.state) : std::nullopt, r.state,
                              r.has_status, priority);
  facts.first = !exists_;
  outcome = transition(alert_, d, facts);
  exists_ = true;
  if (outcome.opens_episode)
    episodes_.push_back({alert_.episode, alert_.opened_at, std::nullopt, alert_.priority});
  // An episode's priority: set at open, updated at resolve.
  if (outcome.closes_episode) {
    episodes_.back().resolved_at = alert_.resolved_at;
    episodes_.back().priority = alert_.priority;
  }
  return d;
}

}  // namespace jira_alerts::rules
