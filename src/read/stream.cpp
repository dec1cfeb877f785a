// ByteStream: a file or standard input, decompressed when it is compressed. gzip goes
// through zlib (every member, and what follows the last one is reported, not dropped);
// xz, zstd, bzip2 and the other filters libarchive knows go through libarchive.
#include <archive.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

#include "read/input.hpp"
#include "util/error.hpp"
#include "util/shared_library.hpp"

namespace jira_alerts::read {

// Undoes one compression format over the raw bytes of a ByteStream.
class ByteStream::Decoder {
 public:
  virtual ~Decoder() = default;
  // Fills BUFFER with up to SIZE decoded bytes; 0 at the end (or where the data is
  // damaged: then DAMAGE says why).
  virtual std::size_t read(char* buffer, std::size_t size, std::string& damage) = 0;
};

namespace {

constexpr std::size_t input_block = 1u << 17;

// What follows the end of compressed data is not read: say where it starts.
std::string trailing_data(std::string_view format, std::uint64_t offset, const std::string& path) {
  return "data after the end of the " + std::string(format) + " stream, from byte " +
         std::to_string(offset + 1) + " of the file: not read (split it off with 'tail -c +" +
         std::to_string(offset + 1) + " " + path + "')";
}

std::string corrupt(std::string_view format, std::string_view why) {
  return std::string(format) + " data corrupt (" + std::string(why) +
         "): the rest of the file cannot be read";
}

std::string cut_short(std::string_view format) {
  return std::string(format) +
         " data cut short (unexpected end of file): the rest of the file cannot be read";
}

// gzip through zlib's inflate: members one after another, as gzip -d reads them.
class GzipDecoder final : public ByteStream::Decoder {
 public:
  explicit GzipDecoder(ByteStream& raw) : raw_(raw), in_(new unsigned char[input_block]) {
    if (inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK)
      throw Error("cannot open '" + raw.path() + "': out of memory");
  }
  ~GzipDecoder() override { inflateEnd(&z_); }
  GzipDecoder(const GzipDecoder&) = delete;
  GzipDecoder& operator=(const GzipDecoder&) = delete;

  std::size_t read(char* buffer, std::size_t size, std::string& damage) override {
    z_.next_out = reinterpret_cast<unsigned char*>(buffer);
    z_.avail_out = static_cast<uInt>(std::min<std::size_t>(size, UINT_MAX));
    const uInt wanted = z_.avail_out;
    while (z_.avail_out == wanted && !done_) {
      if (z_.avail_in == 0 && !refill()) {
        // The end of the file: clean between members, cut short inside one.
        if (in_member_) damage = cut_short("gzip");
        done_ = true;
        break;
      }
      if (!in_member_ && !next_member(damage)) break;
      const int code = inflate(&z_, Z_NO_FLUSH);
      if (code == Z_STREAM_END) {
        in_member_ = false;
      } else if (code != Z_OK && code != Z_BUF_ERROR) {
        damage = corrupt("gzip", z_.msg != nullptr ? z_.msg : "invalid data");
        done_ = true;
      }
    }
    return wanted - z_.avail_out;
  }

 private:
  bool refill() {
    consumed_ += filled_;
    filled_ = raw_.read_raw(reinterpret_cast<char*>(in_.get()), input_block);
    z_.next_in = in_.get();
    z_.avail_in = static_cast<uInt>(filled_);
    return filled_ > 0;
  }

  // Between members (Z.avail_in > 0): another gzip header starts a member; anything
  // else is data after the stream. False when the stream ends here.
  bool next_member(std::string& damage) {
    const std::uint64_t at = consumed_ + (filled_ - z_.avail_in);
    if (z_.next_in[0] == 0x1f && z_.avail_in == 1) {
      // The second byte of the magic number is in the next block.
      const unsigned char first = 0x1f;
      if (!refill()) {
        damage = trailing_data("gzip", at, raw_.path());
        done_ = true;
        return false;
      }
      if (z_.next_in[0] == 0x8b) {
        inflateReset(&z_);
        const int code = inflate_byte(first);
        if (code == Z_OK) {
          in_member_ = true;
          return true;
        }
      }
    } else if (z_.avail_in >= 2 && z_.next_in[0] == 0x1f && z_.next_in[1] == 0x8b) {
      inflateReset(&z_);
      in_member_ = true;
      return true;
    }
    damage = trailing_data("gzip", at, raw_.path());
    done_ = true;
    return false;
  }

  // Feeds one byte that was at the end of the previous block.
  int inflate_byte(unsigned char byte) {
    unsigned char* next = z_.next_in;
    const uInt avail = z_.avail_in;
    z_.next_in = &byte;
    z_.avail_in = 1;
    const int code = inflate(&z_, Z_NO_FLUSH);
    z_.next_in = next;
    z_.avail_in = avail;
    return code;
  }

