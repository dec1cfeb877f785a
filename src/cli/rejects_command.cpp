#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "cli/commands.hpp"
#include "report/json.hpp"
#include "report/table.hpp"
#include "store/open.hpp"
#include "store/rejects.hpp"
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
  bool no_header = false;
};

std::string source_of(const store::RejectView& r) {
  return r.path + ":" + std::to_string(r.error_line) + ":" + std::to_string(r.error_column);
}

void list(store::Database& db, report::Format format, bool headers) {
  report::Output out(stdout);
  out.set_headers(headers);
  if (format == report::Format::jsonl) {
    report::JsonWriter json;
    store::for_each_reject(db, false, [&](const store::RejectView& r) {
      json.reset(out.buffer()).begin_object();
      json.members("id", r.id, "source", source_of(r), "path", r.path, "line", r.line, "error_line",
                   r.error_line, "error_column", r.error_column, "reason", r.reason, "size", r.size,
                   "rejected_at", report::Time{r.rejected_at}, "exported_to", r.exported_to);
      json.end_object();
      out.buffer().push_back('\n');
      out.done();
    });
    return;
  }
  report::Table table({"ID", "SOURCE", "SIZE", "REJECTED", "REASON"});
  store::for_each_reject(db, false, [&](const store::RejectView& r) {
    table.add({std::to_string(r.id), source_of(r), std::to_string(r.size),
               util::format_iso8601(r.rejected_at), r.reason});
  });
  table.print(out);
}

// Writes BYTES to TARGET through TEMPORARY (renamed into place once written and
// synced), so that no half-written file is left. On failure the temporary file is
// removed, and the Error names the file, the operation and the cause.
void write_file(const fs::path& target, const fs::path& temporary, std::string_view bytes) {
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("'" + temporary.string() + "': create: " + std::strerror(errno));
  const auto fail = [&](const char* operation) {
    const int cause = errno;
    if (fd >= 0) ::close(fd);
    ::unlink(temporary.c_str());
    throw Error("'" + temporary.string() + "': " + operation + ": " + std::strerror(cause));
  };
  for (std::size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("write");
    done += static_cast<std::size_t>(n);
  }
  // A full disk may only show when the data reaches it.
  if (::fsync(fd) != 0) fail("fsync");
  const int closed = ::close(fd);
  fd = -1;
  if (closed != 0) fail("close");
  if (::rename(temporary.c_str(), target.c_str()) != 0)
    fail(("rename to '" + target.string() + "'").c_str());
}

