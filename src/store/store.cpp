#include "store/store.hpp"

#include <algorithm>

#include "store/location.hpp"
#include "store/schema.hpp"
#include "util/error.hpp"

namespace jira_alerts::store {
namespace {

constexpr int busy_timeout_ms = 60'000;

// Waits for another process's write transaction by polling every millisecond (SQLite's
// own handler backs off to 100 ms and so rarely catches the gap between two batches).
int wait_for_lock(void*, int attempts) {
  if (attempts >= busy_timeout_ms) return 0;
  sqlite3_sleep(1);
  return 1;
}

void set_busy_handler(Database& db) {
  check(db.handle(), sqlite3_busy_handler(db.handle(), wait_for_lock, nullptr),
        db.label() + ": setting the busy handler");
}

// Switching to WAL needs the file to itself: a process creating the same new file
// at the same moment makes it fail at once, without the busy handler.
void use_wal(Database& db) {
  for (int attempt = 0;; ++attempt) {
    {
      Statement mode(db, "PRAGMA journal_mode");
      if (mode.step() && mode.text(0) == "wal") return;
    }
    const int code =
        sqlite3_exec(db.handle(), "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr);
    if (code == SQLITE_OK) return;
    if ((code & 0xff) != SQLITE_BUSY || attempt >= busy_timeout_ms)
      check(db.handle(), code, db.label() + ": switching to WAL");
    sqlite3_sleep(1);
  }
}

int user_version(Database& db) {
  Statement s(db, "PRAGMA user_version");
  s.step();
  return static_cast<int>(s.int64(0));
}

bool has_tables(Database& db) {
  Statement s(db, "SELECT count(*) FROM sqlite_schema");
  s.step();
  return s.int64(0) > 0;
}

// Refuses files this program cannot use, before anything is written to them. Both
// reads share one transaction: another process may be creating the schema.
void check_version(Database& db, const std::string& path) {
  const bool own_transaction = sqlite3_get_autocommit(db.handle()) != 0;
  int version = 0;
  bool tables = false;
  try {
    if (own_transaction) db.exec("BEGIN");
    version = user_version(db);
    tables = has_tables(db);
    if (own_transaction) db.exec("COMMIT");
  } catch (const Error&) {
    const std::string reason = sqlite3_errmsg(db.handle());
    const int code = sqlite3_extended_errcode(db.handle());
    if (own_transaction) sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw Error("state file '" + path + "' is not a SQLite database (" + reason + ", SQLite code " +
                std::to_string(code) + ")");
  }
  if (version > schema_version) {
    throw Error("state file '" + path + "' has schema version " + std::to_string(version) +
                ", newer than this program's version " + std::to_string(schema_version) +
                "; use a newer jira-alerts (the file was not changed)");
  }
  if (version == 0 && tables)
    throw Error("'" + path + "' is a SQLite database but not a jira-alerts state file");
}

void create_or_migrate(Database& db, const std::string& path) {
  Transaction tx(db, Transaction::Kind::immediate);
  check_version(db, path);  // again, now that no other writer can change it
  if (user_version(db) == 0) {
    db.exec(create_schema_sql);
    db.exec("PRAGMA user_version = 1");
    Statement meta(db, "INSERT INTO meta (key, value) VALUES (?1, ?2)");
    meta.bind(1, std::string_view("created_by"))
        .bind(2, std::string_view("jira-alerts " JIRA_ALERTS_VERSION))
        .run();
    meta.bind(1, std::string_view("created_at"))
        .bind(2, util::format_iso8601(util::now_millis()))
        .run();
  }
  // An older file is brought up to date step by step, in the same transaction.
  for (const Migration& m : migrations) {
    if (user_version(db) != m.from) continue;
    db.exec(m.sql);
    db.exec(("PRAGMA user_version = " + std::to_string(m.from + 1)).c_str());
  }
  tx.commit();
}

}  // namespace

std::string_view rule_name(rules::Rule rule) {
  switch (rule) {
    case rules::Rule::ignored_event:
      return "ignored_event";
    case rules::Rule::duplicate:
      return "duplicate";
    case rules::Rule::stale:
      return "stale";
    case rules::Rule::deleted:
      return "deleted";
    case rules::Rule::resolve_status:
      return "resolve_status";
    case rules::Rule::done_category:
      return "done_category";
    case rules::Rule::active_status:
      return "active_status";
    case rules::Rule::no_status:
      return "no_status";
    case rules::Rule::rejected:
      return "rejected";
  }
  return "rejected";
}

std::optional<rules::Rule> parse_rule(std::string_view name) {
  using rules::Rule;
  for (const Rule r :
       {Rule::ignored_event, Rule::duplicate, Rule::stale, Rule::deleted, Rule::resolve_status,
        Rule::done_category, Rule::active_status, Rule::no_status, Rule::rejected})
    if (rule_name(r) == name) return r;
  return std::nullopt;
}

namespace {

Need need_of(Access access) {
  switch (access) {
    case Access::write:
      return Need::write;
    case Access::read:
      return Need::read;
    case Access::dry_run:
      return Need::either;
  }
  return Need::read;
}

// How a command that only reads opens the file. With -wal and -shm beside it, read-only
// like any WAL reader. Without them, a read-only connection would create both and leave
// them behind, so it opens read-write: SQLite then removes them when the last connection
// closes. Only where this process cannot create them (nor can any replay of this user)
// is the file read as immutable.
OpenMode reading_mode(const Location& loc) {
  if (has_companions(loc.real)) return OpenMode::read_only;  // now: a migration may fold them
  return loc.writable ? OpenMode::read_write : OpenMode::read_only_immutable;
}

// A file from an older release is migrated by whichever command opens it first, the
// reporting ones included: they could not read it otherwise.
void migrate_older(const Location& loc) {
  int version = 0;
  try {
    Database peek(loc.real, reading_mode(loc), loc.given);
    version = user_version(peek);
  } catch (const Error&) {
    return;  // not a state file: check_version says so
  }
  if (version == 0 || version >= schema_version) return;
  Database db(loc.real, OpenMode::read_write, loc.given);
  set_busy_handler(db);
  create_or_migrate(db, loc.given);
}

Database open_database(const Location& loc, Access access) {
  switch (access) {
    case Access::write:
      return Database(loc.real, OpenMode::read_write_create, loc.given);
    case Access::read:
      migrate_older(loc);
      return Database(loc.real, reading_mode(loc), loc.given);
    case Access::dry_run:
      return Database(":memory:", OpenMode::read_write_create, loc.given);
  }
  throw Error("unknown access mode");
}

}  // namespace

Store::Store(const std::string& path, Access access)
    : location_(locate(path, need_of(access))), db_(open_database(location_, access)) {
  open(location_.given, access);
}

void Store::open(const std::string& path, Access access) {
  set_busy_handler(db_);
  switch (access) {
    case Access::write:
      check_version(db_, path);
      // Larger pages for a new file: a replay appends to the event log page after page,
      // and each page is a write to the WAL. (A no-op for an existing file.)
      db_.exec("PRAGMA page_size = 16384");
      use_wal(db_);
      // NORMAL is durable against a killed process in WAL mode; checkpoints (the only
      // fsyncs) come every 64 MiB of WAL instead of every 4 MiB.
      db_.exec(
          "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 16384; "
          "PRAGMA cache_size = -8192");
      // A small run (one payload piped from CI) should not pay for a checkpoint and
      // its fsyncs on close: the WAL is kept, and checkpoint() folds it in after
      // large runs.
      check(db_.handle(),
            sqlite3_db_config(db_.handle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr),
            db_.label() + ": configuring the connection");
      create_or_migrate(db_, path);
      break;
    case Access::read:
      // One read transaction for the Store's life: every query of a report sees the
      // same snapshot, whatever replays commit meanwhile.
      db_.exec("BEGIN");
      check_version(db_, path);
      if (user_version(db_) == 0) throw Error("state file '" + path + "' is empty");
      break;
    case Access::dry_run:
      if (location_.exists) {
        Database source(location_.real, reading_mode(location_), location_.given);
        set_busy_handler(source);
        check_version(source, path);
        sqlite3_backup* backup = sqlite3_backup_init(db_.handle(), "main", source.handle(), "main");
        if (backup == nullptr)
          check(db_.handle(), sqlite3_errcode(db_.handle()), "copying the state file");
        const int code = sqlite3_backup_step(backup, -1);
        sqlite3_backup_finish(backup);
        if (code != SQLITE_DONE) check(db_.handle(), code, "copying the state file");
      }
      create_or_migrate(db_, path);
      break;
  }
}

Store::~Store() {
  // A batch in flight, or the read transaction of a report.
  if (sqlite3_get_autocommit(db_.handle()) == 0)
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

Statement& Store::statement(std::unique_ptr<Statement>& slot, const char* sql) {
  if (!slot) slot = std::make_unique<Statement>(db_, sql);
  return *slot;
}

namespace {
// Past this many cached alerts the cache is emptied at the next commit: memory stays bounded.
constexpr std::size_t max_cached_alerts = 20'000;
}  // namespace

std::int64_t Store::data_version() {
  Statement s(db_, "PRAGMA data_version");
  s.step();
  return s.int64(0);
}

void Store::drop_cache() {
  alert_ids_.clear();
  alerts_.clear();
  dirty_.clear();
}

void Store::begin_batch() {
  db_.exec("BEGIN IMMEDIATE");
  batch_open_ = true;
  // Another process committed since our last batch: what we cached may be stale.
  if (data_version() != data_version_) drop_cache();
}

void Store::commit_batch() {
  flush_alerts();
  db_.exec("COMMIT");
  batch_open_ = false;
  data_version_ = data_version();
  if (alerts_.size() > max_cached_alerts) drop_cache();
}

void Store::trim_cache() {
  if (alerts_.size() <= max_cached_alerts) return;
  flush_alerts();
  drop_cache();
}

void Store::rollback_batch() {
  if (batch_open_) db_.exec("ROLLBACK");
  batch_open_ = false;
  // Cached alerts and interned ids may belong to rows that were rolled back.
  drop_cache();
  names_.clear();
  sources_.clear();
  last_names_ = {};
}

void Store::checkpoint() {
  // Best effort, without waiting: another process at work keeps the WAL in use.
  sqlite3_busy_handler(db_.handle(), nullptr, nullptr);
  sqlite3_exec(db_.handle(), "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
  set_busy_handler(db_);
}

std::optional<std::string> Store::meta(std::string_view key) {
  Statement& s = statement(select_meta_, "SELECT value FROM meta WHERE key = ?1");
  s.reset();
  s.bind(1, key);
  std::optional<std::string> value;
  if (s.step()) value.emplace(s.text(0));
  s.reset();  // no read transaction left open
  return value;
}

void Store::set_meta(std::string_view key, std::string_view value) {
  Statement& s = statement(upsert_meta_,
                           "INSERT INTO meta (key, value) VALUES (?1, ?2) "
                           "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  s.reset();
  s.bind(1, key).bind(2, value).run();
}

void Store::begin_run(std::string_view command) {
  Statement s(db_, "INSERT INTO runs (started_at, command) VALUES (?1, ?2)");
  s.bind(1, util::now_millis()).bind(2, command).run();
  run_id_ = db_.last_insert_rowid();
}

void Store::finish_run(std::uint64_t payloads, std::uint64_t rejected) {
  Statement s(db_,
              "UPDATE runs SET finished_at = ?1, payloads = payloads + ?2, rejected = rejected + "
              "?3 WHERE id = ?4");
  s.bind(1, util::now_millis())
      .bind(2, static_cast<std::int64_t>(payloads))
      .bind(3, static_cast<std::int64_t>(rejected))
      .bind(4, run_id_)
      .run();
}

Alert* Store::find(std::string_view key) {
  if (const auto it = alert_ids_.find(key); it != alert_ids_.end()) return it->second;
  auto& s = statement(find_, R"sql(
    SELECT a.id, a.fingerprint, a.issue_id, a.project, a.state, a.priority, a.jira_priority,
           a.status, a.summary, a.opened_at, a.resolved_at, a.updated_at, a.events, a.reopens,
           (SELECT max(seq) FROM episodes WHERE alert_id = a.id), a.identities, a.site
    FROM alerts a
    WHERE a.id = coalesce((SELECT id FROM alerts WHERE fingerprint = ?1),
                          (SELECT alert_id FROM aliases WHERE key = ?1)))sql");
  s.bind(1, key);
  if (!s.step()) {
    s.reset();
    return nullptr;
  }
  const std::int64_t id = s.int64(0);
  auto [entry, inserted] = alerts_.try_emplace(id);
  Alert& alert = entry->second;
  if (inserted) {
    auto text = [&](int column) -> std::optional<std::string> {
      if (const auto t = s.optional_text(column)) return std::string(*t);
      return std::nullopt;
    };
    alert.id = id;
    alert.fingerprint = s.text(1);
    alert.issue_id = text(2);
    alert.project = text(3);
    alert.state = rules::parse_state(s.text(4)).value_or(rules::State::open);
    alert.priority = rules::parse_level(s.text(5)).value_or(rules::Level::medium);
    alert.jira_priority = text(6);
    alert.status = text(7);
    alert.summary = text(8);
    alert.opened_at = s.optional_int64(9);
    alert.resolved_at = s.optional_int64(10);
    alert.updated_at = s.optional_int64(11);
    alert.events = s.int64(12);
    alert.reopens = s.int64(13);
    alert.episode = s.optional_int64(14).value_or(0);
    alert.identities = s.blob(15);
    alert.site = text(16);
  }
  s.reset();
  alert_ids_.emplace(std::string(key), &alert);
  return &alert;
}

// Identities are kept with their alert, packed little-endian: a duplicate check is a
// scan of one alert's few, and a replay maintains no index for them.
namespace {
constexpr std::size_t scanned_identities = 64;  // beyond this many, a hash set answers

std::uint64_t identity_at(const std::string& identities, std::size_t at) {
  std::uint64_t value = 0;
  for (int b = 7; b >= 0; --b)
    value = value << 8 | static_cast<unsigned char>(identities[at + static_cast<std::size_t>(b)]);
  return value;
}
}  // namespace

bool Alert::applied(std::uint64_t identity) const {
  const std::size_t count = identities.size() / 8;
  if (count <= scanned_identities) {
    for (std::size_t at = 0; at < count * 8; at += 8)
      if (identity_at(identities, at) == identity) return true;
    return false;
  }
  if (identity_index.size() != count) {
    identity_index.clear();
    for (std::size_t at = 0; at < count * 8; at += 8)
      identity_index.insert(identity_at(identities, at));
  }
  return identity_index.count(identity) > 0;
}

void Alert::add_identity(std::uint64_t identity) {
  for (int b = 0; b < 8; ++b) identities.push_back(static_cast<char>(identity >> (8 * b) & 0xff));
  if (!identity_index.empty()) identity_index.insert(identity);
}

namespace {
template <typename T>
std::optional<std::string_view> view(const std::optional<T>& value) {
  if (value) return std::string_view(*value);
  return std::nullopt;
}
}  // namespace

Alert* Store::insert_alert(Alert a) {
  auto& s = statement(insert_alert_, R"sql(
    INSERT INTO alerts (fingerprint, issue_id, project, state, priority, jira_priority, status,
                        summary, opened_at, resolved_at, updated_at, events, reopens, identities,
                        site)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15))sql");
  s.bind(1, std::string_view(a.fingerprint))
      .bind(2, view(a.issue_id))
      .bind(3, view(a.project))
      .bind(4, rules::state_name(a.state))
      .bind(5, rules::level_name(a.priority))
      .bind(6, view(a.jira_priority))
      .bind(7, view(a.status))
      .bind(8, view(a.summary))
      .bind(9, a.opened_at)
      .bind(10, a.resolved_at)
      .bind(11, a.updated_at)
      .bind(12, a.events)
      .bind(13, a.reopens)
      .bind_blob(14, a.identities)
      .bind(15, view(a.site))
      .run();
  a.id = db_.last_insert_rowid();
  Alert& cached = alerts_[a.id];
  cached = std::move(a);
  alert_ids_.emplace(cached.fingerprint, &cached);
  return &cached;
}

void Store::update_alert(Alert& a) {
  if (!a.dirty) {
    a.dirty = true;
    dirty_.push_back(a.id);
  }
}

void Store::move_alert(Alert& a, std::string_view new_key) {
  add_alias(a.fingerprint, a.id);
  // Moved back to a key it had: that key is its fingerprint again, no longer an alias.
  auto& unalias = statement(delete_alias_, "DELETE FROM aliases WHERE key = ?1");
  unalias.bind(1, new_key).run();
  a.fingerprint = new_key;
  alert_ids_.insert_or_assign(a.fingerprint, &a);
  update_alert(a);
}

void Store::flush_alerts() {
  for (const std::int64_t id : dirty_) {
    Alert& a = alerts_.at(id);
    write_alert(a);
    a.dirty = false;
  }
  dirty_.clear();
}

void Store::write_alert(const Alert& a) {
  auto& s = statement(update_alert_, R"sql(
    UPDATE alerts SET fingerprint = ?1, issue_id = ?2, project = ?3, state = ?4, priority = ?5,
                      jira_priority = ?6, status = ?7, summary = ?8, opened_at = ?9,
                      resolved_at = ?10, updated_at = ?11, events = ?12, reopens = ?13,
                      identities = ?15, site = ?16
    WHERE id = ?14)sql");
  // The alert outlives run(): its texts are bound without copies.
  s.bind_static(1, std::string_view(a.fingerprint))
      .bind_static(2, view(a.issue_id))
      .bind_static(3, view(a.project))
      .bind_static(4, rules::state_name(a.state))
      .bind_static(5, rules::level_name(a.priority))
      .bind_static(6, view(a.jira_priority))
      .bind_static(7, view(a.status))
      .bind_static(8, view(a.summary))
      .bind(9, a.opened_at)
      .bind(10, a.resolved_at)
      .bind(11, a.updated_at)
      .bind(12, a.events)
      .bind(13, a.reopens)
      .bind(14, a.id)
      .bind_static_blob(15, a.identities)
      .bind_static(16, view(a.site))
      .run();
}

Alert* Store::merge_alerts(Alert& from, Alert& into) {
  const std::int64_t from_id = from.id;
  const std::int64_t into_id = into.id;
  const rules::Merged merged_as = rules::merge(into, from);
  into.identities += from.identities;

  Statement events(db_, "UPDATE events SET alert_id = ?2 WHERE alert_id = ?1");
  events.bind(1, from_id).bind(2, into_id).run();
  Statement aliases(db_, "UPDATE aliases SET alert_id = ?2 WHERE alert_id = ?1");
  aliases.bind(1, from_id).bind(2, into_id).run();
  // Targets knew FROM under its old key: what they acknowledged of it no longer applies.
  Statement outbox(db_, "DELETE FROM outbox WHERE alert_id = ?1");
  outbox.bind(1, from_id).run();
  // Both alerts' episodes, numbered again in the order they opened.
  Statement park(db_,
                 "UPDATE episodes SET alert_id = ?2, seq = seq + 1000000000 * (alert_id = ?1) "
                 "+ 2000000000 * (alert_id = ?2) WHERE alert_id IN (?1, ?2)");
  park.bind(1, from_id).bind(2, into_id).run();
  Statement renumber(db_, R"sql(
    UPDATE episodes SET seq = ordered.n
    FROM (SELECT seq AS old, row_number() OVER (ORDER BY coalesce(opened_at, resolved_at), seq) AS n
          FROM episodes WHERE alert_id = ?1) AS ordered
    WHERE episodes.alert_id = ?1 AND episodes.seq = ordered.old)sql");
  renumber.bind(1, into_id).run();
  // One issue has one incident at a time: a resolved alert closes every episode,
  // an open one keeps a single open episode, opened when the earliest opened.
  if (merged_as.episodes == rules::MergedEpisodes::close_open) {
    Statement close(
        db_, "UPDATE episodes SET resolved_at = ?2 WHERE alert_id = ?1 AND resolved_at IS NULL");
    close.bind(1, into_id).bind(2, into.resolved_at).run();
  } else {
    Statement keep(db_, R"sql(
      UPDATE episodes SET opened_at = (SELECT min(opened_at) FROM episodes
                                       WHERE alert_id = ?1 AND resolved_at IS NULL)
      WHERE alert_id = ?1 AND seq = (SELECT max(seq) FROM episodes
                                     WHERE alert_id = ?1 AND resolved_at IS NULL))sql");
    keep.bind(1, into_id).run();
    Statement drop(db_, R"sql(
      DELETE FROM episodes WHERE alert_id = ?1 AND resolved_at IS NULL
        AND seq < (SELECT max(seq) FROM episodes WHERE alert_id = ?1 AND resolved_at IS NULL))sql");
    drop.bind(1, into_id).run();
    renumber.bind(1, into_id).run();
  }
  Statement newest(db_, "SELECT max(seq) FROM episodes WHERE alert_id = ?1");
  newest.bind(1, into_id);
  newest.step();
  into.episode = newest.optional_int64(0).value_or(0);

  Statement remove(db_, "DELETE FROM alerts WHERE id = ?1");
  remove.bind(1, from_id).run();
  add_alias(merged_as.alias, into_id);
  for (auto& [k, cached] : alert_ids_)
    if (cached == &from) cached = &into;
  dirty_.erase(std::remove(dirty_.begin(), dirty_.end(), from_id), dirty_.end());
  alerts_.erase(from_id);
  Alert& merged = alerts_.at(into_id);
  update_alert(merged);
  return &merged;
}

void Store::add_alias(std::string_view key, std::int64_t alert_id) {
  auto& s = statement(insert_alias_,
                      "INSERT INTO aliases (key, alert_id) VALUES (?1, ?2) "
                      "ON CONFLICT (key) DO UPDATE SET alert_id = excluded.alert_id");
  s.bind(1, key).bind(2, alert_id).run();
  if (const auto it = alerts_.find(alert_id); it != alerts_.end())
    alert_ids_.insert_or_assign(std::string(key), &it->second);
}

void Store::open_episode(std::int64_t alert_id, std::int64_t seq,
                         std::optional<util::Millis> opened_at, rules::Level priority) {
  auto& s = statement(open_episode_,
                      "INSERT INTO episodes (alert_id, seq, opened_at, resolved_at, priority) "
                      "VALUES (?1, ?2, ?3, NULL, ?4)");
  s.bind(1, alert_id).bind(2, seq).bind(3, opened_at).bind(4, rules::level_name(priority)).run();
}

void Store::close_episode(std::int64_t alert_id, std::int64_t seq,
                          std::optional<util::Millis> resolved_at, rules::Level priority) {
  auto& s = statement(close_episode_,
                      "UPDATE episodes SET resolved_at = ?3, priority = ?4 "
                      "WHERE alert_id = ?1 AND seq = ?2");
  s.bind(1, alert_id).bind(2, seq).bind(3, resolved_at).bind(4, rules::level_name(priority)).run();
}

std::int64_t Store::source_id(std::string_view path) {
  if (const auto it = sources_.find(path); it != sources_.end()) return it->second;
  auto& insert =
      statement(insert_source_, "INSERT INTO sources (path) VALUES (?1) ON CONFLICT DO NOTHING");
  insert.bind(1, path).run();
  auto& select = statement(select_source_, "SELECT id FROM sources WHERE path = ?1");
  select.bind(1, path);
  select.step();
  const std::int64_t id = select.int64(0);
  select.reset();
  sources_.emplace(std::string(path), id);
  return id;
}

std::optional<std::int64_t> Store::name_id(std::optional<std::string_view> name, NameKind kind) {
  if (!name) return std::nullopt;
  // Consecutive payloads mostly repeat their event type, status, priority and user.
  auto& [last_name, last_id] = last_names_[static_cast<std::size_t>(kind)];
  if (last_id != 0 && last_name == *name) return last_id;
  const std::int64_t id = intern(*name);
  last_name = *name;
  last_id = id;
  return id;
}

std::int64_t Store::intern(std::string_view name) {
  // A hostile input could bring endless distinct names: keep the cache bounded.
  if (names_.size() > 100'000) names_.clear();
  if (const auto it = names_.find(name); it != names_.end()) return it->second;
  auto& insert =
      statement(insert_name_, "INSERT INTO names (name) VALUES (?1) ON CONFLICT DO NOTHING");
  insert.bind(1, name).run();
  auto& select = statement(select_name_, "SELECT id FROM names WHERE name = ?1");
  select.bind(1, name);
  select.step();
  const std::int64_t id = select.int64(0);
  select.reset();
  names_.emplace(std::string(name), id);
  return id;
}

void Store::log_event(const EventRow& r) {
  auto& s = statement(insert_event_, R"sql(
    INSERT INTO events (run_id, source_id, line, alert_id, issue_key, event_id, timestamp, action,
                        rule, state, priority, jira_priority_id, status_id, summary, identity,
                        warnings, user_id)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17))sql");
  const auto event_id = name_id(r.event, NameKind::event);
  const auto jira_priority_id = name_id(r.jira_priority, NameKind::jira_priority);
  const auto status_id = name_id(r.status, NameKind::status);
  const auto user_id = name_id(r.user, NameKind::user);
  // One row per payload: the texts are bound without copies, as they outlive run().
  s.bind(1, run_id_)
      .bind(2, r.source_id)
      .bind(3, static_cast<std::int64_t>(r.line))
      .bind(4, r.alert_id)
      .bind_static(5, r.issue_key)
      .bind(6, event_id)
      .bind(7, r.timestamp)
      .bind_static(8, rules::action_name(r.action))
      .bind_static(9, rule_name(r.rule));
  if (r.state) s.bind_static(10, rules::state_name(*r.state));
  if (r.priority) s.bind_static(11, rules::level_name(*r.priority));
  s.bind(12, jira_priority_id).bind(13, status_id).bind_static(14, r.summary);
  if (r.identity) s.bind(15, static_cast<std::int64_t>(*r.identity));
  s.bind_static(16, r.warnings).bind(17, user_id).run();
}

bool Store::StandingReject::replaced_by(std::uint64_t at_line, std::uint64_t at_column,
                                        std::uint64_t at_offset) const {
  if (!offset) return line == at_line;  // all a row kept from a version-2 file knows
  return *offset == at_offset || (line == at_line && column == at_column);
}

Store::StandingRejects Store::standing_rejects(std::int64_t source_id,
                                               const std::string& absolute_path) {
  StandingRejects standing;
  Statement at(db_, "SELECT id, line, start_column, byte_offset FROM rejects WHERE source_id = ?1");
  at.bind(1, source_id);
  while (at.step()) {
    const auto column = at.optional_int64(2);
    const auto offset = at.optional_int64(3);
    standing.at.push_back(
        {at.int64(0), static_cast<std::uint64_t>(at.int64(1)),
         column ? std::optional(static_cast<std::uint64_t>(*column)) : std::nullopt,
         offset ? std::optional(static_cast<std::uint64_t>(*offset)) : std::nullopt});
  }
  if (absolute_path.empty()) return standing;
  Statement exported(db_, "SELECT id FROM rejects WHERE exported_to = ?1");
  exported.bind(1, absolute_path);
  while (exported.step()) standing.exported.push_back(exported.int64(0));
  return standing;
}

void Store::drop_reject(std::int64_t id) {
  Statement s(db_, "DELETE FROM rejects WHERE id = ?1");
  s.bind(1, id).run();
}

void Store::log_reject(const RejectRow& r) {
  // The same payload rejected again (the same inputs replayed) keeps one row, its id
  // and where it was exported to.
  auto& again = statement(update_reject_, R"sql(
    UPDATE rejects SET run_id = ?1, reason = ?6, raw = ?8, rejected_at = ?9, start_column = ?10,
                       byte_offset = ?11
    WHERE source_id = ?2 AND line = ?3 AND error_line = ?4 AND error_column = ?5 AND size = ?7
      AND (byte_offset = ?11 OR byte_offset IS NULL))sql");
  auto& insert = statement(insert_reject_, R"sql(
    INSERT INTO rejects (run_id, source_id, line, error_line, error_column, reason, size, raw,
                         rejected_at, start_column, byte_offset)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11))sql");
  for (Statement* s : {&again, &insert}) {
    s->bind(1, run_id_)
        .bind(2, r.source_id)
        .bind(3, static_cast<std::int64_t>(r.line))
        .bind(4, static_cast<std::int64_t>(r.error_line))
        .bind(5, static_cast<std::int64_t>(r.error_column))
        .bind(6, r.reason)
        .bind(7, static_cast<std::int64_t>(r.size))
        .bind_blob(8, r.raw)
        .bind(9, util::now_millis())
        .bind(10, static_cast<std::int64_t>(r.column))
        .bind(11, static_cast<std::int64_t>(r.offset))
        .run();
    if (db_.changes() > 0) return;
  }
}

}  // namespace jira_alerts::store