  ByteStream& raw_;
  std::unique_ptr<unsigned char[]> in_;
  z_stream z_{};
  std::uint64_t consumed_ = 0;  // raw bytes before the current block
  std::size_t filled_ = 0;      // size of the current block
  bool in_member_ = true;       // the file starts with a member (its magic number was seen)
  bool done_ = false;
};

// The functions of libarchive the decoder uses, loaded on the first compressed input that
// needs them.
struct Libarchive {
  decltype(&archive_read_new) read_new;
  decltype(&archive_read_support_filter_all) support_filter_all;
  decltype(&archive_read_support_format_raw) support_format_raw;
  decltype(&archive_read_support_format_empty) support_format_empty;
  decltype(&archive_read_open) open;
  decltype(&archive_read_next_header) next_header;
  decltype(&archive_read_data) read_data;
  decltype(&archive_filter_bytes) filter_bytes;
  decltype(&archive_error_string) error_string;
  decltype(&archive_set_error) set_error;
  decltype(&archive_read_free) read_free;
};

// PATH, compressed as FORMAT, is what needs them (for the message when they cannot be
// loaded).
const Libarchive& libarchive(const std::string& path, const std::string& format) {
  static const Libarchive functions = [&] {
    const util::SharedLibrary library(JIRA_ALERTS_LIBARCHIVE_SONAME,
                                      "'" + path + "': reading " + format + " input");
    return Libarchive{
        JIRA_ALERTS_FUNCTION(library, archive_read_new),
        JIRA_ALERTS_FUNCTION(library, archive_read_support_filter_all),
        JIRA_ALERTS_FUNCTION(library, archive_read_support_format_raw),
        JIRA_ALERTS_FUNCTION(library, archive_read_support_format_empty),
        JIRA_ALERTS_FUNCTION(library, archive_read_open),
        JIRA_ALERTS_FUNCTION(library, archive_read_next_header),
        JIRA_ALERTS_FUNCTION(library, archive_read_data),
        JIRA_ALERTS_FUNCTION(library, archive_filter_bytes),
        JIRA_ALERTS_FUNCTION(library, archive_error_string),
        JIRA_ALERTS_FUNCTION(library, archive_set_error),
        JIRA_ALERTS_FUNCTION(library, archive_read_free),
    };
  }();
  return functions;
}

// Every other compression libarchive knows, through its raw format (one stream, no archive).
class ArchiveDecoder final : public ByteStream::Decoder {
 public:
  ArchiveDecoder(ByteStream& raw, std::string format)
      : raw_(raw),
        lib_(libarchive(raw.path(), format)),
        a_(lib_.read_new()),
        format_(std::move(format)) {
    if (a_ == nullptr) throw Error("cannot open '" + raw.path() + "': out of memory");
    lib_.support_filter_all(a_);
    lib_.support_format_raw(a_);
    lib_.support_format_empty(a_);
  }
  ~ArchiveDecoder() override { lib_.read_free(a_); }
  ArchiveDecoder(const ArchiveDecoder&) = delete;
  ArchiveDecoder& operator=(const ArchiveDecoder&) = delete;

  std::size_t read(char* buffer, std::size_t size, std::string& damage) override {
    if (done_) return 0;
    if (!opened_ && !open(damage)) return 0;
    const la_ssize_t n = lib_.read_data(a_, buffer, size);
    if (n > 0) return static_cast<std::size_t>(n);
    done_ = true;
    if (n < 0) {
      damage = corrupt(format_, error_text());
      return 0;
    }
    // The filters stop at the end of their stream: anything after it was not read.
    const auto consumed = static_cast<std::uint64_t>(lib_.filter_bytes(a_, -1));
    char probe;
    if (delivered_ > consumed || raw_.read_raw(&probe, 1) > 0)
      damage = trailing_data(format_, consumed, raw_.path());
    return 0;
  }

 private:
  bool open(std::string& damage) {
    opened_ = true;
    archive_entry* entry = nullptr;
    int code = lib_.open(a_, this, nullptr, &ArchiveDecoder::callback, nullptr);
    if (code == ARCHIVE_OK) code = lib_.next_header(a_, &entry);
    if (code == ARCHIVE_OK) return true;
    done_ = true;
    if (code != ARCHIVE_EOF) damage = corrupt(format_, error_text());
    return false;
  }

  std::string error_text() const {
    const char* text = lib_.error_string(a_);
    return text != nullptr ? text : "unreadable data";
  }

