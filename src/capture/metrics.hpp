#pragma once
// The receiver's counters, shown at GET /metrics in Prometheus text format.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "forward/push.hpp"

namespace jira_alerts::capture {

// How a delivery was answered.
enum class Outcome : std::uint8_t {
  recorded,      // 204: durable in the capture
  unauthorized,  // 401: missing or wrong signature
  too_large,     // 413: larger than --max-body
  cut_short,     // 400: the body ended before its length (the connection closed, a timeout)
  failed,        // 503: the capture could not be written
  count_,
};

class Metrics {
 public:
  // Upper bounds of the fsync latency histogram, in seconds.
  static constexpr std::array<double, 12> fsync_buckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                        0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

  void delivery(Outcome outcome, std::uint64_t bytes);
  void fsync(std::chrono::duration<double> took);
  // With --apply: payloads applied ...
  void applied(std::uint64_t payloads);
  // ... and the open alerts per priority (CRITICAL..LOW).
  void open_alerts(const std::array<std::int64_t, 4>& by_priority);

  // With --push: what a round acknowledged and left in the outbox, per target.
  void pushed(const forward::PushReport& report);

  // Everything, in Prometheus text exposition format 0.0.4.
  std::string render(bool apply) const;

 private:
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(Outcome::count_)> deliveries_{};
  std::atomic<std::uint64_t> bytes_{0};
  std::array<std::atomic<std::uint64_t>, fsync_buckets.size()> fsync_le_{};
  std::atomic<std::uint64_t> fsync_count_{0};
  std::atomic<std::uint64_t> fsync_micros_{0};
  std::atomic<std::uint64_t> applied_{0};
  std::array<std::atomic<std::int64_t>, 4> open_{};
  struct Pushed {
    std::uint64_t acknowledged = 0;  // requests, since the start
    std::uint64_t outbox = 0;        // changes left after the last round
  };
  mutable std::mutex push_mutex_;
  std::map<std::string, Pushed> pushed_;  // by target
};

}  // namespace jira_alerts::capture
