#pragma once
// 'push': sends what each target has not acknowledged, from the outbox in the state file.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "forward/http.hpp"
#include "forward/target.hpp"
#include "store/sources.hpp"
#include "store/sqlite.hpp"

namespace jira_alerts::forward {

// The secrets the targets need; never printed.
struct Secrets {
  std::string pagerduty_routing_key;
  std::string opsgenie_api_key;
};

struct PushOptions {
  milliseconds deadline{60'000};  // for the whole push, every target together
  bool dry_run = false;           // print the requests to DRY_RUN_OUT; send nothing
  std::FILE* dry_run_out = stdout;
  Backoff backoff;
  Secrets secrets;
  // The sources whose alerts go, as store::select_sources gives them (none: every source
  // of the file).
  std::vector<store::SourceRecord> sources;
  const Cut* cut = nullptr;  // brings the deadline forward when set (another thread may)
};

// An alert whose change a target did not acknowledge.
struct Undelivered {
  std::string target;
  std::string fingerprint;
  std::string what;    // "trigger (event 12)", "3 alerts in one request", ...
  std::string reason;  // the vendor's message or the network error, secrets masked
};

// What a push did, per target and in all.
struct PushReport {
  struct PerTarget {
    std::string name;
    std::size_t sent = 0;           // requests acknowledged
    std::size_t not_delivered = 0;  // events (or alerts, for Alertmanager) left in the outbox
  };
  std::vector<PerTarget> targets;
  std::vector<Undelivered> undelivered;

  bool all_acknowledged() const { return undelivered.empty(); }
};

// Throws Error (exit 2) when one of TARGETS lacks its secret in SECRETS.
void check_secrets(const std::vector<Target>& targets, const Secrets& secrets);

// Sends each target what it has not acknowledged of the alerts of OPTIONS.sources: every
// open alert and the newly resolved ones for Alertmanager, each applied event in order per
// alert for PagerDuty and Opsgenie. Records each acknowledgement in DB at once. Throws
// Error (exit 2) when a target lacks its secret.
PushReport push(store::Database& db, const std::vector<Target>& targets,
                const PushOptions& options);

// Prints REPORT on stderr: one line per undelivered alert, one summary line per target.
void print_report(const PushReport& report, bool dry_run);

}  // namespace jira_alerts::forward
