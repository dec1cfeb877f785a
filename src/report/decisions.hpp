#pragma once
// Decision records: one per payload, printed as a replay goes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report/format.hpp"
#include "rules/decide.hpp"

namespace jira_alerts::report {

// What a replay prints for one payload (SPEC §5).
struct DecisionRecord {
  std::string_view path;
  std::uint64_t line = 0;
  std::optional<std::uint64_t> column;  // rejections point at the column too
  std::optional<std::string_view> fingerprint, event;
  rules::Action action = rules::Action::ignore;
  std::optional<rules::State> state;
  std::optional<rules::Level> priority;
  std::optional<std::string_view> jira_priority, status, summary, user;
  std::optional<std::string_view> project, site, title;  // the alert's, when it has them
  std::optional<std::int64_t> timestamp;
  std::string_view reason;
  const std::vector<std::string>* warnings = nullptr;
};

// Where a replay hands its decision records.
class DecisionSink {
 public:
  virtual ~DecisionSink() = default;
  virtual void write(const DecisionRecord& record) = 0;
  virtual void flush() = 0;
};

// Prints decision records as text lines or JSON Lines.
class DecisionWriter : public DecisionSink {
 public:
  DecisionWriter(std::FILE* stream, Format format, ColourMode colour = ColourMode::automatic);
  void write(const DecisionRecord& record) override;
  void flush() override { out_.flush(); }

 private:
  Output out_;
  Format format_;
  bool colour_;
  std::size_t source_width_ = 0;
};

}  // namespace jira_alerts::report
