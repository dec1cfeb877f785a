#include "forward/push.hpp"

#include <algorithm>
#include <cstdio>
#include <unordered_set>

#include "forward/alertmanager.hpp"
#include "forward/opsgenie.hpp"
#include "forward/pagerduty.hpp"
#include "report/format.hpp"
#include "store/outbox.hpp"
#include "util/error.hpp"

namespace jira_alerts::forward {
namespace {

// Alerts per Alertmanager request: one body stays well under a megabyte.
constexpr std::size_t alerts_per_request = 500;

// A target's secret. A dry run without it warns and shows a placeholder in its place,
// unmasked; a push stops.
struct Secret {
  std::string value;
  bool given = true;
};

Secret secret_of(const Target& t, const Secrets& s, bool dry_run) {
  if (t.platform == Platform::alertmanager) return {};
  const bool pagerduty = t.platform == Platform::pagerduty;
  const std::string& value = pagerduty ? s.pagerduty_routing_key : s.opsgenie_api_key;
  if (!value.empty()) return {value};
  const std::string what = pagerduty ? "routing key" : "API key";
  const std::string problem = t.option + " " + t.name + ": no " + what + ": " +
                              (pagerduty ? "set PAGERDUTY_ROUTING_KEY or give --pagerduty-key-file"
                                         : "set OPSGENIE_API_KEY or give --opsgenie-key-file");
  if (!dry_run) throw Error(problem, Exit::usage);
  std::fprintf(stderr, "jira-alerts: warning: %s (a push without --dry-run needs it)\n",
               problem.c_str());
  return {"<" + what + ": none>", false};
}

Change change_of(const store::PendingEvent& p, std::string& reason) {
  reason = rules::reason_text(p.rule, p.action, p.status.value_or(""), p.event.value_or(""),
                              p.timestamp.has_value());
  Change c;
  c.fingerprint = p.fingerprint;
  c.source = p.source;
  c.action = p.action;
  c.state = p.state;
  c.priority = p.priority;
  c.jira_priority = optional_view(p.jira_priority);
  c.status = optional_view(p.status);
  c.summary = optional_view(p.summary);
  c.project = optional_view(p.project);
  c.site = optional_view(p.site);
  c.user = optional_view(p.user);
  c.reason = reason;
  c.timestamp = p.timestamp;
  return c;
}

HttpRequest event_request(const Target& t, const Change& c, const Secret& secret) {
  if (t.platform == Platform::pagerduty) return {"", pagerduty::event(c, secret.value), {}};
  opsgenie::Request r = opsgenie::request(c);
  return {std::move(r.path),
          std::move(r.body),
          {{"Authorization", "GenieKey " + secret.value, secret.given}}};
}

// One delivery (or, with --dry-run, one printed request): true when acknowledged.
struct Courier {
  const Target& target;
  const PushOptions& options;
  const Secret& secret;
  const std::vector<store::SourceRecord>& sources;
  HttpSender sender;
  PushReport::PerTarget& counts;

