#include "report/decisions.hpp"

#include <algorithm>

#include "util/text.hpp"

namespace jira_alerts::report {
namespace {

const char* action_colour(rules::Action action) {
  switch (action) {
    case rules::Action::open:
    case rules::Action::reopen:
      return "\033[31m";
    case rules::Action::resolve:
      return "\033[32m";
    case rules::Action::reject:
      return "\033[1;31m";
    case rules::Action::update:
      return "\033[33m";
    default:
      return "\033[2m";
  }
}

}  // namespace

DecisionWriter::DecisionWriter(std::FILE* stream, Format format, ColourMode colour)
    : out_(stream),
      format_(format),
      colour_(format == Format::text && use_colour(stream, colour)) {}

void DecisionWriter::write(const DecisionRecord& r) {
  if (out_.closed()) return;  // the reader went away: the replay goes on without records
  std::string& o = out_.buffer();
  if (format_ == Format::jsonl) {
    o += "{\"source\":";
    std::string source(r.path);
    source += ':' + std::to_string(r.line);
    if (r.column) source += ':' + std::to_string(*r.column);
    util::append_json_string(o, source);
    o += ",\"fingerprint\":";
    append_json_optional(o, r.fingerprint);
    o += ",\"event\":";
    append_json_optional(o, r.event);
    o += ",\"action\":\"";
    o += rules::action_name(r.action);
    o += "\",\"state\":";
    append_json_optional(o, r.state ? std::optional(rules::state_name(*r.state)) : std::nullopt);
    o += ",\"priority\":";
    append_json_optional(o,
                         r.priority ? std::optional(rules::level_name(*r.priority)) : std::nullopt);
    o += ",\"jira_priority\":";
    append_json_optional(o, r.jira_priority);
    o += ",\"status\":";
    append_json_optional(o, r.status);
    o += ",\"summary\":";
    append_json_optional(o, r.summary);
    o += ",\"user\":";
    append_json_optional(o, r.user);
    o += ",\"timestamp\":";
    append_json_time(o, r.timestamp);
    o += ",\"reason\":";
    util::append_json_string(o, r.reason);
    o += ",\"warnings\":[";
    if (r.warnings) {
      for (std::size_t i = 0; i < r.warnings->size(); ++i) {
        if (i > 0) o.push_back(',');
        util::append_json_string(o, (*r.warnings)[i]);
      }
    }
    o += "]}\n";
  } else {
    // source  action  fingerprint  state  priority  reason [warnings]
    std::string source(r.path);
    source += ':' + std::to_string(r.line);
    if (r.column) source += ':' + std::to_string(*r.column);
    // Records stream out, so the source column widens to the longest seen so far.
    source_width_ = std::max(source_width_, source.size());
    append_padded(o, source, source_width_);
    if (colour_) o += action_colour(r.action);
    append_padded(o, rules::action_name(r.action), 9);
    if (colour_) o += "\033[0m";
    append_padded(o, r.fingerprint.value_or("-"), 12);
    append_padded(o, r.state ? rules::state_name(*r.state) : "-", 8);
    append_padded(o, r.priority ? rules::level_name(*r.priority) : "-", 8);
    util::append_printable(o, r.reason);
    if (r.warnings) {
      for (const auto& w : *r.warnings) {
        o += " [warning: ";
        util::append_printable(o, w);
        o += ']';
      }
    }
    o.push_back('\n');
  }
  out_.done();
}

}  // namespace jira_alerts::report
