#pragma once
// Where the state file is: the path resolved once, and the checks that a path can
// be used as a state file before SQLite opens it.

#include <cstdint>
#include <string>

namespace jira_alerts::store {

// What a command needs from the state file.
enum class Need : std::uint8_t {
  read,    // an existing file, read
  write,   // an existing file written, or a new one created
  either,  // read when it exists (a dry run), nothing when it does not
};

// A state-file path as given and as resolved.
struct Location {
  std::string given;  // as written on the command line, for messages
  std::string real;   // absolute, symbolic links resolved (where SQLite keeps -wal and -shm)
  bool exists = false;
  bool companions = false;  // -wal and -shm are both beside REAL
  bool writable = false;    // this process may write REAL and create files beside it
};

// Resolves PATH once and checks it is usable for NEED. Throws Error (exit 2) with one
// line naming PATH and the cause: an empty path, a missing directory, a directory, no
// permission, a read-only file system, a second hard link, or (for Need::read) no file.
Location locate(const std::string& path, Need need);

// Are -wal and -shm both beside REAL now?
bool has_companions(const std::string& real);

// REAL as a SQLite URI file name (file:/abs/path with '%', '?' and '#' escaped), so that
// no part of a path is read as a URI parameter.
std::string file_uri(const std::string& real);

}  // namespace jira_alerts::store
