#include "store/store.hpp"

#include <sys/stat.h>

namespace jira_alerts::store {
namespace {

Database open_database(const Location& loc, Access access) {
  return access == Access::write ? open_for_writing(loc) : open_dry_run(loc);
}

}  // namespace

Store::Store(const std::string& path, Access access)
    : location_(locate(path, access == Access::write ? Need::write : Need::either)),
      access_(access),
      db_(open_database(location_, access)) {}

Store::~Store() {
  if (indexes_.deferred() && access_ == Access::write) {
    // A bulk replay that stopped on an error: its indexes are built now, not by the next writer.
    try {
      indexes_.build();
    } catch (const std::exception&) {
      // The next run that opens the file for writing builds them (build_missing_indexes).
    }
  }
  struct stat wal {};
  if (!fold_on_close_ || access_ != Access::write ||
      ::stat((location_.real + "-wal").c_str(), &wal) != 0 ||
      static_cast<std::uint64_t>(wal.st_size) <= max_kept_wal)
    return;
  try {
    checkpoint();
  } catch (const std::exception&) {
    // Best effort: the next run that writes folds it in.
  }
}

std::int64_t Store::data_version() {
  Statement s(db_, "PRAGMA data_version");
  s.step();
  return s.int64(0);
}

void Store::trim_cache() {
  if (alerts_.size() > cached_alerts) alerts_.evict(cached_alerts * 3 / 4);
}

void Store::checkpoint() {
  // Best effort, without waiting: another process at work keeps the WAL in use.
  sqlite3_busy_handler(db_.handle(), nullptr, nullptr);
  sqlite3_exec(db_.handle(), "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
  set_busy_handler(db_);
}

std::optional<std::string> Store::meta(std::string_view key) {
  Statement& s = prepared(db_, select_meta_, "SELECT value FROM meta WHERE key = ?1");
  s.reset();
  s.bind(1, key);
  std::optional<std::string> value;
  if (s.step()) value.emplace(s.text(0));
  s.reset();  // no read transaction left open
  return value;
}

void Store::set_meta(std::string_view key, std::string_view value) {
  Statement& s = prepared(db_, upsert_meta_,
                          "INSERT INTO meta (key, value) VALUES (?1, ?2) "
                          "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  s.reset();
  s.bind(1, key).bind(2, value).run();
}

Batch::Batch(Store& store) : store_(store), tx_(store.db_, Transaction::Kind::immediate) {
  // Another process committed since our last batch: what we cached may be stale.
  if (store_.data_version() != store_.data_version_) store_.alerts_.clear();
}

Batch::~Batch() {
  if (committed_) return;
  // Cached alerts and interned ids may belong to rows that are rolled back (by tx_).
  store_.alerts_.clear();
  store_.log_.forget_ids();
}

void Batch::commit() {
  store_.alerts_.flush();
  tx_.commit();
  committed_ = true;
  store_.data_version_ = store_.data_version();
  store_.trim_cache();
}

}  // namespace jira_alerts::store
