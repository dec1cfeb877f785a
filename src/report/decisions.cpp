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
  // path:line[:column], in a string reused from record to record
  source_.assign(r.path);
  source_ += ':';
  source_ += std::to_string(r.line);
  if (r.column) (source_ += ':') += std::to_string(*r.column);
  if (format_ == Format::jsonl) {
    json_.reset(o).begin_object();
    json_.members("source", source_);
    // A replay that feeds several sources names the one the record was decided for.
    if (r.source) json_.members("alert_source", *r.source);
    json_.members("fingerprint", r.fingerprint, "event", r.event, "action",
                  rules::action_name(r.action), "state", name_of(r.state, rules::state_name),
                  "priority", name_of(r.priority, rules::level_name), "jira_priority",
                  r.jira_priority, "status", r.status, "summary", r.summary, "user", r.user,
                  "timestamp", Time{r.timestamp}, "reason", r.reason);
    json_.key("warnings").begin_array();
    if (r.warnings)
      for (const auto& w : *r.warnings) json_.value(w);
    json_.end_array().end_object();
    o.push_back('\n');
  } else {
    // source  [alert source]  action  fingerprint  state  priority  reason [warnings]
    // Records stream out, so the source column widens to the longest seen so far.
    source_width_ = std::max(source_width_, source_.size());
    append_padded(o, source_, source_width_);
    if (r.source) append_padded(o, *r.source, 10);
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
