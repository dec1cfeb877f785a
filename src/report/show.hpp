#pragma once
// One alert in full (show): its record, its episodes and its event timeline.

#include <cstdint>
#include <string>
#include <vector>

#include "report/format.hpp"
#include "store/history.hpp"
#include "store/queries.hpp"

namespace jira_alerts::report {

// A duration in words for tables: "12.3s", "37m 44s", "1h 05m", "2d 03h".
std::string duration_text(std::int64_t ms);

// Prints ALERT, its EPISODES and its TIMELINE in FORMAT (text or jsonl) to OUT; with
// NAMED_SOURCE, naming the alert's source (a field "alert source", members alert_source).
void print_show(Output& out, Format format, const store::AlertView& alert,
                const std::vector<store::EpisodeView>& episodes,
                const std::vector<store::TimelineEntry>& timeline, bool named_source = false);

}  // namespace jira_alerts::report
