#pragma once
// 'replay --format pagerduty|opsgenie': the vendor's request for each applied decision,
// one JSON object a line.

#include <cstdio>
#include <string>

#include "forward/change.hpp"
#include "replay/sink.hpp"
#include "report/format.hpp"

namespace jira_alerts::forward {

// The platforms a replay can print requests for.
enum class Vendor : std::uint8_t { pagerduty, opsgenie };

// The change a decision record describes (views into RECORD).
Change change_of(const replay::DecisionRecord& record);

// Prints one vendor request per applied decision; other decisions print nothing.
class VendorPrinter : public replay::Sink {
 public:
  // ROUTING_KEY goes into PagerDuty events (left out when empty).
  VendorPrinter(std::FILE* stream, Vendor vendor, std::string routing_key);
  void write(const replay::DecisionRecord& record) override;
  void flush() override { out_.flush(); }

 private:
  report::Output out_;
  Vendor vendor_;
  std::string routing_key_;
};

}  // namespace jira_alerts::forward
