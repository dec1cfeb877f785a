#include "capture/log.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "util/error.hpp"

namespace jira_alerts::capture {
namespace {

bool fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// A file cut short by a crash ends in a line that was never answered with a 2xx (it
// was not durable): cut it off, so that the next line starts on a line of its own.
std::uint64_t drop_torn_tail(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) return 0;
  auto end = static_cast<std::uint64_t>(st.st_size);
  char block[4096];
  std::uint64_t keep = end;
  while (keep > 0) {
    const std::uint64_t from = keep > sizeof block ? keep - sizeof block : 0;
    const auto n = ::pread(fd, block, keep - from, static_cast<off_t>(from));
    if (n <= 0) return end;
    std::uint64_t i = static_cast<std::uint64_t>(n);
    while (i > 0 && block[i - 1] != '\n') --i;
    if (i > 0) {
      keep = from + i;
      break;
    }
    keep = from;
  }
  if (keep != end && ::ftruncate(fd, static_cast<off_t>(keep)) == 0 && ::fsync(fd) == 0) {
    std::fprintf(stderr,
                 "jira-alerts: record: dropped an unfinished line at the end of a capture "
                 "file (%llu bytes, never acknowledged)\n",
                 static_cast<unsigned long long>(end - keep));
    return keep;
  }
  return end;
}

}  // namespace

CaptureLog::CaptureLog(std::string dir) : dir_(std::move(dir)) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) throw Error("--out: cannot create '" + dir_ + "': " + ec.message());
  const std::string lock = (std::filesystem::path(dir_) / ".record.lock").string();
  lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) throw Error("--out: cannot write to '" + dir_ + "': " + std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd_);
    throw Error("--out: another 'jira-alerts record' is writing to '" + dir_ + "'");
  }
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "jira-alerts-wr");
    run();
  });
}

CaptureLog::~CaptureLog() {
  stop();
  close_file();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::string CaptureLog::file_for(util::Millis at) const {
  const std::string day = util::format_iso8601(at).substr(0, 10);
  return (std::filesystem::path(dir_) / (day + ".ndjson")).string();
}

bool CaptureLog::append(std::string_view line, const std::string& file) {
  const auto p = std::make_shared<Pending>();
  p->line = line;
  p->file = &file;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    queue_.push_back(p);
    queued_.notify_one();
  }
  std::unique_lock lock(p->mutex);
  p->answered.wait(lock, [&] { return p->done; });
  return p->ok;
}

void CaptureLog::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queued_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void CaptureLog::run() {
  Batch batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      queued_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;
      batch.swap(queue_);
    }
    // The lines of one file go in one write and one fsync; a batch that spans
    // midnight takes two.
    while (!batch.empty()) {
      const std::string& file = *batch.front()->file;
      std::size_t count = 0;
      while (count < batch.size() && *batch[count]->file == file) ++count;
      const bool ok = write_batch(file, batch, count);
      for (std::size_t i = 0; i < count; ++i) {
        Pending& p = *batch.front();
        {
          std::lock_guard lock(p.mutex);
          p.ok = ok;
          p.done = true;
        }
        p.answered.notify_one();
        batch.pop_front();  // the appender's own reference keeps P until it has woken
      }
    }
  }
}

bool CaptureLog::open_file(const std::string& file) {
  if (fd_ >= 0 && open_path_ == file) return true;
  close_file();
  const bool existed = ::access(file.c_str(), F_OK) == 0;
  // Read-write: an unfinished last line must be found before it can be cut off.
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    std::fprintf(stderr, "jira-alerts: record: cannot open '%s': %s\n", file.c_str(),
                 std::strerror(errno));
    return false;
  }
  // A new file's name must be durable too, before its first line is acknowledged.
  if (!existed && !fsync_dir(dir_)) {
    std::fprintf(stderr, "jira-alerts: record: cannot fsync '%s': %s\n", dir_.c_str(),
                 std::strerror(errno));
    close_file();
    return false;
  }
  size_ = drop_torn_tail(fd_);
  open_path_ = file;
  return true;
}

void CaptureLog::close_file() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  open_path_.clear();
}

bool CaptureLog::write_batch(const std::string& file, Batch& batch, std::size_t count) {
  if (!open_file(file)) return false;
  buffer_.clear();
  for (std::size_t i = 0; i < count; ++i) {
    buffer_.append(batch[i]->line);
    buffer_.push_back('\n');
  }
  const auto started = std::chrono::steady_clock::now();
  if (!write_all(fd_, buffer_.data(), buffer_.size()) || ::fdatasync(fd_) != 0) {
    const int error = errno;
    std::fprintf(stderr, "jira-alerts: record: cannot write '%s': %s (answered 503)\n",
                 file.c_str(), std::strerror(error));
    // Nothing of a failed batch may stay: its deliveries were not acknowledged.
    if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) close_file();
    return false;
  }
  if (on_fsync) on_fsync(std::chrono::steady_clock::now() - started);
  size_ += buffer_.size();
  if (on_durable) on_durable({file, size_});
  return true;
}

}  // namespace jira_alerts::capture
