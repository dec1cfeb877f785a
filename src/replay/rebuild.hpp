#pragma once
// The recorded history decided again under another mapping, from the event log alone
// (rebuild, replay --remap): no input file is read again.

#include <cstdint>

#include "rules/mapping.hpp"
#include "store/store.hpp"

namespace jira_alerts::replay {

// What a rebuild changed.
struct RebuildCounts {
  std::uint64_t events = 0;          // issue events of known alerts decided again
  std::uint64_t changed_events = 0;  // of which the decision changed
  std::uint64_t alerts = 0;
  std::uint64_t changed_alerts = 0;  // whose state or priority changed
};

// Decides every payload of the alerts of SOURCE in STORE's event log again under MAPPING,
// inside the open batch:
// each event's rule, state, priority, action and warnings, then each alert's state,
// priority, episodes and reopens (in event time, as a replay derives them). Which alert a
// payload belongs to, and whether it was applied, a duplicate or stale, do not depend on
// the mapping and stay. A push target that acknowledged a change decided again (its
// action, state or priority) is sent the alert's changes again from that one on.
RebuildCounts rebuild(store::Store& store, const rules::Mapping& mapping, std::int64_t source);

}  // namespace jira_alerts::replay