  static la_ssize_t callback(archive*, void* self, const void** block) {
    auto* d = static_cast<ArchiveDecoder*>(self);
    try {
      const std::size_t n = d->raw_.read_raw(d->block_, sizeof d->block_);
      d->delivered_ += n;
      *block = d->block_;
      return static_cast<la_ssize_t>(n);
    } catch (const Error& e) {
      d->lib_.set_error(d->a_, EIO, "%s", e.what());
      return -1;
    }
  }

  ByteStream& raw_;
  const Libarchive& lib_;
  archive* a_;
  char block_[input_block];
  std::uint64_t delivered_ = 0;
  std::string format_;
  bool opened_ = false;
  bool done_ = false;
};

bool starts_with(std::string_view head, std::string_view magic) {
  return head.substr(0, magic.size()) == magic;
}

// The compression format whose magic number HEAD starts with, or "" (gzip is told
// apart by the caller).
std::string other_compression(std::string_view head) {
  using namespace std::string_view_literals;
  static constexpr std::pair<std::string_view, const char*> magic[] = {
      {"\xFD"
       "7zXZ\0"sv,
       "xz"},
      {"\x28\xB5\x2F\xFD"sv, "zstd"},
      {"BZh"sv, "bzip2"},
      {"\x04\x22\x4D\x18"sv, "lz4"},
      {"LZIP"sv, "lzip"},
      {"\x1F\x9D"sv, "compress"},
      {"\x5D\0\0"sv, "lzma"}};
  for (const auto& [bytes, name] : magic)
    if (starts_with(head, bytes)) return name;
  return "";
}

// JSON text starts (after a byte-order mark and white space) with '{' or '['; a file
// that starts otherwise and has control bytes near its start is not text at all.
bool binary(std::string_view head) {
  if (starts_with(head, "\xEF\xBB\xBF")) head.remove_prefix(3);
  const auto first = head.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (head[first] == '{' || head[first] == '[')) return false;
  head = head.substr(0, 4096);
  return std::any_of(head.begin(), head.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 && u != '\t' && u != '\n' && u != '\r' && u != '\f';
  });
}

}  // namespace

ByteStream::ByteStream(const std::string& path) : path_(path) {
  fd_ = path == stdin_name ? dup(STDIN_FILENO) : open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw Error("cannot open '" + path + "': " + std::strerror(errno));
  struct stat st {};
  regular_ = fstat(fd_, &st) == 0 && S_ISREG(st.st_mode);
}

ByteStream::~ByteStream() {
  decoder_.reset();
  if (fd_ >= 0) close(fd_);
}

std::size_t ByteStream::read_raw(char* buffer, std::size_t size) {
  if (head_at_ < head_.size()) {
    const std::size_t n = std::min(size, head_.size() - head_at_);
    std::memcpy(buffer, head_.data() + head_at_, n);
    head_at_ += n;
    return n;
  }
  if (!regular_ && on_wait) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 0) == 0) on_wait();  // nothing to read yet: a slow pipe
  }
  for (;;) {
    const ssize_t n = ::read(fd_, buffer, size);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) throw Error("cannot read '" + path_ + "': " + std::strerror(errno));
  }
}

// Reads the first bytes and picks the decoder by their magic number.
void ByteStream::start() {
  started_ = true;
  char head[8];
  std::size_t n = 0;
  while (n < sizeof head) {
    const std::size_t got = read_raw(head + n, sizeof head - n);
    if (got == 0) break;
    n += got;
  }
  head_.assign(head, n);
  const std::string_view magic(head_);
  if (starts_with(magic, "\x1F\x8B"))
    decoder_ = std::make_unique<GzipDecoder>(*this);
  else if (std::string format = other_compression(magic); !format.empty())
    decoder_ = std::make_unique<ArchiveDecoder>(*this, std::move(format));
}

// A tar archive (POSIX or GNU) says "ustar" at byte 257 of its first header: HEAD is
// what was read, and the rest of that header is read here (the input is refused anyway).
bool ByteStream::tar(std::string head) {
  char more[512];
  std::string ignored;
  while (head.size() < 262) {
    const std::size_t got =
        decoder_ ? decoder_->read(more, sizeof more, ignored) : read_raw(more, sizeof more);
    if (got == 0) break;
    head.append(more, got);
  }
  return head.size() >= 262 && head.compare(257, 5, "ustar") == 0;
}

std::size_t ByteStream::read(char* buffer, std::size_t size) {
  if (!damage_.empty()) return 0;
  if (!started_) start();
  const std::size_t n = decoder_ ? decoder_->read(buffer, size, damage_) : read_raw(buffer, size);
  if (!checked_ && n > 0) {
    checked_ = true;
    if (binary(std::string_view(buffer, n))) {
      damage_ = tar(std::string(buffer, n))
                    ? "not JSON text (a tar archive: extract it, then replay the files)"
                    : "not JSON text (binary)";
      return 0;
    }
  }
  return n;
}

}  // namespace jira_alerts::read
