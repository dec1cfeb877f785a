#include "capture/applier.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>

#include "read/input.hpp"
#include "util/error.hpp"

namespace jira_alerts::capture {
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t whole_file = std::numeric_limits<std::uint64_t>::max();
constexpr std::size_t read_size = 4u << 20;

// An owned file descriptor.
struct Fd {
  int fd;
  explicit Fd(int value) : fd(value) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// "30 s", or "50 ms" for a wait that is not whole seconds.
std::string shown(std::chrono::milliseconds wait) {
  if (wait.count() % 1000 == 0) return std::to_string(wait.count() / 1000) + " s";
  return std::to_string(wait.count()) + " ms";
}

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

void HeldNotices::hold(bool rejection, const replay::Notice& notice) {
  if (out_)
    held_.push_back({rejection, std::string(notice.path), std::string(notice.text), notice.line,
                     notice.column});
}

void HeldNotices::flush() {
  if (!out_) return;
  for (const Held& h : held_) {
    const replay::Notice notice{h.path, h.line, h.column, h.text};
    if (h.rejection)
      out_->rejected(notice);
    else
      out_->warning(notice);
  }
  held_.clear();
  out_->flush();
}

void HeldNotices::drop_rejections() {
  std::erase_if(held_, [](const Held& h) { return h.rejection; });
}

Applier::Applier(store::Store& store, std::vector<replay::AlertSet> sets, std::string dir,
                 std::string_view command_line, Metrics* metrics, replay::Sink* sink)
    : store_(store),
      dir_(std::move(dir)),
      metrics_(metrics),
      notices_(sink),
      replayer_(store, std::move(sets), &notices_, replay::OnReject::keep_going),
      scoped_(replayer_.scoped()) {
  store::Batch batch(store_);
  store_.log().begin_run(command_line);
  batch.commit();
}

Applier::~Applier() {
  stop();
}

std::string Applier::progress_key(const std::string& path) {
  std::error_code ec;
  return "record.applied:" + fs::absolute(path, ec).lexically_normal().string();
}

void Applier::catch_up() {
  // The capture files in byte order of their paths, as a replay of DIR reads them.
  for (const auto& path : read::expand_operands({dir_}).files)
    if (fs::path(path).extension() == ".ndjson") apply_file(path, whole_file);
  commit(true);
}

void Applier::start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "jira-alerts-ap");
    run();
  });
}

void Applier::notify(const Durable& durable) {
  std::lock_guard lock(mutex_);
  std::uint64_t& end = durable_[durable.path];
  end = std::max(end, durable.end);
  changed_.notify_one();
}

void Applier::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    changed_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  store::Batch batch(store_);
  store_.log().finish_run(counts().payloads, counts().of(rules::Action::reject));
  batch.commit();
  store_.checkpoint();
}

void Applier::run() {
  for (;;) {
    std::map<std::string, std::uint64_t> work;
    bool last = false;
    {
      std::unique_lock lock(mutex_);
      const auto ready = [&] { return !durable_.empty() || stopping_; };
      if (!replayer_.in_batch() && retry_.empty()) {
        changed_.wait(lock, ready);
      } else if (!replayer_.in_batch()) {
        changed_.wait_until(lock, retry_at_, ready);
      } else {
        const auto due = std::chrono::steady_clock::now() + idle_commit;
        changed_.wait_until(lock, std::min(due, batch_opened_ + batch_time), ready);
      }
      work.swap(durable_);
      last = stopping_;
    }
    const bool retry_due = !retry_.empty() && std::chrono::steady_clock::now() >= retry_at_;
    apply(std::move(work), last || retry_due);
    if (last) {
      attempt("", [&] { commit(true); });
      return;
    }
  }
}

void Applier::apply(std::map<std::string, std::uint64_t> work, bool again) {
  // What a refused batch held is applied again with the next delivery, once its retry
  // is due, or as the applier stops.
  if (!work.empty() || again) {
    for (const auto& [path, end] : retry_) work[path] = std::max(work[path], end);
    retry_.clear();
  }
  for (const auto& [path, end] : work) notified_[path] = std::max(notified_[path], end);
  const bool ready = attempt("", [&] {
    if (!work.empty() && !replayer_.in_batch() && before_batch) before_batch();
    if (work.empty())
      commit(true);
    else if (std::chrono::steady_clock::now() >= batch_opened_ + batch_time)
      commit();
  });
  if (!ready) return;  // retry_ holds the work
  for (const auto& entry : work)
    attempt(entry.first, [&] { apply_file(entry.first, entry.second); });
}

