#pragma once
// Helpers shared by the unit tests.

#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "store/sqlite.hpp"

namespace jira_alerts::test {

// A fresh temporary directory, removed with its contents when the test ends.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "jira-alerts-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

  // Writes CONTENT to NAME inside the directory and returns its path.
  std::string write(const std::string& name, const std::string& content) const {
    const auto p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

// Standard error sent to a file while it lives; text() is what was written there.
class CapturedStderr {
 public:
  CapturedStderr() : file_(std::tmpfile()), saved_(dup(STDERR_FILENO)) {
    std::fflush(stderr);
    dup2(fileno(file_), STDERR_FILENO);
  }
  ~CapturedStderr() {
    restore();
    std::fclose(file_);
  }
  CapturedStderr(const CapturedStderr&) = delete;
  CapturedStderr& operator=(const CapturedStderr&) = delete;

  // What was written, standard error given back.
  std::string text() {
    restore();
    return written();
  }
  // What was written so far (by any thread), standard error still captured.
  std::string written() const {
    std::string out;
    char chunk[4096];
    for (ssize_t n;
         (n = pread(fileno(file_), chunk, sizeof chunk, static_cast<off_t>(out.size()))) > 0;)
      out.append(chunk, static_cast<std::size_t>(n));
    return out;
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    dup2(saved_, STDERR_FILENO);
    close(saved_);
    saved_ = -1;
  }
  std::FILE* file_;
  int saved_;
};

// Every row of TABLE in DB, ordered by its first two columns, as text: two state files
// compared table by table.
inline std::string dump(store::Database& db, const std::string& table) {
  sqlite3_stmt* s = nullptr;
  const std::string sql = "SELECT * FROM " + table + " ORDER BY 1, 2";
  if (sqlite3_prepare_v2(db.handle(), sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
    throw std::runtime_error(sql + ": " + sqlite3_errmsg(db.handle()));
  std::string out;
  while (sqlite3_step(s) == SQLITE_ROW) {
    for (int c = 0; c < sqlite3_column_count(s); ++c) {
      const unsigned char* text = sqlite3_column_text(s, c);
      out += text != nullptr ? reinterpret_cast<const char*>(text) : "NULL";
      out += '|';
    }
    out += '\n';
  }
  sqlite3_finalize(s);
  return out;
}

}  // namespace jira_alerts::test
