#include "replay/replayer.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "read/input.hpp"
#include "util/text.hpp"

namespace jira_alerts::replay {

using rules::Action;

Replayer::Replayer(store::Store& store, const rules::Mapping& mapping, report::DecisionSink* writer,
                   OnReject on_reject)
    : store_(store), mapping_(mapping), writer_(writer), on_reject_(on_reject) {}

bool Replayer::replay(const std::vector<std::string>& files) {
  Reader reader(files, secret_);
  sources_.assign(files.size(), Source{});
  const bool batches = on_reject_ == OnReject::keep_going;
  const auto started = std::chrono::steady_clock::now();
  auto batch_started = started;
  for (;;) {
    Chunk* chunk = reader.try_next();
    if (chunk == nullptr && batches && store_.in_batch()) {
      // The input is slow (a pipe): after a moment, commit what came so far rather
      // than hold the file locked while waiting.
      chunk = reader.next_for(idle_commit);
      if (chunk == nullptr) commit_batch(started);
    }
    // The write lock is taken only once there is something to apply.
    if (chunk == nullptr) chunk = reader.next();
    if (!store_.in_batch()) {
      begin_batch();
      batch_started = std::chrono::steady_clock::now();
    }
    for (std::size_t i = 0; i < chunk->used; ++i) {
      const Parsed& item = chunk->items[i];
      if (item.kind == Parsed::Kind::failed) {
        const std::exception_ptr error = item.error;
        reader.release(chunk);
        std::rethrow_exception(error);
      }
      if (!step(item, item.file, files[item.file])) {
        reader.release(chunk);
        return false;
      }
    }
    const bool last = chunk->last;
    reader.release(chunk);
    if (last) return true;
    // --strict keeps the whole run in one transaction, so that a rejection commits
    // nothing; its alerts are written and let go all the same, as a commit would.
    if (!batches) {
      store_.trim_cache();
    } else if (in_batch_ >= batch_size ||
               std::chrono::steady_clock::now() - batch_started > batch_time) {
      commit_batch(started);
    }
  }
}

bool Replayer::step(const Parsed& item, std::size_t file, const std::string& path) {
  Source& src = source(file, path);
  const std::string& shown = src.shown;
  counts_.bytes += item.size;
  if (item.kind == Parsed::Kind::rejected) {
    reject(item, shown, src.id);
    // An exported payload that still fails: the new rejection stands in for the old.
    for (const std::int64_t id : src.standing.exported) store_.drop_reject(id);
    src.standing.exported.clear();
    if (on_reject_ == OnReject::stop) return false;
  } else {
    apply(item, shown, src.id);
    replace_rejects(src, item);
  }
  ++in_batch_;
  if (on_progress && (counts_.payloads & 1023) == 0) on_progress(counts_);
  return true;
}

void Replayer::take(const Parsed& item, const std::string& path) {
  const auto known = std::find(live_paths_.begin(), live_paths_.end(), path);
  const auto file = static_cast<std::size_t>(known - live_paths_.begin());
  if (known == live_paths_.end()) {
    live_paths_.push_back(path);
    sources_.emplace_back();
  }
  step(item, file, path);
}

void Replayer::commit() {
  if (!store_.in_batch()) return;
  store_.commit_batch();
  in_batch_ = 0;
  for (auto& s : sources_) s.id = 0;
  if (writer_) writer_->flush();
  if (after_commit) after_commit();
}

void Replayer::begin_batch() {
  store_.begin_batch();
  if (!run_started_) {
    store_.begin_run(command_line);
    run_started_ = true;
  }
}

void Replayer::commit_batch(std::chrono::steady_clock::time_point started) {
  store_.commit_batch();
  if (after_commit) after_commit();
  in_batch_ = 0;
  // Source ids are interned per transaction: look them up again.
  for (auto& s : sources_) s.id = 0;
  // A long replay leaves a moment between batches, so that another process waiting
  // for the file gets its turn instead of waiting for the whole run.
  if (std::chrono::steady_clock::now() - started > batch_time)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

Replayer::Source& Replayer::source(std::size_t file, const std::string& path) {
  Source& src = sources_[file];
  if (!src.checked) {
    src.checked = true;
    const bool standard_input = path == read::stdin_name;
    src.shown = standard_input && !stdin_label.empty() ? stdin_label : path;
    src.stored = src.shown;
    if (standard_input && stdin_label.empty())
      src.stored = std::string(read::stdin_name) + "#" + std::to_string(store_.run_id());
    src.id = store_.source_id(src.stored);
    std::error_code ec;
    const auto absolute =
        standard_input ? std::filesystem::path() : std::filesystem::absolute(path, ec);
    src.standing = store_.standing_rejects(src.id, absolute.lexically_normal().string());
    for (const auto& r : src.standing.at) {
      src.reject_lines.insert(r.line);
      if (r.offset) src.reject_offsets.insert(*r.offset);
    }
  }
  if (src.id == 0) src.id = store_.source_id(src.stored);
  return src;
}

// A payload was read successfully where a rejected one stood (the same source and
// place, or the file it was exported to): that rejection is resolved.
void Replayer::replace_rejects(Source& src, const Parsed& item) {
  auto& at = src.standing.at;
  const bool maybe = !at.empty() && (src.reject_lines.count(item.line) > 0 ||
                                     src.reject_offsets.count(item.offset) > 0);
  for (std::size_t i = 0; maybe && i < at.size();) {
    if (at[i].replaced_by(item.line, item.column, item.offset)) {
      store_.drop_reject(at[i].id);
      at[i] = at.back();
      at.pop_back();
    } else {
      ++i;
    }
  }
  for (const std::int64_t id : src.standing.exported) store_.drop_reject(id);
  src.standing.exported.clear();
}

void Replayer::finish() {
  if (!store_.in_batch()) begin_batch();
  store_.finish_run(counts_.payloads, counts_.of(Action::reject));
  store_.commit_batch();
  if (after_commit) after_commit();
  // After a large run the main file should hold everything by itself again.
  if (counts_.payloads >= checkpoint_after) store_.checkpoint();
  if (writer_) writer_->flush();
}

void Replayer::count(Action action) {
  ++counts_.by_action[static_cast<std::size_t>(action)];
  ++counts_.payloads;
}

void Replayer::reject(const Parsed& item, std::string_view path, std::int64_t source_id) {
  count(Action::reject);
  store_.log_reject({source_id, item.line, item.column, item.offset, item.error_line,
                     item.error_column, item.reason, item.size, item.raw});
  std::fprintf(stderr, "jira-alerts: %.*s:%llu:%llu: %s\n", static_cast<int>(path.size()),
               path.data(), static_cast<unsigned long long>(item.error_line),
               static_cast<unsigned long long>(item.error_column), item.reason.c_str());
  if (writer_) {
    report::DecisionRecord r;
    r.path = path;
    r.line = item.error_line;
    r.column = item.error_column;
    r.action = Action::reject;
    r.reason = item.reason;
    writer_->write(r);
  }
}

namespace {

// Gives alert A the payload's key; its project follows unless the payload names one.
void rename(store::Store& store, store::Alert& a, const parse::Payload& p) {
  a.project = rules::project_after_move(
      p.key.value, p.project.present ? std::optional(p.project.value) : std::nullopt);
  store.move_alert(a, p.key.value);
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

// The event a payload names (a post-function body counts as an update), or none.
std::optional<std::string_view> event_of(const parse::Payload& p) {
  if (p.event.present || p.workflow_body) return p.effective_event();
  return std::nullopt;
}

// The Jira priority's name, when the payload names one.
std::optional<std::string_view> jira_priority_of(const parse::Payload& p) {
  if (p.priority_form == parse::PriorityForm::named) return p.priority;
  return std::nullopt;
}

// What payload P tells its alert (FIRST: it creates the alert).
rules::Facts facts_of(const parse::Payload& p, bool first) {
  rules::Facts f;
  f.first = first;
  f.key = p.key.value;
  f.timestamp = p.timestamp;
  f.summary = view(p.summary);
  f.project = view(p.project);
  f.issue_id = view(p.issue_id);
  if (const std::string_view site = util::jira_site(p.self.value); !site.empty()) f.site = site;
  f.status = view(p.status);
  f.jira_priority = jira_priority_of(p);
  return f;
}

}  // namespace

// The warning of a decision whose priority is not in the mapping (on the record), and
// once per name on stderr.
void Replayer::warn_unmapped(const parse::Payload& p, const rules::Decision& d,
                             std::string_view path, std::uint64_t line) {
  if (p.priority_form == parse::PriorityForm::unnamed) {
    warnings_.emplace_back("unmapped priority: issue.fields.priority has no name");
    if (!warned_unnamed_) {
      warned_unnamed_ = true;
      std::fprintf(stderr,
                   "jira-alerts: warning: %.*s:%llu: issue.fields.priority has no name: it "
                   "counts as %.*s\n",
                   static_cast<int>(path.size()), path.data(),
                   static_cast<unsigned long long>(line),
                   static_cast<int>(rules::level_name(d.priority).size()),
                   rules::level_name(d.priority).data());
    }
  } else {
    warnings_.push_back("unmapped priority '" + std::string(p.priority) + "'");
    if (warned_priorities_.size() < 1000 && warned_priorities_.emplace(p.priority).second) {
      std::fprintf(stderr,
                   "jira-alerts: warning: %.*s:%llu: unmapped priority '%.*s' counts as %.*s "
                   "(map it with --priority '%.*s=LEVEL')\n",
                   static_cast<int>(path.size()), path.data(),
                   static_cast<unsigned long long>(line), static_cast<int>(p.priority.size()),
                   p.priority.data(), static_cast<int>(rules::level_name(d.priority).size()),
                   rules::level_name(d.priority).data(), static_cast<int>(p.priority.size()),
                   p.priority.data());
    }
  }
}

// Finds the alert of payload P by its key. A move (a Key changelog item) joins the old
// key and the new one in one alert whenever it arrives, late or repeated included; the
// alert goes by the key of its newest payload, so that no alert stays under a key that
// no longer exists, and a move there and back ends under the key it came back to.
// MERGED tells that two alerts became one.
store::Alert* Replayer::locate(const parse::Payload& p, bool issue_event, bool& merged) {
  const std::optional<std::string_view> key = view(p.key);
  store::Alert* alert = key ? store_.find(*key) : nullptr;
  if (!issue_event) return alert;
  if (p.moved_from.present && p.moved_from.value != p.key.value) {
    if (store::Alert* old = store_.find(p.moved_from.value); old != nullptr && old != alert) {
      if (alert == nullptr) {
        alert = old;
        if (rules::move_takes_key(*old, p.timestamp))
          rename(store_, *old, p);
        else
          store_.add_alias(*key, old->id);  // a late move: newer payloads name the key
      } else {
        // Payloads under the new key came first: one alert takes the other in.
        alert = store_.merge_alerts(*old, *alert);
        merged = true;
      }
    } else if (old == nullptr && alert != nullptr) {
      store_.add_alias(p.moved_from.value, alert->id);  // the old key's payloads may come later
    }
  }
  if (alert != nullptr && key && rules::payload_takes_key(*alert, *key, p.timestamp))
    rename(store_, *alert, p);
  return alert;
}

// Whether ITEM was applied to ALERT before: the same content, or the same delivery.
Replayer::Seen Replayer::seen_before(const Parsed& item, const store::Alert* alert,
                                     bool issue_event) {
  if (!issue_event || alert == nullptr) return Seen::no;
  const auto& ts = item.payload.timestamp;
  // An applied identity carries a timestamp no newer than the alert's newest, so a
  // newer payload cannot be a duplicate and needs no look-up.
  const bool may_repeat = !ts || (alert->updated_at && *ts <= *alert->updated_at);
  if (may_repeat && alert->applied(item.identity)) return Seen::same_content;
  // A delivery id is checked whatever the timestamp: a retry keeps it even when a
  // rendered field of its body changed.
  if (item.delivery != 0 && alert->applied(item.delivery)) return Seen::same_delivery;
  return Seen::no;
}

// Applies decision D of ITEM to ALERT (null: none yet) through the rules, and writes
// what changed: the alert, its episodes, the duplicate identities. Returns the alert.
store::Alert* Replayer::change(const Parsed& item, store::Alert* alert, const rules::Decision& d,
                               rules::Outcome& outcome) {
  const parse::Payload& p = item.payload;
  const bool found = alert != nullptr;
  store::Alert fresh;
  store::Alert& a = found ? *alert : fresh;
  outcome = rules::transition(a, d, facts_of(p, !found));
  if (!outcome.applied) return alert;
  a.add_identity(item.identity);
  if (item.delivery != 0) a.add_identity(item.delivery);
  if (found) {
    store_.update_alert(a);
  } else {
    alert = store_.insert_alert(std::move(fresh));
    // The move came first: payloads under the old key must find this alert too.
    if (p.moved_from.present && p.moved_from.value != p.key.value)
      store_.add_alias(p.moved_from.value, alert->id);
  }
  if (outcome.opens_episode)
    store_.open_episode(alert->id, alert->episode, alert->opened_at, alert->priority);
  if (outcome.closes_episode)
    store_.close_episode(alert->id, alert->episode, alert->resolved_at, alert->priority);
  return alert;
}

// The event row of ITEM, decided as D, with the summary its outcome records.
void Replayer::log(const Parsed& item, std::int64_t source_id, const store::Alert* alert,
                   const rules::Decision& d, std::optional<std::string_view> summary) {
  const parse::Payload& p = item.payload;
  const bool issue_event = parse::is_issue_event(p.effective_event());
  joined_warnings_.clear();
  for (const auto& w : warnings_) {
    if (!joined_warnings_.empty()) joined_warnings_ += '\n';
    joined_warnings_ += w;
  }
  store_.log_event({
      .source_id = source_id,
      .line = item.line,
      .alert_id = alert != nullptr ? std::optional(alert->id) : std::nullopt,
      .issue_key = view(p.key),
      .event = event_of(p),
      .timestamp = p.timestamp,
      .action = d.action,
      .rule = d.rule,
      .state = issue_event ? std::optional(d.state) : std::nullopt,
      .priority = issue_event ? std::optional(d.priority) : std::nullopt,
      .jira_priority = jira_priority_of(p),
      .status = view(p.status),
      .summary = summary,
      .user = view(p.user),
      // A stale payload's identity too: 'alerts --at' applies it where it is not stale,
      // and must know its second delivery as a duplicate.
      .identity = rules::is_applied(d.action) || d.action == Action::stale
                      ? std::optional(item.identity)
                      : std::nullopt,
      .warnings = joined_warnings_.empty() ? std::nullopt
                                           : std::optional<std::string_view>(joined_warnings_),
  });
}

// The decision record of ITEM, decided as D, for the writer.
void Replayer::record(const Parsed& item, std::string_view path, const store::Alert* alert,
                      const rules::Decision& d, bool same_delivery) {
  const parse::Payload& p = item.payload;
  reason_ = same_delivery ? "already applied to this alert (same delivery id): skipped"
                          : rules::reason_text(d.rule, d.action, p.status.value,
                                               p.effective_event(), p.timestamp.has_value());
  report::DecisionRecord r;
  r.path = path;
  r.line = item.line;
  r.fingerprint =
      alert != nullptr ? std::optional<std::string_view>(alert->fingerprint) : view(p.key);
  r.event = event_of(p);
  r.action = d.action;
  if (alert != nullptr) {
    r.state = alert->state;
    r.priority = alert->priority;
    r.project = view(alert->project);
    r.site = view(alert->site);
    r.title = view(alert->summary);
  }
  r.jira_priority = jira_priority_of(p);
  r.status = view(p.status);
  r.summary = view(p.summary);
  r.user = view(p.user);
  r.timestamp = p.timestamp;
  r.reason = reason_;
  r.warnings = &warnings_;
  writer_->write(r);
}

void Replayer::apply(const Parsed& item, std::string_view path, std::int64_t source_id) {
  const parse::Payload& p = item.payload;
  const bool issue_event = parse::is_issue_event(p.effective_event());
  bool merged = false;
  store::Alert* alert = locate(p, issue_event, merged);
  const Seen seen = seen_before(item, alert, issue_event);
  const rules::Current current = alert != nullptr
                                     ? rules::Current{alert->state, alert->updated_at}
                                     : rules::Current{rules::State::open, std::nullopt};
  const rules::Decision d =
      rules::decide(p, alert != nullptr ? &current : nullptr, seen != Seen::no, mapping_);
  warnings_.clear();
  if (rules::is_applied(d.action) && !d.priority_mapped) warn_unmapped(p, d, path, item.line);
  rules::Outcome outcome;
  alert = change(item, alert, d, outcome);
  log(item, source_id, alert, d, outcome.summary);
  // Two histories joined: the episodes and reopens follow from the whole, in event time.
  if (merged) store_.rederive_episodes(*alert);
  count(d.action);
  if (writer_) record(item, path, alert, d, seen == Seen::same_delivery);
}

}  // namespace jira_alerts::replay
