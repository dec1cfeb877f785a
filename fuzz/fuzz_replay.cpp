// libFuzzer target for the replay data path: bytes → read::Framer → parse::Extractor →
// rules::decide, as replay::Reader drives it.
//
// The fuzz input is one input file. read::ByteStream only opens paths, so the input
// is written to a memfd and opened again through /proc/self/fd (gzip is undone
// transparently, as for a real file). Every frame is extracted by BOTH engines,
// which must agree: the fast engine (simdjson, RapidJSON for what it does not
// accept) against the reference (RapidJSON only). Any disagreement aborts with a
// description of both sides. Usable payloads then go through rules::decide against
// no alert, an open alert and a resolved alert, and through identity and reason_text.
//
// Each input is framed twice: with a 1 MiB payload limit, and with a tiny one so
// that the too-large path (skipping, the kept prefix, resuming after it) is reached
// by inputs of the size libFuzzer generates (its -max_len defaults to the largest
// seed, ~37 KB for fixtures/history).

#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "parse/extract.hpp"
#include "parse/payload.hpp"
#include "read/framer.hpp"
#include "read/input.hpp"
#include "rules/decide.hpp"
#include "rules/mapping.hpp"
#include "util/error.hpp"

namespace {

namespace ja = jira_alerts;
using ja::parse::Payload;
using ja::parse::Text;

constexpr std::size_t large_limit = 1u << 20;  // 1 MiB
constexpr std::size_t small_limit = 256;
constexpr ja::util::Millis alert_time = 1768294931482;  // 2026-01-13T09:02:11.482Z

// The memfd that holds the current input, and the path ByteStream opens it by.
struct InputFile {
  int fd = -1;
  std::string path;

  InputFile() {
    fd = memfd_create("fuzz_replay_input", MFD_CLOEXEC);
    if (fd < 0) {
      std::perror("fuzz_replay: memfd_create");
      std::abort();
    }
    path = "/proc/self/fd/" + std::to_string(fd);
  }

  void assign(const std::uint8_t* data, std::size_t size) {
    if (ftruncate(fd, 0) != 0) {
      std::perror("fuzz_replay: ftruncate");
      std::abort();
    }
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = pwrite(fd, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) {
        std::perror("fuzz_replay: pwrite");
        std::abort();
      }
      done += static_cast<std::size_t>(n);
    }
  }
};

// BYTES for a message: printable ASCII as is, everything else as \xNN, at most LIMIT bytes.
std::string shown(std::string_view bytes, std::size_t limit = 400) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      out += hex;
    }
  }
  if (bytes.size() > limit) out += "... (" + std::to_string(bytes.size()) + " bytes)";
  return out;
}

std::string shown(const Text& t) { return t.present ? "\"" + shown(t.value) + "\"" : "(absent)"; }

std::string shown(const std::optional<ja::util::Millis>& t) {
  return t ? std::to_string(*t) : "(none)";
}

[[noreturn]] void fail(const char* what, std::string_view frame, const std::string& fast,
                       const std::string& reference) {
  std::fprintf(stderr,
               "\nfuzz_replay: ENGINE MISMATCH in %s\n  fast:      %s\n  reference: %s\n"
               "  frame (%zu bytes): %s\n",
               what, fast.c_str(), reference.c_str(), frame.size(), shown(frame, 2000).c_str());
  std::abort();
}

[[noreturn]] void broken(const char* what, std::string_view frame) {
  std::fprintf(stderr, "\nfuzz_replay: INVARIANT BROKEN: %s\n  frame (%zu bytes): %s\n", what,
               frame.size(), shown(frame, 2000).c_str());
  std::abort();
}

void compare(const Payload& f, const Payload& r, std::string_view frame) {
  static constexpr std::array<std::pair<const char*, Text Payload::*>, 11> texts{{
      {"event", &Payload::event},
      {"key", &Payload::key},
      {"issue_id", &Payload::issue_id},
      {"status", &Payload::status},
      {"category", &Payload::category},
      {"summary", &Payload::summary},
      {"project", &Payload::project},
      {"changelog_id", &Payload::changelog_id},
      {"moved_from", &Payload::moved_from},
      {"moved_to", &Payload::moved_to},
      {"user", &Payload::user},
  }};
  for (const auto& [name, member] : texts) {
    const Text& a = f.*member;
    const Text& b = r.*member;
    if (a.present != b.present || a.value != b.value) fail(name, frame, shown(a), shown(b));
  }
  if (f.status_source != r.status_source)
    fail("status_source", frame, std::to_string(static_cast<int>(f.status_source)),
         std::to_string(static_cast<int>(r.status_source)));
  if (f.priority_form != r.priority_form || f.priority != r.priority)
    fail("priority_form+priority", frame,
         std::to_string(static_cast<int>(f.priority_form)) + " \"" + shown(f.priority) + "\"",
         std::to_string(static_cast<int>(r.priority_form)) + " \"" + shown(r.priority) + "\"");
  if (f.timestamp != r.timestamp) fail("timestamp", frame, shown(f.timestamp), shown(r.timestamp));
  if (f.workflow_body != r.workflow_body)
    fail("workflow_body", frame, f.workflow_body ? "true" : "false", r.workflow_body ? "true" : "false");
  if (f.has_issue != r.has_issue)
    fail("has_issue", frame, f.has_issue ? "true" : "false", r.has_issue ? "true" : "false");
}

