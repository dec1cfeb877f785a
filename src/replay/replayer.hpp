#pragma once
// The replay: frames → extracted payloads → decisions → state file → decision records,
// one payload at a time, in input order.

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "replay/reader.hpp"
#include "replay/sink.hpp"
#include "rules/mapping.hpp"
#include "rules/transition.hpp"
#include "store/store.hpp"

namespace jira_alerts::replay {

// One source a replay decides for: its alerts (by id), its scope and mapping, and the
// record URL path that feeds it.
struct AlertSet {
  std::int64_t id = 1;
  std::string name;
  std::optional<std::string> path;
  rules::Mapping mapping;  // its scope too
};

// The one source of a file that no config divides, deciding with MAPPING.
inline std::vector<AlertSet> default_sets(const rules::Mapping& mapping) {
  std::vector<AlertSet> sets(1);
  sets.front().name = "jira";
  sets.front().mapping = mapping;
  return sets;
}

// Whether the first rejected payload ends the run (--strict).
enum class OnReject : std::uint8_t { keep_going, stop };

// Applies payloads to a store and tells its sink what each did.
class Replayer {
 public:
  // Payloads per write transaction: a kill loses at most this many, never correctness.
  static constexpr std::uint64_t batch_size = 50'000;
  // ... or this much time, whichever comes first.
  static constexpr std::chrono::milliseconds batch_time{1000};
  // A batch is committed once the input has had nothing for this long (a slow pipe).
  static constexpr std::chrono::milliseconds idle_commit{20};
  // A run of this many payloads or more folds the WAL into the file when it ends.
  static constexpr std::uint64_t checkpoint_after = 10'000;
  // A bulk run (one of regular files that has replayed this many payloads, and at least as
  // many as the event log held when it began) builds the reports' indexes once at its end
  // instead of entry by entry (store::DeferredIndexes).
  std::uint64_t bulk_payloads = 1'000;

  // SINK (none: nothing is told) receives the decision records, rejections, warnings
  // and progress. Each payload is decided for every one of SETS (at least one) whose
  // scope its issue matches.
  Replayer(store::Store& store, std::vector<AlertSet> sets, Sink* sink, OnReject on_reject);

  // Replays every payload of FILES ("-" for standard input) in order, reading on a
  // second thread. False when a rejection stopped the run (OnReject::stop): its batch
  // is rolled back.
  // Throws Error when an input cannot be read; what came before it is applied.
  bool replay(const std::vector<std::string>& files);

  // From now on every payload must come in an envelope signed with SECRET (--secret-file).
  void require_signatures(std::string secret) { secret_ = std::move(secret); }

  // Opens a batch (one write transaction) for take(), unless one is open.
  void open_batch();
  bool in_batch() const { return batch_.has_value(); }
  // Applies ITEM, read from the file PATH, in the open batch: the step a live delivery
  // takes (record --apply), the same as a replayed payload's.
  void take(const Parsed& item, const std::string& path);
  // Commits the open batch of take()n payloads.
  void commit();
  // Rolls the open batch back (also done when the Replayer is destroyed with one open),
  // and its payloads out of counts().
  void rollback();

  // Records the run's totals and commits the last batch; then builds the indexes a bulk
  // run dropped (store::DeferredIndexes::build).
  void finish();

  // The command line, for the run's row in the runs table (written with the first batch).
  std::string command_line;
  // Called after each batch commits: the place to print its decision records.
  std::function<void()> after_commit;

  const Counts& counts() const { return counts_; }
  // The sources it decides for: their mappings may be replaced between batches.
  std::vector<AlertSet>& sets() { return sets_; }
  // Does a source have a scope (the reader must read what a scope reads)?
  bool scoped() const;

  // The name standard input goes by (--label): in messages, decision records and as
  // its source in the state file. Without one, standard input is shown as "-" and
  // stored as "-#RUN" (the run's id), a source of its own in every run.
  std::string stdin_label;

  // The paths of the sources it does not decide for (--source left them out), and the
  // names of those sources: a delivery recorded at one is told whose path it came to.
  std::map<std::string, std::string, std::less<>> left_out_paths;

 private:
  // What the replay knows of one input file.
  struct Source {
    std::int64_t id = 0;  // interned per transaction: 0 until looked up in this one
    bool checked = false;
    std::string shown;   // the name in messages and decision records
    std::string stored;  // the name in the state file's sources
    store::StandingRejects standing;
    // The lines and offsets where STANDING's rejects start: most payloads are at none.
    std::unordered_set<std::uint64_t> reject_lines, reject_offsets;
  };
  Source& source(std::size_t file, const std::string& path);
  bool step(const Parsed& item, std::size_t file, const std::string& path);
  void replace_rejects(Source& source, const Parsed& item);
  void reject(const Parsed& item, std::string_view path, std::int64_t source_id);
  void begin_batch();
  void commit_batch(std::chrono::steady_clock::time_point started);
  void apply(const Parsed& item, std::string_view path, std::int64_t source_id);
  // Whether a payload was applied to its alert before.
  enum class Seen : std::uint8_t { no, same_content, same_delivery };
  store::Alert* locate(const parse::Payload& p, bool issue_event, bool& merged);
  static Seen seen_before(const Parsed& item, const store::Alert* alert, bool issue_event);
  store::Alert* change(const Parsed& item, store::Alert* alert, const rules::Decision& d,
                       rules::Outcome& outcome);
  void log(const Parsed& item, std::int64_t source_id, const store::Alert* alert, bool created,
           const rules::Decision& d, std::optional<std::string_view> summary);
  void record(const Parsed& item, std::string_view path, const store::Alert* alert,
              const rules::Decision& d, std::string_view told);
  void warn_unmapped(const parse::Payload& p, const rules::Decision& d, std::string_view path,
                     std::uint64_t line);
  void count(rules::Action action);

  void apply_to(const AlertSet& set, const Parsed& item, std::string_view path,
                std::int64_t source_id);
  void log_outside(const Parsed& item, std::string_view path, std::int64_t source_id, bool by_path);
  std::string route_text(const std::string& route) const;
  bool has_alert(const AlertSet& set, const parse::Payload& p);

  store::Store& store_;
  std::vector<AlertSet> sets_;
  const AlertSet* set_ = nullptr;  // the one apply_to() works for
  Sink* sink_;
  bool records_;  // the sink takes decision records
  OnReject on_reject_;
  std::vector<std::string> warnings_;
  std::string reason_;
  std::string joined_warnings_;
  std::unordered_set<std::string> warned_priorities_;
  std::unordered_set<std::string> warned_routes_;  // paths warned of (log_outside)
  bool warned_unnamed_ = false;  // a priority object without a name, warned about once
  std::vector<Source> sources_;
  Counts counts_;
  Counts counts_at_batch_;  // as the batch in flight began: what rollback() restores
  std::uint64_t in_batch_ = 0;
  std::optional<store::Batch> batch_;  // the write transaction in flight
  bool run_started_ = false;
  bool run_began_in_batch_ = false;  // the run's row is the batch in flight's
  std::optional<std::string> secret_;
  std::vector<std::string> live_paths_;  // take()'s files, by their index in sources_
};

}  // namespace jira_alerts::replay
