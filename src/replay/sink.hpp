#pragma once
// What a replay tells as it goes: a decision record per payload, rejections and warnings
// for the person running it, and its counts for a progress line. The replay never prints;
// report/ (and forward/) implement the sink, and the command line wires one in.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/decide.hpp"

namespace jira_alerts::replay {

// Counts of each action over a run (a payload decided for several sources counts once
// per source there, once in PAYLOADS).
struct Counts {
  std::array<std::uint64_t, 8> by_action{};
  std::uint64_t payloads = 0;
  std::uint64_t bytes = 0;

  std::uint64_t of(rules::Action a) const { return by_action[static_cast<std::size_t>(a)]; }
};

// What a replay records for one payload (SPEC §5).
struct DecisionRecord {
  std::optional<std::string_view> source;  // the source's name, when a replay feeds several
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

// Something about one payload, for the person running the replay: where, and what.
struct Notice {
  std::string_view path;
  std::uint64_t line = 0;
  std::optional<std::uint64_t> column;
  std::string_view text;
};

// Where a replay hands what it has to tell. Only write() must be implemented.
class Sink {
 public:
  virtual ~Sink() = default;
  // One payload's decision record, a rejected payload's too. It may be held back: the
  // batch it belongs to is not committed yet.
  virtual void write(const DecisionRecord& record) = 0;
  // The records handed so far belong to committed batches: write them out.
  virtual void flush() {}
  // A payload was rejected: where it went wrong, and why.
  virtual void rejected(const Notice& /*notice*/) {}
  // A payload was applied, with a warning (e.g. an unmapped priority). Each kind of
  // warning is told once per run and name; the decision records carry every one.
  virtual void warning(const Notice& /*notice*/) {}
  // The counts so far, every 1024 payloads.
  virtual void progress(const Counts& /*counts*/) {}
  // Does anything read the decision records? When not, the replay builds none.
  virtual bool takes_records() const { return true; }
};

}  // namespace jira_alerts::replay
