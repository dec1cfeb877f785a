#include "store/schema.hpp"

namespace jira_alerts::store {

// Keep in step with the SCHEMA section of man/jira-alerts.1. A new file gets the
// version 1 schema, then every migration: the migrations run on every new file.
const char* const create_schema_sql = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE names (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

CREATE TABLE sources (
  id   INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE
);

CREATE TABLE runs (
  id          INTEGER PRIMARY KEY,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  command     TEXT NOT NULL,
  payloads    INTEGER NOT NULL DEFAULT 0,
  rejected    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE alerts (
  id            INTEGER PRIMARY KEY,
  fingerprint   TEXT NOT NULL UNIQUE,
  issue_id      TEXT,
  project       TEXT,
  state         TEXT NOT NULL CHECK (state IN ('open', 'resolved')),
  priority      TEXT NOT NULL,
  jira_priority TEXT,
  status        TEXT,
  summary       TEXT,
  opened_at     INTEGER,
  resolved_at   INTEGER,
  updated_at    INTEGER,
  events        INTEGER NOT NULL DEFAULT 0,
  reopens       INTEGER NOT NULL DEFAULT 0,
  identities    BLOB NOT NULL DEFAULT x''
);

CREATE TABLE aliases (
  key      TEXT PRIMARY KEY,
  alert_id INTEGER NOT NULL REFERENCES alerts (id)
) WITHOUT ROWID;

CREATE TABLE episodes (
  alert_id    INTEGER NOT NULL REFERENCES alerts (id),
  seq         INTEGER NOT NULL,
  opened_at   INTEGER,
  resolved_at INTEGER,
  priority    TEXT NOT NULL,
  PRIMARY KEY (alert_id, seq)
) WITHOUT ROWID;

CREATE TABLE events (
  id               INTEGER PRIMARY KEY,
  run_id           INTEGER NOT NULL REFERENCES runs (id),
  source_id        INTEGER NOT NULL REFERENCES sources (id),
  line             INTEGER NOT NULL,
  alert_id         INTEGER REFERENCES alerts (id),
  issue_key        TEXT,
  event_id         INTEGER REFERENCES names (id),
  timestamp        INTEGER,
  action           TEXT NOT NULL,
  rule             TEXT NOT NULL,
  state            TEXT,
  priority         TEXT,
  jira_priority_id INTEGER REFERENCES names (id),
  status_id        INTEGER REFERENCES names (id),
  user_id          INTEGER REFERENCES names (id),
  summary          TEXT,
  identity         INTEGER,
  warnings         TEXT
);

CREATE TABLE rejects (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER NOT NULL REFERENCES runs (id),
  source_id   INTEGER NOT NULL REFERENCES sources (id),
  line        INTEGER NOT NULL,
  error_line  INTEGER NOT NULL,
  error_column INTEGER NOT NULL,
  reason      TEXT NOT NULL,
  size        INTEGER NOT NULL,
  raw         BLOB NOT NULL,
  rejected_at INTEGER NOT NULL,
  exported_to TEXT
);
CREATE INDEX rejects_by_source ON rejects (source_id, line);

CREATE VIEW event_log AS
SELECT e.id, e.run_id, s.path AS path, e.line, s.path || ':' || e.line AS source,
       e.alert_id, a.fingerprint, e.issue_key, ev.name AS event, e.timestamp, e.action, e.rule,
       e.state, e.priority, jp.name AS jira_priority, st.name AS status, us.name AS user,
       e.summary, e.warnings
FROM events e
JOIN sources s ON s.id = e.source_id
LEFT JOIN alerts a ON a.id = e.alert_id
LEFT JOIN names ev ON ev.id = e.event_id
LEFT JOIN names jp ON jp.id = e.jira_priority_id
LEFT JOIN names st ON st.id = e.status_id
LEFT JOIN names us ON us.id = e.user_id;
)sql";

// Version 1 → 2: the Jira site of each alert (for links), and the push outbox.
const char* const migrate_1_to_2_sql = R"sql(
ALTER TABLE alerts ADD COLUMN site TEXT;
CREATE TABLE outbox (
  target   TEXT NOT NULL,
  alert_id INTEGER NOT NULL REFERENCES alerts (id),
  event_id INTEGER NOT NULL,
  acked_at INTEGER NOT NULL,
  PRIMARY KEY (target, alert_id)
) WITHOUT ROWID;
)sql";

// Version 2 → 3: where a rejected payload starts, to the byte, so that a reject is
// replaced only by the payload at its place. Kept rows get NULL (their line only).
const char* const migrate_2_to_3_sql = R"sql(
ALTER TABLE rejects ADD COLUMN start_column INTEGER;
ALTER TABLE rejects ADD COLUMN byte_offset INTEGER;
)sql";

