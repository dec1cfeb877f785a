#include "forward/pusher.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>
#include <mutex>

#include "store/sources.hpp"
#include "store/store.hpp"

namespace jira_alerts::forward {

namespace {

// One descriptor per state file for the life of the process, never closed: closing any
// descriptor of a file drops every POSIX lock the process holds on it, SQLite's own
// included (its connections' shared locks), which would let another process delete
// the WAL under them.
int lock_descriptor(const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, int> descriptors;
  std::lock_guard lock(mutex);
  const auto found = descriptors.find(path);
  if (found != descriptors.end()) return found->second;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) descriptors.emplace(path, fd);
  return fd;
}

}  // namespace

PushLock::PushLock(const std::string& path) : fd_(lock_descriptor(path)) {
  if (fd_ >= 0) ::flock(fd_, LOCK_EX);
}

PushLock::~PushLock() {
  if (fd_ >= 0) ::flock(fd_, LOCK_UN);
}

Pusher::Pusher(std::string db_path, std::vector<Target> targets, Secrets secrets, Timing timing)
    : db_path_(std::move(db_path)),
      targets_(std::move(targets)),
      secrets_(std::move(secrets)),
      timing_(timing) {}

Pusher::~Pusher() {
  stop();
}

void Pusher::start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "jira-alerts-pu");
    run();
  });
}

void Pusher::notify() {
  std::lock_guard lock(mutex_);
  dirty_ = true;
  wake_.notify_one();
}

void Pusher::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    cut_ = (Clock::now() + timing_.last_round).time_since_epoch().count();
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void Pusher::run() {
  const bool resends = std::any_of(targets_.begin(), targets_.end(), [](const Target& t) {
    return t.platform == Platform::alertmanager;
  });
  milliseconds retry{0};
  for (;;) {
    bool last = false;
    {
      std::unique_lock lock(mutex_);
      // After a failed round the next one waits out its backoff, whatever arrives.
      const auto until = Clock::now() + (retry.count() > 0 ? retry : timing_.resend);
      if (retry.count() > 0) {
        wake_.wait_until(lock, until, [&] { return stopping_; });
      } else if (resends) {
        wake_.wait_until(lock, until, [&] { return dirty_ || stopping_; });
      } else {
        wake_.wait(lock, [&] { return dirty_ || stopping_; });
      }
      last = stopping_;
      dirty_ = false;
    }
    const bool done = round(timing_.deadline);  // a stop cuts it at cut_
    if (last) return;
    retry = done ? milliseconds(0)
                 : std::min(timing_.retry_cap, std::max(timing_.retry_first, retry * 2));
  }
}

bool Pusher::round(milliseconds deadline) {
  PushOptions options;
  options.deadline = deadline;
  options.secrets = secrets_;
  options.cut = &cut_;
  try {
    store::Store store(db_path_, store::Access::write);
    options.sources = store::select_sources(store.db(), sources, db_path_);
    const PushLock lock(db_path_);
    const PushReport report = push(store.db(), targets_, options);
    if (on_round) on_round(report);
    for (const auto& t : report.targets) {
      if (t.not_delivered == 0) continue;
      const auto first = std::find_if(report.undelivered.begin(), report.undelivered.end(),
                                      [&](const Undelivered& u) { return u.target == t.name; });
      std::fprintf(stderr, "jira-alerts: record: push: %s: %zu left in the outbox%s%s\n",
                   t.name.c_str(), t.not_delivered,
                   first == report.undelivered.end() ? "" : ", first: ",
                   first == report.undelivered.end()
                       ? ""
                       : (first->fingerprint + " " + first->what + ": " + first->reason).c_str());
    }
    return report.all_acknowledged();
  } catch (const std::exception& e) {
    // An Error, or one of the HTTP library's own (a bad port, an allocation): the round
    // failed, and the next one tries again; the receiver goes on.
    std::fprintf(stderr, "jira-alerts: record: push: %s\n", e.what());
    return false;
  }
}

}  // namespace jira_alerts::forward
