#include "forward/printer.hpp"

#include "forward/opsgenie.hpp"
#include "forward/pagerduty.hpp"

namespace jira_alerts::forward {

Change change_of(const replay::DecisionRecord& r) {
  Change c;
  c.fingerprint = r.fingerprint.value_or("");
  c.source = r.source.value_or(store::default_source);
  c.action = r.action;
  c.state = r.state.value_or(rules::State::open);
  c.priority = r.priority.value_or(rules::Level::medium);
  c.jira_priority = r.jira_priority;
  c.status = r.status;
  c.summary = r.title ? r.title : r.summary;
  c.project = r.project;
  c.site = r.site;
  c.user = r.user;
  c.reason = r.reason;
  c.timestamp = r.timestamp;
  return c;
}

VendorPrinter::VendorPrinter(std::FILE* stream, Vendor vendor, std::string routing_key)
    : out_(stream), vendor_(vendor), routing_key_(std::move(routing_key)) {}

void VendorPrinter::write(const replay::DecisionRecord& record) {
  if (!rules::is_applied(record.action) || !record.fingerprint) return;
  const Change change = change_of(record);
  std::string& o = out_.buffer();
  if (vendor_ == Vendor::pagerduty)
    o += pagerduty::event(change, routing_key_);
  else
    o += opsgenie::line(opsgenie::request(change));
  o.push_back('\n');
  out_.done();
}

}  // namespace jira_alerts::forward
