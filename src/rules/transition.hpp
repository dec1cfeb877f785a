#pragma once
// What a payload does to its alert, as pure functions: the fields it sets, the episode
// it opens or closes, the summary it records; and what a move does when it joins two
// alerts. The replay, 'alerts --at' and a merge's episodes derived again all call these.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "rules/decide.hpp"
#include "rules/mapping.hpp"
#include "util/time.hpp"

namespace jira_alerts::rules {

// An alert as the rules see it: what its payloads set, and its episodes' count.
struct AlertState {
  std::string fingerprint;  // the key of its newest payload
  std::optional<std::string> issue_id, project, jira_priority, status, summary;
  std::optional<std::string> site;  // the Jira site, e.g. https://acme.atlassian.net
  State state = State::open;
  Level priority = Level::medium;
  std::optional<util::Millis> opened_at, resolved_at, updated_at;
  std::int64_t events = 0;
  std::int64_t reopens = 0;
  std::int64_t episode = 0;  // sequence number of the newest episode (0: none)
};

// What a payload tells about its alert, beside its decision. A field it does not name
// is none and leaves the alert's as it is (except jira_priority: none clears it).
struct Facts {
  bool first = false;  // no alert stood for the payload: it creates one
  std::string_view key;
  std::optional<util::Millis> timestamp;
  std::optional<std::string_view> summary, project, issue_id, site, status;
  std::optional<std::string_view> jira_priority;  // the priority's name, when it has one
};

// What a transition did to the alert.
struct Outcome {
  bool applied = false;         // the alert changed
  bool opens_episode = false;   // episode `episode` opened at `opened_at`, at `priority`
  bool closes_episode = false;  // episode `episode` resolved at `resolved_at`, at `priority`
  // The summary the event log keeps for the payload: the one it set, or for a stale
  // payload the one it would have set (so that 'alerts --at' knows it); none when the
  // payload names none or the alert's is the same.
  std::optional<std::string_view> summary;
};

// Applies DECISION (from decide, or redecide) with FACTS to ALERT. An applied action
// sets the fields, counts the payload and opens or closes an episode: a new alert opens
// episode 1 (first seen resolved, it is closed at once and when it opened is unknown), a
// resolve closes the current episode, a reopen opens the next. Any other action leaves
// ALERT as it is.
Outcome transition(AlertState& alert, const Decision& decision, const Facts& facts);

// The state a payload leaves its alert in, from BEFORE (none: no alert yet) and what its
// status says (none: it has no status).
State state_after(std::optional<State> before, std::optional<State> by_status);

// The action of a payload that sets state AFTER on an alert in state BEFORE (none: no
// alert yet): open or resolve a new alert, resolve, reopen, or update.
Action action_for(std::optional<State> before, State after);

// The decision a recorded payload makes again when its alert's history is replayed in
// another order ('alerts --at', a merge): the state it RECORDED, or without a status the
// state BEFORE it (open for a new alert), at PRIORITY. Its rule is not known again.
Decision redecide(std::optional<State> before, std::optional<State> recorded, bool has_status,
                  Level priority);

// The project of KEY when a payload names none: the part before the last '-'.
std::optional<std::string> project_of_key(std::string_view key);
// The same, as a view into KEY.
std::optional<std::string_view> key_prefix(std::string_view key);

// Moves (a Key changelog item names the old key).

// Does a move to a new key, timestamped AT, give ALERT (found under the old key) the new
// key? Yes unless it is older than the alert's newest payload: then newer payloads name
// the old key, and the new one is only an alias.
bool move_takes_key(const AlertState& alert, std::optional<util::Millis> at);

// Does a payload under KEY, timestamped AT, give ALERT (found under KEY as an alias) its
// key back? Yes when it is newer than everything the alert has seen: the issue moved back.
bool payload_takes_key(const AlertState& alert, std::string_view key,
                       std::optional<util::Millis> at);

// The project of an alert given KEY by a payload that names PROJECT or none.
std::optional<std::string> project_after_move(std::string_view key,
                                              std::optional<std::string_view> project);

// What becomes of the episodes when two alerts merge.
enum class MergedEpisodes : std::uint8_t {
  close_open,  // the merged alert is resolved: every open episode closes at its resolved_at
  keep_one,    // it is open: one open episode is kept, opened when the earliest opened
};

// The result of merge: the key that becomes an alias, and the episodes' fate.
struct Merged {
  std::string alias;
  MergedEpisodes episodes = MergedEpisodes::keep_one;
};

// Merges FROM (under a moved issue's old key) into INTO (under its new key), the two
// halves of one issue's history: the fields and the key follow whichever newest payload
// is newer (INTO's on a tie), the other key becomes an alias; INTO keeps its site or
// takes FROM's; events and reopens add up.
Merged merge(AlertState& into, const AlertState& from);

}  // namespace jira_alerts::rules
