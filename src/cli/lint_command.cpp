#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>

#include "cli/commands.hpp"
#include "read/input.hpp"
#include "replay/reader.hpp"
#include "report/json.hpp"
#include "report/table.hpp"
#include "rules/decide.hpp"
#include "rules/jql.hpp"
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
  std::uint64_t outside = 0;  // issue events outside the scope (--jql): not counted above
};

void report_invalid(std::string_view path, std::uint64_t line, std::uint64_t column,
                    const std::string& reason) {
  std::fprintf(stderr, "jira-alerts: %.*s:%llu:%llu: %s\n", static_cast<int>(path.size()),
               path.data(), static_cast<unsigned long long>(line),
               static_cast<unsigned long long>(column), reason.c_str());
}

void count(const parse::Payload& p, const rules::jql::Query* scope, Seen& seen) {
  if (scope != nullptr && parse::is_issue_event(p.effective_event()) &&
      !scope->matches(rules::scope_fields(p))) {
    ++seen.outside;
    return;
  }
  ++seen.events[std::string(p.effective_event())];
  if (!parse::is_issue_event(p.effective_event())) return;
  if (p.status.present)
    ++seen.statuses[{std::string(p.status.value), p.category.present
                                                      ? std::optional(std::string(p.category.value))
                                                      : std::nullopt}];
  if (p.priority_form == parse::PriorityForm::named) ++seen.priorities[std::string(p.priority)];
}

// Lints FILES through the replay's own reader (read, frame, unwrap, extract), so that
// lint finds exactly what a replay would reject; LABEL names standard input.
void lint_files(const std::vector<std::string>& files, const std::string& label,
                const rules::jql::Query* scope, Seen& seen) {
  replay::Reader reader(files, std::nullopt, scope != nullptr);
  for (bool last = false; !last;) {
    replay::Chunk* chunk = reader.next();
    for (std::size_t i = 0; i < chunk->used; ++i) {
      const replay::Parsed& p = chunk->items[i];
      if (p.kind == replay::Parsed::Kind::failed) std::rethrow_exception(p.error);
      ++seen.payloads;
      if (p.kind == replay::Parsed::Kind::payload) {
        count(p.payload, scope, seen);
        continue;
      }
      ++seen.invalid;
      const std::string& file = files[p.file];
      report_invalid(file == read::stdin_name && !label.empty() ? label : file, p.error_line,
                     p.error_column, p.reason);
    }
    last = chunk->last;
    reader.release(chunk);
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
    report::JsonWriter json;
    for (const auto& r : names) {
      json.reset(out.buffer()).begin_object().members("kind", r.kind, "name", r.name);
      if (std::string_view(r.kind) == "status") json.members("category", r.category);
      json.members("count", r.count, "maps_to", r.maps_to, "mapped", r.mapped).end_object();
      out.buffer().push_back('\n');
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
  const read::Inputs inputs = command_inputs(o.inputs, o.walk, "lint");
  const rules::Mapping mapping = build_mapping(o.mapping);
  Seen seen;
  lint_files(inputs.files, o.label, mapping.scope(), seen);
  print(records(seen, mapping), *report::parse_format(o.format), !o.no_header);
  std::fflush(stdout);
  const std::string outside =
      mapping.scope() != nullptr ? ", " + std::to_string(seen.outside) + " outside the scope" : "";
  std::fprintf(stderr, "jira-alerts: linted %llu payload%s: %llu invalid%s%s\n",
               static_cast<unsigned long long>(seen.payloads), seen.payloads == 1 ? "" : "s",
               static_cast<unsigned long long>(seen.invalid), outside.c_str(),
               skipped_note(inputs.skipped).c_str());
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