bool Applier::attempt(const std::string& capture, const std::function<void()>& step) {
  try {
    step();
    return true;
  } catch (const std::exception& e) {
    // The capture holds every acknowledged delivery: the batch is rolled back, and
    // each capture file is applied from where its committed progress says.
    const std::string& state = store_.db().label();  // "state file 'PATH'"
    std::string why = e.what();
    if (!capture.empty())
      why = "cannot apply '" + capture + "': " + why;
    else if (why.rfind(state, 0) != 0)
      why = state + ": " + why;
    retry_wait_ = retry_wait_.count() == 0 ? retry_first : std::min(retry_wait_ * 2, retry_most);
    retry_at_ = std::chrono::steady_clock::now() + retry_wait_;
    std::fprintf(stderr,
                 "jira-alerts: record: %s (applied again in %s, or with the next delivery)\n",
                 why.c_str(), shown(retry_wait_).c_str());
    replayer_.rollback();
    notices_.drop_rejections();
    lines_in_batch_ = 0;
    retry_ = notified_;
    return false;
  }
}

void Applier::apply_file(const std::string& path, std::uint64_t end) {
  const std::string key = progress_key(path);
  std::uint64_t offset = 0, line = 1;
  if (const auto progress = store_.meta(key))
    std::sscanf(progress->c_str(), "%llu %llu", reinterpret_cast<unsigned long long*>(&offset),
                reinterpret_cast<unsigned long long*>(&line));
  if (offset >= end) return;
  Fd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.fd < 0) throw Error("cannot open '" + path + "': " + std::strerror(errno));
  std::string buffer;
  // How far PATH is applied, written in the batch that applied it.
  const auto progress = [&] {
    store_.set_meta(key, std::to_string(offset) + " " + std::to_string(line));
  };
  const parse::Unpacker::Emit take = [&](const parse::Unpacked& u) {
    item_.assign(u, 0, scoped_ ? &scope_ : nullptr);
    item_.offset = offset + u.offset;  // OFFSET: where the line being unpacked starts
    replayer_.take(item_, path);
  };
  for (std::uint64_t at = offset; at < end;) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(read_size, end - at));
    const std::size_t kept = buffer.size();
    buffer.resize(kept + want);
    const ssize_t n = ::pread(file.fd, buffer.data() + kept, want, static_cast<off_t>(at));
    if (n < 0) throw Error("cannot read '" + path + "': " + std::strerror(errno));
    buffer.resize(kept + static_cast<std::size_t>(n));
    if (n == 0) break;
    at += static_cast<std::uint64_t>(n);
    // Only complete lines: a torn last line was never acknowledged.
    std::size_t begin = 0;
    for (std::size_t nl = buffer.find('\n'); nl != std::string::npos;
         nl = buffer.find('\n', begin)) {
      if (!replayer_.in_batch()) batch_opened_ = std::chrono::steady_clock::now();
      replayer_.open_batch();
      const std::string_view text(buffer.data() + begin, nl - begin);
      if (!blank(text)) unpacker_.unpack(text, line, 1, take);
      offset += nl - begin + 1;
      ++line;
      begin = nl + 1;
      if (++lines_in_batch_ >= batch_lines) {
        progress();
        commit();
      }
    }
    buffer.erase(0, begin);
  }
  if (replayer_.in_batch()) progress();
}

void Applier::commit(bool idle) {
  if (!replayer_.in_batch()) return;
  replayer_.commit();
  lines_in_batch_ = 0;
  retry_wait_ = {};
  const std::uint64_t payloads = counts().payloads - committed_payloads_;
  committed_payloads_ = counts().payloads;
  if (metrics_ != nullptr) {
    const auto now = std::chrono::steady_clock::now();
    if (idle || now >= counted_ + count_every) {
      metrics_->open_alerts(open_by_priority());
      counted_ = now;
    }
    metrics_->applied(payloads);
  }
  if (on_applied) on_applied({payloads, counts()});
}

std::array<std::int64_t, 4> Applier::open_by_priority() {
  std::array<std::int64_t, 4> open{};
  store::Statement s(
      store_.db(), "SELECT priority, count(*) FROM alerts WHERE state = 'open' GROUP BY priority");
  while (s.step()) {
    if (const auto level = rules::parse_level(s.text(0)))
      open[static_cast<std::size_t>(*level)] = s.int64(1);
  }
  return open;
}

}  // namespace jira_alerts::capture
