#pragma once
// Inputs: operands expanded to files, and one owner per open byte stream.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace jira_alerts::read {

// The name standard input goes by, as an operand and in source positions.
inline constexpr const char* stdin_name = "-";

// A file by its device and inode, whatever the name it is reached by.
struct FileId {
  dev_t dev;
  ino_t ino;
  bool operator==(const FileId&) const = default;
};

// The state file at DB and its companions (-wal, -shm, -journal) that exist, also
// beside the file a link points to.
std::vector<FileId> state_file_ids(const std::string& db);

// Which files a directory walk reads.
struct WalkFilter {
  std::vector<std::string> include;  // globs; none: *.json, *.ndjson, *.jsonl (+ .gz .xz .zst .bz2)
  std::vector<std::string> exclude;  // globs of files and directories to leave out
  std::vector<FileId> not_inputs;    // never read (the state file and its companions)
};

// The files to read, how many a walk left out, and the directories that gave none.
struct Inputs {
  std::vector<std::string> files;
  std::uint64_t skipped = 0;
  std::vector<std::string> empty_directories;  // as given
};

// Expands OPERANDS in the order given: a directory becomes the files FILTER lets
// through, walked recursively in byte order of their paths (hidden entries
// skipped); a file is read whatever its name. A glob with a '/' matches the path
// below the walked directory, others the name. A walked directory that gives no file is
// listed in empty_directories. Throws Error (exit 2) for an
// operand that does not exist, a file that cannot be read, or a state file.
Inputs expand_operands(const std::vector<std::string>& operands, const WalkFilter& filter = {});

// Where the framer reads bytes from.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to SIZE bytes into BUFFER, at least one unless the input ended (0).
  // Returns what is available without waiting for SIZE bytes.
  virtual std::size_t read(char* buffer, std::size_t size) = 0;
};

// A readable byte stream over a file or standard input. Compressed data is undone
// transparently, told apart by its magic number whatever the file's name: gzip
// (every member), xz, zstd, bzip2 and the other filters of libarchive.
class ByteStream final : public ByteSource {
 public:
  class Decoder;

  // Opens PATH ("-" for standard input); throws Error when it cannot be opened.
  explicit ByteStream(const std::string& path);
  ~ByteStream() override;
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  // Reads up to SIZE decoded bytes into BUFFER, what is available without waiting
  // for more; 0 at the end, also where the stream stops early (see damage()).
  // Throws Error on a read error.
  std::size_t read(char* buffer, std::size_t size) override;

  // The raw bytes of the file, for the decoders.
  std::size_t read_raw(char* buffer, std::size_t size);

  // The path as given, for messages.
  const std::string& path() const { return path_; }

  // Why the stream stopped before the end of the file, or "" when it did not:
  // damaged compressed data, data after the end of a compressed stream, or a file
  // that is not JSON text at all (binary).
  const std::string& damage() const { return damage_; }

  // Called before a read that would wait for input (a pipe with nothing in it yet),
  // so that the caller can hand over what it has.
  std::function<void()> on_wait;

 private:
  void start();
  bool tar(std::string head);

  std::string path_;
  std::string damage_;
  int fd_ = -1;
  bool regular_ = false;
  bool started_ = false;
  bool checked_ = false;
  std::string head_;  // the first bytes, read to pick the decoder
  std::size_t head_at_ = 0;
  std::unique_ptr<Decoder> decoder_;  // none: the bytes are read as they are
};

}  // namespace jira_alerts::read
