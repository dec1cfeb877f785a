#pragma once
// Inputs: operands expanded to files, and one owner per open byte stream.

#include <zlib.h>

#include <cstddef>
#include <string>
#include <vector>

namespace jira_alerts::read {

// The name standard input goes by, as an operand and in source positions.
inline constexpr const char* stdin_name = "-";

// Expands OPERANDS in the order given: a directory becomes its regular files,
// walked recursively in byte order of their paths (hidden entries skipped).
// Throws Error (exit 2) for an operand that does not exist or a file that cannot be read.
std::vector<std::string> expand_operands(const std::vector<std::string>& operands);

// Where the framer reads bytes from.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to SIZE bytes into BUFFER, at least one unless the input ended (0).
  // Returns what is available without waiting for SIZE bytes.
  virtual std::size_t read(char* buffer, std::size_t size) = 0;
};

// A readable byte stream over a file or standard input; gzip is undone transparently.
class ByteStream final : public ByteSource {
 public:
  // Opens PATH ("-" for standard input); throws Error when it cannot be opened.
  explicit ByteStream(const std::string& path);
  ~ByteStream();
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  // Reads up to SIZE bytes into BUFFER; 0 at the end, also where gzip data is damaged
  // (see damage()). Throws Error on a read error.
  std::size_t read(char* buffer, std::size_t size) override;

  // The path as given, for messages.
  const std::string& path() const { return path_; }

  // Why the stream ended early (damaged gzip data), or "" when it did not.
  const std::string& damage() const { return damage_; }

 private:
  std::string path_;
  std::string damage_;
  gzFile file_ = nullptr;
};

}  // namespace jira_alerts::read
