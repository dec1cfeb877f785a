#pragma once
// The reading half of a replay: files → frames → extracted payloads, on a thread of
// its own, handed over in input order through a small bounded queue.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "parse/payload.hpp"
#include "parse/scope.hpp"
#include "parse/unpack.hpp"
#include "read/framer.hpp"

namespace jira_alerts::replay {

// One payload as read: its fields (owned), or why it was rejected.
struct Parsed {
  enum class Kind : std::uint8_t {
    payload,   // usable: PAYLOAD holds its fields
    rejected,  // unusable: REASON, the error position and RAW say why and what
    failed,    // the input could not be read: ERROR is rethrown in order
  };
  Kind kind = Kind::payload;
  std::size_t file = 0;  // index into the file list
  std::uint64_t line = 0, column = 0, size = 0;
  std::uint64_t offset = 0;    // byte offset of the payload's first byte in its input
  parse::Payload payload;      // views into TEXT
  std::uint64_t identity = 0;  // duplicate identity (rules::identity)
  std::uint64_t delivery = 0;  // the envelope's delivery identity (rules::delivery_identity), or 0
  std::string route;           // the URL path record received it at ("": none)
  std::uint64_t error_line = 0, error_column = 0;
  std::string reason;
  std::string raw;   // the rejected payload's bytes (a prefix when too large)
  std::string text;  // owns the payload's strings
  std::exception_ptr error;

  // Fills this record from one payload of a frame read from the FILE-th input; with
  // SCOPE, the fields a scope (--jql) reads too.
  void assign(const parse::Unpacked& u, std::size_t file, parse::ScopeReader* scope = nullptr);
};

// A batch of payloads handed over at once, so that threads synchronise rarely.
struct Chunk {
  std::vector<Parsed> items;
  std::size_t used = 0;
  std::size_t bytes = 0;  // bytes held in text and raw, to bound memory
  bool last = false;      // nothing follows
};

// Reads FILES in order on a background thread. Memory stays bounded: a few chunks
// of at most chunk_items payloads or chunk_bytes bytes each are in flight.
class Reader {
 public:
  static constexpr std::size_t chunk_items = 256;
  static constexpr std::size_t chunk_bytes = 4u << 20;
  static constexpr std::size_t chunks_in_flight = 4;

  // With SECRET, every payload must come in an envelope signed with it. With
  // SCOPE_FIELDS, payloads carry what a scope (--jql) reads too.
  explicit Reader(std::vector<std::string> files, std::optional<std::string> secret = {},
                  bool scope_fields = false);
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // The next chunk in input order; give it back with release() when done.
  Chunk* next();
  // The next chunk if one is ready, else null.
  Chunk* try_next();
  // The next chunk if one is ready within WAIT, else null.
  Chunk* next_for(std::chrono::milliseconds wait);
  void release(Chunk* chunk);
  // Asks the thread to stop early (the consumer does not want more).
  void stop();

  const std::vector<std::string>& files() const { return files_; }

 private:
  void run();
  bool read_file(std::size_t file, parse::Unpacker& unpacker, parse::ScopeReader& scope);
  Parsed* slot();
  Chunk* take_free();
  void publish(Chunk* chunk);

  std::vector<std::string> files_;
  std::optional<std::string> secret_;
  bool scope_fields_ = false;
  std::vector<std::unique_ptr<Chunk>> storage_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Chunk*> free_;
  std::deque<Chunk*> full_;
  bool stopping_ = false;
  Chunk* chunk_ = nullptr;  // the one the reading thread fills (its own)
  std::thread thread_;
};

}  // namespace jira_alerts::replay
