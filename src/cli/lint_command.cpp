#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>

#include "cli/commands.hpp"
#include "parse/unpack.hpp"
#include "read/framer.hpp"
#include "read/input.hpp"
#include "report/table.hpp"
#include "rules/decide.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace jira_alerts::cli {
namespace {

struct LintOptions {
  std::vector<std::string> inputs;
  std::string format;
  std::string label;
  MappingOptions mapping;
  bool no_header = false;
  read::WalkFilter walk;
};

// One distinct name seen, and what it maps to.
struct NameRecord {
  const char* kind;  // "event", "status" or "priority"
  std::string name;
  std::optional<std::string> category;  // statuses only
  std::uint64_t count;
  std::string maps_to;
  bool mapped;
};

// Counts of every distinct name; memory grows with the number of distinct names only.
struct Seen {
  std::map<std::string, std::uint64_t> events, priorities;
  std::map<std::pair<std::string, std::optional<std::string>>, std::uint64_t> statuses;
  std::uint64_t payloads = 0, invalid = 0;
};

void report_invalid(std::string_view path, std::uint64_t line, std::uint64_t column,
                    const std::string& reason) {
  std::fprintf(stderr, "jira-alerts: %.*s:%llu:%llu: %s\n", static_cast<int>(path.size()),
               path.data(), static_cast<unsigned long long>(line),
               static_cast<unsigned long long>(column), reason.c_str());
}

void count(const parse::Payload& p, Seen& seen) {
  ++seen.events[std::string(p.effective_event())];
  if (!parse::is_issue_event(p.effective_event())) return;
  if (p.status.present)
    ++seen.statuses[{std::string(p.status.value), p.category.present
                                                      ? std::optional(std::string(p.category.value))
                                                      : std::nullopt}];
  if (p.priority_form == parse::PriorityForm::named) ++seen.priorities[std::string(p.priority)];
}

// Lints the input FILE; PATH is its name in messages.
void lint_file(const std::string& file, const std::string& path, Seen& seen) {
  read::ByteStream in(file);
  read::Framer framer(in);
  parse::Unpacker unpacker;
  const parse::Unpacker::Emit emit = [&](const parse::Unpacked& u) {
    ++seen.payloads;
    if (u.usable()) return count(*u.payload, seen);
    ++seen.invalid;
    report_invalid(path, u.error_line, u.error_column, u.reason);
  };
  read::Frame frame;
  while (framer.next(frame)) {
    if (frame.problem == read::FrameProblem::none) {
      unpacker.unpack(frame.bytes, frame.line, frame.column, emit);
      continue;
    }
    // A stream that broke before its first payload says so once, below.
    if (frame.problem == read::FrameProblem::empty && !in.damage().empty()) continue;
    ++seen.payloads;
    ++seen.invalid;
    report_invalid(path, frame.line, frame.column, read::problem_reason(frame));
  }
  if (!in.damage().empty()) {
    ++seen.payloads;
    ++seen.invalid;
    report_invalid(path, framer.line(), framer.column(), in.damage());
  }
}

std::vector<NameRecord> records(const Seen& seen, const rules::Mapping& mapping) {
  std::vector<NameRecord> out;
  for (const auto& [name, count] : seen.events)
    out.push_back({"event", name, std::nullopt, count,
                   parse::is_issue_event(name) ? "apply" : "ignore", true});
  for (const auto& [key, count] : seen.statuses) {
    const auto& [name, category] = key;
    const rules::Rule rule =
        rules::status_rule(name, category.value_or(""), category.has_value(), mapping);
    out.push_back({"status", name, category, count,
                   rule == rules::Rule::active_status ? "active" : "resolve", true});
  }
  for (const auto& [name, count] : seen.priorities) {
    const rules::PriorityMapping pm = mapping.priority(name);
    out.push_back({"priority", name, std::nullopt, count, std::string(rules::level_name(pm.level)),
                   pm.mapped});
  }
  // Unmapped names first; then events, statuses, priorities as collected (by name).
  std::stable_partition(out.begin(), out.end(), [](const NameRecord& r) { return !r.mapped; });
  return out;
}

void print(const std::vector<NameRecord>& names, report::Format format, bool headers) {
  report::Output out(stdout);
  out.set_headers(headers);
  if (format == report::Format::jsonl) {
    for (const auto& r : names) {
      std::string& o = out.buffer();
      o += "{\"kind\":\"";
      o += r.kind;
      o += "\",\"name\":";
      util::append_json_string(o, r.name);
      if (std::string_view(r.kind) == "status") {
        o += ",\"category\":";
        report::append_json_optional(
            o, r.category ? std::optional<std::string_view>(*r.category) : std::nullopt);
      }
      o += ",\"count\":" + std::to_string(r.count) + ",\"maps_to\":";
      util::append_json_string(o, r.maps_to);
      o += r.mapped ? ",\"mapped\":true}\n" : ",\"mapped\":false}\n";
      out.done();
    }
    return;
  }
  report::Table table({"KIND", "NAME", "COUNT", "MAPS TO"});
  for (const auto& r : names) {
    std::string name = r.name;
    if (r.category) name += " [" + *r.category + "]";
    table.add({r.kind, name, std::to_string(r.count),
               r.mapped ? r.maps_to : r.maps_to + " (unmapped: the default)"});
  }
  table.print(out);
}

int run_lint(const LintOptions& o) {
  std::vector<std::string> operands = o.inputs;
  if (operands.empty()) {
    if (isatty(STDIN_FILENO))
      throw Error(
          "no input: give files or directories, or pipe payloads into standard input "
          "(see 'jira-alerts lint --help')");
    operands.push_back(read::stdin_name);
  }
  const read::Inputs inputs = read::expand_operands(operands, o.walk);
  const std::vector<std::string>& files = inputs.files;
  const rules::Mapping mapping = build_mapping(o.mapping);
  Seen seen;
  for (const auto& file : files)
    lint_file(file, file == read::stdin_name && !o.label.empty() ? o.label : file, seen);
  print(records(seen, mapping), *report::parse_format(o.format), !o.no_header);
  std::fflush(stdout);
  std::string skipped;
  if (inputs.skipped > 0)
    skipped = "; " + std::to_string(inputs.skipped) + " file" + (inputs.skipped == 1 ? "" : "s") +
              " in directories skipped (see --include)";
  std::fprintf(stderr, "jira-alerts: linted %llu payload%s: %llu invalid%s\n",
               static_cast<unsigned long long>(seen.payloads), seen.payloads == 1 ? "" : "s",
               static_cast<unsigned long long>(seen.invalid), skipped.c_str());
  return static_cast<int>(seen.invalid > 0 ? Exit::failed : Exit::ok);
}

}  // namespace

