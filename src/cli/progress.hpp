#pragma once
// The progress line of a long replay on a terminal's standard error: payloads, MB, rate,
// and percent and ETA when the input sizes are known. The replay library never prints:
// it calls back, and this decides whether and what to show.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "replay/replayer.hpp"

namespace jira_alerts::cli {

class Progress {
 public:
  // Shown only when standard error is a terminal, QUIET is off and CI is unset. FILES
  // are the inputs: their sizes give percent and ETA when every one is a plain file.
  Progress(const std::vector<std::string>& files, bool quiet);
  ~Progress() { clear(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  bool enabled() const { return enabled_; }
  // Redraws the line, at most ten times a second.
  void update(const replay::Counts& counts);
  // Erases the line (before the summary).
  void clear();

 private:
  bool enabled_;
  bool shown_ = false;
  std::optional<std::uint64_t> total_bytes_;
  std::chrono::steady_clock::time_point started_, last_;
};

// The progress line for COUNTS after SECONDS, with TOTAL input bytes when known.
std::string progress_line(const replay::Counts& counts, double seconds,
                          std::optional<std::uint64_t> total);

}  // namespace jira_alerts::cli
