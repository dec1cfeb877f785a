#include "cli/progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "read/input.hpp"

namespace jira_alerts::cli {
namespace {

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && ci[0] != '\0';
}

// The bytes of FILES, when every one is an uncompressed regular file.
std::optional<std::uint64_t> total_size(const std::vector<std::string>& files) {
  std::uint64_t total = 0;
  for (const auto& file : files) {
    std::error_code ec;
    const std::filesystem::path path(file);
    if (file == read::stdin_name || !std::filesystem::is_regular_file(path, ec)) return {};
    const std::string ext = path.extension().string();
    if (ext == ".gz" || ext == ".xz" || ext == ".zst" || ext == ".bz2") return {};
    total += std::filesystem::file_size(path, ec);
    if (ec) return {};
  }
  return total;
}

}  // namespace

std::string progress_line(const replay::Counts& c, double seconds,
                          std::optional<std::uint64_t> total) {
  const double rate = seconds > 0 ? static_cast<double>(c.payloads) / seconds : 0.0;
  char buf[160];
  int n = std::snprintf(buf, sizeof buf, "jira-alerts: %llu payloads, %.1f MB, %.0f payloads/s",
                        static_cast<unsigned long long>(c.payloads),
                        static_cast<double>(c.bytes) / 1e6, rate);
  if (total && *total > 0 && c.bytes <= *total && c.bytes > 0) {
    const double done = static_cast<double>(c.bytes) / static_cast<double>(*total);
    const auto eta = static_cast<long long>(seconds / done - seconds + 0.5);
    std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), ", %.0f%%, ETA %lld:%02lld",
                  done * 100.0, eta / 60, eta % 60);
  }
  return buf;
}

Progress::Progress(const std::vector<std::string>& files, bool quiet)
    : enabled_(!quiet && !in_ci() && isatty(STDERR_FILENO) != 0),
      started_(std::chrono::steady_clock::now()),
      last_(started_) {
  if (enabled_) total_bytes_ = total_size(files);
}

void Progress::update(const replay::Counts& counts) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  const double seconds = std::chrono::duration<double>(now - started_).count();
  std::fprintf(stderr, "\r\033[K%s", progress_line(counts, seconds, total_bytes_).c_str());
  std::fflush(stderr);
  shown_ = true;
}

void Progress::clear() {
  if (!shown_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace jira_alerts::cli
