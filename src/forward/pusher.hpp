#pragma once
// record --apply --push: a live bridge. A thread of its own pushes what each applied
// batch changed, through the same outbox as 'push', so that the applying never waits
// on a platform and a platform that is down gets everything once it is back.

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "forward/push.hpp"

namespace jira_alerts::forward {

// Holds an exclusive lock on the state file at PATH while it lives, so that two pushes
// (a 'push' from cron beside a 'record --push') never send one change twice. flock(2)
// is apart from SQLite's own locks; the descriptor it locks stays open until the
// process ends (closing one would drop SQLite's POSIX locks on the file).
class PushLock {
 public:
  explicit PushLock(const std::string& path);
  ~PushLock();
  PushLock(const PushLock&) = delete;
  PushLock& operator=(const PushLock&) = delete;

 private:
  int fd_;
};

class Pusher {
 public:
  struct Timing {
    milliseconds deadline{30'000};    // of one round, every target together
    milliseconds last_round{10'000};  // of the round that stop() runs
    milliseconds resend{60'000};      // Alertmanager: firing alerts are sent again this often
    milliseconds retry_first{1'000};  // after a round that left something, doubling...
    milliseconds retry_cap{60'000};   // ...up to this
  };

  // Pushes to TARGETS from the state file at DB_PATH (a connection of its own).
  Pusher(std::string db_path, std::vector<Target> targets, Secrets secrets, Timing timing);
  Pusher(std::string db_path, std::vector<Target> targets, Secrets secrets)
      : Pusher(std::move(db_path), std::move(targets), std::move(secrets), Timing{}) {}
  ~Pusher();
  Pusher(const Pusher&) = delete;
  Pusher& operator=(const Pusher&) = delete;

  // Starts the thread; its first round sends what earlier runs left in the outbox.
  void start();
  // A batch was applied: a round follows (at once, or right after the one in flight).
  void notify();
  // Cuts the round in flight short, runs one last round for what was applied, all
  // within Timing::last_round (plus an answer an attempt is already waiting for), and joins.
  void stop();

  // Called after each round on the pushing thread (e.g. to count for /metrics).
  std::function<void(const PushReport&)> on_round;
  // The sources whose alerts it pushes, by name (none: every source of the file). Set
  // before start().
  std::vector<std::string> sources;

 private:
  void run();
  bool round(milliseconds deadline);  // true when every target acknowledged everything

  std::string db_path_;
  std::vector<Target> targets_;
  Secrets secrets_;
  Timing timing_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool dirty_ = true;  // the first round runs at once
  bool stopping_ = false;
  Cut cut_{Clock::time_point::max().time_since_epoch().count()};  // set by stop()
  std::thread thread_;
};

}  // namespace jira_alerts::forward
