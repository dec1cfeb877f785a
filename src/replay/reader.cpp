#include "replay/reader.hpp"

#include <pthread.h>

#include <algorithm>
#include <utility>

#include "parse/extract.hpp"
#include "rules/decide.hpp"

namespace jira_alerts::replay {
namespace {

static_assert(read::Framer::padding >= parse::Extractor::padding);

// Copies every string PAYLOAD points at into TEXT and points the payload there.
void own(parse::Payload& p, std::string& text) {
  parse::Text* fields[] = {&p.event,        &p.key,       &p.issue_id,     &p.status,
                           &p.category,     &p.summary,   &p.project,      &p.changelog_id,
                           &p.moved_from,   &p.moved_to,  &p.user,         &p.self,
                           &p.project_name, &p.issuetype, &p.category_name};
  std::vector<std::string_view>* lists[] = {&p.labels, &p.components, &p.assignee, &p.reporter};
  std::size_t total = p.priority.size();
  for (const parse::Text* f : fields) total += f->value.size();
  for (const auto* list : lists)
    for (const auto v : *list) total += v.size();
  text.clear();
  // No reallocation below, so the views stay valid; and never the small-string buffer,
  // which would move with the record.
  text.reserve(std::max<std::size_t>(total, 32));
  const auto copy = [&](std::string_view v) {
    const std::size_t at = text.size();
    text.append(v);
    return std::string_view(text.data() + at, v.size());
  };
  for (parse::Text* f : fields)
    if (f->present) f->value = copy(f->value);
  p.priority = copy(p.priority);
  for (auto* list : lists)
    for (auto& v : *list) v = copy(v);
}

// OUT as the rejection of a damaged stream (gzip and the like), where FRAMER stopped.
void damaged(Parsed& out, std::size_t file, const read::Framer& framer, const std::string& why) {
  out.kind = Parsed::Kind::rejected;
  out.file = file;
  out.line = out.error_line = framer.line();
  out.column = out.error_column = framer.column();
  out.offset = framer.offset();
  out.size = 0;
  out.reason = why;
  out.raw.clear();
}

// A frame that holds no usable payload, as the rejection it stands for.
parse::Unpacked rejection_of(const read::Frame& frame) {
  parse::Unpacked u;
  u.line = u.error_line = frame.line;
  u.column = u.error_column = frame.column;
  u.size = frame.size;
  u.raw = frame.bytes;
  u.reason = read::problem_reason(frame);
  return u;
}

}  // namespace

void Parsed::assign(const parse::Unpacked& u, std::size_t in_file, parse::ScopeReader* scope) {
  file = in_file;
  line = u.line;
  column = u.column;
  size = u.size;
  error = nullptr;
  delivery = rules::delivery_identity(u.delivery_id);
  route.assign(u.path);
  if (u.usable()) {
    kind = Kind::payload;
    payload = *u.payload;
    if (scope != nullptr) scope->read(u.bytes, payload);
    identity = rules::identity(payload, u.bytes);
    own(payload, text);
    return;
  }
  kind = Kind::rejected;
  error_line = u.error_line;
  error_column = u.error_column;
  reason = u.reason;
  raw.assign(u.raw);
}

Reader::Reader(std::vector<std::string> files, std::optional<std::string> secret, bool scope_fields)
    : files_(std::move(files)), secret_(std::move(secret)), scope_fields_(scope_fields) {
  for (std::size_t i = 0; i < chunks_in_flight; ++i) {
    storage_.push_back(std::make_unique<Chunk>());
    storage_.back()->items.reserve(chunk_items);
    free_.push_back(storage_.back().get());
  }
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "jira-alerts-rd");  // tells the threads apart in profiles
    run();
  });
}

Reader::~Reader() {
  stop();
  thread_.join();
}

void Reader::stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  changed_.notify_all();
}

Chunk* Reader::next() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return !full_.empty(); });
  Chunk* chunk = full_.front();
  full_.pop_front();
  return chunk;
}

Chunk* Reader::try_next() {
  std::lock_guard lock(mutex_);
  if (full_.empty()) return nullptr;
  Chunk* chunk = full_.front();
  full_.pop_front();
  return chunk;
}