  Delivery deliver(HttpRequest request) {
    if (options.dry_run) {
      if (target.platform == Platform::pagerduty && secret.given)
        request.body = mask(request.body, secret.value);
      report::Output out(options.dry_run_out);  // a reader that went away is no error
      out.buffer() = show_request(target.url, request);
      out.flush();
      return {Delivery::Outcome::acknowledged, 0, 0, {}};
    }
    Delivery d = sender.post(request);
    d.message = mask(d.message, secret.value);
    if (d.outcome == Delivery::Outcome::acknowledged) ++counts.sent;
    return d;
  }
};

// A moved alert's first change since the target last heard of it: the incident the
// target holds under the old key is resolved first, or it would stay open for ever
// beside the one under the new key. Acknowledged (nothing to do) when the key is the same.
Delivery retire_old_key(Courier& courier, const store::PendingEvent& p,
                        std::unordered_set<std::int64_t>& retired) {
  if (!p.acked_key || *p.acked_key == p.fingerprint || !retired.insert(p.alert_id).second)
    return {Delivery::Outcome::acknowledged, 0, 0, {}};
  const std::string reason = "moved to " + p.fingerprint;
  Change c;
  c.fingerprint = *p.acked_key;
  c.source = p.source;
  c.action = rules::Action::resolve;
  c.state = rules::State::resolved;
  c.priority = p.priority;
  c.project = optional_view(p.project);
  c.site = optional_view(p.site);
  c.summary = optional_view(p.summary);
  c.reason = reason;
  c.timestamp = p.timestamp;
  return courier.deliver(event_request(courier.target, c, courier.secret));
}

void push_events(store::Database& db, Courier& courier, PushReport& report) {
  const Target& t = courier.target;
  std::unordered_set<std::int64_t> held;     // alerts with an undelivered event: later ones wait
  std::unordered_set<std::int64_t> retired;  // alerts whose old key was resolved in this push
  std::unordered_set<std::int64_t> behind;   // the sources of the HELD alerts
  std::string reason;
  // Read before the pending events: every row up to it is among them.
  const std::int64_t newest = store::newest_event_id(db);
  for (const store::PendingEvent& p : store::pending_events(db, t.name, courier.sources)) {
    const auto what = [&p] {
      return std::string(rules::action_name(p.action)) + " (event " + std::to_string(p.event_id) +
             ")";
    };
    if (held.count(p.alert_id) > 0 || courier.sender.expired()) {
      // An alert's later changes wait for its undelivered one: order per alert holds.
      ++courier.counts.not_delivered;
      behind.insert(p.source_id);
      if (held.insert(p.alert_id).second)
        report.undelivered.push_back({t.name, p.fingerprint, what(), "deadline reached"});
      continue;
    }
    Delivery d = retire_old_key(courier, p, retired);
    if (d.outcome == Delivery::Outcome::acknowledged) {
      const Change c = change_of(p, reason);
      d = courier.deliver(event_request(t, c, courier.secret));
    }
    if (d.outcome == Delivery::Outcome::acknowledged) {
      if (!courier.options.dry_run) store::acknowledge(db, t.name, p.alert_id, p.event_id);
      continue;
    }
    ++courier.counts.not_delivered;
    held.insert(p.alert_id);
    behind.insert(p.source_id);
    report.undelivered.push_back({t.name, p.fingerprint, what(), d.message});
  }
  if (courier.options.dry_run) return;
  // Each source that left nothing: later pushes of it start after NEWEST. The others keep
  // their watermark, so that a push of one source never passes over another's changes.
  for (const store::SourceRecord& source : courier.sources)
    if (behind.count(source.id) == 0) store::acknowledge_through(db, t.name, source.name, newest);
}

// The alert under the labels the target last acknowledged, ended now, when its key
// (a move) or priority changed since: Alertmanager would keep that label set firing.
std::optional<store::AlertView> retired(const store::DueAlert& d) {
  const store::AlertView& a = d.alert;
  if (!d.acked_key || !d.acked_priority ||
      (*d.acked_key == a.fingerprint && *d.acked_priority == a.priority))
    return std::nullopt;
  store::AlertView old = a;
  if (*d.acked_key != a.fingerprint) {
    old.fingerprint = *d.acked_key;
    const auto dash = old.fingerprint.rfind('-');
    if (dash != std::string::npos && dash > 0) old.project = old.fingerprint.substr(0, dash);
  }
  old.priority = *d.acked_priority;
  old.state = rules::State::resolved;
  old.resolved_at = util::now_millis();
  return old;
}

void push_alerts(store::Database& db, Courier& courier, PushReport& report) {
  const Target& t = courier.target;
  const std::vector<store::DueAlert> due = store::due_alerts(db, t.name, courier.sources);
  std::vector<store::AlertView> batch;
  for (std::size_t from = 0; from < due.size(); from += alerts_per_request) {
    const std::size_t to = std::min(due.size(), from + alerts_per_request);
    batch.clear();
    for (std::size_t i = from; i < to; ++i) {
      if (auto old = retired(due[i])) batch.push_back(std::move(*old));
      batch.push_back(due[i].alert);
    }
    const Delivery d =
        courier.deliver({std::string(alertmanager::alerts_path), alertmanager::body(batch), {}});
    if (d.outcome == Delivery::Outcome::acknowledged) {
      if (courier.options.dry_run) continue;
      store::Transaction tx(db, store::Transaction::Kind::immediate);
      for (std::size_t i = from; i < to; ++i)
        store::acknowledge(db, t.name, due[i].alert.id, due[i].newest_event);
      tx.commit();
      continue;
    }
    courier.counts.not_delivered += to - from;
    for (std::size_t i = from; i < to; ++i)
      report.undelivered.push_back({t.name, due[i].alert.fingerprint,
                                    std::string(rules::state_name(due[i].alert.state)), d.message});
  }
}

}  // namespace

void check_secrets(const std::vector<Target>& targets, const Secrets& secrets) {
  for (const Target& t : targets) secret_of(t, secrets, false);
}

PushReport push(store::Database& db, const std::vector<Target>& targets, const PushOptions& o) {
  std::vector<Secret> secrets;
  for (const Target& t : targets) secrets.push_back(secret_of(t, o.secrets, o.dry_run));
  const std::vector<store::SourceRecord> sources =
      o.sources.empty() ? store::read_sources(db) : o.sources;
  const auto deadline = Clock::now() + o.deadline;
  PushReport report;
  report.targets.reserve(targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const Target& t = targets[i];
    report.targets.push_back({t.name, 0, 0});
    Courier courier{t,
                    o,
                    secrets[i],
                    sources,
                    HttpSender(t.url, deadline, o.backoff, o.cut),
                    report.targets.back()};
    if (t.platform == Platform::alertmanager)
      push_alerts(db, courier, report);
    else
      push_events(db, courier, report);
  }
  return report;
}

void print_report(const PushReport& report, bool dry_run) {
  for (const Undelivered& u : report.undelivered)
    std::fprintf(stderr, "jira-alerts: %s: %s %s not delivered: %s\n", u.target.c_str(),
                 u.fingerprint.c_str(), u.what.c_str(), u.reason.c_str());
  for (const auto& t : report.targets) {
    if (dry_run) {
      std::fprintf(stderr, "jira-alerts: %s: dry run: nothing sent, the outbox unchanged\n",
                   t.name.c_str());
      continue;
    }
    std::fprintf(stderr, "jira-alerts: %s: %zu request%s acknowledged, %zu left in the outbox\n",
                 t.name.c_str(), t.sent, t.sent == 1 ? "" : "s", t.not_delivered);
  }
}

}  // namespace jira_alerts::forward
