#include "full_disk.hpp"

#include <type_traits>
#include <utility>

namespace jira_alerts::test {

namespace {

// A file of the VFS: the real VFS's file follows it in the same allocation.
struct File {
  sqlite3_file base;
  FullDisk* disk;
  bool wal;
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};

sqlite3_file* real_file(sqlite3_file* f) {
  return reinterpret_cast<File*>(f)->real();
}

sqlite3_vfs* real_vfs(sqlite3_vfs* vfs) {
  return static_cast<FullDisk*>(vfs->pAppData)->real();
}

// A method that calls the real file's (or VFS's) own with the same arguments.
template <auto Member,
          typename = std::remove_reference_t<decltype(std::declval<sqlite3_io_methods>().*Member)>>
struct ForwardFile;
template <auto Member, typename R, typename... A>
struct ForwardFile<Member, R (*)(sqlite3_file*, A...)> {
  static R call(sqlite3_file* f, A... a) {
    sqlite3_file* real = real_file(f);
    return (real->pMethods->*Member)(real, a...);
  }
};

template <auto Member,
          typename = std::remove_reference_t<decltype(std::declval<sqlite3_vfs>().*Member)>>
struct ForwardVfs;
template <auto Member, typename R, typename... A>
struct ForwardVfs<Member, R (*)(sqlite3_vfs*, A...)> {
  static R call(sqlite3_vfs* vfs, A... a) {
    sqlite3_vfs* real = real_vfs(vfs);
    return (real->*Member)(real, a...);
  }
};

int write(sqlite3_file* f, const void* data, int size, sqlite3_int64 offset) {
  File* file = reinterpret_cast<File*>(f);
  if (file->wal && file->disk->full) return SQLITE_FULL;
  return file->real()->pMethods->xWrite(file->real(), data, size, offset);
}

const sqlite3_io_methods* file_methods() {
  static const sqlite3_io_methods methods = [] {
    sqlite3_io_methods m{};
    m.iVersion = 3;
#define FORWARD(name) m.name = &ForwardFile<&sqlite3_io_methods::name>::call
    FORWARD(xClose);
    FORWARD(xRead);
    m.xWrite = &write;
    FORWARD(xTruncate);
    FORWARD(xSync);
    FORWARD(xFileSize);
    FORWARD(xLock);
    FORWARD(xUnlock);
    FORWARD(xCheckReservedLock);
    FORWARD(xFileControl);
    FORWARD(xSectorSize);
    FORWARD(xDeviceCharacteristics);
    FORWARD(xShmMap);
    FORWARD(xShmLock);
    FORWARD(xShmBarrier);
    FORWARD(xShmUnmap);
    FORWARD(xFetch);
    FORWARD(xUnfetch);
#undef FORWARD
    return m;
  }();
  return &methods;
}

int open(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out) {
  File* file = reinterpret_cast<File*>(f);
  file->disk = static_cast<FullDisk*>(vfs->pAppData);
  file->wal = (flags & SQLITE_OPEN_WAL) != 0;
  sqlite3_vfs* real = real_vfs(vfs);
  const int code = real->xOpen(real, name, file->real(), flags, out);
  // SQLite closes only a file whose methods are set.
  file->base.pMethods = file->real()->pMethods != nullptr ? file_methods() : nullptr;
  return code;
}

}  // namespace

FullDisk::FullDisk() : real_(sqlite3_vfs_find(nullptr)) {
  vfs_.iVersion = 3;
  vfs_.szOsFile = static_cast<int>(sizeof(File)) + real_->szOsFile;
  vfs_.mxPathname = real_->mxPathname;
  vfs_.zName = "jira-alerts-full-disk";
  vfs_.pAppData = this;
  vfs_.xOpen = &open;
#define FORWARD(name) vfs_.name = &ForwardVfs<&sqlite3_vfs::name>::call
  FORWARD(xDelete);
  FORWARD(xAccess);
  FORWARD(xFullPathname);
  FORWARD(xDlOpen);
  FORWARD(xDlError);
  FORWARD(xDlSym);
  FORWARD(xDlClose);
  FORWARD(xRandomness);
  FORWARD(xSleep);
  FORWARD(xCurrentTime);
  FORWARD(xGetLastError);
  FORWARD(xCurrentTimeInt64);
  FORWARD(xSetSystemCall);
  FORWARD(xGetSystemCall);
  FORWARD(xNextSystemCall);
#undef FORWARD
  sqlite3_vfs_register(&vfs_, 1);
}

FullDisk::~FullDisk() {
  sqlite3_vfs_unregister(&vfs_);
}

}  // namespace jira_alerts::test
