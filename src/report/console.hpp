#pragma once
// What a replay tells the person running it: rejections and warnings on standard error,
// decision records to the sink that prints them, counts to a progress line.

#include <cstdio>
#include <functional>

#include "replay/sink.hpp"

namespace jira_alerts::report {

class Console : public replay::Sink {
 public:
  // RECORDS prints the decision records (none: --quiet, nothing reads them); PROGRESS
  // receives the counts (none: no progress line). Messages go to ERR.
  explicit Console(replay::Sink* records, std::function<void(const replay::Counts&)> progress = {},
                   std::FILE* err = stderr)
      : records_(records), progress_(std::move(progress)), err_(err) {}

  void write(const replay::DecisionRecord& record) override {
    if (records_) records_->write(record);
  }
  void flush() override {
    if (records_) records_->flush();
  }
  // "jira-alerts: PATH:LINE:COLUMN: reason"
  void rejected(const replay::Notice& notice) override;
  // "jira-alerts: warning: PATH:LINE: text"
  void warning(const replay::Notice& notice) override;
  void progress(const replay::Counts& counts) override {
    if (progress_) progress_(counts);
  }
  bool takes_records() const override { return records_ != nullptr; }

 private:
  replay::Sink* records_;
  std::function<void(const replay::Counts&)> progress_;
  std::FILE* err_;
};

}  // namespace jira_alerts::report
