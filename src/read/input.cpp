#include "read/input.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "util/error.hpp"

namespace jira_alerts::read {
namespace fs = std::filesystem;

namespace {

void walk(const fs::path& dir, std::vector<std::string>& files) {
  std::vector<std::string> found;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec)) found.push_back(it->path().string());
  }
  if (ec) throw Error("cannot read directory '" + dir.string() + "': " + ec.message());
  // Byte order of the whole path, so that the walk does not depend on the file system.
  std::sort(found.begin(), found.end());
  files.insert(files.end(), found.begin(), found.end());
}

}  // namespace

std::vector<std::string> expand_operands(const std::vector<std::string>& operands) {
  std::vector<std::string> files;
  for (const auto& operand : operands) {
    if (operand == stdin_name) {
      files.push_back(operand);
      continue;
    }
    std::error_code ec;
    const auto status = fs::status(operand, ec);
    if (ec || !fs::exists(status))
      throw Error("cannot open '" + operand +
                  "': " + (ec ? ec.message() : std::string("No such file or directory")));
    if (fs::is_directory(status)) {
      walk(operand, files);
    } else {
      files.push_back(operand);
    }
  }
  // Refuse unreadable inputs before anything is applied.
  for (const auto& file : files) {
    if (file != stdin_name && access(file.c_str(), R_OK) != 0)
      throw Error("cannot open '" + file + "': " + std::strerror(errno));
  }
  return files;
}

ByteStream::ByteStream(const std::string& path) : path_(path) {
  int fd = path == stdin_name ? dup(STDIN_FILENO) : open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open '" + path + "': " + std::strerror(errno));
  file_ = gzdopen(fd, "rb");
  if (file_ == nullptr) {
    close(fd);
    throw Error("cannot open '" + path + "': out of memory");
  }
  gzbuffer(file_, 1 << 17);
}

ByteStream::~ByteStream() {
  if (file_ != nullptr) gzclose(file_);
}

std::size_t ByteStream::read(char* buffer, std::size_t size) {
  const auto n = gzread(file_, buffer, static_cast<unsigned>(std::min<std::size_t>(size, INT_MAX)));
  int state = Z_OK;
  if (n == 0) gzerror(file_, &state);  // a truncated gzip stream ends without an error code
  if (n < 0 || state != Z_OK) {
    int code = 0;
    const char* message = gzerror(file_, &code);
    if (code == Z_ERRNO) message = std::strerror(errno);
    std::string_view text(message);
    // zlib names a stream opened from a descriptor "<fd:N>": the path says it better.
    if (text.rfind("<fd:", 0) == 0 && text.find(": ") != std::string_view::npos)
      text.remove_prefix(text.find(": ") + 2);
    if (code != Z_BUF_ERROR && code != Z_DATA_ERROR)
      throw Error("cannot read '" + path_ + "': " + std::string(text));
    // Damaged compressed data: what came before it is still good. The stream ends here.
    damage_ = "gzip data " + std::string(code == Z_BUF_ERROR ? "cut short" : "corrupt") + " (" +
              std::string(text) + "): the rest of the file cannot be read";
    return 0;
  }
  return static_cast<std::size_t>(n);
}

}  // namespace jira_alerts::read
