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
  std::vector<std::string> sources;
  bool no_header = false;
  read::WalkFilter walk;
};

// One distinct name seen, and what it maps to.
struct NameRecord {
  std::string alert_source;  // empty: sources not named
  const char* kind;          // "event", "status" or "priority"
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
};

// What lint counts under one mapping: a config source's (NAME), or the command line's
// when the config defines no sources (NAME empty).
struct Tally {
  std::string name;
  rules::Mapping mapping;
  Seen seen;
};

struct Totals {
  std::uint64_t payloads = 0, invalid = 0;
  // Issue events outside every tally's scope: counted in no tally.
  std::uint64_t outside = 0;
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

// Counts P in each tally whose scope its issue matches.
void count(const parse::Payload& p, std::vector<Tally>& tallies, Totals& totals) {
  const bool issue = parse::is_issue_event(p.effective_event());
  std::optional<rules::jql::Issue> fields;
  bool taken = false;
  for (Tally& t : tallies) {
    if (const rules::jql::Query* scope = t.mapping.scope(); scope != nullptr && issue) {
      if (!fields) fields = rules::scope_fields(p);
      if (!scope->matches(*fields)) continue;
    }
    taken = true;
    count(p, t.seen);
  }
  if (!taken) ++totals.outside;
}

// Lints FILES through the replay's own reader (read, frame, unwrap, extract), so that
// lint finds exactly what a replay would reject; LABEL names standard input.
void lint_files(const std::vector<std::string>& files, const std::string& label,
                std::vector<Tally>& tallies, Totals& totals) {
  const bool scoped = std::any_of(tallies.begin(), tallies.end(),
                                  [](const Tally& t) { return t.mapping.scope() != nullptr; });
  replay::Reader reader(files, std::nullopt, scoped);
  for (bool last = false; !last;) {
    replay::Chunk* chunk = reader.next();
    for (std::size_t i = 0; i < chunk->used; ++i) {
      const replay::Parsed& p = chunk->items[i];
      if (p.kind == replay::Parsed::Kind::failed) std::rethrow_exception(p.error);
      ++totals.payloads;
      if (p.kind == replay::Parsed::Kind::payload) {
        count(p.payload, tallies, totals);
        continue;
      }
      ++totals.invalid;
      const std::string& file = files[p.file];
      report_invalid(file == read::stdin_name && !label.empty() ? label : file, p.error_line,
                     p.error_column, p.reason);
    }
    last = chunk->last;
    reader.release(chunk);
  }
}

std::vector<NameRecord> records(const Tally& tally) {
  const Seen& seen = tally.seen;
  const rules::Mapping& mapping = tally.mapping;
  const std::string& source = tally.name;
  std::vector<NameRecord> out;
  for (const auto& [name, count] : seen.events)
    out.push_back({source, "event", name, std::nullopt, count,
                   parse::is_issue_event(name) ? "apply" : "ignore", true});
  for (const auto& [key, count] : seen.statuses) {
    const auto& [name, category] = key;
    const rules::Rule rule =
        rules::status_rule(name, category.value_or(""), category.has_value(), mapping);
    out.push_back({source, "status", name, category, count,
                   rule == rules::Rule::active_status ? "active" : "resolve", true});
  }
  for (const auto& [name, count] : seen.priorities) {
    const rules::PriorityMapping pm = mapping.priority(name);
    out.push_back({source, "priority", name, std::nullopt, count,
                   std::string(rules::level_name(pm.level)), pm.mapped});
  }
  // Unmapped names first; then events, statuses, priorities as collected (by name).
  std::stable_partition(out.begin(), out.end(), [](const NameRecord& r) { return !r.mapped; });
  return out;
}

void print(const std::vector<NameRecord>& names, report::Format format, bool headers, bool named) {
  report::Output out(stdout);
  out.set_headers(headers);
  if (format == report::Format::jsonl) {
    report::JsonWriter json;
    for (const auto& r : names) {
      json.reset(out.buffer()).begin_object();
      if (named) json.members("alert_source", r.alert_source);
      json.members("kind", r.kind, "name", r.name);
      if (std::string_view(r.kind) == "status") json.members("category", r.category);
      json.members("count", r.count, "maps_to", r.maps_to, "mapped", r.mapped).end_object();
      out.buffer().push_back('\n');
      out.done();
    }
    return;
  }
  std::vector<std::string> header{"KIND", "NAME", "COUNT", "MAPS TO"};
  if (named) header.insert(header.begin(), "ALERT SOURCE");
  report::Table table(header);
  for (const auto& r : names) {
    std::string name = r.name;
    if (r.category) name += " [" + *r.category + "]";
    std::vector<std::string> row{r.kind, name, std::to_string(r.count),
                                 r.mapped ? r.maps_to : r.maps_to + " (unmapped: the default)"};
    if (named) row.insert(row.begin(), r.alert_source);
    table.add(row);
  }
  table.print(out);
}

// What lint counts under: the config's sources (those --source names), each with its
// mapping and scope (narrowed by --jql when it goes with one), or the command line's
// mapping when the config defines none.
std::vector<Tally> tallies(const LintOptions& o) {
  GivenSettings given = build_settings(o.mapping);
  std::vector<Tally> out;
  if (given.sources.empty()) {
    if (!o.sources.empty())
      throw Error("--source: lint's sources are the [[source]] tables of --config" +
                  (o.mapping.config_file.empty()
                       ? std::string(", and none is given")
                       : ", and '" + o.mapping.config_file + "' defines none"));
    out.push_back({"", std::move(given.mapping), {}});
    return out;
  }
  std::vector<std::string> known;
  for (const auto& def : given.sources) known.push_back(def.name);
  for (const auto& name : o.sources)
    if (std::find(known.begin(), known.end(), name) == known.end())
      throw Error("--source: config file '" + o.mapping.config_file + "' defines no source '" +
                  name + "'" + util::did_you_mean(name, known));
  for (auto& def : given.sources)
    if (o.sources.empty() ||
        std::find(o.sources.begin(), o.sources.end(), def.name) != o.sources.end())
      out.push_back({def.name, std::move(def.mapping), {}});
  if (const rules::jql::Query* narrower = given.mapping.scope()) {
    if (out.size() > 1)
      throw Error("--jql: this command lints for " + std::to_string(out.size()) +
                  " sources; --jql narrows one: choose it with --source NAME");
    rules::Mapping& m = out.front().mapping;
    m.set_scope(m.scope() == nullptr
                    ? given.mapping.shared_scope()
                    : std::make_shared<const rules::jql::Query>(rules::jql::Query::parse(
                          "(" + m.scope()->text() + ") AND (" + narrower->text() + ")")));
  }
  return out;
}

int run_lint(const LintOptions& o) {
  const read::Inputs inputs = command_inputs(o.inputs, o.walk, "lint", o.label);
  std::vector<Tally> all = tallies(o);
  Totals totals;
  lint_files(inputs.files, o.label, all, totals);
  const bool named = !all.front().name.empty();
  std::vector<NameRecord> names;
  for (const Tally& t : all) {
    auto part = records(t);
    names.insert(names.end(), part.begin(), part.end());
  }
  if (named)  // unmapped names first, by source
    std::stable_partition(names.begin(), names.end(),
                          [](const NameRecord& r) { return !r.mapped; });
  print(names, *report::parse_format(o.format), !o.no_header, named);
  std::fflush(stdout);
  const bool scoped = std::any_of(all.begin(), all.end(),
                                  [](const Tally& t) { return t.mapping.scope() != nullptr; });
  const std::string outside =
      scoped ? ", " + std::to_string(totals.outside) +
                   (named ? " outside every source's scope" : " outside the scope")
             : "";
  std::fprintf(stderr, "jira-alerts: linted %llu payload%s: %llu invalid%s%s\n",
               static_cast<unsigned long long>(totals.payloads), totals.payloads == 1 ? "" : "s",
               static_cast<unsigned long long>(totals.invalid), outside.c_str(),
               skipped_note(inputs.skipped).c_str());
  return static_cast<int>(totals.invalid > 0 ? Exit::failed : Exit::ok);
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
  add_source_option(*app, o->sources);
  // The shared texts speak of state files and CSV; lint has neither.
  app->get_option("--no-header")->description("Print the text table without its header line");
  app->get_option("--label")->description(
      "Name standard input NAME in the errors (default: shown as -)");
  app->get_option("--source")
      ->description(
          "Lint for this source of the config only (repeatable; default: every source of the "
          "config)");
  app->footer(R"(Examples:
  jira-alerts lint captures/                       what would the rules make of these?
  jira-alerts lint --priority P1=CRITICAL history.ndjson
  jira-alerts lint --format jsonl captures/ | jq 'select(.mapped == false)'
  jira-alerts lint --config teams.toml --source ops captures/   one source's scope

One record per distinct event type, status name (with its category) and priority
name: its count and what it maps to under the current settings (event: apply or
ignore; status: resolve or active; priority: the level). Unmapped priorities come
first. Invalid payloads are reported on stderr as path:line:column: reason. No state
file is read, created or changed.

With a config of [[source]] tables each source counts the payloads in its scope
under its own settings, and each record names its source (ALERT SOURCE,
alert_source); --source NAME lints for those sources only, and a payload outside
every selected source's scope is counted as outside.

Exit status: 0 every payload is valid, 1 some payloads are invalid, 2 usage error or
unreadable input.)");
  return {app, [o] { return run_lint(*o); }};
}

}  // namespace jira_alerts::cli