// Runs the rules on a usable payload, as the replayer would against each kind of alert.
void rules(const Payload& p, std::string_view frame) {
  static const ja::rules::Mapping mapping;
  using ja::rules::Action;
  using ja::rules::Current;
  using ja::rules::State;
  const std::array<Current, 4> alerts{{
      {State::open, std::nullopt},
      {State::open, alert_time},
      {State::resolved, alert_time},
      {State::resolved, std::nullopt},
  }};
  const auto check = [&](const ja::rules::Decision& d) {
    if (ja::rules::parse_action(ja::rules::action_name(d.action)) != d.action)
      broken("action_name does not round-trip", frame);
    if (ja::rules::parse_state(ja::rules::state_name(d.state)) != d.state)
      broken("state_name does not round-trip", frame);
    const std::string why = ja::rules::reason_text(d.rule, d.action, p.status.value,
                                                   p.effective_event(), p.timestamp.has_value());
    if (why.empty()) broken("empty reason_text", frame);
  };

  const auto fresh = ja::rules::decide(p, nullptr, false, mapping);
  check(fresh);
  if (fresh.action != Action::open && fresh.action != Action::resolve && fresh.action != Action::ignore)
    broken("a payload without an alert must open, resolve or be ignored", frame);
  check(ja::rules::decide(p, nullptr, true, mapping));
  for (const Current& alert : alerts) {
    check(ja::rules::decide(p, &alert, false, mapping));
    check(ja::rules::decide(p, &alert, true, mapping));
  }
  (void)ja::rules::identity(p, frame);
}

void frames(const std::string& path, std::size_t limit) {
  static ja::parse::Extractor fast(ja::parse::Extractor::Engine::fast);
  static ja::parse::Extractor reference(ja::parse::Extractor::Engine::reference);

  ja::read::ByteStream in(path);
  ja::read::Framer framer(in, limit);
  ja::read::Frame frame;
  while (framer.next(frame)) {
    if (frame.line < 1 || frame.column < 1) broken("frame position below 1:1", frame.bytes);
    switch (frame.problem) {
      case ja::read::FrameProblem::empty:
        continue;
      case ja::read::FrameProblem::too_large:
        if (frame.size <= limit) broken("too_large frame within the limit", frame.bytes);
        if (frame.bytes.size() > ja::read::Framer::kept_prefix || frame.bytes.size() > frame.size)
          broken("too_large frame keeps more than its prefix", frame.bytes);
        (void)ja::parse::position_of(frame.bytes, 0, frame.line, frame.column);
        continue;
      case ja::read::FrameProblem::none:
        break;
    }
    if (frame.bytes.size() != frame.size) broken("frame size differs from its bytes", frame.bytes);

    Payload fp, rp;
    ja::parse::Rejection fr, rr;
    const bool fast_ok = fast.extract(frame.bytes, fp, fr);
    const bool ref_ok = reference.extract(frame.bytes, rp, rr);
    if (fast_ok != ref_ok) {
      fail("accept/reject", frame.bytes, fast_ok ? "accepted" : "rejected: " + fr.reason,
           ref_ok ? "accepted" : "rejected at " + std::to_string(rr.offset) + ": " + rr.reason);
    }
    if (!fast_ok) {
      if (fr.reason != rr.reason || fr.offset != rr.offset)
        fail("rejection", frame.bytes, std::to_string(fr.offset) + ": " + fr.reason,
             std::to_string(rr.offset) + ": " + rr.reason);
      if (fr.reason.empty()) broken("rejection without a reason", frame.bytes);
      (void)ja::parse::position_of(frame.bytes, fr.offset, frame.line, frame.column);
      continue;
    }
    compare(fp, rp, frame.bytes);
    if (ja::rules::identity(fp, frame.bytes) != ja::rules::identity(rp, frame.bytes))
      fail("identity", frame.bytes, "", "");
    rules(fp, frame.bytes);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static InputFile input;
  input.assign(data, size);
  for (const std::size_t limit : {large_limit, small_limit}) {
    try {
      frames(input.path, limit);
    } catch (const ja::Error&) {
      // An unreadable input (a broken gzip stream): replay reports it; nothing to check.
    }
  }
  return 0;
}