// Version 3 → 4: what the rules read of a payload's status category, so that the
// history can be decided again under another mapping (rebuild, --remap); and the events
// of an alert found by an index (its timeline, its episodes derived again). Rows of
// older files know their category only where it decided them ('done').
const char* const migrate_3_to_4_sql = R"sql(
ALTER TABLE events ADD COLUMN status_category_id INTEGER REFERENCES names (id);
INSERT INTO names (name) SELECT 'done' WHERE EXISTS
  (SELECT 1 FROM events WHERE rule = 'done_category') ON CONFLICT DO NOTHING;
UPDATE events SET status_category_id = (SELECT id FROM names WHERE name = 'done')
  WHERE rule = 'done_category';
CREATE INDEX events_by_alert ON events (alert_id, timestamp);
DROP VIEW event_log;
CREATE VIEW event_log AS
SELECT e.id, e.run_id, s.path AS path, e.line, s.path || ':' || e.line AS source,
       e.alert_id, a.fingerprint, e.issue_key, ev.name AS event, e.timestamp, e.action, e.rule,
       e.state, e.priority, jp.name AS jira_priority, st.name AS status,
       sc.name AS status_category, us.name AS user, e.summary, e.warnings
FROM events e
JOIN sources s ON s.id = e.source_id
LEFT JOIN alerts a ON a.id = e.alert_id
LEFT JOIN names ev ON ev.id = e.event_id
LEFT JOIN names jp ON jp.id = e.jira_priority_id
LEFT JOIN names st ON st.id = e.status_id
LEFT JOIN names sc ON sc.id = e.status_category_id
LEFT JOIN names us ON us.id = e.user_id;
)sql";

// Version 4 → 5: the alerts by state and priority, each range in the order the reports
// list them, so that a CI gate (check --max-open, --fail-on) counts them and names the
// first few from the index alone. The expression is the listing's (store/queries.cpp), word for
// word: SQLite uses the index for an ORDER BY only when they match.
const char* const migrate_4_to_5_sql = R"sql(
CREATE INDEX alerts_by_state ON alerts (
  state, priority, project,
  CAST(substr(fingerprint, length(rtrim(fingerprint, '0123456789')) + 1) AS INTEGER),
  fingerprint, priority);
)sql";

// Version 5 → 6: which payload created its alert, so that a history decided again
// (rebuild) knows a merged alert's two beginnings whatever their actions became. Kept
// rows: the first applied payload of each alert.
const char* const migrate_5_to_6_sql = R"sql(
ALTER TABLE events ADD COLUMN created_alert INTEGER NOT NULL DEFAULT 0;
UPDATE events SET created_alert = 1 WHERE id IN
  (SELECT min(id) FROM events WHERE alert_id IS NOT NULL
     AND action IN ('open', 'update', 'resolve', 'reopen') GROUP BY alert_id);
)sql";

// Version 6 → 7: sources, the separate alert sets of one state file (each with its scope,
// its record path and its recorded mapping settings). A fingerprint is unique within its
// source: the alerts and aliases tables are made again with the source in their keys (SQLite
// cannot change a UNIQUE constraint in place). Every alert, alias and event of an older file
// is the default source's, 'jira', and so are its recorded settings.
const char* const migrate_6_to_7_sql = R"sql(
CREATE TABLE alert_sources (
  id                   INTEGER PRIMARY KEY,
  name                 TEXT NOT NULL UNIQUE,
  jql                  TEXT,
  path                 TEXT,
  settings             TEXT,
  settings_recorded_at TEXT
);
INSERT INTO alert_sources (id, name, settings, settings_recorded_at)
  VALUES (1, 'jira', (SELECT value FROM meta WHERE key = 'settings'),
          (SELECT value FROM meta WHERE key = 'settings.recorded_at'));
