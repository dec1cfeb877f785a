#pragma once
// The capture log: one envelope a line in DIR/YYYY-MM-DD.ndjson (UTC day of receipt),
// appended by one writer thread that makes each batch durable with one fsync
// (group commit), so that concurrent deliveries share fsyncs.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "util/time.hpp"

namespace jira_alerts::capture {

// A file of the log made durable up to END bytes (complete lines only).
struct Durable {
  std::string path;
  std::uint64_t end = 0;
};

class CaptureLog {
 public:
  // Creates DIR if needed and takes its lock (one writer per directory).
  // Throws Error when DIR cannot be used or another process records into it.
  explicit CaptureLog(std::string dir);
  ~CaptureLog();
  CaptureLog(const CaptureLog&) = delete;
  CaptureLog& operator=(const CaptureLog&) = delete;

  // The file that holds deliveries received at AT: DIR/YYYY-MM-DD.ndjson (UTC).
  std::string file_for(util::Millis at) const;

  // Appends LINE (one envelope, without its newline) to FILE and waits until it is
  // durable. False when writing or fsyncing failed: then nothing of it stays in FILE.
  bool append(std::string_view line, const std::string& file);

  // Writes what is queued, fsyncs it and stops the writer; append() fails after it.
  void stop();

  // Called on the writer thread after each durable batch, before the appenders are
  // answered (the --apply hook).
  std::function<void(const Durable&)> on_durable;
  // Called on the writer thread with each fsync's duration, for the metrics.
  std::function<void(std::chrono::duration<double>)> on_fsync;

  const std::string& dir() const { return dir_; }

 private:
  // One appender's line, shared with the writer until it is answered: the writer wakes
  // that appender alone (no herd on the log's mutex), and holds its reference while it
  // does. A mutex and condition variable of its own, not an atomic wait: libstdc++ waits
  // on an atomic<bool> through a shared table (a notify wakes the other waiters hashed
  // there too) and spins with sched_yield first, which cost a quarter of record's CPU.
  struct Pending {
    std::string_view line;
    const std::string* file;
    bool ok = false;
    bool done = false;
    std::mutex mutex;
    std::condition_variable answered;
  };
  using Batch = std::deque<std::shared_ptr<Pending>>;
  void run();
  bool write_batch(const std::string& file, Batch& batch, std::size_t count);
  bool open_file(const std::string& file);
  void close_file();

  std::string dir_;
  int lock_fd_ = -1;
  int fd_ = -1;  // the file being appended to
  std::string open_path_;
  std::uint64_t size_ = 0;  // its size: a failed batch is cut back to it
  std::string buffer_;
  std::mutex mutex_;
  std::condition_variable queued_;
  Batch queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace jira_alerts::capture
