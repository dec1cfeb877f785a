#include "replay/replayer.hpp"

#include <cstdio>

#include "read/input.hpp"

namespace jira_alerts::replay {

using rules::Action;

Replayer::Replayer(store::Store& store, const rules::Mapping& mapping,
                   report::DecisionWriter* writer, OnReject on_reject)
    : store_(store), mapping_(mapping), writer_(writer), on_reject_(on_reject) {}

bool Replayer::replay(const std::string& path) {
  read::ByteStream in(path);
  read::Framer framer(in);
  if (!store_.in_batch()) store_.begin_batch();
  const std::int64_t source_id = store_.source_id(path);
  read::Frame frame;
  while (framer.next(frame)) {
    if (!process(frame, path, source_id)) return false;
    // --strict keeps the whole run in one transaction, so that a rejection commits nothing.
    if (++in_batch_ >= batch_size && on_reject_ == OnReject::keep_going) {
      store_.commit_batch();
      store_.begin_batch();
      in_batch_ = 0;
    }
    if (on_progress && (counts_.payloads & 1023) == 0) on_progress(counts_);
  }
  return true;
}

void Replayer::finish() {
  if (store_.in_batch()) store_.commit_batch();
  if (writer_) writer_->flush();
}

void Replayer::count(Action action) {
  ++counts_.by_action[static_cast<std::size_t>(action)];
  ++counts_.payloads;
}

bool Replayer::process(const read::Frame& frame, std::string_view path, std::int64_t source_id) {
  counts_.bytes += frame.size;
  switch (frame.problem) {
    case read::FrameProblem::empty:
      reject(frame, path, source_id, 0, "empty input: no payload");
      return on_reject_ == OnReject::keep_going;
    case read::FrameProblem::too_large:
      reject(frame, path, source_id, 0,
             "payload of " + std::to_string(frame.size) + " bytes is larger than the limit of " +
                 std::to_string(read::Framer::default_max_payload >> 20) + " MiB");
      return on_reject_ == OnReject::keep_going;
    case read::FrameProblem::none: break;
  }
  parse::Rejection rejection;
  if (!extractor_.extract(frame.bytes, payload_, rejection)) {
    reject(frame, path, source_id, rejection.offset, rejection.reason);
    return on_reject_ == OnReject::keep_going;
  }
  apply(payload_, frame, path, source_id);
  return true;
}

void Replayer::reject(const read::Frame& frame, std::string_view path, std::int64_t source_id,
                      std::uint64_t offset, const std::string& reason) {
  const auto at = parse::position_of(frame.bytes, offset, frame.line, frame.column);
  count(Action::reject);
  store_.log_reject({source_id, frame.line, at.line, at.column, reason, frame.size, frame.bytes});
  std::fprintf(stderr, "jira-alerts: %.*s:%llu:%llu: %s\n", static_cast<int>(path.size()),
               path.data(), static_cast<unsigned long long>(at.line),
               static_cast<unsigned long long>(at.column), reason.c_str());
  if (writer_) {
    report::DecisionRecord r;
    r.path = path;
    r.line = at.line;
    r.column = at.column;
    r.action = Action::reject;
    r.reason = reason;
    writer_->write(r);
  }
}

namespace {

// The project of KEY when the payload names none: the part before the last '-'.
std::optional<std::string> project_of_key(std::string_view key) {
  const auto dash = key.rfind('-');
  if (dash == std::string_view::npos || dash == 0) return std::nullopt;
  return std::string(key.substr(0, dash));
}

template <typename T>
std::optional<std::string_view> view(const std::optional<T>& value) {
  if (value) return std::string_view(*value);
  return std::nullopt;
}

std::optional<std::string_view> view(const parse::Text& text) {
  if (text.present) return text.value;
  return std::nullopt;
}

}  // namespace

void Replayer::apply(const parse::Payload& p, const read::Frame& frame, std::string_view path,
                     std::int64_t source_id) {
  const std::string_view event = p.effective_event();
  const bool issue_event = parse::is_issue_event(event);
  const std::optional<std::string_view> key = view(p.key);

  // Find the alert: by the payload's key, or by the old key of a move.
  bool found = key && store_.find(*key, alert_);
  if (!found && issue_event && p.moved_from.present && p.moved_from.value != p.key.value)
    found = store_.find(p.moved_from.value, alert_);

  const std::uint64_t identity = rules::identity(p, frame.bytes);
  const bool already = issue_event && found && store_.applied(alert_.id, identity);
  const rules::Current current{alert_.state, alert_.updated_at};
  const rules::Decision d = rules::decide(p, found ? &current : nullptr, already, mapping_);

  warnings_.clear();
  const std::optional<std::string_view> jira_priority =
      p.priority_form == parse::PriorityForm::named ? std::optional(p.priority) : std::nullopt;
  std::optional<std::string_view> changed_summary;

  if (rules::is_applied(d.action)) {
    if (!d.priority_mapped) {
      warnings_.push_back("unmapped priority '" + std::string(p.priority) + "'");
      if (warned_priorities_.size() < 1000 && warned_priorities_.emplace(p.priority).second) {
        std::fprintf(stderr,
                     "jira-alerts: warning: %.*s:%llu: unmapped priority '%.*s' counts as %.*s "
                     "(map it with --priority '%.*s=LEVEL')\n",
                     static_cast<int>(path.size()), path.data(),
                     static_cast<unsigned long long>(frame.line), static_cast<int>(p.priority.size()),
                     p.priority.data(), static_cast<int>(rules::level_name(d.priority).size()),
                     rules::level_name(d.priority).data(), static_cast<int>(p.priority.size()),
                     p.priority.data());
      }
    }
    const auto ts = p.timestamp;
    if (!found) {
      alert_ = store::Alert{};
      alert_.fingerprint = *key;
    } else if (alert_.fingerprint != *key && p.moved_from.present) {
      // The issue moved: the alert takes the new key and keeps the old one as an alias.
      store_.add_alias(alert_.fingerprint, alert_.id);
      alert_.fingerprint = *key;
    }
    if (p.summary.present && (!alert_.summary || *alert_.summary != p.summary.value)) {
      alert_.summary = std::string(p.summary.value);
      changed_summary = p.summary.value;
    }
    if (p.project.present)
      alert_.project = std::string(p.project.value);
    else if (!alert_.project || (p.moved_from.present && found))
      alert_.project = project_of_key(*key);
    if (p.issue_id.present) alert_.issue_id = std::string(p.issue_id.value);
    if (p.status.present) alert_.status = std::string(p.status.value);
    alert_.jira_priority = jira_priority ? std::optional(std::string(*jira_priority)) : std::nullopt;
    alert_.priority = d.priority;
    alert_.state = d.state;
    if (ts && (!alert_.updated_at || *ts > *alert_.updated_at)) alert_.updated_at = ts;
    ++alert_.events;

    if (!found) {
      alert_.episode = 1;
      if (d.action == Action::open) {
        alert_.opened_at = ts;
      } else {
        alert_.resolved_at = ts;  // first seen resolved: when it opened is unknown
      }
      store_.insert_alert(alert_);
      store_.open_episode(alert_.id, 1, alert_.opened_at, d.priority);
      if (d.action == Action::resolve) store_.close_episode(alert_.id, 1, ts, d.priority);
    } else {
      if (d.action == Action::resolve) {
        alert_.resolved_at = ts;
        store_.close_episode(alert_.id, alert_.episode, ts, d.priority);
      } else if (d.action == Action::reopen) {
        ++alert_.reopens;
        ++alert_.episode;
        alert_.opened_at = ts;
        alert_.resolved_at.reset();
        store_.open_episode(alert_.id, alert_.episode, ts, d.priority);
      }
      store_.update_alert(alert_);
    }
  } else if (!found) {
    alert_ = store::Alert{};
  }

  std::string joined_warnings;
  for (const auto& w : warnings_) {
    if (!joined_warnings.empty()) joined_warnings += '\n';
    joined_warnings += w;
  }
  const bool has_alert = found || rules::is_applied(d.action);
  const std::optional<std::string_view> status = view(p.status);
  store_.log_event({source_id, frame.line, has_alert ? std::optional(alert_.id) : std::nullopt, key,
                    p.event.present || p.workflow_body ? std::optional(event) : std::nullopt,
                    p.timestamp, d.action, d.rule,
                    issue_event ? std::optional(d.state) : std::nullopt,
                    issue_event ? std::optional(d.priority) : std::nullopt, jira_priority, status,
                    changed_summary,
                    rules::is_applied(d.action) ? std::optional(identity) : std::nullopt,
                    joined_warnings.empty() ? std::nullopt
                                            : std::optional<std::string_view>(joined_warnings)});
  count(d.action);

  if (writer_) {
    reason_ = rules::reason_text(d.rule, d.action, p.status.value, event, p.timestamp.has_value());
    report::DecisionRecord r;
    r.path = path;
    r.line = frame.line;
    r.fingerprint = has_alert ? std::optional<std::string_view>(alert_.fingerprint) : key;
    r.event = p.event.present || p.workflow_body ? std::optional(event) : std::nullopt;
    r.action = d.action;
    if (has_alert) {
      r.state = alert_.state;
      r.priority = alert_.priority;
    }
    r.jira_priority = jira_priority;
    r.status = status;
    r.summary = view(p.summary);
    r.timestamp = p.timestamp;
    r.reason = reason_;
    r.warnings = &warnings_;
    writer_->write(r);
  }
}

}  // namespace jira_alerts::replay
