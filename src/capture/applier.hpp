#pragma once
// record --apply: the capture log applied to the state file through the replay's own
// path (unpack → extract → decide → store). How far each capture file was applied
// is kept in the state file's meta table, committed with what it applied, so that a
// restart after a crash applies exactly the lines that are missing.

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "capture/log.hpp"
#include "capture/metrics.hpp"
#include "parse/scope.hpp"
#include "parse/unpack.hpp"
#include "replay/replayer.hpp"
#include "rules/mapping.hpp"
#include "store/store.hpp"

namespace jira_alerts::capture {

// A sink that holds the rejections and warnings of the batch in flight until it commits
// (flush()): a batch the state file refuses is applied again, and its rejections would be
// told twice. Warnings outlive a rolled-back batch, as the replay tells each kind once.
class HeldNotices : public replay::Sink {
 public:
  explicit HeldNotices(replay::Sink* out) : out_(out) {}
  void write(const replay::DecisionRecord& record) override {
    if (out_) out_->write(record);
  }
  void flush() override;
  void rejected(const replay::Notice& notice) override { hold(true, notice); }
  void warning(const replay::Notice& notice) override { hold(false, notice); }
  void progress(const replay::Counts& counts) override {
    if (out_) out_->progress(counts);
  }
  bool takes_records() const override { return out_ != nullptr && out_->takes_records(); }
  // The batch was rolled back: its rejections are told when it is applied again.
  void drop_rejections();

 private:
  struct Held {
    bool rejection;
    std::string path, text;
    std::uint64_t line;
    std::optional<std::uint64_t> column;
  };
  void hold(bool rejection, const replay::Notice& notice);

  replay::Sink* out_;
  std::vector<Held> held_;
};

// One committed batch of capture lines: what a hook after it may act on.
struct AppliedBatch {
  std::uint64_t payloads;        // applied in this batch
  const replay::Counts& counts;  // every action so far in this run
};

class Applier {
 public:
  // A write transaction holds at most this many lines ...
  static constexpr std::uint64_t batch_lines = 2000;
  // ... and is committed once no delivery came for this long, or it is this old: under
  // load one commit serves many fsync groups, and the state is never far behind.
  static constexpr std::chrono::milliseconds idle_commit{20};
  static constexpr std::chrono::milliseconds batch_time{250};
  // The open alerts by priority (a count over the state file, for /metrics) are counted
  // after a commit once nothing more came, and at most this often while deliveries come.
  static constexpr std::chrono::seconds count_every{1};
  // A batch the state file refused is tried again after retry_first, then after twice
  // as long each time it is refused again, up to retry_most, or with the next delivery,
  // whichever comes first: a quiet hook's last deliveries do not wait for another.
  std::chrono::milliseconds retry_first{1000};
  static constexpr std::chrono::milliseconds retry_most{30000};

  // SINK (none: nothing is told) hears of rejections and warnings, as in a replay.
  Applier(store::Store& store, std::vector<replay::AlertSet> sets, std::string dir,
          std::string_view command_line, Metrics* metrics, replay::Sink* sink);
  ~Applier();
  Applier(const Applier&) = delete;
  Applier& operator=(const Applier&) = delete;

  // Applies the lines of every capture file in DIR not applied yet, on this thread.
  void catch_up();
  // From now on applies what notify() reports, on a thread of its own.
  void start();
  // The log's hook: DURABLE.path is on disk up to DURABLE.end.
  void notify(const Durable& durable);
  // Applies what was reported, stops the thread and closes the run.
  void stop();

  const replay::Counts& counts() const { return replayer_.counts(); }
  // The sources it decides for: their mappings may be replaced in before_batch.
  std::vector<replay::AlertSet>& sets() { return replayer_.sets(); }
  // The paths of the sources --source left out (Replayer::left_out_paths).
  void set_left_out_paths(std::map<std::string, std::string, std::less<>> paths) {
    replayer_.left_out_paths = std::move(paths);
  }

  // Called after each batch commits, on the applying thread (e.g. to push what changed).
  std::function<void(const AppliedBatch&)> on_applied;
  // Called on the applier's thread before a batch opens: another command may have
  // changed the state file's settings (rebuild, --remap) meanwhile.
  std::function<void()> before_batch;

  // The meta key that records how far PATH was applied: "offset line".
  static std::string progress_key(const std::string& path);

 private:
  void run();
  // Applies what WORK reports (and what a refused batch held, when WORK is not empty or
  // AGAIN: its retry is due, or the applier stops), after committing the open batch if
  // it is due.
  void apply(std::map<std::string, std::uint64_t> work, bool again);
  // Runs STEP; an exception rolls the open batch back and is told on standard error
  // (naming CAPTURE, the capture file STEP reads, or else the state file), and every
  // capture file is applied again with the next delivery or once the retry is due.
  // Returns whether STEP ended.
  bool attempt(const std::string& capture, const std::function<void()>& step);
  void apply_file(const std::string& path, std::uint64_t end);
  // Commits the open batch; IDLE: no delivery is waiting (the moment to count).
  void commit(bool idle = false);
  std::array<std::int64_t, 4> open_by_priority();

  store::Store& store_;
  std::string dir_;
  Metrics* metrics_;
  HeldNotices notices_;  // the sink, told of a batch's notices once it commits
  replay::Replayer replayer_;
  parse::Unpacker unpacker_;
  parse::ScopeReader scope_;
  bool scoped_ = false;  // a source has a scope: payloads carry the fields it reads
  replay::Parsed item_;
  std::uint64_t committed_payloads_ = 0;
  std::uint64_t lines_in_batch_ = 0;
  std::chrono::steady_clock::time_point batch_opened_, counted_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::uint64_t> durable_;  // by path: durable up to this offset
  // On the applier's thread: every capture file it was told of (by path, to where), and
  // those to apply again after a refused batch.
  std::map<std::string, std::uint64_t> notified_, retry_;
  std::chrono::milliseconds retry_wait_{0};  // after the last refusal; 0 once one commits
  std::chrono::steady_clock::time_point retry_at_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace jira_alerts::capture
