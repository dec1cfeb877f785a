#pragma once
// Decision records: one per payload, printed as a replay goes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "replay/sink.hpp"
#include "report/format.hpp"
#include "report/json.hpp"
#include "rules/decide.hpp"

namespace jira_alerts::report {

using replay::DecisionRecord;

// Prints decision records as text lines or JSON Lines.
class DecisionWriter : public replay::Sink {
 public:
  DecisionWriter(std::FILE* stream, Format format, ColourMode colour = ColourMode::automatic);
  void write(const DecisionRecord& record) override;
  void flush() override { out_.flush(); }

 private:
  Output out_;
  JsonWriter json_;
  std::string source_;
  Format format_;
  bool colour_;
  std::size_t source_width_ = 0;
};

}  // namespace jira_alerts::report
