#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "cli/commands.hpp"
#include "report/table.hpp"
#include "store/rejects.hpp"
#include "store/store.hpp"
#include "util/error.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

namespace jira_alerts::cli {
namespace {

namespace fs = std::filesystem;

struct RejectsOptions {
  std::string db;
  std::string format;
  std::string export_dir;
  std::vector<std::int64_t> drop;
  bool drop_all = false;
};

std::string source_of(const store::RejectView& r) {
  return r.path + ":" + std::to_string(r.error_line) + ":" + std::to_string(r.error_column);
}

void list(store::Store& st, report::Format format) {
  report::Output out(stdout);
  if (format == report::Format::jsonl) {
    store::for_each_reject(st.db(), false, [&](const store::RejectView& r) {
      std::string& o = out.buffer();
      o += "{\"id\":" + std::to_string(r.id) + ",\"source\":";
      util::append_json_string(o, source_of(r));
      o += ",\"path\":";
      util::append_json_string(o, r.path);
      o += ",\"line\":" + std::to_string(r.line) +
           ",\"error_line\":" + std::to_string(r.error_line) +
           ",\"error_column\":" + std::to_string(r.error_column) + ",\"reason\":";
      util::append_json_string(o, r.reason);
      o += ",\"size\":" + std::to_string(r.size) + ",\"rejected_at\":";
      report::append_json_time(o, r.rejected_at);
      o += ",\"exported_to\":";
      report::append_json_optional(
          o, r.exported_to ? std::optional<std::string_view>(*r.exported_to) : std::nullopt);
      o += "}\n";
      out.done();
    });
    return;
  }
  report::Table table({"ID", "SOURCE", "SIZE", "REJECTED", "REASON"});
  store::for_each_reject(st.db(), false, [&](const store::RejectView& r) {
    table.add({std::to_string(r.id), source_of(r), std::to_string(r.size),
               util::format_iso8601(r.rejected_at), r.reason});
  });
  table.print(out);
}

// Writes each rejected payload's bytes to DIR/reject-ID.json, through a temporary
// name so that no half-written file is left behind.
void export_rejects(store::Store& st, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error("cannot create '" + dir + "': " + ec.message());
  std::vector<std::pair<std::int64_t, std::string>> written;
  store::for_each_reject(st.db(), true, [&](const store::RejectView& r) {
    const fs::path target = fs::path(dir) / ("reject-" + std::to_string(r.id) + ".json");
    const fs::path temporary = fs::path(dir) / (".reject-" + std::to_string(r.id) + ".json.tmp");
    {
      std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
      file.write(r.raw.data(), static_cast<std::streamsize>(r.raw.size()));
      file.close();
      if (!file) throw Error("cannot write '" + temporary.string() + "'");
    }
    fs::rename(temporary, target, ec);
    if (ec) throw Error("cannot write '" + target.string() + "': " + ec.message());
    std::printf("%s", target.string().c_str());
    if (static_cast<std::int64_t>(r.raw.size()) < r.size)
      std::printf("  (the first %zu of %lld bytes: the payload was too large to keep whole)",
                  r.raw.size(), static_cast<long long>(r.size));
    std::printf("\n");
    written.emplace_back(r.id, fs::absolute(target).lexically_normal().string());
  });
  store::Transaction tx(st.db(), store::Transaction::Kind::immediate);
  for (const auto& [id, path] : written) store::mark_exported(st.db(), id, path);
  tx.commit();
  std::fprintf(stderr,
               "jira-alerts: exported %zu rejected payload%s to %s; fix them and replay the files: "
               "each one replayed successfully is no longer listed\n",
               written.size(), written.size() == 1 ? "" : "s", dir.c_str());
}

int run_rejects(const RejectsOptions& o) {
  const bool writes = !o.export_dir.empty() || !o.drop.empty() || o.drop_all;
  if (writes && access(o.db.c_str(), F_OK) != 0)
    throw Error("no state file '" + o.db + "' (run 'jira-alerts replay' to create it)");
  store::Store st(o.db, writes ? store::Access::write : store::Access::read);
  if (o.drop_all) {
    store::Transaction tx(st.db(), store::Transaction::Kind::immediate);
    const auto n = store::drop_all_rejects(st.db());
    tx.commit();
    std::fprintf(stderr, "jira-alerts: dropped %lld rejected payload%s\n",
                 static_cast<long long>(n), n == 1 ? "" : "s");
    return 0;
  }
  if (!o.drop.empty()) {
    store::Transaction tx(st.db(), store::Transaction::Kind::immediate);
    const auto missing = store::drop_rejects(st.db(), o.drop);
    if (!missing.empty()) {
      // All or nothing: the transaction rolls back.
      throw Error("no rejected payload with id " + std::to_string(missing.front()) +
                  " (see 'jira-alerts rejects'); nothing was dropped");
    }
    tx.commit();
    std::fprintf(stderr, "jira-alerts: dropped %zu rejected payload%s\n", o.drop.size(),
                 o.drop.size() == 1 ? "" : "s");
    return 0;
  }
  if (!o.export_dir.empty()) {
    export_rejects(st, o.export_dir);
    return 0;
  }
  list(st, *report::parse_format(o.format));
  return 0;
}

}  // namespace

Command setup_rejects(CLI::App& parent) {
  auto o = std::make_shared<RejectsOptions>();
  CLI::App* app = parent.add_subcommand("rejects", "List, export or drop rejected payloads");
  add_db_option(*app, o->db);
  add_format_option(*app, o->format, {"text", "jsonl"});
  auto* exporter = app->add_option("--export", o->export_dir,
                                   "Write each rejected payload's bytes to DIR/reject-ID.json")
                       ->type_name("DIR");
  auto* drop =
      app->add_option("--drop", o->drop, "Forget the rejected payload with this ID (repeatable)")
          ->type_name("ID")
          ->expected(1)
          ->allow_extra_args(false)
          ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  auto* drop_all = app->add_flag("--drop-all", o->drop_all, "Forget every rejected payload");
  exporter->excludes(drop)->excludes(drop_all);
  drop->excludes(drop_all);
  app->footer(R"(Examples:
  jira-alerts rejects                          list them: source, size, when, reason
  jira-alerts rejects --export broken/         write each one out to fix by hand
  jira-alerts replay broken/                   replay the fixed files: they leave the list
  jira-alerts rejects --drop 3 --drop 7        forget two of them

Exit status: 0 done, 2 usage error, an unknown ID or no usable state file.)");
  return {app, [o] { return run_rejects(*o); }};
}

}  // namespace jira_alerts::cli