Chunk* Reader::next_for(std::chrono::milliseconds wait) {
  std::unique_lock lock(mutex_);
  if (!changed_.wait_for(lock, wait, [&] { return !full_.empty(); })) return nullptr;
  Chunk* chunk = full_.front();
  full_.pop_front();
  return chunk;
}

void Reader::release(Chunk* chunk) {
  std::lock_guard lock(mutex_);
  free_.push_back(chunk);
  changed_.notify_all();
}

Chunk* Reader::take_free() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return !free_.empty() || stopping_; });
  if (stopping_) return nullptr;
  Chunk* chunk = free_.back();
  free_.pop_back();
  chunk->used = 0;
  chunk->bytes = 0;
  chunk->last = false;
  return chunk;
}

void Reader::publish(Chunk* chunk) {
  std::lock_guard lock(mutex_);
  full_.push_back(chunk);
  changed_.notify_all();
}

// The next record to fill in the chunk being filled, handing that chunk over when it is
// full; null when the consumer stopped.
Parsed* Reader::slot() {
  if (chunk_ == nullptr) return nullptr;
  if (chunk_->used == Reader::chunk_items || chunk_->bytes >= Reader::chunk_bytes) {
    publish(chunk_);
    chunk_ = take_free();
    if (chunk_ == nullptr) return nullptr;
  }
  if (chunk_->used == chunk_->items.size()) chunk_->items.emplace_back();
  Parsed* out = &chunk_->items[chunk_->used++];
  // Records are reused: do not let one huge payload pin its memory for good.
  if (out->raw.capacity() > (1u << 20)) std::string().swap(out->raw);
  if (out->text.capacity() > (1u << 20)) std::string().swap(out->text);
  return out;
}

// Reads the FILE-th input into chunks; false when the consumer stopped.
bool Reader::read_file(std::size_t file, parse::Unpacker& unpacker, parse::ScopeReader& scope) {
  read::ByteStream in(files_[file]);
  // A slow pipe: hand over what was read before waiting for more, so that each payload
  // is applied as soon as it is whole.
  in.on_wait = [&] {
    if (chunk_ != nullptr && chunk_->used > 0) {
      publish(chunk_);
      chunk_ = take_free();
    }
  };
  read::Framer framer(in);
  if (parse::Extractor::default_engine() == parse::Extractor::Engine::fast) framer.guess_lines();
  read::Frame frame;
  bool stopped = false;
  const parse::Unpacker::Emit emit = [&](const parse::Unpacked& u) {
    Parsed* out = stopped ? nullptr : slot();
    if (out == nullptr) {
      stopped = true;
      return;
    }
    out->assign(u, file, scope_fields_ ? &scope : nullptr);
    out->offset = frame.offset + u.offset;
    chunk_->bytes += out->kind == Parsed::Kind::payload ? out->text.size() : out->raw.size();
  };
  while (framer.next(frame) && !stopped) {
    // NDJSON: a line is parsed where it is, and scanned only when it is no payload.
    if (frame.guessed) {
      if (unpacker.unpack_guessed(frame.bytes, frame.line, frame.column, emit)) continue;
      framer.settle(frame);
    }
    // A stream that broke before its first payload says so once, below.
    if (frame.problem == read::FrameProblem::empty && !in.damage().empty()) continue;
    if (frame.problem == read::FrameProblem::none) {
      unpacker.unpack(frame.bytes, frame.line, frame.column, emit, true);
      continue;
    }
    emit(rejection_of(frame));
  }
  if (stopped) return false;
  if (!in.damage().empty()) {
    Parsed* out = slot();
    if (out == nullptr) return false;
    damaged(*out, file, framer, in.damage());
  }
  return true;
}

void Reader::run() {
  parse::Unpacker unpacker;
  if (secret_) unpacker.require_signatures(*secret_);
  parse::ScopeReader scope;
  chunk_ = take_free();
  for (std::size_t file = 0; file < files_.size() && chunk_ != nullptr; ++file) {
    try {
      if (!read_file(file, unpacker, scope)) return;
    } catch (...) {
      Parsed* out = slot();
      if (out == nullptr) return;
      out->kind = Parsed::Kind::failed;
      out->file = file;
      out->error = std::current_exception();
      break;
    }
  }
  if (chunk_ != nullptr) {
    chunk_->last = true;
    publish(chunk_);
  }
}

}  // namespace jira_alerts::replay
