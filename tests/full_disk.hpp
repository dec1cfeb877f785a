#pragma once
// A disk that fills up, for the tests: a SQLite VFS over the default one whose writes
// to a WAL file fail with SQLITE_FULL while full is set, so that a commit fails as it
// does on a full disk.

#include <sqlite3.h>

#include <atomic>

namespace jira_alerts::test {

class FullDisk {
 public:
  // The default VFS from now on: state files opened while it lives write through it.
  FullDisk();
  // The previous default again (close the state files first).
  ~FullDisk();
  FullDisk(const FullDisk&) = delete;
  FullDisk& operator=(const FullDisk&) = delete;

  std::atomic<bool> full{false};

  sqlite3_vfs* real() const { return real_; }

 private:
  sqlite3_vfs* real_;
  sqlite3_vfs vfs_{};
};

}  // namespace jira_alerts::test
