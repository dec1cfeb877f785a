// One payload applied: its alert found (moves and merges included), decided, changed
// through the rules, logged, and its record handed to the sink.

#include "replay/replayer.hpp"
#include "rules/jql.hpp"
#include "store/sources.hpp"
#include "util/text.hpp"

namespace jira_alerts::replay {

using rules::Action;

namespace {

// Gives alert A the payload's key; its project follows unless the payload names one.
void rename(store::Store& store, store::Alert& a, const parse::Payload& p) {
  a.project = rules::project_after_move(
      p.key.value, p.project.present ? std::optional(p.project.value) : std::nullopt);
  store.alerts().move_alert(a, p.key.value);
}

template <typename T>
std::optional<std::string_view> view(const std::optional<T>& value) {
  if (value) return std::string_view(*value);
  return std::nullopt;
}

std::optional<std::string_view> view(const parse::Text& text) {
  if (text.present) return text.value;
  return std::nullopt;
}

// The event a payload names (a post-function body counts as an update), or none.
std::optional<std::string_view> event_of(const parse::Payload& p) {
  if (p.event.present || p.workflow_body) return p.effective_event();
  return std::nullopt;
}

// The Jira priority's name, when the payload names one.
std::optional<std::string_view> jira_priority_of(const parse::Payload& p) {
  if (p.priority_form == parse::PriorityForm::named) return p.priority;
  return std::nullopt;
}

// What payload P tells its alert (FIRST: it creates the alert).
rules::Facts facts_of(const parse::Payload& p, bool first) {
  rules::Facts f;
  f.first = first;
  f.key = p.key.value;
  f.timestamp = p.timestamp;
  f.summary = view(p.summary);
  f.project = view(p.project);
  f.issue_id = view(p.issue_id);
  if (const std::string_view site = util::jira_site(p.self.value); !site.empty()) f.site = site;
  f.status = view(p.status);
  f.jira_priority = jira_priority_of(p);
  return f;
}

}  // namespace

// The warning of a decision whose priority is not in the mapping (on the record), and
// once per name to the sink.
void Replayer::warn_unmapped(const parse::Payload& p, const rules::Decision& d,
                             std::string_view path, std::uint64_t line) {
  const std::string level(rules::level_name(d.priority));
  if (p.priority_form == parse::PriorityForm::unnamed) {
    warnings_.emplace_back("unmapped priority: issue.fields.priority has no name");
    if (!warned_unnamed_ && sink_) {
      warned_unnamed_ = true;
      const std::string text = "issue.fields.priority has no name: it counts as " + level;
      sink_->warning({path, line, std::nullopt, text});
    }
    return;
  }
  const std::string name(p.priority);
  warnings_.push_back("unmapped priority '" + name + "'");
  if (sink_ && warned_priorities_.size() < 1000 && warned_priorities_.emplace(name).second) {
    const std::string text = "unmapped priority '" + name + "' counts as " + level +
                             " (map it with --priority '" + name + "=LEVEL')";
    sink_->warning({path, line, std::nullopt, text});
  }
}

// Finds the alert of payload P by its key. A move (a Key changelog item) joins the old
// key and the new one in one alert whenever it arrives, late or repeated included; the
// alert goes by the key of its newest payload, so that no alert stays under a key that
// no longer exists, and a move there and back ends under the key it came back to.
// MERGED tells that two alerts became one.
store::Alert* Replayer::locate(const parse::Payload& p, bool issue_event, bool& merged) {
  const std::optional<std::string_view> key = view(p.key);
  store::Alert* alert = key ? store_.alerts().find(*key) : nullptr;
  if (!issue_event) return alert;
  if (p.moved_from.present && p.moved_from.value != p.key.value) {
    if (store::Alert* old = store_.alerts().find(p.moved_from.value);
        old != nullptr && old != alert) {
      if (alert == nullptr) {
        alert = old;
        if (rules::move_takes_key(*old, p.timestamp))
          rename(store_, *old, p);
        else
          store_.alerts().add_alias(*key, old->id);  // a late move: newer payloads name the key
      } else {
        // Payloads under the new key came first: one alert takes the other in.
        alert = store_.alerts().merge_alerts(*old, *alert);
        merged = true;
      }
    } else if (old == nullptr && alert != nullptr) {
      store_.alerts().add_alias(p.moved_from.value,
                                alert->id);  // the old key's payloads may come later
    }
  }
  if (alert != nullptr && key && rules::payload_takes_key(*alert, *key, p.timestamp))
    rename(store_, *alert, p);
  return alert;
}

// Whether ITEM was applied to ALERT before: the same content, or the same delivery.
Replayer::Seen Replayer::seen_before(const Parsed& item, const store::Alert* alert,
                                     bool issue_event) {
  if (!issue_event || alert == nullptr) return Seen::no;
  const auto& ts = item.payload.timestamp;
  // An applied identity carries a timestamp no newer than the alert's newest, so a
  // newer payload cannot be a duplicate and needs no look-up.
  const bool may_repeat = !ts || (alert->updated_at && *ts <= *alert->updated_at);
  if (may_repeat && alert->applied(item.identity)) return Seen::same_content;
  // A delivery id is checked whatever the timestamp: a retry keeps it even when a
  // rendered field of its body changed.
  if (item.delivery != 0 && alert->applied(item.delivery)) return Seen::same_delivery;
  return Seen::no;
}

namespace {

// Records that ITEM's identities (its content's, its delivery's) are in alert A's history.
void remember(const Parsed& item, store::Alert& a) {
  a.add_identity(item.identity);
  if (item.delivery != 0) a.add_identity(item.delivery);
}

}  // namespace

// Applies decision D of ITEM to ALERT (null: none yet) through the rules, and writes
// what changed: the alert, its episodes, the duplicate identities. Returns the alert.
store::Alert* Replayer::change(const Parsed& item, store::Alert* alert, const rules::Decision& d,
                               rules::Outcome& outcome) {
  const parse::Payload& p = item.payload;
  const bool found = alert != nullptr;
  store::Alert fresh;
  store::Alert& a = found ? *alert : fresh;
  outcome = rules::transition(a, d, facts_of(p, !found));
  if (d.action == Action::stale) {
    // A late payload: it changes no current field but has its place in the alert's
    // history, derived again in event time when the batch commits; a second delivery
    // of it is a duplicate.
    remember(item, a);
    store_.alerts().rederive_later(a);
    store_.alerts().update_alert(a);
  }
  if (!outcome.applied) return alert;
  remember(item, a);
  if (found) {
    store_.alerts().update_alert(a);
  } else {
    alert = store_.alerts().insert_alert(std::move(fresh));
    // The move came first: payloads under the old key must find this alert too.
    if (p.moved_from.present && p.moved_from.value != p.key.value)
      store_.alerts().add_alias(p.moved_from.value, alert->id);
  }
  if (outcome.opens_episode)
    store_.alerts().open_episode(alert->id, alert->episode, alert->opened_at, alert->priority);
  if (outcome.closes_episode)
    store_.alerts().close_episode(alert->id, alert->episode, alert->resolved_at, alert->priority);
  return alert;
}

// The event row of ITEM, decided as D, with the summary its outcome records.
void Replayer::log(const Parsed& item, std::int64_t source_id, const store::Alert* alert,
                   bool created, const rules::Decision& d,
                   std::optional<std::string_view> summary) {
  const parse::Payload& p = item.payload;
  const bool issue_event = parse::is_issue_event(p.effective_event());
  joined_warnings_.clear();
  for (const auto& w : warnings_) {
    if (!joined_warnings_.empty()) joined_warnings_ += '\n';
    joined_warnings_ += w;
  }
  store_.log().log_event({
      .source_id = source_id,
      .line = item.line,
      .alert_id = alert != nullptr ? std::optional(alert->id) : std::nullopt,
      .issue_key = view(p.key),
      .event = event_of(p),
      .timestamp = p.timestamp,
      .action = d.action,
      .rule = d.rule,
      .state = issue_event ? std::optional(d.state) : std::nullopt,
      .priority = issue_event ? std::optional(d.priority) : std::nullopt,
      .jira_priority = jira_priority_of(p),
      .status = view(p.status),
      .summary = summary,
      .category = view(p.category),
      .user = view(p.user),
      // A stale payload's identity too: its history in event time applies it, and must
      // know its second delivery as a duplicate.
      .identity = rules::is_applied(d.action) || d.action == Action::stale
                      ? std::optional(item.identity)
                      : std::nullopt,
      .warnings = joined_warnings_.empty() ? std::nullopt
                                           : std::optional<std::string_view>(joined_warnings_),
      .created_alert = created,
      .alert_source_id = set_ != nullptr ? std::optional(set_->id) : std::nullopt,
  });
}

// The decision record of ITEM, decided as D, for the sink; its reason is TOLD, or else the
// one the rules give.
void Replayer::record(const Parsed& item, std::string_view path, const store::Alert* alert,
                      const rules::Decision& d, std::string_view told) {
  const parse::Payload& p = item.payload;
  // A payload outside the scope of a replay's one source is told that scope.
  const AlertSet& set = set_ != nullptr ? *set_ : sets_.front();
  const rules::jql::Query* scope = set.mapping.scope();
  if (!told.empty())
    reason_ = told;
  else
    reason_ = rules::reason_text(d.rule, d.action, p.status.value, p.effective_event(),
                                 p.timestamp.has_value(),
                                 scope ? std::string_view(scope->text()) : std::string_view());
  DecisionRecord r;
  // Named wherever it is not the one source of a file no config divides, as push and
  // the platforms' requests name it.
  if (set_ != nullptr && (sets_.size() > 1 || set_->name != store::default_source))
    r.source = set_->name;
  r.path = path;
  r.line = item.line;
  r.fingerprint =
      alert != nullptr ? std::optional<std::string_view>(alert->fingerprint) : view(p.key);
  r.event = event_of(p);
  r.action = d.action;
  if (alert != nullptr) {
    r.state = alert->state;
    r.priority = alert->priority;
    r.project = view(alert->project);
    r.site = view(alert->site);
    r.title = view(alert->summary);
  }
  r.jira_priority = jira_priority_of(p);
  r.status = view(p.status);
  r.summary = view(p.summary);
  r.user = view(p.user);
  r.timestamp = p.timestamp;
  r.reason = reason_;
  r.warnings = &warnings_;
  sink_->write(r);
}

// Does P's issue have an alert in SET, under its key or the one it moved from?
bool Replayer::has_alert(const AlertSet& set, const parse::Payload& p) {
  store_.alerts().use_source(set.id);
  if (p.key.present && store_.alerts().find(p.key.value) != nullptr) return true;
  return p.moved_from.present && store_.alerts().find(p.moved_from.value) != nullptr;
}

// Which sources take payload P: those whose scope its issue matches, and those where its
// issue already has an alert (there it is decided "outside scope", in the alert's
// timeline), among the sources of the path it was recorded at. None: it is logged once,
// for no source.
void Replayer::apply(const Parsed& item, std::string_view path, std::int64_t source_id) {
  const parse::Payload& p = item.payload;
  ++counts_.payloads;
  if (sets_.size() == 1 && sets_.front().mapping.scope() == nullptr && !sets_.front().path) {
    apply_to(sets_.front(), item, path, source_id);
    return;
  }
  const bool issue_event = parse::is_issue_event(p.effective_event());
  std::optional<rules::jql::Issue> fields;
  bool taken = false, routed = false;
  for (const AlertSet& set : sets_) {
    // A delivery that record received at a path goes to the sources of that path, and to
    // those without one.
    if (set.path && !item.route.empty() && item.route != *set.path) continue;
    routed = true;
    if (set.mapping.scope() != nullptr && issue_event) {
      if (!fields) fields = rules::scope_fields(p);
      if (!set.mapping.scope()->matches(*fields)) {
        if (!has_alert(set, p)) continue;
      }
    }
    apply_to(set, item, path, source_id);
    taken = true;
  }
  if (!taken) log_outside(item, path, source_id, !routed);
}

// What feeds ROUTE, a path that feeds none of the sources decided for: a source that
// --source left out, or none.
std::string Replayer::route_text(const std::string& route) const {
  if (const auto it = left_out_paths.find(route); it != left_out_paths.end())
    return "the path of source '" + it->second + "', which this run does not decide for";
  return "a path that feeds no source";
}

// A payload no source takes (outside every scope; BY_PATH: recorded at a path that feeds
// none): one event, for no source and no alert.
void Replayer::log_outside(const Parsed& item, std::string_view path, std::int64_t source_id,
                           bool by_path) {
  // The first source's mapping gives the priority it would have.
  rules::Decision d = rules::decide(item.payload, nullptr, false, sets_.front().mapping);
  d.action = Action::ignore;
  d.rule = rules::Rule::out_of_scope;
  set_ = nullptr;
  warnings_.clear();
  log(item, source_id, nullptr, false, d, std::nullopt);
  count(d.action);
  if (by_path) {
    // Said once per path as a warning too: without decision records (record --apply,
    // --quiet) such deliveries would otherwise pass unnoticed.
    const std::string why = "recorded at '" + item.route + "', " + route_text(item.route);
    if (sink_ && warned_routes_.size() < 1000 && warned_routes_.insert(item.route).second)
      sink_->warning({path, item.line, std::nullopt, why + ": logged for no source"});
    if (records_) record(item, path, nullptr, d, why);
    return;
  }
  // With one source, its scope says why (the rules' reason).
  if (records_)
    record(item, path, nullptr, d, sets_.size() > 1 ? "outside every source's scope" : "");
}

void Replayer::apply_to(const AlertSet& set, const Parsed& item, std::string_view path,
                        std::int64_t source_id) {
  set_ = &set;
  store_.alerts().use_source(set.id);
  const parse::Payload& p = item.payload;
  const bool issue_event = parse::is_issue_event(p.effective_event());
  bool merged = false;
  store::Alert* alert = locate(p, issue_event, merged);
  const Seen seen = seen_before(item, alert, issue_event);
  const rules::Current current = alert != nullptr
                                     ? rules::Current{alert->state, alert->updated_at}
                                     : rules::Current{rules::State::open, std::nullopt};
  const rules::Decision d =
      rules::decide(p, alert != nullptr ? &current : nullptr, seen != Seen::no, set.mapping);
  warnings_.clear();
  // A late payload's priority counts in the alert's history: it is warned about too.
  if ((rules::is_applied(d.action) || d.action == Action::stale) && !d.priority_mapped)
    warn_unmapped(p, d, path, item.line);
  rules::Outcome outcome;
  const bool found = alert != nullptr;
  alert = change(item, alert, d, outcome);
  log(item, source_id, alert, !found && outcome.applied, d, outcome.summary);
  if (alert == nullptr && p.key.present) store_.alerts().note_unowned(p.key.value);
  // Two histories joined: the episodes and reopens follow from the whole, in event time.
  if (merged) store_.alerts().rederive_episodes(*alert);
  count(d.action);
  if (records_)
    record(item, path, alert, d,
           seen == Seen::same_delivery ? "already applied to this alert (same delivery id): skipped"
                                       : "");
}

}  // namespace jira_alerts::replay
