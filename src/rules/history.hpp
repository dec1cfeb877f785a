#pragma once
// One alert's history in event time: its recorded payloads, oldest first, each decided
// again against the alert as the payloads before it left it. The replay (after a late
// payload or a merge), 'alerts --at' and 'show' derive episodes and reopens this way, so
// that they do not depend on the order the payloads were delivered in.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "rules/transition.hpp"

namespace jira_alerts::rules {

// One open → resolve cycle of an alert.
struct Episode {
  std::int64_t seq = 0;
  std::optional<util::Millis> opened_at, resolved_at;
  Level priority = Level::medium;  // set at open, updated at resolve
};

// What the event log keeps of a payload's decision.
struct Recorded {
  std::optional<State> state;  // the state it set, or would have set
  bool has_status = false;     // it named a status (or deleted the issue)
  Level priority = Level::medium;
};

class History {
 public:
  // Adds the payload that is next in event time: RECORDED with FACTS (whose `first` is
  // set here), known by IDENTITY. A payload whose identity came before is a duplicate
  // and changes nothing. Returns its decision in event time; OUTCOME tells what it did.
  Decision add(const Recorded& recorded, Facts facts, std::string_view identity, Outcome& outcome);

  bool empty() const { return !exists_; }
  // The alert as its payloads so far leave it.
  AlertState& alert() { return alert_; }
  const AlertState& alert() const { return alert_; }
  const std::vector<Episode>& episodes() const { return episodes_; }
  std::vector<Episode>& episodes() { return episodes_; }

 private:
  AlertState alert_;
  bool exists_ = false;
  std::vector<Episode> episodes_;
  std::unordered_set<std::string> seen_;
};

}  // namespace jira_alerts::rules
