// record's work: jira-alerts-net only (see network.hpp).
#include <pthread.h>
#include <signal.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <thread>

#include "capture/applier.hpp"
#include "capture/log.hpp"
#include "capture/receiver.hpp"
#include "cli/network.hpp"
#include "cli/settings.hpp"
#include "forward/pusher.hpp"
#include "report/console.hpp"
#include "store/sources.hpp"
#include "store/store.hpp"
#include "util/error.hpp"
#include "util/hmac.hpp"

namespace jira_alerts::cli {
namespace {

// ADDR:PORT (an IPv6 address in brackets) → host and port.
std::pair<std::string, int> parse_listen(const std::string& text) {
  const auto colon = text.rfind(':');
  const auto bad = [&] {
    return Error("--listen: '" + text + "' is not ADDR:PORT (e.g. 127.0.0.1:8080, [::1]:0)");
  };
  if (colon == std::string::npos || colon == 0) throw bad();
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int port = -1;
  const char* begin = text.data() + colon + 1;
  const char* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(begin, end, port);
  if (begin == end || ec != std::errc() || stop != end || port < 0 || port > 65535) throw bad();
  return {host, port};
}

// BYTES, or a number with a KiB or MiB suffix.
std::uint64_t parse_size(const std::string& text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, value);
  const std::string_view unit(stop, static_cast<std::size_t>(end - stop));
  std::uint64_t scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  if (unit == "KiB") scale = 1u << 10;
  if (unit == "MiB") scale = 1u << 20;
  if (stop == text.data() || ec != std::errc() || scale == 0 || value == 0 ||
      value > (std::uint64_t{1} << 30) / scale)
    throw Error("--max-body: '" + text +
                "' is not a size from 1 byte to 1024MiB (bytes, or with a KiB or MiB suffix)");
  return value * scale;
}

std::optional<std::string> secret_of(const RecordOptions& o) {
  if (!o.secret_file.empty()) return util::read_secret_file(o.secret_file, "--secret-file");
  if (const char* env = std::getenv("JIRA_ALERTS_SECRET"); env != nullptr && *env != '\0')
    return std::string(env);
  return std::nullopt;
}

// SIGTERM and SIGINT are taken by a thread of their own, which stops the receiver.
class Signals {
 public:
  Signals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    // Blocked before any thread starts, so that every thread inherits the mask.
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }
  ~Signals() {
    join();
    pthread_sigmask(SIG_UNBLOCK, &set_, nullptr);
  }
  Signals(const Signals&) = delete;
  Signals& operator=(const Signals&) = delete;

  void on_signal(std::function<void()> stop) {
    thread_ = std::thread([this, stop = std::move(stop)] {
      int signal = 0;
      sigwait(&set_, &signal);
      stop();
    });
  }

  // Waits until the thread is done: the stop it calls may still be running when what it
  // stops has returned, and must end before that is destroyed.
  void join() {
    if (!thread_.joinable()) return;
    pthread_kill(thread_.native_handle(), SIGTERM);  // wakes sigwait if no signal came
    thread_.join();
  }

 private:
  sigset_t set_{};
  std::thread thread_;
};

// A rebuild by another command changes the settings in STORE: before each batch, APPLIER
// decides with the new ones.
void follow_settings(capture::Applier& applier, store::Store& store, const std::string& db) {
  applier.before_batch = [&applier, &store, db,
                          stamp = store::settings_stamp(store.db())]() mutable {
    const std::string now = store::settings_stamp(store.db());
    if (now == stamp) return;
    stamp = now;
    for (const auto& record : store::read_sources(store.db())) {
      for (auto& set : applier.sets()) {
        if (set.id != record.id || !record.settings) continue;
        const auto scope = set.mapping.shared_scope();
        set.mapping = recorded_mapping(*record.settings, db, record.name);
        set.mapping.set_scope(scope);
      }
    }
    std::fprintf(stderr,
                 "jira-alerts: record: the state file's settings changed (rebuild or "
                 "--remap): deciding with them from now on\n");
  };
}

}  // namespace

int run_record(const RecordOptions& o) {
  check_caller_version();
  capture::ReceiverOptions options;
  std::tie(options.host, options.port) = parse_listen(o.listen);
  options.max_body = parse_size(o.max_body);
  options.apply = o.apply;
  const GivenSettings given = build_settings(o.mapping);
  std::vector<forward::Target> targets;
  for (const auto& spec : o.push) targets.push_back(forward::parse_target(spec, "--push"));
  const forward::Secrets secrets = read_secrets(o.secrets);
  forward::check_secrets(targets, secrets);
  options.secret = secret_of(o);

  Signals signals;
  capture::Metrics metrics;
  capture::CaptureLog log(o.out);
  log.on_fsync = [&](std::chrono::duration<double> took) { metrics.fsync(took); };
  std::unique_ptr<store::Store> store;
  report::Console console(nullptr);  // rejections and warnings on standard error
  // The pusher outlives the applier, whose last batch may still wake it.
  std::unique_ptr<forward::Pusher> pusher;
  std::unique_ptr<capture::Applier> applier;
  if (o.apply) {
    store = std::make_unique<store::Store>(o.db, store::Access::write);
    replay::RebuildCounts remapped;
    std::vector<replay::AlertSet> sets = settle_sources(
        *store, o.db, o.mapping, given, o.sources, o.remap ? Remap::yes : Remap::no, &remapped);
    if (o.remap)
      std::fprintf(stderr, "jira-alerts: record: remap: %s\n", rebuild_note(remapped).c_str());
    applier = std::make_unique<capture::Applier>(*store, std::move(sets), o.out, o.command_line,
                                                 &metrics, &console);
    applier->set_left_out_paths(left_out_paths(store->db(), given, applier->sets()));
    follow_settings(*applier, *store, o.db);
    applier->catch_up();  // what a crash left unapplied, before any new delivery
  }
  capture::Receiver receiver(log, metrics, options);
  const std::string address = receiver.bind();
  if (applier) {
    if (!targets.empty()) {  // only once listening works: a failed start pushes nothing
      pusher = std::make_unique<forward::Pusher>(o.db, targets, secrets);
      for (const auto& set : applier->sets()) pusher->sources.push_back(set.name);
      pusher->on_round = [&](const forward::PushReport& r) { metrics.pushed(r); };
      applier->on_applied = [&](const capture::AppliedBatch&) { pusher->notify(); };
      pusher->start();
    }
    applier->start();
    log.on_durable = [&](const capture::Durable& d) { applier->notify(d); };
  }
  // Said once it listens: a start that fails says only why.
  if (!options.secret)
    std::fprintf(stderr,
                 "jira-alerts: record: warning: no secret (--secret-file or JIRA_ALERTS_SECRET): "
                 "deliveries are not authenticated\n");
  std::fprintf(stderr, "jira-alerts: record: listening on %s, recording into %s%s\n",
               address.c_str(), o.out.c_str(), o.apply ? " and applying to the state file" : "");
  signals.on_signal([&] { receiver.stop(); });
  receiver.serve();  // returns once stopped and every request in flight is answered
  signals.join();
  log.stop();
  if (applier) applier->stop();
  if (pusher) pusher->stop();  // a last round for what was applied
  std::string applied;
  if (applier) {
    const auto n = applier->counts().payloads;
    applied = ": " + std::to_string(n) + (n == 1 ? " payload" : " payloads") + " applied";
  }
  std::fprintf(stderr, "jira-alerts: record: stopped%s\n", applied.c_str());
  return static_cast<int>(Exit::ok);
}

}  // namespace jira_alerts::cli