// Whether TARGET is a file already that holds other bytes than BYTES: an exported file
// edited since (or another state file's export), which exporting again must not replace.
bool edited(const fs::path& target, std::string_view bytes) {
  std::error_code ec;
  if (!fs::is_regular_file(target, ec)) return false;
  if (fs::file_size(target, ec) != bytes.size() || ec) return true;
  std::ifstream in(target, std::ios::binary);
  const std::string held((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return !in.bad() && held != bytes;
}

struct Exported {
  std::int64_t id;
  std::string path;  // as printed
  std::string absolute;
  std::string note;  // set when only a prefix was kept
};

// Records the EXPORTED files in the state file, so that replaying them replaces their
// rejections. When that fails, the files are removed: none is left unrecorded.
void record_exported(store::Database& db, const std::vector<Exported>& exported) {
  try {
    store::Transaction tx(db, store::Transaction::Kind::immediate);
    for (const auto& e : exported) store::mark_exported(db, e.id, e.absolute);
    tx.commit();
  } catch (const Error& e) {
    std::error_code ec;
    for (const auto& file : exported) fs::remove(file.path, ec);
    throw Error(std::string(e.what()) + "; the " + std::to_string(exported.size()) +
                " exported file(s) could not be recorded and were removed");
  }
}

// Writes each rejected payload's bytes to DIR/reject-ID.json. When a file cannot be
// written, the files written before it are still recorded and listed.
void export_rejects(store::Database& db, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error("--export: cannot create '" + dir + "': " + ec.message());
  std::vector<Exported> exported;
  std::string failure;
  std::size_t total = 0;
  store::for_each_reject(db, true, [&](const store::RejectView& r) {
    ++total;
    if (!failure.empty()) return;
    const fs::path target = fs::path(dir) / ("reject-" + std::to_string(r.id) + ".json");
    if (edited(target, r.raw)) {
      std::fprintf(stderr,
                   "jira-alerts: rejects --export: '%s' exists with other contents (edited since "
                   "it was exported?): kept; remove it to export rejected payload %lld again\n",
                   target.c_str(), static_cast<long long>(r.id));
      return;
    }
    try {
      write_file(target, fs::path(dir) / (".reject-" + std::to_string(r.id) + ".json.tmp"), r.raw);
    } catch (const Error& e) {
      failure = e.what();
      return;
    }
    Exported e{r.id, target.string(), fs::absolute(target).lexically_normal().string(), ""};
    if (static_cast<std::int64_t>(r.raw.size()) < r.size)
      e.note = "  (the first " + std::to_string(r.raw.size()) + " of " + std::to_string(r.size) +
               " bytes: the payload was too large to keep whole)";
    exported.push_back(std::move(e));
  });
  record_exported(db, exported);
  for (const auto& e : exported) std::printf("%s%s\n", e.path.c_str(), e.note.c_str());
  std::fflush(stdout);
  if (!failure.empty()) {
    throw Error("rejects --export: " + failure + "; " + std::to_string(exported.size()) + " of " +
                std::to_string(total) +
                " rejected payloads were exported and recorded (listed above: fix and replay "
                "them), the others were not");
  }
  std::fprintf(stderr,
               "jira-alerts: exported %zu rejected payload%s to %s; fix them and replay the files: "
               "each one replayed successfully is no longer listed\n",
               exported.size(), exported.size() == 1 ? "" : "s", dir.c_str());
}

int run_rejects(const RejectsOptions& o) {
  const bool writes = !o.export_dir.empty() || !o.drop.empty() || o.drop_all;
  if (writes && access(o.db.c_str(), F_OK) != 0)
    throw Error("no state file '" + o.db + "' (run 'jira-alerts replay' to create it)");
  if (!writes) {
    store::Snapshot snapshot(o.db);
    list(snapshot.db(), *report::parse_format(o.format), !o.no_header);
    return 0;
  }
  store::Database db = store::open_for_writing(store::locate(o.db, store::Need::write));
  if (o.drop_all) {
    store::Transaction tx(db, store::Transaction::Kind::immediate);
    const auto n = store::drop_all_rejects(db);
    tx.commit();
    std::fprintf(stderr, "jira-alerts: dropped %lld rejected payload%s\n",
                 static_cast<long long>(n), n == 1 ? "" : "s");
    return 0;
  }
  if (!o.drop.empty()) {
    // An id given twice is dropped once.
    std::vector<std::int64_t> ids = o.drop;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    store::Transaction tx(db, store::Transaction::Kind::immediate);
    const auto missing = store::drop_rejects(db, ids);
    if (!missing.empty()) {
      // All or nothing: the transaction rolls back.
      throw Error("no rejected payload with id " + std::to_string(missing.front()) +
                  " (see 'jira-alerts rejects'); nothing was dropped");
    }
    tx.commit();
    std::fprintf(stderr, "jira-alerts: dropped %zu rejected payload%s\n", ids.size(),
                 ids.size() == 1 ? "" : "s");
    return 0;
  }
  export_rejects(db, o.export_dir);
  return 0;
}

}  // namespace

Command setup_rejects(CLI::App& parent) {
  auto o = std::make_shared<RejectsOptions>();
  CLI::App* app = parent.add_subcommand("rejects", "List, export or drop rejected payloads");
  add_db_option(*app, o->db);
  add_format_option(*app, o->format, {"text", "jsonl"});
  add_no_header_option(*app, o->no_header);
  auto* exporter =
      app->add_option("--export", o->export_dir,
                      "Write each rejected payload's bytes to DIR/reject-ID.json (a file there "
                      "edited since is kept)")
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
