#pragma once
// 'replay --format pagerduty|opsgenie': the vendor's request for each applied decision,
// one JSON object a line.

#include <cstdio>
#include <string>

#include "forward/change.hpp"
#include "report/decisions.hpp"

namespace jira_alerts::forward {

// The platforms a replay can print requests for.
enum class Vendor : std::uint8_t { pagerduty, opsgenie };

// The change a decision record describes (views into RECORD).
Change change_of(const report::DecisionRecord& record);

// Prints one vendor request per applied decision; other decisions print nothing.
class VendorPrinter : public report::DecisionSink {
 public:
  // ROUTING_KEY goes into PagerDuty events (left out when empty).
  VendorPrinter(std::FILE* stream, Vendor vendor, std::string routing_key);
  void write(const report::DecisionRecord& record) override;
  void flush() override { out_.flush(); }

 private:
  report::Output out_;
  Vendor vendor_;
  std::string routing_key_;
};

}  // namespace jira_alerts::forward