DELETE FROM meta WHERE key IN ('settings', 'settings.recorded_at');

CREATE TABLE alerts_7 (
  id              INTEGER PRIMARY KEY,
  alert_source_id INTEGER NOT NULL DEFAULT 1 REFERENCES alert_sources (id),
  fingerprint     TEXT NOT NULL,
  issue_id        TEXT,
  project         TEXT,
  state           TEXT NOT NULL CHECK (state IN ('open', 'resolved')),
  priority        TEXT NOT NULL,
  jira_priority   TEXT,
  status          TEXT,
  summary         TEXT,
  opened_at       INTEGER,
  resolved_at     INTEGER,
  updated_at      INTEGER,
  events          INTEGER NOT NULL DEFAULT 0,
  reopens         INTEGER NOT NULL DEFAULT 0,
  identities      BLOB NOT NULL DEFAULT x'',
  site            TEXT,
  UNIQUE (fingerprint, alert_source_id)
);
INSERT INTO alerts_7 (id, alert_source_id, fingerprint, issue_id, project, state, priority,
                      jira_priority, status, summary, opened_at, resolved_at, updated_at, events,
                      reopens, identities, site)
  SELECT id, 1, fingerprint, issue_id, project, state, priority, jira_priority, status, summary,
         opened_at, resolved_at, updated_at, events, reopens, identities, site FROM alerts;
DROP VIEW event_log;
DROP INDEX alerts_by_state;
DROP TABLE alerts;
ALTER TABLE alerts_7 RENAME TO alerts;
CREATE INDEX alerts_by_state ON alerts (
  state, priority, project,
  CAST(substr(fingerprint, length(rtrim(fingerprint, '0123456789')) + 1) AS INTEGER),
  fingerprint, priority, alert_source_id);

CREATE TABLE aliases_7 (
  key             TEXT NOT NULL,
  alert_source_id INTEGER NOT NULL DEFAULT 1 REFERENCES alert_sources (id),
  alert_id        INTEGER NOT NULL REFERENCES alerts (id),
  PRIMARY KEY (key, alert_source_id)
) WITHOUT ROWID;
INSERT INTO aliases_7 (key, alert_source_id, alert_id) SELECT key, 1, alert_id FROM aliases;
DROP TABLE aliases;
ALTER TABLE aliases_7 RENAME TO aliases;

-- The source of each event (NULL: a payload outside every source's scope). Kept rows read
-- the default, the default source; new rows always name theirs.
ALTER TABLE events ADD COLUMN alert_source_id INTEGER DEFAULT 1 REFERENCES alert_sources (id);

CREATE VIEW event_log AS
SELECT e.id, e.run_id, s.path AS path, e.line, s.path || ':' || e.line AS source,
       e.alert_id, a.fingerprint, e.issue_key, ev.name AS event, e.timestamp, e.action, e.rule,
       e.state, e.priority, jp.name AS jira_priority, st.name AS status,
       sc.name AS status_category, us.name AS user, e.summary, e.warnings,
       src.name AS alert_source
FROM events e
JOIN sources s ON s.id = e.source_id
LEFT JOIN alert_sources src ON src.id = e.alert_source_id
LEFT JOIN alerts a ON a.id = e.alert_id
LEFT JOIN names ev ON ev.id = e.event_id
LEFT JOIN names jp ON jp.id = e.jira_priority_id
LEFT JOIN names st ON st.id = e.status_id
LEFT JOIN names sc ON sc.id = e.status_category_id
LEFT JOIN names us ON us.id = e.user_id;
)sql";

const std::array<Migration, schema_version - 1> migrations{{{1, migrate_1_to_2_sql},
                                                            {2, migrate_2_to_3_sql},
                                                            {3, migrate_3_to_4_sql},
                                                            {4, migrate_4_to_5_sql},
                                                            {5, migrate_5_to_6_sql},
                                                            {6, migrate_6_to_7_sql}}};

}  // namespace jira_alerts::store