Command setup_lint(CLI::App& parent) {
  auto o = std::make_shared<LintOptions>();
  CLI::App* app = parent.add_subcommand(
      "lint",
      "Check payloads without touching state: invalid payloads, and every event, status "
      "and priority name seen with what it maps to");
  app->add_option("inputs", o->inputs,
                  "Files, directories (walked recursively) or - for standard input; with none, "
                  "standard input is read")
      ->type_name("INPUT");
  add_format_option(*app, o->format, {"text", "jsonl"});
  add_no_header_option(*app, o->no_header);
  add_label_option(*app, o->label);
  add_walk_options(*app, o->walk);
  add_mapping_options(*app, o->mapping);
  app->footer(R"(Examples:
  jira-alerts lint captures/                       what would the rules make of these?
  jira-alerts lint --priority P1=CRITICAL history.ndjson
  jira-alerts lint --format jsonl captures/ | jq 'select(.mapped == false)'

One record per distinct event type, status name (with its category) and priority
name: its count and what it maps to under the current settings (event: apply or
ignore; status: resolve or active; priority: the level). Unmapped priorities come
first. Invalid payloads are reported on stderr as path:line:column: reason. No state
file is read, created or changed.

Exit status: 0 every payload is valid, 1 some payloads are invalid, 2 usage error or
unreadable input.)");
  return {app, [o] { return run_lint(*o); }};
}

}  // namespace jira_alerts::cli
