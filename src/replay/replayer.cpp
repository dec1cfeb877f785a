#include "replay/replayer.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <thread>

#include "read/input.hpp"

namespace jira_alerts::replay {

using rules::Action;

Replayer::Replayer(store::Store& store, std::vector<AlertSet> sets, Sink* sink, OnReject on_reject)
    : store_(store),
      sets_(std::move(sets)),
      sink_(sink),
      records_(sink != nullptr && sink->takes_records()),
      on_reject_(on_reject) {}

bool Replayer::scoped() const {
  return std::any_of(sets_.begin(), sets_.end(),
                     [](const AlertSet& set) { return set.mapping.scope() != nullptr; });
}

bool Replayer::replay(const std::vector<std::string>& files) {
  Reader reader(files, secret_, scoped());
  sources_.assign(files.size(), Source{});
  const bool batches = on_reject_ == OnReject::keep_going;
  // Only a run of files can be a bulk run: from a pipe that may never end, the reports'
  // indexes would stay dropped for as long as it runs.
  const bool all_files = std::all_of(files.begin(), files.end(), [](const std::string& f) {
    std::error_code ec;
    return f != read::stdin_name && std::filesystem::is_regular_file(f, ec);
  });
  const std::uint64_t bulk_at = all_files ? std::max(bulk_payloads, store_.log().newest_event_id())
                                          : std::numeric_limits<std::uint64_t>::max();
  const auto started = std::chrono::steady_clock::now();
  auto batch_started = started;
  for (;;) {
    Chunk* chunk = reader.try_next();
    if (chunk == nullptr && batches && batch_) {
      // The input is slow (a pipe): after a moment, commit what came so far rather
      // than hold the file locked while waiting.
      chunk = reader.next_for(idle_commit);
      if (chunk == nullptr) commit_batch(started);
    }
    // The write lock is taken only once there is something to apply.
    if (chunk == nullptr) chunk = reader.next();
    if (!batch_) {
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
        rollback();
        return false;
      }
    }
    const bool last = chunk->last;
    reader.release(chunk);
    if (last) return true;
    if (counts_.payloads >= bulk_at) store_.indexes().defer();
    // A batch (and --strict's one transaction, so that a rejection commits nothing)
    // may touch more alerts than the cache keeps: past its bound they are written
    // and let go within the transaction, as a commit would, so memory stays bounded.
    if (batches &&
        (in_batch_ >= batch_size || std::chrono::steady_clock::now() - batch_started > batch_time))
      commit_batch(started);
    else
      store_.trim_cache();
  }
}

bool Replayer::step(const Parsed& item, std::size_t file, const std::string& path) {
  Source& src = source(file, path);
  const std::string& shown = src.shown;
  counts_.bytes += item.size;
  if (item.kind == Parsed::Kind::rejected) {
    reject(item, shown, src.id);
    // An exported payload that still fails: the new rejection stands in for the old.
    for (const std::int64_t id : src.standing.exported) store_.rejects().drop_reject(id);
    src.standing.exported.clear();
    if (on_reject_ == OnReject::stop) return false;
  } else {
    apply(item, shown, src.id);
    replace_rejects(src, item);
  }
  ++in_batch_;
  if (sink_ && (counts_.payloads & 1023) == 0) sink_->progress(counts_);
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

void Replayer::open_batch() {
  if (batch_) return;
  batch_.emplace(store_);
  counts_at_batch_ = counts_;
  run_began_in_batch_ = false;
}

void Replayer::commit() {
  if (!batch_) return;
  batch_->commit();
  batch_.reset();
  in_batch_ = 0;
  for (auto& s : sources_) s.id = 0;
  if (sink_) sink_->flush();
  if (after_commit) after_commit();
}

void Replayer::rollback() {
  if (!batch_) return;
  batch_.reset();
  // What the batch counted and wrote is undone with it: the payloads are not applied
  // (record --apply takes them again from its capture), and a source row or the run's
  // row it inserted is gone, so every source is looked up again.
  counts_ = counts_at_batch_;
  in_batch_ = 0;
  for (auto& s : sources_) s = Source{};
  if (run_began_in_batch_) run_started_ = false;
}

void Replayer::begin_batch() {
  open_batch();
  if (!run_started_) {
    store_.log().begin_run(command_line);
    run_started_ = true;
    run_began_in_batch_ = true;
  }
}

void Replayer::commit_batch(std::chrono::steady_clock::time_point started) {
  batch_->commit();
  batch_.reset();
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
      src.stored = std::string(read::stdin_name) + "#" + std::to_string(store_.log().run_id());
    src.id = store_.log().source_id(src.stored);
    std::error_code ec;
    const auto absolute =
        standard_input ? std::filesystem::path() : std::filesystem::absolute(path, ec);
    src.standing = store_.rejects().standing_rejects(src.id, absolute.lexically_normal().string());
    for (const auto& r : src.standing.at) {
      src.reject_lines.insert(r.line);
      if (r.offset) src.reject_offsets.insert(*r.offset);
    }
  }
  if (src.id == 0) src.id = store_.log().source_id(src.stored);
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
      store_.rejects().drop_reject(at[i].id);
      at[i] = at.back();
      at.pop_back();
    } else {
      ++i;
    }
  }
  for (const std::int64_t id : src.standing.exported) store_.rejects().drop_reject(id);
  src.standing.exported.clear();
}

void Replayer::finish() {
  if (!batch_) begin_batch();
  store_.log().finish_run(counts_.payloads, counts_.of(Action::reject));
  batch_->commit();
  batch_.reset();
  if (after_commit) after_commit();
  // After the payloads are committed: a failure to build them (a full disk) loses none.
  store_.indexes().build();
  // After a large run the main file should hold everything by itself again.
  if (counts_.payloads >= checkpoint_after) store_.checkpoint();
  if (sink_) sink_->flush();
}

void Replayer::count(Action action) {
  ++counts_.by_action[static_cast<std::size_t>(action)];
}

void Replayer::reject(const Parsed& item, std::string_view path, std::int64_t source_id) {
  ++counts_.payloads;
  count(Action::reject);
  store_.rejects().log_reject({source_id, item.line, item.column, item.offset, item.error_line,
                               item.error_column, item.reason, item.size, item.raw},
                              store_.log().run_id());
  if (!sink_) return;
  sink_->rejected({path, item.error_line, item.error_column, item.reason});
  if (records_) {
    DecisionRecord r;
    r.path = path;
    r.line = item.error_line;
    r.column = item.error_column;
    r.action = Action::reject;
    r.reason = item.reason;
    sink_->write(r);
  }
}

}  // namespace jira_alerts::replay
