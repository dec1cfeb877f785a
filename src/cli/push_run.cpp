// push's work: jira-alerts-net only (see network.hpp).
#include <unistd.h>

#include <cmath>
#include <memory>

#include "cli/network.hpp"
#include "forward/push.hpp"
#include "forward/pusher.hpp"
#include "store/sources.hpp"
#include "store/store.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace jira_alerts::cli {

int run_push(const PushOptions& o) {
  check_caller_version();
  if (!(o.deadline > 0) || !std::isfinite(o.deadline) || o.deadline > 86400)
    throw Error("--deadline: expected seconds between 0 and 86400", Exit::usage);
  std::vector<forward::Target> targets;
  for (const auto& spec : o.to) targets.push_back(forward::parse_target(spec));
  forward::PushOptions options;
  options.deadline = forward::milliseconds(static_cast<std::int64_t>(o.deadline * 1000));
  options.dry_run = o.dry_run;
  options.secrets = read_secrets(o.secrets);

  if (::access(o.db.c_str(), F_OK) != 0)
    throw Error("no state file '" + o.db + "' (run 'jira-alerts replay' to create it)");
  store::Store store(o.db, o.dry_run ? store::Access::dry_run : store::Access::write);
  store.fold_wal_on_close();
  // An unknown name is a usage error.
  options.sources = store::select_sources(store.db(), o.sources, o.db);
  const forward::PushLock lock(o.db);
  const forward::PushReport report = forward::push(store.db(), targets, options);
  std::fflush(stdout);
  forward::print_report(report, o.dry_run);
  return static_cast<int>(report.all_acknowledged() ? Exit::ok : Exit::failed);
}

}  // namespace jira_alerts::cli
