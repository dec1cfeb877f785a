#pragma once
// The alerts a replay works on: looked up by key or alias, cached across batches while
// no other process writes the file, changed in memory and written when the batch
// commits; their aliases, episodes, moves and merges.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "rules/transition.hpp"
#include "store/indexes.hpp"
#include "store/sqlite.hpp"
#include "util/time.hpp"

namespace jira_alerts::store {

// One alert as stored: what the rules see of it, and the store's bookkeeping.
struct Alert : rules::AlertState {
  std::int64_t id = 0;          // 0 until inserted
  std::int64_t source = 1;      // the source (alert set) it belongs to
  std::string identities;       // the duplicate identities applied to it, 8 bytes each
  bool dirty = false;           // changed in memory, not yet written
  bool late = false;            // got a late payload: its episodes are derived again at flush()
  std::uint64_t last_used = 0;  // when it was last found or inserted (AlertCache's clock)
  // A key other than its fingerprint (an alias, a key it moved from) finds it in the cache.
  bool other_keys = false;
  // The indexed columns as the row holds them (fingerprint, project, state, priority),
  // so that a write that leaves them alone updates no index.
  std::string written_key;
  // A hash set over IDENTITIES once there are many, so that checks stay O(1).
  mutable std::unordered_set<std::uint64_t> identity_index;

  // Was IDENTITY applied to this alert?
  bool applied(std::uint64_t identity) const;
  // Records that IDENTITY was applied.
  void add_identity(std::uint64_t identity);
};

class AlertCache {
 public:
  AlertCache(Database& db, DeferredIndexes& indexes) : db_(db), indexes_(indexes) {}
  AlertCache(const AlertCache&) = delete;
  AlertCache& operator=(const AlertCache&) = delete;

  // Makes SOURCE the source whose alerts find(), insert_alert(), note_unowned() and
  // add_alias() work on: a fingerprint is unique within a source. The first is 1.
  void use_source(std::int64_t source);

  // The alert of the current source whose fingerprint or alias is KEY, or null. The pointer stays
  // valid until the batch ends (or trim_cache()).
  Alert* find(std::string_view key);
  // Inserts a new alert and returns it, cached.
  Alert* insert_alert(Alert alert);
  // Tells that a payload under KEY was logged without an alert (an ignored event of an
  // issue that has none yet): the alert inserted for KEY takes it into its timeline.
  void note_unowned(std::string_view key);
  // Marks a changed alert: it is written when the batch commits.
  void update_alert(Alert& alert);
  // Gives alert A the key NEW_KEY; its old key becomes an alias.
  void move_alert(Alert& a, std::string_view new_key);
  // Derives alert A's episodes, reopens, opened_at, resolved_at, events and state again
  // from its event log in event-time order (after a late payload, or a merge joined two
  // histories). False, and nothing changed, when one of its payloads has no timestamp to
  // place it by.
  bool rederive_episodes(Alert& a);
  // Marks alert A as having got a late payload: flush() derives its episodes again, once
  // however many late payloads it got in the batch.
  void rederive_later(Alert& a);
  // Merges alert FROM (under a moved issue's old key) into INTO (under its new key) as
  // rules::merge says: INTO takes FROM's events, episodes (renumbered by time) and
  // aliases, and the key that is not kept becomes an alias. FROM is deleted. Returns INTO.
  Alert* merge_alerts(Alert& from, Alert& into);
  // Makes KEY an alias of the alert ALERT_ID (the alert moved away from KEY).
  void add_alias(std::string_view key, std::int64_t alert_id);
  void open_episode(std::int64_t alert_id, std::int64_t seq, std::optional<util::Millis> opened_at,
                    rules::Level priority);
  void close_episode(std::int64_t alert_id, std::int64_t seq,
                     std::optional<util::Millis> resolved_at, rules::Level priority);

  std::size_t size() const { return alerts_.size(); }
  // Derives the episodes of the alerts marked late again, then writes the changed alerts
  // (inside the open transaction).
  void flush();
  // Forgets every cached alert: another process wrote the file, or a rollback undid
  // what they hold.
  void clear();
  // Forgets all but the KEEP most recently used alerts, writing those of them that
  // changed (inside the open transaction): the cache stays bounded, and the alerts a
  // replay is working on stay in it, changes and all.
  void evict(std::size_t keep);

 private:
  // Heterogeneous lookup, so that a string_view finds a key without a copy.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  void write_alert(Alert& alert);
  // Stamps ALERT as the most recently used.
  void touch(Alert& alert);
  // Maps KEY of the current source to ALERT.
  void cache_key(std::string_view key, Alert& alert);
  void rederive_late();
  void adopt_events(const Alert& alert);

  using Keys = std::unordered_map<std::string, Alert*, Hash, std::equal_to<>>;
  using KeySet = std::unordered_set<std::string, Hash, std::equal_to<>>;

  Database& db_;
  DeferredIndexes& indexes_;  // events_by_alert, built again before this reads by alert
  std::int64_t source_ = 1;
  // Fingerprints and aliases of the cached alerts, per source (the maps' nodes do not
  // move); KEYS_ is the current source's.
  std::unordered_map<std::int64_t, Keys> keys_by_source_{{1, {}}};
  Keys* keys_ = &keys_by_source_.at(1);
  std::unordered_map<std::int64_t, Alert> alerts_;  // by id
  std::vector<std::int64_t> dirty_;                 // changed since the batch began
  std::vector<std::int64_t> late_;                  // got late payloads since the batch began
  std::uint64_t clock_ = 0;                         // counts finds and inserts
  // Every stamp given, oldest first, with its alert's id: evict() lets go of the alerts at
  // the front whose stamp is still their last, so it never walks the whole cache. Stamps
  // of alerts used again since (or gone) are skipped, and the queue is compacted once it
  // outgrows the cache several times over.
  std::deque<std::pair<std::uint64_t, std::int64_t>> uses_;
  // The keys of payloads logged without an alert, per source, read when an alert is first
  // inserted.
  std::optional<std::unordered_map<std::int64_t, KeySet>> unowned_;
  std::unique_ptr<Statement> rederive_, clear_episodes_, adopt_events_, find_, insert_alert_,
      update_alert_, update_fields_, insert_alias_, open_episode_, close_episode_, delete_alias_;
};

}  // namespace jira_alerts::store
