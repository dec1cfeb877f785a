#include "store/location.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "util/error.hpp"

namespace jira_alerts::store {
namespace {

std::string parent_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

// "reason" for errno ERROR, e.g. "Permission denied".
std::string cause(int error) {
  return std::strerror(error);
}

// PATH with the symbolic links of its last component followed: realpath() needs the
// target to exist, but a link may name a state file that replay is about to create.
std::string follow_links(const std::string& path, const std::string& given) {
  std::string target = path;
  for (int hops = 0;; ++hops) {
    struct stat st {};
    if (::lstat(target.c_str(), &st) != 0) {
      if (errno == ENOENT) return target;
      throw Error("state file '" + given + "': " + cause(errno));
    }
    if (!S_ISLNK(st.st_mode)) return target;
    if (hops == 40) throw Error("state file '" + given + "': " + cause(ELOOP));
    char link[PATH_MAX];
    const ssize_t n = ::readlink(target.c_str(), link, sizeof link - 1);
    if (n < 0) throw Error("state file '" + given + "': " + cause(errno));
    const std::string to(link, static_cast<std::size_t>(n));
    target = to.front() == '/' ? to : parent_of(target) + "/" + to;
  }
}

// The real path of DIR, the folder that holds (or will hold) the state file GIVEN.
std::string real_directory(const std::string& dir, const std::string& given) {
  char resolved[PATH_MAX];
  if (::realpath(dir.c_str(), resolved) != nullptr) return resolved;
  const int error = errno;
  if (error == ENOENT)
    throw Error("state file '" + given + "': the directory '" + dir + "' does not exist");
  throw Error("state file '" + given + "': directory '" + dir + "': " + cause(error));
}

void check_existing(Location& loc, const std::string& dir, Need need) {
  struct stat st {};
  if (::stat(loc.real.c_str(), &st) != 0)
    throw Error("state file '" + loc.given + "': " + cause(errno));
  if (S_ISDIR(st.st_mode)) throw Error("state file '" + loc.given + "' is a directory");
  if (!S_ISREG(st.st_mode)) throw Error("state file '" + loc.given + "' is not a regular file");
  if (st.st_nlink > 1)
    throw Error("state file '" + loc.given + "' has " + std::to_string(st.st_nlink) +
                " hard links: SQLite keeps a separate -wal beside each name, so changes made "
                "through one name are lost to the others; keep a single name (a symbolic link "
                "is fine)");
  if (::access(loc.real.c_str(), R_OK) != 0)
    throw Error("cannot read state file '" + loc.given + "': " + cause(errno));
  loc.companions = has_companions(loc.real);
  const bool file_writable = ::access(loc.real.c_str(), W_OK) == 0;
  const int file_error = errno;
  const bool dir_writable = ::access(dir.c_str(), W_OK | X_OK) == 0;
  const int dir_error = errno;
  loc.writable = file_writable && dir_writable;
  if (need != Need::write) return;
  if (!file_writable)
    throw Error("cannot write state file '" + loc.given + "': " + cause(file_error));
  if (!dir_writable && !loc.companions)
    throw Error("cannot write beside state file '" + loc.given + "': directory '" + dir +
                "': " + cause(dir_error) + " (SQLite keeps its -wal and -shm files there)");
}

}  // namespace

Location locate(const std::string& path, Need need) {
  if (path.empty())
    throw Error("--db: the state file path is empty (an unset variable in --db \"$VAR\"?)");
  Location loc;
  loc.given = path;
  const std::string target = follow_links(path, path);
  // A dry run without a state file decides against an empty state, wherever it would be.
  if (need == Need::either && !exists(target) && !exists(parent_of(target))) {
    loc.real = target;
    return loc;
  }
  const std::string dir = real_directory(parent_of(target), path);
  loc.real = (dir == "/" ? "" : dir) + "/" + base_of(target);
  if (exists(loc.real)) {
    loc.exists = true;
    check_existing(loc, dir, need);
    return loc;
  }
  if (need == Need::read)
    throw Error("no state file '" + path + "' (run 'jira-alerts replay' to create it)");
  if (need == Need::write && ::access(dir.c_str(), W_OK | X_OK) != 0)
    throw Error("cannot create state file '" + path + "': directory '" + dir +
                "': " + cause(errno));
  return loc;
}

bool has_companions(const std::string& real) {
  return exists(real + "-wal") && exists(real + "-shm");
}

std::string file_uri(const std::string& real) {
  std::string uri = "file:";
  for (const char c : real) {
    if (c == '%' || c == '?' || c == '#') {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
      uri += hex;
    } else {
      uri += c;
    }
  }
  return uri;
}

}  // namespace jira_alerts::store
