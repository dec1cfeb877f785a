// The alerts of a replay: cached across batches, changed in memory, written at commit;
// their aliases, episodes and moves.

#include "store/alert_cache.hpp"

#include <algorithm>

namespace jira_alerts::store {

namespace {
// What an alert's row holds in the columns of its indexes (alerts' UNIQUE fingerprint,
// alerts_by_state), as one string to compare.
std::string indexed_columns(const Alert& a) {
  std::string key = a.fingerprint;
  key += '\0';
  if (a.project) key += *a.project;
  key += a.project ? '\1' : '\2';
  key += static_cast<char>(a.state);
  key += static_cast<char>(a.priority);
  return key;
}
}  // namespace

void AlertCache::use_source(std::int64_t source) {
  if (source == source_) return;
  source_ = source;
  keys_ = &keys_by_source_[source];
}

void AlertCache::touch(Alert& a) {
  a.last_used = ++clock_;
  uses_.emplace_back(clock_, a.id);
  if (uses_.size() <= 4 * alerts_.size() + 1024) return;
  uses_.clear();
  for (const auto& [id, cached] : alerts_) uses_.emplace_back(cached.last_used, id);
  std::sort(uses_.begin(), uses_.end());
}

void AlertCache::cache_key(std::string_view key, Alert& a) {
  keys_->insert_or_assign(std::string(key), &a);
  if (key != a.fingerprint) a.other_keys = true;
}

Alert* AlertCache::find(std::string_view key) {
  if (const auto it = keys_->find(key); it != keys_->end()) {
    touch(*it->second);
    return it->second;
  }
  auto& s = prepared(db_, find_, R"sql(
    SELECT a.id, a.fingerprint, a.issue_id, a.project, a.state, a.priority, a.jira_priority,
           a.status, a.summary, a.opened_at, a.resolved_at, a.updated_at, a.events, a.reopens,
           (SELECT max(seq) FROM episodes WHERE alert_id = a.id), a.identities, a.site
    FROM alerts a
    WHERE a.id = coalesce((SELECT id FROM alerts WHERE fingerprint = ?1 AND alert_source_id = ?2),
                          (SELECT alert_id FROM aliases WHERE key = ?1 AND alert_source_id = ?2)))sql");
  s.bind(1, key).bind(2, source_);
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
    alert.source = source_;
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
    alert.written_key = indexed_columns(alert);
  }
  s.reset();
  touch(alert);
  cache_key(key, alert);
  return &alert;
}

// Identities are kept with their alert, packed little-endian: a duplicate check is a

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

Alert* AlertCache::insert_alert(Alert a) {
  auto& s = prepared(db_, insert_alert_, R"sql(
    INSERT INTO alerts (fingerprint, issue_id, project, state, priority, jira_priority, status,
                        summary, opened_at, resolved_at, updated_at, events, reopens, identities,
                        site, alert_source_id)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16))sql");
  a.source = source_;
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
      .bind(16, a.source)
      .run();
  a.id = db_.last_insert_rowid();
  a.written_key = indexed_columns(a);
  adopt_events(a);
  Alert& cached = alerts_[a.id];
  cached = std::move(a);
  touch(cached);
  cache_key(cached.fingerprint, cached);
  return &cached;
}

void AlertCache::note_unowned(std::string_view key) {
  if (unowned_) (*unowned_)[source_].emplace(key);
}

void AlertCache::adopt_events(const Alert& a) {
  if (!unowned_) {
    indexes_.need_events_by_alert();
    unowned_.emplace();
    Statement keys(db_,
                   "SELECT DISTINCT alert_source_id, issue_key FROM events WHERE alert_id IS NULL "
                   "AND alert_source_id IS NOT NULL AND issue_key IS NOT NULL");
    while (keys.step()) (*unowned_)[keys.int64(0)].emplace(keys.text(1));
  }
  KeySet& unowned = (*unowned_)[a.source];
  const auto it = unowned.find(std::string_view(a.fingerprint));
  if (it == unowned.end()) return;
  unowned.erase(it);
  indexes_.need_events_by_alert();
  // Ignored payloads of the issue that came before it had an alert (comments delivered
  // first) are in its timeline too, as in any other delivery order.
  auto& adopt =
      prepared(db_, adopt_events_,
               "UPDATE events SET alert_id = ?1 WHERE alert_id IS NULL AND issue_key = ?2 "
               "AND alert_source_id = ?3");
  adopt.bind(1, a.id).bind(2, std::string_view(a.fingerprint)).bind(3, a.source).run();
}

void AlertCache::update_alert(Alert& a) {
  if (!a.dirty) {
    a.dirty = true;
    dirty_.push_back(a.id);
  }
}

void AlertCache::move_alert(Alert& a, std::string_view new_key) {
  add_alias(a.fingerprint, a.id);
  // Moved back to a key it had: that key is its fingerprint again, no longer an alias.
  auto& unalias =
      prepared(db_, delete_alias_, "DELETE FROM aliases WHERE key = ?1 AND alert_source_id = ?2");
  unalias.bind(1, new_key).bind(2, a.source).run();
  a.fingerprint = new_key;
  keys_by_source_[a.source].insert_or_assign(a.fingerprint, &a);
  a.other_keys = true;  // the key it moved from finds it too
  update_alert(a);
}

void AlertCache::flush() {
  rederive_late();
  // In row order: neighbouring rows share pages.
  std::sort(dirty_.begin(), dirty_.end());
  for (const std::int64_t id : dirty_) {
    Alert& a = alerts_.at(id);
    write_alert(a);
    a.dirty = false;
  }
  dirty_.clear();
}

