#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <unordered_map>

#include "cli/commands.hpp"
#include "report/json.hpp"
#include "store/history.hpp"
#include "store/open.hpp"
#include "store/queries.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace jira_alerts::cli {
namespace {

struct CheckOptions {
  std::vector<std::string> expectations;
  std::string expect_file;
  std::optional<std::int64_t> max_open;
  std::string fail_on;
  std::string db;
  std::string format;
  std::string at;
  std::vector<std::string> sources;
  bool quiet = false;
};

// What an expectation asks of one key.
enum class Expected : std::uint8_t { open, resolved, absent };

struct Expectation {
  std::string text;  // as written, for messages
  std::string key;
  Expected state;
  std::optional<rules::Level> priority;
};

// Parses KEY=STATE or KEY=STATE:PRIORITY; WHERE prefixes errors ("expectation" or "FILE:LINE").
Expectation parse_expectation(std::string_view written, const std::string& where) {
  const std::string text(util::trim(written));
  const std::string context = where + " '" + text + "'";
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw Error(context +
                ": expected KEY=STATE or KEY=STATE:PRIORITY, e.g. KAN-5=resolved or "
                "KAN-7=open:HIGH");
  Expectation e{text, std::string(util::trim(text.substr(0, eq))), Expected::open, std::nullopt};
  std::string state(util::trim(text.substr(eq + 1)));
  std::string priority;
  if (const auto colon = state.find(':'); colon != std::string::npos) {
    priority = util::trim(state.substr(colon + 1));
    state = util::trim(state.substr(0, colon));
    if (priority.empty()) throw Error(context + ": the priority after ':' is empty");
  }
  const std::string lowered = util::to_lower(state);
  if (lowered == "open")
    e.state = Expected::open;
  else if (lowered == "resolved")
    e.state = Expected::resolved;
  else if (lowered == "absent")
    e.state = Expected::absent;
  else {
    throw Error(context + ": unknown state '" + state + "'" +
                util::did_you_mean(state, {"open", "resolved", "absent"},
                                   " (states: open, resolved, absent)"));
  }
  if (!priority.empty()) {
    if (e.state == Expected::absent)
      throw Error(context + ": an absent alert has no priority; write " + e.key + "=absent");
    e.priority = level_or_throw(priority, context);
  }
  return e;
}

// Appends the expectations of the file at PATH ("-": standard input) to OUT.
void read_expect_file(const std::string& path, std::vector<Expectation>& out) {
  std::error_code ec;
  if (path != "-" && std::filesystem::is_directory(path, ec))
    throw Error("--expect: '" + path + "' is a directory, not a file of expectations");
  std::ifstream in(path == "-" ? "/dev/stdin" : path);
  if (!in) throw Error("--expect: cannot open '" + path + "': " + std::strerror(errno));
  std::string line;
  for (std::uint64_t number = 1; std::getline(in, line); ++number) {
    // A byte-order mark (as some editors save UTF-8) is not part of the first key.
    if (number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    const std::string_view text = util::trim(line);
    if (text.empty() || text.front() == '#') continue;
    out.push_back(parse_expectation(text, path + ":" + std::to_string(number) + ": expectation"));
  }
  if (in.bad()) throw Error("--expect: cannot read '" + path + "': " + std::strerror(errno));
}

std::vector<Expectation> read_expectations(const CheckOptions& o) {
  std::vector<Expectation> out;
  for (const auto& text : o.expectations) out.push_back(parse_expectation(text, "expectation"));
  if (!o.expect_file.empty()) {
    const std::size_t before = out.size();
    read_expect_file(o.expect_file, out);
    // An empty list would let every CI run pass: it is a mistake, not "nothing expected".
    if (out.size() == before)
      throw Error("--expect: '" + o.expect_file +
                  "' holds no expectations (one KEY=STATE a line, e.g. KAN-5=resolved)");
  }
  return out;
}

// The result of one check.
struct Outcome {
  std::string check;  // the expectation or limit as written
  std::optional<std::string> key;
  bool ok;
  std::string found;                        // what the state file holds
  std::optional<std::string> alert_source;  // the source of the alert it is about
};

// " (source NAME)" when the output names sources, else nothing.
std::string in_source(const store::SourceScope& sources, std::string_view name) {
  return sources.named ? " (source " + std::string(name) + ")" : std::string();
}

std::string describe(const store::AlertView& a, std::string_view key,
                     const store::SourceScope& sources) {
  std::string s = a.fingerprint;
  if (a.fingerprint != key) s = std::string(key) + " is now " + a.fingerprint + ",";
  s += std::string(a.fingerprint != key ? " " : " is ") + std::string(rules::state_name(a.state)) +
       " at " + std::string(rules::level_name(a.priority));
  return s + in_source(sources, a.alert_source);
}

// The alerts that answer to KEY in the selected sources (one a source), now or as they
// stood at AT.
std::vector<store::AlertView> lookup(store::Database& db, const std::string& key,
                                     std::optional<util::Millis> at,
                                     const store::SourceScope& sources) {
  if (!at) return store::find_alerts(db, key, sources.ids);
  std::vector<store::AlertView> out;
  for (auto& then : store::alerts_at_key(db, key, *at, sources.ids))
    out.push_back(std::move(then.alert));
  return out;
}

// How many keys --max-open and --fail-on name; a count tells how many more there are.
constexpr std::int64_t keys_named = 10;

// An open alert as the limits read it.
struct OpenKey {
  std::string key;
  rules::Level priority;
  std::string alert_source;
};

// What the limits read of the open alerts: now, a count and a few keys (the state
// file's indexes and COUNT, never the whole alerts); at AT, the alerts as they stood then.
class OpenAlerts {
 public:
  OpenAlerts(store::Database& db, std::optional<util::Millis> at, const store::SourceScope& sources)
      : db_(db), sources_(sources) {
    open_.state = rules::State::open;
    open_.sources = sources.ids;
    if (at) then_ = store::alerts_at(db, open_, *at);
  }

  const store::SourceScope& sources() const { return sources_; }

  // How many open alerts are at one of PRIORITIES (all when empty).
  std::int64_t count(const std::vector<rules::Level>& priorities) const {
    if (then_)
      return std::count_if(then_->begin(), then_->end(), [&](const store::AlertView& a) {
        return wanted(priorities, a.priority);
      });
    store::AlertFilter filter = open_;
    filter.priorities = priorities;
    return store::count_alerts(db_, filter);
  }

  // The first LIMIT open alerts at one of PRIORITIES (all when empty).
  std::vector<OpenKey> keys(const std::vector<rules::Level>& priorities, std::int64_t limit) const {
    std::vector<OpenKey> out;
    if (then_) {
      for (const auto& a : *then_)
        if (wanted(priorities, a.priority) && static_cast<std::int64_t>(out.size()) < limit)
          out.push_back({a.fingerprint, a.priority, a.alert_source});
      return out;
    }
    store::for_each_key(db_, rules::State::open, priorities, sources_.ids, limit,
                        [&](const store::KeyView& k) {
                          out.push_back({std::string(k.fingerprint), k.priority,
                                         std::string(sources_.name_of(k.alert_source_id))});
                        });
    return out;
  }

 private:
  static bool wanted(const std::vector<rules::Level>& priorities, rules::Level level) {
    return priorities.empty() ||
           std::find(priorities.begin(), priorities.end(), level) != priorities.end();
  }

  store::Database& db_;
  const store::SourceScope& sources_;
  store::AlertFilter open_;
  std::optional<std::vector<store::AlertView>> then_;
};

// For keys that fail for want of an alert, the key in another case that has one (Jira's
// keys are upper case; a check is not told that kan-4 is KAN-4), as a hint. The file's
// keys are read once, for the first such key.
class OtherCase {
 public:
  OtherCase(store::Database& db, const store::SourceScope& sources) : db_(db), sources_(sources) {}

  std::string hint(const Expectation& e) {
    if (e.state == Expected::absent) return "";
    if (!by_folded_) {
      by_folded_.emplace();
      for (std::string& key : store::all_keys(db_, sources_.ids))
        by_folded_->emplace(folded(key), std::move(key));
    }
    const auto it = by_folded_->find(folded(e.key));
    return it == by_folded_->end() ? "" : util::suggest(it->second, "");
  }

 private:
  static std::string folded(std::string key) {
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return key;
  }

  store::Database& db_;
  const store::SourceScope& sources_;
  std::optional<std::unordered_map<std::string, std::string>> by_folded_;
};

// The outcomes of expectation E: one for each selected source where an alert answers to
// its key (each must meet it), or one when none does.
void evaluate(store::Database& db, const Expectation& e, std::optional<util::Millis> at,
              OtherCase& other_case, const store::SourceScope& sources,
              std::vector<Outcome>& outcomes) {
  const std::vector<store::AlertView> alerts = lookup(db, e.key, at, sources);
  if (alerts.empty()) {
    std::string where;
    if (sources.named && !sources.ids.empty())
      for (const auto& s : sources.selected) where += (where.empty() ? " in " : ", ") + s.name;
    outcomes.push_back({e.text, e.key, e.state == Expected::absent,
                        "no alert " + e.key + where + other_case.hint(e), std::nullopt});
    return;
  }
  for (const auto& alert : alerts) {
    Outcome& out = outcomes.emplace_back(
        Outcome{e.text, e.key, false, describe(alert, e.key, sources), std::nullopt});
    if (sources.named) out.alert_source = alert.alert_source;
    switch (e.state) {
      case Expected::absent:
        out.ok = false;
        break;
      case Expected::open:
        out.ok = alert.state == rules::State::open;
        break;
      case Expected::resolved:
        out.ok = alert.state == rules::State::resolved;
        break;
    }
    if (e.priority && alert.priority != *e.priority) out.ok = false;
  }
}

Outcome max_open(const OpenAlerts& open, std::int64_t limit) {
  const std::int64_t n = open.count({});
  std::string found = std::to_string(n) + (n == 1 ? " alert is open" : " alerts are open");
  const std::vector<OpenKey> named = open.keys({}, keys_named);
  for (const auto& a : named)
    found += (&a == named.data() ? ": " : ", ") + a.key + in_source(open.sources(), a.alert_source);
  if (n > static_cast<std::int64_t>(named.size()))
    found += " and " + std::to_string(n - static_cast<std::int64_t>(named.size())) + " more";
  return {"--max-open " + std::to_string(limit), std::nullopt, n <= limit, found, std::nullopt};
}

void add_fail_on(const OpenAlerts& open, rules::Level level, std::vector<Outcome>& outcomes) {
  const std::string check = "--fail-on " + std::string(rules::level_name(level));
  // Levels are ordered most urgent first: "at or above" is every level up to LEVEL.
  std::vector<rules::Level> levels;
  for (auto l = rules::Level::critical; l <= level;
       l = static_cast<rules::Level>(static_cast<int>(l) + 1))
    levels.push_back(l);
  const std::string at_or_above =
      std::string(rules::level_name(level)) + (level == rules::Level::low ? "" : " or above");
  const std::vector<OpenKey> failing = open.keys(levels, keys_named);
  const store::SourceScope& sources = open.sources();
  for (const auto& a : failing)
    outcomes.push_back({check, a.key, false,
                        a.key + " is open at " + std::string(rules::level_name(a.priority)) +
                            in_source(sources, a.alert_source),
                        sources.named ? std::optional(a.alert_source) : std::nullopt});
  if (failing.empty()) {
    outcomes.push_back(
        {check, std::nullopt, true, "no open alert at " + at_or_above, std::nullopt});
  } else if (const auto more = open.count(levels) - keys_named; more > 0) {
    outcomes.push_back({check, std::nullopt, false,
                        std::to_string(more) + (more == 1 ? " more alert is" : " more alerts are") +
                            " open at " + at_or_above,
                        std::nullopt});
  }
}

void print(const std::vector<Outcome>& outcomes, const CheckOptions& o, bool named_sources) {
  report::Output out(stdout);
  std::string& s = out.buffer();
  report::JsonWriter json;
  for (const auto& r : outcomes) {
    if (o.quiet && r.ok) continue;
    if (o.format == "jsonl") {
      json.reset(s).begin_object();
      json.members("check", r.check, "key", r.key);
      if (named_sources) json.members("alert_source", r.alert_source);
      json.members("ok", r.ok, "found", r.found).end_object();
      s.push_back('\n');
    } else {
      s += r.ok ? "ok    " : "FAIL  ";
      s += r.check + ": " + r.found + "\n";
    }
    out.done();
  }
}

int run_check(const CheckOptions& o) {
  const std::vector<Expectation> expectations = read_expectations(o);
  std::optional<rules::Level> fail_on;
  if (!o.fail_on.empty()) fail_on = level_or_throw(o.fail_on, "--fail-on");
  if (o.max_open && *o.max_open < 0) throw Error("--max-open: expected a count of 0 or more");
  std::optional<util::Millis> at;
  if (!o.at.empty()) at = time_or_throw("--at", o.at);
  if (expectations.empty() && !o.max_open && !fail_on)
    throw Error(
        "nothing to check: give expectations (KAN-5=resolved), --expect FILE, "
        "--max-open N or --fail-on PRIORITY (see 'jira-alerts check --help')");

  store::Snapshot store(o.db);
  const store::SourceScope sources = store::select_report_sources(store.db(), o.sources, o.db);
  std::vector<Outcome> outcomes;
  OtherCase other_case(store.db(), sources);
  for (const auto& e : expectations) evaluate(store.db(), e, at, other_case, sources, outcomes);

  if (o.max_open || fail_on) {
    const OpenAlerts open(store.db(), at, sources);
    if (o.max_open) outcomes.push_back(max_open(open, *o.max_open));
    if (fail_on) add_fail_on(open, *fail_on, outcomes);
  }
  print(outcomes, o, sources.named);
  std::size_t failed = 0;
  for (const auto& r : outcomes) failed += r.ok ? 0 : 1;
  std::fflush(stdout);
  if (failed > 0) {
    std::fprintf(stderr, "jira-alerts: %zu of %zu checks failed\n", failed, outcomes.size());
    return static_cast<int>(Exit::failed);
  }
  return 0;
}

}  // namespace

Command setup_check(CLI::App& parent) {
  auto o = std::make_shared<CheckOptions>();
  CLI::App* app = parent.add_subcommand(
      "check", "CI gate: exit 1 unless the alerts meet the expectations and limits");
  app->add_option("expectations", o->expectations,
                  "KEY=STATE or KEY=STATE:PRIORITY; STATE is open, resolved or absent")
      ->type_name("EXPECTATION");
  app->add_option(
         "--expect", o->expect_file,
         "Read expectations from FILE, one a line ('#' comments and blank lines allowed; a "
         "file with none is an error)")
      ->type_name("FILE");
  app->add_option("--max-open", o->max_open,
                  "Fail when more than N alerts are open (the first ten are named)")
      ->type_name("N");
  app->add_option(
         "--fail-on", o->fail_on,
         "Fail when an alert at PRIORITY or above is open (CRITICAL > HIGH > MEDIUM > LOW; the "
         "first ten are named, the others counted)")
      ->type_name("PRIORITY");
  add_time_option(*app, "--at", o->at,
                  "Check the alerts as they stood at this event time, as 'alerts --at' tells "
                  "them (an alert with no payload by then is absent)");
  add_source_option(*app, o->sources);
  app->add_flag("-q,--quiet", o->quiet, "Print only the checks that fail");
  add_db_option(*app, o->db);
  add_format_option(*app, o->format, {"text", "jsonl"});
  app->footer(R"(Examples:
  jira-alerts check KAN-7=resolved KAN-16=open:HIGH
  jira-alerts check --expect expectations.txt --max-open 3
  jira-alerts check --fail-on CRITICAL --quiet
  jira-alerts check --source jira --fail-on CRITICAL   one source's alerts only
  jira-alerts check KAN-12=resolved           an old key checks the moved issue
  jira-alerts check --at 2026-01-13T09:20:00Z OPS-101=open:CRITICAL   as it stood then

A KEY may be an alert's fingerprint or an old key of a moved issue; KEY=absent holds
only when no alert answers to KEY. Each check prints one line (ok or FAIL) naming
the key, the expectation and what the state file holds. TIME is as for 'alerts
--at' (2026-01-13, 2026-01-13T09:30:00Z, -2h, @SECONDS, ...).

In a state file of several sources a KEY may have an alert in more than one: each
must meet the expectation (one line each, naming its source) unless --source
narrows the check; --max-open and --fail-on count the open alerts of every
selected source together.

Exit status: 0 every check holds, 1 a check failed, 2 usage error (a malformed
expectation, an unknown state or priority) or unusable state file.)");
  return {app, [o] { return run_check(*o); }};
}

}  // namespace jira_alerts::cli
