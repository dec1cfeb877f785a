#include "replay/reader.hpp"

#include <pthread.h>

#include <algorithm>
#include <utility>

#include "parse/extract.hpp"
#include "rules/decide.hpp"

namespace jira_alerts::replay {
namespace {

// Copies every string PAYLOAD points at into TEXT and points the payload there.
void own(parse::Payload& p, std::string& text) {
  parse::Text* fields[] = {&p.event,      &p.key,      &p.issue_id, &p.status,
                           &p.category,   &p.summary,  &p.project,  &p.changelog_id,
                           &p.moved_from, &p.moved_to, &p.user};
  std::size_t total = p.priority.size();
  for (const parse::Text* f : fields) total += f->value.size();
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
}

}  // namespace

Reader::Reader(std::vector<std::string> files) : files_(std::move(files)) {
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

void Reader::run() {
  parse::Extractor extractor;
  Chunk* chunk = take_free();
  // Returns the next record to fill, handing over the chunk when it is full.
  const auto slot = [&]() -> Parsed* {
    if (chunk == nullptr) return nullptr;
    if (chunk->used == Reader::chunk_items || chunk->bytes >= Reader::chunk_bytes) {
      publish(chunk);
      chunk = take_free();
      if (chunk == nullptr) return nullptr;
    }
    if (chunk->used == chunk->items.size()) chunk->items.emplace_back();
    Parsed* out = &chunk->items[chunk->used++];
    // Records are reused: do not let one huge payload pin its memory for good.
    if (out->raw.capacity() > (1u << 20)) std::string().swap(out->raw);
    if (out->text.capacity() > (1u << 20)) std::string().swap(out->text);
    return out;
  };

  for (std::size_t file = 0; file < files_.size() && chunk != nullptr; ++file) {
    try {
      read::ByteStream in(files_[file]);
      read::Framer framer(in);
      read::Frame frame;
      while (framer.next(frame)) {
        // A stream that broke before its first payload says so once, below.
        if (frame.problem == read::FrameProblem::empty && !in.damage().empty()) continue;
        Parsed* out = slot();
        if (out == nullptr) return;
        out->kind = Parsed::Kind::payload;
        out->file = file;
        out->line = frame.line;
        out->column = frame.column;
        out->size = frame.size;
        out->error = nullptr;
        parse::Rejection rejection;
        switch (frame.problem) {
          case read::FrameProblem::empty:
            rejection = {0, "empty input: no payload"};
            break;
          case read::FrameProblem::too_large:
            rejection = {0, "payload of " + std::to_string(frame.size) +
                                " bytes is larger than the limit of " +
                                std::to_string(read::Framer::default_max_payload >> 20) + " MiB"};
            break;
          case read::FrameProblem::none:
            if (extractor.extract(frame.bytes, out->payload, rejection)) {
              out->identity = rules::identity(out->payload, frame.bytes);
              own(out->payload, out->text);
              chunk->bytes += out->text.size();
              continue;
            }
            break;
        }
        const auto at = parse::position_of(frame.bytes, rejection.offset, frame.line, frame.column);
        out->kind = Parsed::Kind::rejected;
        out->error_line = at.line;
        out->error_column = at.column;
        out->reason = std::move(rejection.reason);
        out->raw.assign(frame.bytes);
        chunk->bytes += out->raw.size();
      }
      if (!in.damage().empty()) {
        Parsed* out = slot();
        if (out == nullptr) return;
        out->kind = Parsed::Kind::rejected;
        out->file = file;
        out->line = out->error_line = framer.line();
        out->column = out->error_column = framer.column();
        out->size = 0;
        out->reason = in.damage();
        out->raw.clear();
      }
    } catch (...) {
      Parsed* out = slot();
      if (out == nullptr) return;
      out->kind = Parsed::Kind::failed;
      out->file = file;
      out->error = std::current_exception();
      break;
    }
  }
  if (chunk != nullptr) {
    chunk->last = true;
    publish(chunk);
  }
}

}  // namespace jira_alerts::replay