void AlertCache::write_alert(Alert& a) {
  // SQLite rewrites the entries of every index whose columns an UPDATE sets, changed or
  // not: most writes (a new status, an identity) leave the indexed columns alone.
  std::string key = indexed_columns(a);
  const bool same_key = key == a.written_key;
  auto& s = same_key ? prepared(db_, update_fields_, R"sql(
    UPDATE alerts SET issue_id = ?2, jira_priority = ?6, status = ?7, summary = ?8,
                      opened_at = ?9, resolved_at = ?10, updated_at = ?11, events = ?12,
                      reopens = ?13, identities = ?15, site = ?16
    WHERE id = ?14)sql")
                     : prepared(db_, update_alert_, R"sql(
    UPDATE alerts SET fingerprint = ?1, issue_id = ?2, project = ?3, state = ?4, priority = ?5,
                      jira_priority = ?6, status = ?7, summary = ?8, opened_at = ?9,
                      resolved_at = ?10, updated_at = ?11, events = ?12, reopens = ?13,
                      identities = ?15, site = ?16
    WHERE id = ?14)sql");
  if (!same_key) {
    s.bind_static(1, std::string_view(a.fingerprint))
        .bind_static(3, view(a.project))
        .bind_static(4, rules::state_name(a.state))
        .bind_static(5, rules::level_name(a.priority));
  }
  // The alert outlives run(): its texts are bound without copies.
  s.bind_static(2, view(a.issue_id))
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
  a.written_key = std::move(key);
}

Alert* AlertCache::merge_alerts(Alert& from, Alert& into) {
  const std::int64_t from_id = from.id;
  const std::int64_t into_id = into.id;
  const rules::Merged merged_as = rules::merge(into, from);
  into.identities += from.identities;
  indexes_.need_events_by_alert();

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
  for (auto& [k, cached] : keys_by_source_[into.source]) {
    if (cached != &from) continue;
    cached = &into;
    into.other_keys = true;
  }
  dirty_.erase(std::remove(dirty_.begin(), dirty_.end(), from_id), dirty_.end());
  alerts_.erase(from_id);
  Alert& merged = alerts_.at(into_id);
  update_alert(merged);
  return &merged;
}

void AlertCache::add_alias(std::string_view key, std::int64_t alert_id) {
  auto& s =
      prepared(db_, insert_alias_,
               "INSERT INTO aliases (key, alert_source_id, alert_id) VALUES (?1, ?2, ?3) "
               "ON CONFLICT (key, alert_source_id) DO UPDATE SET alert_id = excluded.alert_id");
  s.bind(1, key).bind(2, source_).bind(3, alert_id).run();
  if (const auto it = alerts_.find(alert_id); it != alerts_.end()) cache_key(key, it->second);
}

void AlertCache::open_episode(std::int64_t alert_id, std::int64_t seq,
                              std::optional<util::Millis> opened_at, rules::Level priority) {
  auto& s = prepared(db_, open_episode_,
                     "INSERT INTO episodes (alert_id, seq, opened_at, resolved_at, priority) "
                     "VALUES (?1, ?2, ?3, NULL, ?4)");
  s.bind(1, alert_id).bind(2, seq).bind(3, opened_at).bind(4, rules::level_name(priority)).run();
}

void AlertCache::close_episode(std::int64_t alert_id, std::int64_t seq,
                               std::optional<util::Millis> resolved_at, rules::Level priority) {
  auto& s = prepared(db_, close_episode_,
                     "UPDATE episodes SET resolved_at = ?3, priority = ?4 "
                     "WHERE alert_id = ?1 AND seq = ?2");
  s.bind(1, alert_id).bind(2, seq).bind(3, resolved_at).bind(4, rules::level_name(priority)).run();
}

void AlertCache::clear() {
  unowned_.reset();
  for (auto& [source, keys] : keys_by_source_) keys.clear();
  alerts_.clear();
  uses_.clear();
  dirty_.clear();
  late_.clear();
}

void AlertCache::evict(std::size_t keep) {
  if (alerts_.size() <= keep) return;
  // The least recently used: the front stamps that are still their alert's last.
  std::vector<std::int64_t> leaving;
  while (leaving.size() < alerts_.size() - keep && !uses_.empty()) {
    const auto [stamp, id] = uses_.front();
    uses_.pop_front();
    const auto it = alerts_.find(id);
    if (it != alerts_.end() && it->second.last_used == stamp) leaving.push_back(id);
  }
  std::sort(leaving.begin(), leaving.end());
  const auto leaves = [&](std::int64_t id) {
    return std::binary_search(leaving.begin(), leaving.end(), id);
  };
  // A late alert that leaves has its history derived again first.
  std::erase_if(late_, [&](std::int64_t id) {
    const auto it = alerts_.find(id);
    if (it == alerts_.end()) return true;  // merged into another, derived again then
    if (!leaves(id)) return false;
    it->second.late = false;
    rederive_episodes(it->second);
    return true;
  });
  // Only the changed alerts that leave are written now, in row order (neighbouring rows
  // share pages); the others stay changed in the cache, to be written once when the
  // batch commits.
  for (const std::int64_t id : leaving) {
    Alert& a = alerts_.at(id);
    if (a.dirty) write_alert(a);
  }
  std::erase_if(dirty_, leaves);
  for (const std::int64_t id : leaving) {
    const auto it = alerts_.find(id);
    Keys& keys = keys_by_source_[it->second.source];
    if (it->second.other_keys) {
      std::erase_if(keys, [&](const auto& entry) { return entry.second == &it->second; });
    } else if (const auto key = keys.find(std::string_view(it->second.fingerprint));
               key != keys.end() && key->second == &it->second) {
      keys.erase(key);
    }
    alerts_.erase(it);
  }
}

}  // namespace jira_alerts::store
