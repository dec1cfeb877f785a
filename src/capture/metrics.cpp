#include "capture/metrics.hpp"

#include <cstdio>

namespace jira_alerts::capture {

void Metrics::delivery(Outcome outcome, std::uint64_t bytes) {
  deliveries_[static_cast<std::size_t>(outcome)].fetch_add(1, std::memory_order_relaxed);
  if (outcome == Outcome::recorded) bytes_.fetch_add(bytes, std::memory_order_relaxed);
}

void Metrics::fsync(std::chrono::duration<double> took) {
  for (std::size_t i = 0; i < fsync_buckets.size(); ++i)
    if (took.count() <= fsync_buckets[i]) fsync_le_[i].fetch_add(1, std::memory_order_relaxed);
  fsync_count_.fetch_add(1, std::memory_order_relaxed);
  fsync_micros_.fetch_add(static_cast<std::uint64_t>(took.count() * 1e6),
                          std::memory_order_relaxed);
}

void Metrics::applied(std::uint64_t payloads) {
  applied_.fetch_add(payloads, std::memory_order_relaxed);
}

void Metrics::open_alerts(const std::array<std::int64_t, 4>& by_priority) {
  for (std::size_t i = 0; i < open_.size(); ++i)
    open_[i].store(by_priority[i], std::memory_order_relaxed);
}

void Metrics::pushed(const forward::PushReport& report) {
  std::lock_guard lock(push_mutex_);
  for (const auto& t : report.targets) {
    Pushed& p = pushed_[t.name];
    p.acknowledged += t.sent;
    p.outbox = t.not_delivered;
  }
}

namespace {

// Appends one metric's HELP and TYPE lines.
void header(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

// Appends NAME{LABELS} VALUE.
void sample(std::string& out, const std::string& name, const std::string& value) {
  out += name + " " + value + "\n";
}

// VALUE escaped as a label value: backslash, double quote and line feed.
std::string label(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string seconds(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

}  // namespace

std::string Metrics::render(bool apply) const {
  static constexpr std::array<const char*, 5> results{"recorded", "unauthorized", "too_large",
                                                      "cut_short", "failed"};
  static_assert(results.size() == static_cast<std::size_t>(Outcome::count_));
  static constexpr std::array<const char*, 4> levels{"CRITICAL", "HIGH", "MEDIUM", "LOW"};
  std::string out;
  header(out, "jira_alerts_deliveries_total", "counter",
         "Webhook deliveries received, by how they were answered.");
  for (std::size_t i = 0; i < results.size(); ++i)
    sample(out, std::string("jira_alerts_deliveries_total{result=\"") + results[i] + "\"}",
           std::to_string(deliveries_[i].load()));
  header(out, "jira_alerts_recorded_bytes_total", "counter",
         "Body bytes of the recorded deliveries.");
  sample(out, "jira_alerts_recorded_bytes_total", std::to_string(bytes_.load()));
  header(out, "jira_alerts_capture_fsync_seconds", "histogram",
         "Time each group commit's fsync took.");
  for (std::size_t i = 0; i < fsync_buckets.size(); ++i)
    sample(out,
           "jira_alerts_capture_fsync_seconds_bucket{le=\"" + seconds(fsync_buckets[i]) + "\"}",
           std::to_string(fsync_le_[i].load()));
  const std::string count = std::to_string(fsync_count_.load());
  sample(out, "jira_alerts_capture_fsync_seconds_bucket{le=\"+Inf\"}", count);
  sample(out, "jira_alerts_capture_fsync_seconds_sum",
         seconds(static_cast<double>(fsync_micros_.load()) / 1e6));
  sample(out, "jira_alerts_capture_fsync_seconds_count", count);
  if (!apply) return out;
  header(out, "jira_alerts_applied_total", "counter", "Payloads applied to the state file.");
  sample(out, "jira_alerts_applied_total", std::to_string(applied_.load()));
  header(out, "jira_alerts_open_alerts", "gauge", "Open alerts in the state file, by priority.");
  for (std::size_t i = 0; i < levels.size(); ++i)
    sample(out, std::string("jira_alerts_open_alerts{priority=\"") + levels[i] + "\"}",
           std::to_string(open_[i].load()));
  std::lock_guard lock(push_mutex_);
  if (pushed_.empty()) return out;
  header(out, "jira_alerts_push_acknowledged_total", "counter",
         "Requests a push target acknowledged, by target.");
  for (const auto& [target, p] : pushed_)
    sample(out, "jira_alerts_push_acknowledged_total{target=\"" + label(target) + "\"}",
           std::to_string(p.acknowledged));
  header(out, "jira_alerts_push_outbox", "gauge",
         "Changes a push target has not acknowledged after the last round, by target.");
  for (const auto& [target, p] : pushed_)
    sample(out, "jira_alerts_push_outbox{target=\"" + label(target) + "\"}",
           std::to_string(p.outbox));
  return out;
}

}  // namespace jira_alerts::capture
