// libFuzzer target for the replay data path: bytes → read::Framer → parse::Extractor →
// rules::decide, as replay::Reader drives it.
//
// The fuzz input is one input file. read::ByteStream only opens paths, so the input
// is written to a memfd and opened again through /proc/self/fd (gzip is undone
// transparently, as for a real file). Every frame is unpacked (a plain payload, an
// envelope or a failed-webhook list) and extracted by BOTH engines, which must agree: the fast
// engine (simdjson, RapidJSON for what it does not accept) against the reference (RapidJSON only).
// Any disagreement aborts with a description of both sides. Usable payloads then go through
// rules::decide against no alert, an open alert and a resolved alert, and through identity and
// reason_text.
//
// Each input is framed twice: with a 1 MiB payload limit, and with a tiny one so
// that the too-large path (skipping, the kept prefix, resuming after it) is reached
// by inputs of the size libFuzzer generates (its -max_len defaults to the largest
// seed, ~37 KB for fixtures/history). Each time it is also read as replay::Reader
// reads it (NDJSON lines guessed by the framer and read where the framer holds them,
// settled when they are no usable payload), which must give the same payloads.

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
#include <vector>

#include "parse/extract.hpp"
#include "parse/payload.hpp"
#include "parse/unpack.hpp"
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

std::string shown(const Text& t) {
  return t.present ? "\"" + shown(t.value) + "\"" : "(absent)";
}

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

// Every field of P in words, so that the two engines' payloads compare as text.
std::string describe(const Payload& p) {
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
  std::string out;
  for (const auto& [name, member] : texts) out += std::string(" ") + name + "=" + shown(p.*member);
  out += " status_source=" + std::to_string(static_cast<int>(p.status_source));
  out += " priority=" + std::to_string(static_cast<int>(p.priority_form)) + ":\"" +
         shown(p.priority) + "\"";
  out += " timestamp=" + shown(p.timestamp);
  out += p.workflow_body ? " workflow_body" : "";
  out += p.has_issue ? " has_issue" : "";
  return out;
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
  if (fresh.action != Action::open && fresh.action != Action::resolve &&
      fresh.action != Action::ignore)
    broken("a payload without an alert must open, resolve or be ignored", frame);
  check(ja::rules::decide(p, nullptr, true, mapping));
  for (const Current& alert : alerts) {
    check(ja::rules::decide(p, &alert, false, mapping));
    check(ja::rules::decide(p, &alert, true, mapping));
  }
  (void)ja::rules::identity(p, frame);
}

// A frame with a problem, described.
std::string problem_of(const ja::read::Frame& frame) {
  return std::to_string(frame.offset) + " problem " +
         std::to_string(static_cast<int>(frame.problem)) + " size " + std::to_string(frame.size);
}

// One payload out of a frame, described.
std::string described(const ja::parse::Unpacked& u, const ja::read::Frame& frame) {
  if (u.line < 1 || u.column < 1) broken("payload position below 1:1", frame.bytes);
  if (u.raw.size() > frame.bytes.size()) broken("raw bytes larger than the frame", frame.bytes);
  std::string d = std::to_string(frame.offset + u.offset) + " " + std::to_string(u.line) + ":" +
                  std::to_string(u.column) + " size " + std::to_string(u.size) + " delivery \"" +
                  shown(u.delivery_id) + "\" ";
  if (!u.usable())
    return d + "rejected at " + std::to_string(u.error_line) + ":" +
           std::to_string(u.error_column) + ": " + u.reason;
  return d + "identity " + std::to_string(ja::rules::identity(*u.payload, u.bytes)) +
         describe(*u.payload);
}

// What one engine made of one frame: each payload in it, described.
std::vector<std::string> unpack(ja::parse::Unpacker& unpacker, const ja::read::Frame& frame,
                                bool run_rules) {
  std::vector<std::string> out;
  unpacker.unpack(frame.bytes, frame.line, frame.column, [&](const ja::parse::Unpacked& u) {
    if (!u.usable() && u.reason.empty()) broken("rejection without a reason", frame.bytes);
    out.push_back(described(u, frame));
    if (u.usable() && run_rules) rules(*u.payload, u.bytes);
  });
  return out;
}

// What the replay's reader makes of the input: NDJSON lines guessed by the framer and
// read where they are (settled when they are no usable payload), every payload
// described in order, frames with a problem by their problem.
std::vector<std::string> as_the_reader_reads(const std::string& path, std::size_t limit) {
  static ja::parse::Unpacker fast(ja::parse::Extractor::Engine::fast);
  ja::read::ByteStream in(path);
  ja::read::Framer framer(in, limit);
  framer.guess_lines();
  ja::read::Frame frame;
  std::vector<std::string> out;
  while (framer.next(frame)) {
    if (frame.guessed) {
      const std::size_t before = out.size();
      if (fast.unpack_guessed(
              frame.bytes, frame.line, frame.column,
              [&](const ja::parse::Unpacked& u) { out.push_back(described(u, frame)); }))
        continue;
      if (out.size() != before) broken("a refused guess emitted payloads", frame.bytes);
      framer.settle(frame);
    }
    if (frame.problem != ja::read::FrameProblem::none) {
      out.push_back(problem_of(frame));
      continue;
    }
    fast.unpack(
        frame.bytes, frame.line, frame.column,
        [&](const ja::parse::Unpacked& u) { out.push_back(described(u, frame)); }, true);
  }
  return out;
}

void frames(const std::string& path, std::size_t limit) {
  static ja::parse::Unpacker fast(ja::parse::Extractor::Engine::fast);
  static ja::parse::Unpacker reference(ja::parse::Extractor::Engine::reference);

  ja::read::ByteStream in(path);
  ja::read::Framer framer(in, limit);
  ja::read::Frame frame;
  std::vector<std::string> scanned;  // what the fast engine made of each frame, in order
  while (framer.next(frame)) {
    if (frame.line < 1 || frame.column < 1) broken("frame position below 1:1", frame.bytes);
    if (frame.problem != ja::read::FrameProblem::none) scanned.push_back(problem_of(frame));
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

    // Plain payloads, envelopes and failed-webhook lists alike: both engines must
    // find the same payloads with the same fields, or the same rejections.
    const std::vector<std::string> f = unpack(fast, frame, true);
    const std::vector<std::string> r = unpack(reference, frame, false);
    if (f.size() != r.size())
      fail("payload count", frame.bytes, std::to_string(f.size()), std::to_string(r.size()));
    for (std::size_t i = 0; i < f.size(); ++i)
      if (f[i] != r[i]) fail("payload", frame.bytes, f[i], r[i]);
    scanned.insert(scanned.end(), f.begin(), f.end());
  }
  // Guessing NDJSON lines, and reading frames where the framer holds them, changes nothing.
  const std::vector<std::string> guessed = as_the_reader_reads(path, limit);
  if (guessed.size() != scanned.size())
    fail("payload count when lines are guessed", "", std::to_string(guessed.size()),
         std::to_string(scanned.size()));
  for (std::size_t i = 0; i < guessed.size(); ++i)
    if (guessed[i] != scanned[i])
      fail("payload when lines are guessed", "", guessed[i], scanned[i]);
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
