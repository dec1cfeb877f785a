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

// The project of KEY when the payload names none: the part before the last '-'.
std::optional<std::string> project_of_key(std::string_view key) {
  const auto dash = key.rfind('-');
  if (dash == std::string_view::npos || dash == 0) return std::nullopt;
  return std::string(key.substr(0, dash));
}

// Gives alert A the payload's key; its project follows unless the payload names one.
void rename(store::Store& store, store::Alert& a, const parse::Payload& p) {
  a.project =
      p.project.present ? std::optional(std::string(p.project.value)) : project_of_key(p.key.value);
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

// Sets DST to TEXT, reusing DST's buffer: alerts change a little with every payload.
void assign(std::optional<std::string>& dst, std::string_view text) {
  if (dst)
    dst->assign(text);
  else
    dst.emplace(text);
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

void Replayer::apply(const Parsed& item, std::string_view path, std::int64_t source_id) {
  const parse::Payload& p = item.payload;
  const std::string_view event = p.effective_event();
  const bool issue_event = parse::is_issue_event(event);
  const std::optional<std::string_view> key = view(p.key);

  // Find the alert by the payload's key. A move (a Key changelog item) joins the old
  // key and the new one in one alert whenever it arrives, late or repeated included;
  // the alert goes by the key of its newest payload (see rename_if_newest), so that
  // no alert stays under a key that no longer exists, and a move there and back ends
  // under the key it came back to.
  store::Alert* alert = key ? store_.find(*key) : nullptr;
  bool merged = false;
  if (issue_event && p.moved_from.present && p.moved_from.value != p.key.value) {
    if (store::Alert* old = store_.find(p.moved_from.value); old != nullptr && old != alert) {
      if (alert == nullptr) {
        alert = old;
        if (!p.timestamp || !old->updated_at || *p.timestamp >= *old->updated_at)
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
  const bool found = alert != nullptr;
  // A payload newer than everything its alert has seen, under another of its keys
  // (the issue moved back), gives the alert that key.
  if (found && key && alert->fingerprint != *key && p.timestamp && alert->updated_at &&
      *p.timestamp > *alert->updated_at && issue_event)
    rename(store_, *alert, p);

  // An applied identity carries a timestamp no newer than the alert's newest, so a
  // newer payload cannot be a duplicate and needs no look-up.
  const std::uint64_t identity = item.identity;
  const bool may_repeat =
      !p.timestamp || (found && alert->updated_at && *p.timestamp <= *alert->updated_at);
  // A delivery id is checked whatever the timestamp: a retry keeps it even when a
  // rendered field of its body changed.
  const bool same_content = issue_event && found && may_repeat && alert->applied(identity);
  const bool same_delivery =
      issue_event && found && !same_content && item.delivery != 0 && alert->applied(item.delivery);
  const bool already = same_content || same_delivery;
  const rules::Current current = found ? rules::Current{alert->state, alert->updated_at}
                                       : rules::Current{rules::State::open, std::nullopt};
  const rules::Decision d = rules::decide(p, found ? &current : nullptr, already, mapping_);

  warnings_.clear();
  const std::optional<std::string_view> jira_priority =
      p.priority_form == parse::PriorityForm::named ? std::optional(p.priority) : std::nullopt;
  std::optional<std::string_view> changed_summary;

  if (rules::is_applied(d.action)) {
    if (!d.priority_mapped) warn_unmapped(p, d, path, item.line);
    const auto ts = p.timestamp;
    store::Alert fresh;
    store::Alert& a = found ? *alert : fresh;
    if (!found) a.fingerprint = *key;
    if (p.summary.present && (!a.summary || *a.summary != p.summary.value)) {
      assign(a.summary, p.summary.value);
      changed_summary = p.summary.value;
    }
    if (p.project.present)
      assign(a.project, p.project.value);
    else if (!a.project)
      a.project = project_of_key(*key);
    if (p.issue_id.present) assign(a.issue_id, p.issue_id.value);
    if (const std::string_view site = util::jira_site(p.self.value); !site.empty())
      assign(a.site, site);
    if (p.status.present) assign(a.status, p.status.value);
    if (jira_priority)
      assign(a.jira_priority, *jira_priority);
    else
      a.jira_priority.reset();
    a.priority = d.priority;
    a.state = d.state;
    if (ts && (!a.updated_at || *ts > *a.updated_at)) a.updated_at = ts;
    ++a.events;
    a.add_identity(identity);
    if (item.delivery != 0) a.add_identity(item.delivery);

    if (!found) {
      a.episode = 1;
      if (d.action == Action::open)
        a.opened_at = ts;
      else
        a.resolved_at = ts;  // first seen resolved: when it opened is unknown
      alert = store_.insert_alert(std::move(fresh));
      // The move came first: payloads under the old key must find this alert too.
      if (p.moved_from.present && p.moved_from.value != *key)
        store_.add_alias(p.moved_from.value, alert->id);
      store_.open_episode(alert->id, 1, alert->opened_at, d.priority);
      if (d.action == Action::resolve) store_.close_episode(alert->id, 1, ts, d.priority);
    } else {
      if (d.action == Action::resolve) {
        a.resolved_at = ts;
        store_.close_episode(a.id, a.episode, ts, d.priority);
      } else if (d.action == Action::reopen) {
        ++a.reopens;
        ++a.episode;
        a.opened_at = ts;
        a.resolved_at.reset();
        store_.open_episode(a.id, a.episode, ts, d.priority);
      }
      store_.update_alert(a);
    }
  } else if (d.action == Action::stale && alert != nullptr && p.summary.present &&
             (!alert->summary || *alert->summary != p.summary.value)) {
    // Kept so that 'alerts --at' knows the title a late payload would have set.
    changed_summary = p.summary.value;
  }

  std::string joined_warnings;
  for (const auto& w : warnings_) {
    if (!joined_warnings.empty()) joined_warnings += '\n';
    joined_warnings += w;
  }
  const bool has_alert = alert != nullptr;
  const std::optional<std::string_view> status = view(p.status);
  store_.log_event({
      .source_id = source_id,
      .line = item.line,
      .alert_id = has_alert ? std::optional(alert->id) : std::nullopt,
      .issue_key = key,
      .event = p.event.present || p.workflow_body ? std::optional(event) : std::nullopt,
      .timestamp = p.timestamp,
      .action = d.action,
      .rule = d.rule,
      .state = issue_event ? std::optional(d.state) : std::nullopt,
      .priority = issue_event ? std::optional(d.priority) : std::nullopt,
      .jira_priority = jira_priority,
      .status = status,
      .summary = changed_summary,
      .user = view(p.user),
      // A stale payload's identity too: 'alerts --at' applies it where it is not stale,
      // and must know its second delivery as a duplicate.
      .identity = rules::is_applied(d.action) || d.action == Action::stale ? std::optional(identity)
                                                                           : std::nullopt,
      .warnings =
          joined_warnings.empty() ? std::nullopt : std::optional<std::string_view>(joined_warnings),
  });
  // Two histories joined: the episodes and reopens follow from the whole, in event time.
  if (merged) store_.rederive_episodes(*alert);
  count(d.action);

  if (writer_) {
    reason_ = same_delivery ? "already applied to this alert (same delivery id): skipped"
                            : rules::reason_text(d.rule, d.action, p.status.value, event,
                                                 p.timestamp.has_value());
    report::DecisionRecord r;
    r.path = path;
    r.line = item.line;
    r.fingerprint = has_alert ? std::optional<std::string_view>(alert->fingerprint) : key;
    r.event = p.event.present || p.workflow_body ? std::optional(event) : std::nullopt;
    r.action = d.action;
    if (has_alert) {
      r.state = alert->state;
      r.priority = alert->priority;
    }
    r.jira_priority = jira_priority;
    r.status = status;
    r.summary = view(p.summary);
    if (has_alert) {
      r.project = view(alert->project);
      r.site = view(alert->site);
      r.title = view(alert->summary);
    }
    r.user = view(p.user);
    r.timestamp = p.timestamp;
    r.reason = reason_;
    r.warnings = &warnings_;
    writer_->write(r);
  }
}

}  // namespace jira_alerts::replay
