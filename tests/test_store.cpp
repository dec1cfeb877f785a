#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>

#include "replay/rebuild.hpp"
#include "replay/replayer.hpp"
#include "store/queries.hpp"
#include "store/schema.hpp"
#include "store/stats.hpp"
#include "store/store.hpp"
#include "testutil.hpp"
#include "util/error.hpp"

namespace jira_alerts {
namespace {

using rules::Level;
using rules::State;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// ST is a Store or a Snapshot.
template <typename Handle>
std::int64_t count(Handle& st, const char* sql) {
  store::Statement s(st.db(), sql);
  REQUIRE(s.step());
  return s.int64(0);
}

std::string payload(const std::string& event, const std::string& key, long long ts,
                    const std::string& status, const std::string& category,
                    const std::string& priority = "High", const std::string& extra = "") {
  return R"({"webhookEvent":")" + event + R"(","timestamp":)" + std::to_string(ts) +
         R"(,"issue":{"id":"1","key":")" + key + R"(","fields":{"summary":"Checkout down )" +
         std::to_string(ts) + R"(","project":{"key":"OPS"},"priority":{"name":")" + priority +
         R"("},"status":{"name":")" + status + R"(","statusCategory":{"key":")" + category +
         R"("}}}})" + extra + "}\n";
}

template <typename Handle>
std::vector<store::AlertView> alerts(Handle& st) {
  std::vector<store::AlertView> out;
  store::for_each_alert(st.db(), {}, [&](const store::AlertView& a) { out.push_back(a); });
  return out;
}

// Replays CONTENT (written to a file) into the store and returns the counts.
replay::Counts replay_text(store::Store& st, const test::TempDir& dir, const std::string& name,
                           const std::string& content) {
  const rules::Mapping mapping;
  replay::Replayer replayer(st, replay::default_sets(mapping), nullptr,
                            replay::OnReject::keep_going);
  replayer.command_line = "test";
  replayer.replay({dir.write(name, content)});
  replayer.finish();
  return replayer.counts();
}

// A state file with one open alert (KEY) and no -wal or -shm beside it, as after sqlite3.
std::string state_without_wal(const test::TempDir& dir, const std::string& key) {
  const std::string path = dir.file("state.db");
  {
    store::Store st(path, store::Access::write);
    replay_text(st, dir, "a.ndjson", payload("jira:issue_created", key, 1000, "Open", "new"));
    st.checkpoint();
  }
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  return path;
}

}  // namespace

TEST_SUITE("store.sqlite") {
  TEST_CASE("a statement that failed can be bound and run again") {
    test::TempDir dir;
    store::Database db(dir.file("t.db"), store::OpenMode::read_write_create);
    db.exec("CREATE TABLE t (n INTEGER CHECK (n > 0))");
    store::Statement insert(db, "INSERT INTO t (n) VALUES (?1)");
    CHECK_THROWS_AS(insert.bind(1, std::int64_t{-1}).run(), Error);
    insert.bind(1, std::int64_t{1}).run();
    store::Statement count(db, "SELECT count(*) FROM t");
    REQUIRE(count.step());
    CHECK(count.int64(0) == 1);
  }
}

TEST_SUITE("store.schema") {
  TEST_CASE("a new file gets every table and the schema version") {
    test::TempDir dir;
    store::Store st(dir.file("state.db"), store::Access::write);
    CHECK(count(st, "PRAGMA user_version") == store::schema_version);
    for (const char* table : {"meta", "names", "sources", "runs", "alerts", "aliases", "episodes",
                              "events", "rejects", "outbox"}) {
      store::Statement s(st.db(), "SELECT count(*) FROM sqlite_schema WHERE name = ?1");
      s.bind(1, table);
      REQUIRE(s.step());
      CHECK_MESSAGE(s.int64(0) == 1, table);
    }
    store::Statement mode(st.db(), "PRAGMA journal_mode");
    REQUIRE(mode.step());
    CHECK(mode.text(0) == "wal");
  }

  TEST_CASE("a version 1 file is migrated in place, keeping its data") {
    test::TempDir dir;
    const std::string path = dir.file("state.db");
    {
      store::Database db(path, store::OpenMode::read_write_create);
      db.exec(
          read_file(std::string(JIRA_ALERTS_SOURCE_DIR) + "/tests/fixtures/state-v1.sql").c_str());
    }
    SUBCASE("by a reporting command, which could not read it otherwise") {
      store::Snapshot st(path);
      CHECK(count(st, "PRAGMA user_version") == store::schema_version);
      const auto listed = alerts(st);
      CHECK(listed.size() == 9);
      CHECK_FALSE(listed.front().site.has_value());  // not known before version 2
      CHECK(count(st, "SELECT count(*) FROM events") == 39);
      CHECK(count(st, "SELECT count(*) FROM outbox") == 0);
    }
    SUBCASE("by a replay, which then records the site") {
      store::Store st(path, store::Access::write);
      CHECK(count(st, "PRAGMA user_version") == store::schema_version);
      replay_text(st, dir, "more.ndjson",
                  R"({"webhookEvent":"jira:issue_updated","timestamp":1900000000000,"issue":)"
                  R"({"key":"OPS-152","self":"https://acme.atlassian.net/rest/api/2/issue/1",)"
                  R"("fields":{"status":{"name":"Open"}}}})");
      store::Statement s(st.db(), "SELECT site, events FROM alerts WHERE fingerprint = 'OPS-152'");
      REQUIRE(s.step());
      CHECK(s.text(0) == "https://acme.atlassian.net");
      CHECK(count(st, "SELECT count(*) FROM events") == 40);
    }
  }

  TEST_CASE("a version 3 file is migrated in place: categories where they decided, the index") {
    test::TempDir dir;
    const std::string path = dir.file("state.db");
    {
      store::Database db(path, store::OpenMode::read_write_create);
      db.exec(
          read_file(std::string(JIRA_ALERTS_SOURCE_DIR) + "/tests/fixtures/state-v3.sql").c_str());
    }
    store::Snapshot st(path);
    CHECK(count(st, "PRAGMA user_version") == store::schema_version);
    CHECK(alerts(st).size() == 9);
    CHECK(count(st, "SELECT count(*) FROM events") == 39);
    CHECK(count(st, "SELECT count(*) FROM event_log WHERE status_category = 'done'") == 2);
    CHECK(count(st,
                "SELECT count(*) FROM event_log WHERE status_category = 'done' AND rule = "
                "'done_category'") == 2);
    CHECK(count(st, "SELECT count(*) FROM events WHERE status_category_id IS NOT NULL") == 2);
    // Version 6: each alert's first applied payload created it.
    CHECK(count(st, "SELECT count(*) FROM events WHERE created_alert = 1") == 9);
    CHECK(count(st, "SELECT count(DISTINCT alert_id) FROM events WHERE created_alert = 1") == 9);
    CHECK(count(st, "SELECT count(*) FROM sqlite_schema WHERE name = 'events_by_alert'") == 1);
    CHECK(count(st, "SELECT count(*) FROM sqlite_schema WHERE name = 'alerts_by_state'") == 1);
    // The index holds every alert of the file it was added to.
    CHECK(
        count(st, "SELECT count(*) FROM alerts INDEXED BY alerts_by_state WHERE state = 'open'") ==
        count(st, "SELECT count(*) FROM alerts NOT INDEXED WHERE state = 'open'"));
  }

  TEST_CASE("version 7: every alert, alias, event and the recorded settings are source jira's") {
    test::TempDir dir;
    const std::string path = dir.file("state.db");
    const auto ids = [](store::Database& db) {
      std::string out;
      store::Statement s(db, "SELECT id, fingerprint FROM alerts ORDER BY id");
      while (s.step()) out += std::to_string(s.int64(0)) + std::string(s.text(1)) + " ";
      return out;
    };
    std::string before;
    {
      store::Database db(path, store::OpenMode::read_write_create);
      db.exec(
          read_file(std::string(JIRA_ALERTS_SOURCE_DIR) + "/tests/fixtures/state-v3.sql").c_str());
      db.exec(
          "INSERT INTO meta (key, value) VALUES ('settings', '[priority]\ndefault = \"HIGH\"\n'),"
          " ('settings.recorded_at', '2026-01-02T03:04:05.000Z')");
      before = ids(db);
    }
    store::Snapshot st(path);
    CHECK(count(st, "SELECT count(*) FROM alert_sources") == 1);
    store::Statement source(
        st.db(), "SELECT id, name, jql, path, settings, settings_recorded_at FROM alert_sources");
    REQUIRE(source.step());
    CHECK(source.int64(0) == 1);
    CHECK(source.text(1) == "jira");
    CHECK(source.is_null(2));
    CHECK(source.is_null(3));
    CHECK(source.text(4) == "[priority]\ndefault = \"HIGH\"\n");
    CHECK(source.text(5) == "2026-01-02T03:04:05.000Z");
    CHECK(count(st, "SELECT count(*) FROM meta WHERE key LIKE 'settings%'") == 0);
    CHECK(count(st, "SELECT count(*) FROM alerts WHERE alert_source_id = 1") == 9);
    CHECK(count(st, "SELECT count(*) FROM aliases WHERE alert_source_id = 1") ==
          count(st, "SELECT count(*) FROM aliases"));
    CHECK(count(st, "SELECT count(*) FROM aliases") > 0);
    CHECK(count(st, "SELECT count(*) FROM events WHERE alert_source_id = 1") == 39);
    CHECK(count(st, "SELECT count(*) FROM event_log WHERE alert_source = 'jira'") == 39);
    // Ids stay: the episodes, events and outbox rows still point at their alerts.
    CHECK(ids(st.db()) == before);
    CHECK(count(st,
                "SELECT count(*) FROM events e LEFT JOIN alerts a ON a.id = e.alert_id "
                "WHERE e.alert_id IS NOT NULL AND a.id IS NULL") == 0);
    CHECK(count(st,
                "SELECT count(*) FROM episodes e LEFT JOIN alerts a ON a.id = e.alert_id "
                "WHERE a.id IS NULL") == 0);
    // A fingerprint is unique within a source, no longer in the file.
    CHECK_NOTHROW(st.db().exec("INSERT INTO alert_sources (id, name) VALUES (2, 'other')"));
    CHECK_NOTHROW(st.db().exec(
        "INSERT INTO alerts (alert_source_id, fingerprint, state, priority) "
        "SELECT 2, fingerprint, state, priority FROM alerts WHERE alert_source_id = 1"));
    CHECK_THROWS(st.db().exec(
        "INSERT INTO alerts (alert_source_id, fingerprint, state, priority) "
        "SELECT 2, fingerprint, state, priority FROM alerts WHERE alert_source_id = 1"));
  }

  TEST_CASE("the event log keeps each payload's status category") {
    test::TempDir dir;
    store::Store st(dir.file("state.db"), store::Access::write);
    replay_text(
        st, dir, "a.ndjson",
        R"({"webhookEvent":"jira:issue_updated","timestamp":1000,"issue":{"key":"A-1",)"
        R"("fields":{"status":{"name":"Shipped","statusCategory":{"key":"done"}}}}})"
        "\n"
        R"({"webhookEvent":"jira:issue_updated","timestamp":2000,"issue":{"key":"A-1",)"
        R"("fields":{"status":{"name":"Review","statusCategory":{"key":"indeterminate"}}}}})"
        "\n"
        R"({"webhookEvent":"jira:issue_updated","timestamp":3000,"issue":{"key":"A-1",)"
        R"("fields":{"status":{"name":"Review"}}}})");
    store::Statement s(st.db(), "SELECT status_category FROM event_log ORDER BY id");
    REQUIRE(s.step());
    CHECK(s.text(0) == "done");
    REQUIRE(s.step());
    CHECK(s.text(0) == "indeterminate");
    REQUIRE(s.step());
    CHECK(s.is_null(0));
  }

  TEST_CASE("a file with a newer schema is refused and left untouched") {
    test::TempDir dir;
    const std::string path = dir.file("state.db");
    {
      store::Database db(path, store::OpenMode::read_write_create);
      db.exec("CREATE TABLE t (x); PRAGMA user_version = 99");
    }
    const std::string before = read_file(path);
    try {
      store::Store st(path, store::Access::write);
      FAIL("a newer file was opened");
    } catch (const Error& e) {
      CHECK(std::string(e.what()) ==
            "state file '" + path + "' has schema version 99, newer than this program's version " +
                std::to_string(store::schema_version) +
                "; use a newer jira-alerts (the file was not changed)");
      CHECK(e.status() == Exit::usage);
    }
    CHECK(read_file(path) == before);
  }

  TEST_CASE("a SQLite file of another program is refused") {
    test::TempDir dir;
    const std::string path = dir.file("other.db");
    {
      store::Database db(path, store::OpenMode::read_write_create);
      db.exec("CREATE TABLE notes (text)");
    }
    CHECK_THROWS_WITH_AS(
        store::Store(path, store::Access::write),
        ("'" + path + "' is a SQLite database but not a jira-alerts state file").c_str(), Error);
  }

  TEST_CASE("a file that is not a database is refused") {
    test::TempDir dir;
    const std::string path = dir.write("notes.txt", std::string(4096, 'x'));
    CHECK_THROWS_AS(store::Store(path, store::Access::write), Error);
    CHECK(read_file(path) == std::string(4096, 'x'));
  }

  TEST_CASE("reading a missing file neither creates it nor succeeds") {
    test::TempDir dir;
    CHECK_THROWS_AS(store::Snapshot(dir.file("missing.db")), Error);
    CHECK_FALSE(std::filesystem::exists(dir.file("missing.db")));
  }
}

TEST_SUITE("store.read") {
  TEST_CASE("a report's Store reads one snapshot while replays commit") {
    test::TempDir dir;
    const std::string path = dir.file("state.db");
    {
      store::Store st(path, store::Access::write);
      replay_text(st, dir, "a.ndjson", payload("jira:issue_created", "OPS-1", 1000, "Open", "new"));
    }
    store::Snapshot reader(path);
    REQUIRE(alerts(reader).size() == 1);
    {
      store::Store st(path, store::Access::write);
      replay_text(st, dir, "b.ndjson",
                  payload("jira:issue_created", "OPS-2", 2000, "Open", "new") +
                      payload("jira:issue_updated", "OPS-1", 3000, "Done", "done"));
    }
    const auto seen = alerts(reader);  // the same snapshot as the first read
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].state == State::open);
    store::Snapshot later(path);
    CHECK(alerts(later).size() == 2);
  }

  TEST_CASE("a symbolic link to the file reads the WAL beside its target") {
    test::TempDir dir;
    std::filesystem::create_directories(dir.path() / "real");
    const std::string path = dir.file("real/state.db");
    {
      store::Store st(path, store::Access::write);
      replay_text(st, dir, "a.ndjson", payload("jira:issue_created", "OPS-1", 1000, "Open", "new"));
      st.checkpoint();
    }
    std::filesystem::create_symlink("real/state.db", dir.file("link.db"));
    {
      // A small run: its changes stay in real/state.db-wal.
      store::Store st(dir.file("link.db"), store::Access::write);
      replay_text(st, dir, "b.ndjson",
                  payload("jira:issue_updated", "OPS-1", 2000, "Done", "done"));
    }
    CHECK_FALSE(std::filesystem::exists(dir.file("link.db-wal")));
    REQUIRE(std::filesystem::file_size(path + "-wal") > 0);
    store::Snapshot reader(dir.file("link.db"));
    REQUIRE(alerts(reader).size() == 1);
    CHECK(alerts(reader)[0].state == State::resolved);
  }

  TEST_CASE("reading a file without a WAL leaves no -wal or -shm behind") {
    test::TempDir dir;
    const std::string path = state_without_wal(dir, "OPS-1");
    const std::string before = read_file(path);
    {
      store::Snapshot reader(path);
      CHECK(alerts(reader).size() == 1);
    }
    CHECK_FALSE(std::filesystem::exists(path + "-wal"));
    CHECK_FALSE(std::filesystem::exists(path + "-shm"));
    CHECK(read_file(path) == before);
  }

  TEST_CASE("a file with a second hard link is refused, whatever the access") {
    test::TempDir dir;
    const std::string path = dir.file("state.db");
    { store::Store st(path, store::Access::write); }
    std::filesystem::create_hard_link(path, dir.file("other.db"));
    const std::function<void()> opens[] = {
        [&] { store::Snapshot reader(path); },
        [&] { store::Store st(path, store::Access::write); },
        [&] { store::Store st(path, store::Access::dry_run); },
    };
    for (const auto& open : opens) {
      try {
        open();
        FAIL("a file with two names was opened");
      } catch (const Error& e) {
        CHECK(std::string(e.what()).find("state file '" + path + "' has 2 hard links") == 0);
        CHECK(e.status() == Exit::usage);
      }
    }
  }

  TEST_CASE("a path is never read as a URI") {
    test::TempDir dir;
    struct Cwd {  // back to where the tests run, however the case ends
      std::filesystem::path before = std::filesystem::current_path();
      ~Cwd() { std::filesystem::current_path(before); }
    } cwd;
    std::filesystem::current_path(dir.path());
    {
      store::Store st("file:z.db?mode=memory", store::Access::write);
      replay_text(st, dir, "a.ndjson", payload("jira:issue_created", "OPS-1", 1000, "Open", "new"));
    }
    CHECK(std::filesystem::exists(dir.file("file:z.db?mode=memory")));
    CHECK_FALSE(std::filesystem::exists(dir.file("z.db")));
    {
      store::Snapshot reader("file:z.db?mode=memory");
      CHECK(alerts(reader).size() == 1);
    }
  }

  TEST_CASE("unusable paths are refused with their cause") {
    test::TempDir dir;
    const auto refused = [](const std::string& path, bool write) -> std::string {
      try {
        if (write)
          store::Store st(path, store::Access::write);
        else
          store::Snapshot reader(path);
      } catch (const Error& e) {
        CHECK(e.status() == Exit::usage);
        return e.what();
      }
      return "(opened)";
    };
    CHECK(refused("", true) ==
          "--db: the state file path is empty (an unset variable in --db \"$VAR\"?)");
    CHECK(refused(dir.file("none/state.db"), true) == "state file '" + dir.file("none/state.db") +
                                                          "': the directory '" + dir.file("none") +
                                                          "' does not exist");
    CHECK(refused(dir.path().string(), false) ==
          "state file '" + dir.path().string() + "' is a directory");
    CHECK_FALSE(std::filesystem::exists(dir.file("none")));
  }
}

TEST_SUITE("store.replay") {
  TEST_CASE("open, update, resolve and reopen keep one alert with its episodes") {
    test::TempDir dir;
    store::Store st(dir.file("state.db"), store::Access::write);
    const auto counts =
        replay_text(st, dir, "h.ndjson",
                    payload("jira:issue_created", "OPS-1", 1000, "Open", "new", "Medium") +
                        payload("jira:issue_updated", "OPS-1", 2000, "In Progress", "indeterminate",
                                "Highest") +
                        payload("jira:issue_updated", "OPS-1", 3000, "Done", "done", "High") +
                        payload("jira:issue_updated", "OPS-1", 4000, "Reopened", "new", "Low"));
    CHECK(counts.of(rules::Action::open) == 1);
    CHECK(counts.of(rules::Action::update) == 1);
    CHECK(counts.of(rules::Action::resolve) == 1);
    CHECK(counts.of(rules::Action::reopen) == 1);
    const auto all = alerts(st);
    REQUIRE(all.size() == 1);
    const auto& a = all[0];
    CHECK(a.fingerprint == "OPS-1");
    CHECK(a.state == State::open);
    CHECK(a.priority == Level::low);
    CHECK(a.status == "Reopened");
    CHECK(a.summary == "Checkout down 4000");
    CHECK(a.project == "OPS");
    CHECK(a.opened_at == 4000);
    CHECK_FALSE(a.resolved_at.has_value());
    CHECK(a.updated_at == 4000);
    CHECK(a.events == 4);
    CHECK(a.reopens == 1);
    CHECK(a.episode == 2);

    store::Statement e(st.db(),
                       "SELECT seq, opened_at, resolved_at, priority FROM episodes ORDER BY seq");
    REQUIRE(e.step());
    CHECK(e.int64(0) == 1);
    CHECK(e.int64(1) == 1000);
    CHECK(e.int64(2) == 3000);
    CHECK(e.text(3) == "HIGH");  // the priority the alert had when it resolved
    REQUIRE(e.step());
    CHECK(e.int64(0) == 2);
    CHECK(e.int64(1) == 4000);
    CHECK(e.is_null(2));
    CHECK_FALSE(e.step());
  }

  TEST_CASE("an alert first seen resolved keeps an episode with no opening time") {
    test::TempDir dir;
    store::Store st(dir.file("state.db"), store::Access::write);
    replay_text(st, dir, "h.ndjson", payload("jira:issue_updated", "KAN-4", 500, "Done", "done"));
    const auto all = alerts(st);
    REQUIRE(all.size() == 1);
    CHECK(all[0].state == State::resolved);
    CHECK_FALSE(all[0].opened_at.has_value());
    CHECK(all[0].resolved_at == 500);
    CHECK(
        count(st, "SELECT count(*) FROM episodes WHERE opened_at IS NULL AND resolved_at = 500") ==
        1);
  }

  TEST_CASE("a moved issue keeps its alert under the new key with the old key as alias") {
    test::TempDir dir;
    store::Store st(dir.file("state.db"), store::Access::write);
    const std::string move =
        R"(,"changelog":{"id":"77","items":[{"field":"Key","fieldtype":"jira","from":null,)"
        R"("fromString":"KAN-12","to":null,"toString":"OPS-140"}]})";
    const auto counts = replay_text(
        st, dir, "h.ndjson",
        payload("jira:issue_created", "KAN-12", 1000, "To Do", "new") +
            payload("jira:issue_updated", "OPS-140", 2000, "To Do", "new", "High", move) +
            payload("jira:issue_updated", "KAN-12", 1500, "In Progress", "indeterminate") +
            payload("jira:issue_updated", "OPS-140", 3000, "Done", "done"));
    CHECK(counts.of(rules::Action::open) == 1);
    CHECK(counts.of(rules::Action::stale) == 1);  // late, under the old key: same alert
    const auto all = alerts(st);
    REQUIRE(all.size() == 1);
    CHECK(all[0].fingerprint == "OPS-140");
    CHECK(all[0].aliases == std::vector<std::string>{"KAN-12"});
    CHECK(all[0].state == State::resolved);

    store::AlertFilter by_old_key;
    by_old_key.keys = {"KAN-12"};
    int found = 0;
    store::for_each_alert(st.db(), by_old_key, [&](const store::AlertView& a) {
      CHECK(a.fingerprint == "OPS-140");
      ++found;
    });
    CHECK(found == 1);
  }

  TEST_CASE("a batch keeps the alert cache bounded, and alerts let go are found again") {
    test::TempDir dir;
    store::Store st(dir.file("state.db"), store::Access::write);
    std::string history;
    for (int i = 1; i <= 12'000; ++i)
      history += payload("jira:issue_created", "OPS-" + std::to_string(i), 1000 + i, "Open", "new");
    // The first alerts were let go long ago: each is read back, changed and written.
    history += payload("jira:issue_updated", "OPS-1", 100'000, "In Progress", "indeterminate");
    history += payload("jira:issue_updated", "OPS-2", 100'001, "Done", "done");
    history += payload("jira:issue_updated", "OPS-4", 100'002, "Open", "new", "Highest");
    history +=
        payload("jira:issue_updated", "WEB-3", 100'003, "Open", "new", "High",
                R"(,"changelog":{"id":"9","items":[{"field":"Key","fieldtype":"jira","from":null,)"
                R"("fromString":"OPS-3","to":null,"toString":"WEB-3"}]})");
    history += payload("jira:issue_updated", "OPS-1", 100'004, "Done", "done");
    replay_text(st, dir, "h.ndjson", history);
    CHECK(st.alerts().size() <= 10'000);
    CHECK(count(st, "SELECT count(*) FROM alerts") == 12'000);
    CHECK(count(st, "SELECT count(*) FROM events") == 12'005);
    const auto state_of = [&](const char* key) {
      store::Statement s(st.db(),
                         "SELECT state || ' ' || status || ' ' || priority FROM alerts "
                         "WHERE fingerprint = ?1");
      s.bind(1, key);
      REQUIRE(s.step());
      return std::string(s.text(0));
    };
    CHECK(state_of("OPS-1") == "resolved Done HIGH");
    CHECK(state_of("OPS-2") == "resolved Done HIGH");
    CHECK(state_of("OPS-4") == "open Open CRITICAL");
    CHECK(state_of("WEB-3") == "open Open HIGH");
    CHECK(count(st, "SELECT count(*) FROM aliases WHERE key = 'OPS-3'") == 1);
    // Index alerts_by_state follows every change of state, priority and key.
    for (const char* sql :
         {"SELECT count(*) FROM alerts INDEXED BY alerts_by_state WHERE state = 'open'",
          "SELECT count(*) FROM alerts INDEXED BY alerts_by_state "
          "WHERE state = 'open' AND priority = 'CRITICAL'",
          "SELECT count(*) FROM alerts INDEXED BY alerts_by_state WHERE state = 'resolved' "
          "AND priority = 'HIGH'"}) {
      std::string unindexed = sql;
      unindexed.replace(unindexed.find("INDEXED BY alerts_by_state"), 26, "NOT INDEXED");
      CHECK(count(st, sql) == count(st, unindexed.c_str()));
    }
    CHECK(count(st, "SELECT count(*) FROM alerts WHERE state = 'resolved'") == 2);
    CHECK(count(st, "SELECT count(*) FROM alerts WHERE priority = 'CRITICAL'") == 1);
  }

  TEST_CASE("a move reaches the same alert whatever order the payloads arrive in") {
    const std::string move =
        R"(,"changelog":{"id":"9","items":[{"field":"Key","fieldtype":"jira","from":null,)"
        R"("fromString":"KAN-1","to":null,"toString":"OPS-9"}]})";
    std::vector<std::string> payloads{
        payload("jira:issue_created", "KAN-1", 1000, "To Do", "new", "Low"),
        payload("jira:issue_updated", "OPS-9", 2000, "To Do", "new", "High", move),
        payload("jira:issue_updated", "KAN-1", 1500, "In Progress", "indeterminate", "Low"),
        payload("jira:issue_updated", "OPS-9", 4000, "Done", "done", "Highest"),
    };
    std::vector<int> order{0, 1, 2, 3};
    do {
      test::TempDir dir;
      store::Store st(dir.file("state.db"), store::Access::write);
      std::string history;
      for (const int i : order) history += payloads[static_cast<std::size_t>(i)];
      replay_text(st, dir, "h.ndjson", history);
      const auto all = alerts(st);
      const std::string sequence = std::to_string(order[0]) + std::to_string(order[1]) +
                                   std::to_string(order[2]) + std::to_string(order[3]);
      CAPTURE(sequence);
      REQUIRE(all.size() == 1);
      CHECK(all[0].fingerprint == "OPS-9");
      CHECK(all[0].aliases == std::vector<std::string>{"KAN-1"});
      CHECK(all[0].state == State::resolved);
      CHECK(all[0].priority == Level::critical);
      CHECK(all[0].updated_at == 4000);
      CHECK(all[0].project == "OPS");
      CHECK(count(st, "SELECT count(*) FROM events WHERE alert_id IS NULL") == 0);
    } while (std::next_permutation(order.begin(), order.end()));
  }

  // A payload of ISSUE under KEY in PROJECT, optionally moved from FROM.
  std::string moved(const std::string& key, long long ts, const std::string& status,
                    const std::string& category, const std::string& from = "") {
    const std::string project = key.substr(0, key.find('-'));
    std::string changelog;
    if (!from.empty())
      changelog = R"(,"changelog":{"id":")" + std::to_string(ts) +
                  R"(","items":[{"field":"Key","fromString":")" + from + R"(","toString":")" + key +
                  R"("}]})";
    return R"({"webhookEvent":"jira:issue_updated","timestamp":)" + std::to_string(ts) +
           R"(,"issue":{"id":"1","key":")" + key + R"(","fields":{"summary":"s)" +
           std::to_string(ts) + R"(","project":{"key":")" + project +
           R"("},"priority":{"name":"High"},"status":{"name":")" + status +
           R"(","statusCategory":{"key":")" + category + R"("}}}})" + changelog + "}\n";
  }

  // Everything an alert ends with that must not depend on delivery order.
  std::string final_state(store::Store & st) {
    std::string out;
    for (const auto& a : alerts(st)) {
      out += a.fingerprint + " project=" + a.project.value_or("-") + " aliases=";
      for (const auto& k : a.aliases) out += k + ",";
      out += std::string(" state=") + std::string(rules::state_name(a.state)) +
             " priority=" + std::string(rules::level_name(a.priority)) +
             " status=" + a.status.value_or("-") + " summary=" + a.summary.value_or("-") +
             " updated=" + std::to_string(a.updated_at.value_or(0)) + "\n";
    }
    return out;
  }

  std::string episodes_of(store::Store & st) {
    std::string out;
    store::Statement s(st.db(),
                       "SELECT a.fingerprint, a.reopens, a.opened_at, a.resolved_at, e.seq, "
                       "e.opened_at, e.resolved_at, e.priority FROM episodes e "
                       "JOIN alerts a ON a.id = e.alert_id ORDER BY 1, e.seq");
    while (s.step()) {
      for (int c = 0; c < 8; ++c)
        out += (s.is_null(c) ? std::string("-") : std::string(s.text(c))) + " ";
      out += "\n";
    }
    return out;
  }

  // Replays PAYLOADS in ORDER as one file; returns the order as digits.
  std::string replay_in_order(store::Store & st, const test::TempDir& dir,
                              const std::vector<std::string>& payloads,
                              const std::vector<std::size_t>& order) {
    std::string history, sequence;
    for (const std::size_t i : order) {
      history += payloads[i];
      sequence += std::to_string(i);
    }
    replay_text(st, dir, "h.ndjson", history);
    return sequence;
  }

  // Replays PAYLOADS in every order, each into a fresh state file: each ends in
  // WANT_STATE with WANT_EPISODES, the EVENTS payloads of its history counted.
  void check_every_order(const std::vector<std::string>& payloads, const std::string& want_state,
                         const std::string& want_episodes, std::int64_t events) {
    std::vector<std::size_t> order(payloads.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    do {
      test::TempDir dir;
      store::Store st(dir.file("state.db"), store::Access::write);
      const std::string sequence = replay_in_order(st, dir, payloads, order);
      CAPTURE(sequence);
      CHECK(final_state(st) == want_state);
      // Episodes follow event time, whatever came first.
      CHECK(episodes_of(st) == want_episodes);
      CHECK(alerts(st)[0].events == events);
      CHECK(count(st, "SELECT count(*) FROM events WHERE alert_id IS NULL") == 0);
    } while (std::next_permutation(order.begin(), order.end()));
  }

  TEST_CASE("a move there and back ends under the key it came back to, in every order") {
    // A-1 → B-1 → A-1, then resolved under A-1.
    check_every_order(
        {
            moved("A-1", 1000, "To Do", "new"),
            moved("B-1", 2000, "To Do", "new", "A-1"),
            moved("B-1", 3000, "In Progress", "indeterminate"),
            moved("A-1", 4000, "In Progress", "indeterminate", "B-1"),
            moved("A-1", 5000, "Done", "done"),
        },
        "A-1 project=A aliases=B-1, state=resolved priority=HIGH status=Done summary=s5000 "
        "updated=5000\n",
        "A-1 0 1000 5000 1 1000 5000 HIGH \n", 5);
  }

  TEST_CASE("a merged move keeps its reopen, whatever came first") {
    // Resolved under KAN-1, reopened by the move to OPS-9, worked on under OPS-9.
    const std::vector<std::string> payloads{
        moved("KAN-1", 1000, "To Do", "new"),
        moved("KAN-1", 2000, "Done", "done"),
        moved("OPS-9", 3000, "Reopened", "new", "KAN-1"),
        moved("OPS-9", 4000, "In Progress", "indeterminate"),
    };
    const std::string want_episodes =
        "OPS-9 1 3000 - 1 1000 2000 HIGH \nOPS-9 1 3000 - 2 3000 - HIGH \n";
    // In order, and every order that makes two alerts for the move to merge.
    for (const std::vector<std::size_t>& order : {std::vector<std::size_t>{0, 1, 2, 3},
                                                  {0, 1, 3, 2},
                                                  {0, 3, 1, 2},
                                                  {3, 0, 1, 2},
                                                  {1, 0, 3, 2},
                                                  {1, 3, 0, 2},
                                                  {3, 1, 0, 2}}) {
      test::TempDir dir;
      store::Store st(dir.file("state.db"), store::Access::write);
      const std::string sequence = replay_in_order(st, dir, payloads, order);
      CAPTURE(sequence);
      CHECK(episodes_of(st) == want_episodes);
      CHECK(final_state(st) ==
            "OPS-9 project=OPS aliases=KAN-1, state=open priority=HIGH status=In Progress "
            "summary=s4000 updated=4000\n");
      const store::Stats stats = store::collect_stats(st.db(), {});
      REQUIRE(stats.reopens.size() == 1);
      CHECK(stats.reopens[0].fingerprint == "OPS-9");
      CHECK(stats.reopens[0].reopens == 1);
    }
  }

  TEST_CASE("two open alerts merged by a late move keep one open episode") {
    test::TempDir dir;
    store::Store st(dir.file("state.db"), store::Access::write);
    const std::string move =
        R"(,"changelog":{"id":"9","items":[{"field":"Key","fieldtype":"jira","from":null,)"
        R"("fromString":"KAN-1","to":null,"toString":"OPS-9"}]})";
    replay_text(st, dir, "h.ndjson",
                payload("jira:issue_created", "KAN-1", 1000, "To Do", "new", "Low") +
                    payload("jira:issue_updated", "OPS-9", 3000, "In Progress", "indeterminate") +
                    payload("jira:issue_updated", "OPS-9", 2000, "To Do", "new", "High", move));
    const auto all = alerts(st);
    REQUIRE(all.size() == 1);
    CHECK(all[0].fingerprint == "OPS-9");
    CHECK(all[0].state == State::open);
    CHECK(all[0].episode == 1);
    CHECK(all[0].events == 3);  // the late move counts in the joined history
    CHECK(count(st, "SELECT opened_at FROM episodes WHERE resolved_at IS NULL") == 1000);
    CHECK(count(st, "SELECT count(*) FROM events WHERE alert_id IS NULL") == 0);
  }

  TEST_CASE("duplicates and stale payloads are logged but change nothing") {
    test::TempDir dir;
    store::Store st(dir.file("state.db"), store::Access::write);
    const std::string created = payload("jira:issue_created", "OPS-2", 1000, "Open", "new");
    const std::string resolved = payload("jira:issue_updated", "OPS-2", 3000, "Done", "done");
    const auto counts = replay_text(
        st, dir, "h.ndjson",
        created + resolved + created + payload("jira:issue_updated", "OPS-2", 2000, "Open", "new"));
    CHECK(counts.of(rules::Action::duplicate) == 1);
    CHECK(counts.of(rules::Action::stale) == 1);
    CHECK(count(st, "SELECT count(*) FROM events") == 4);
    // Applied and stale payloads keep their identity (alerts --at reads it); duplicates do not.
    CHECK(count(st, "SELECT count(*) FROM events WHERE identity IS NOT NULL") == 3);
    CHECK(alerts(st)[0].state == State::resolved);
    // The stale payload has its place in the history: it counts, the duplicate does not.
    CHECK(alerts(st)[0].events == 3);
  }

  TEST_CASE("a late payload takes its place in its alert's history in event time") {
    // Opened, resolved, reopened, resolved: the first resolve comes last.
    const std::vector<std::string> payloads{
        moved("OPS-1", 1000, "To Do", "new"),
        moved("OPS-1", 2000, "Done", "done"),
        moved("OPS-1", 3000, "In Progress", "indeterminate"),
        moved("OPS-1", 4000, "Done", "done"),
    };
    const std::string want_episodes =
        "OPS-1 1 3000 4000 1 1000 2000 HIGH \n"
        "OPS-1 1 3000 4000 2 3000 4000 HIGH \n";
    test::TempDir dir;
    store::Store st(dir.file("state.db"), store::Access::write);
    const replay::Counts counts =
        replay_text(st, dir, "h.ndjson", payloads[0] + payloads[2] + payloads[3] + payloads[1]);
    CHECK(counts.of(rules::Action::stale) == 1);
    CHECK(count(st,
                "SELECT count(*) FROM events WHERE action = 'stale' AND timestamp = 2000 "
                "AND rule = 'resolve_status' AND state = 'resolved'") == 1);
    CHECK(episodes_of(st) == want_episodes);
    const auto all = alerts(st);
    REQUIRE(all.size() == 1);
    CHECK(all[0].events == 4);
    CHECK(all[0].episode == 2);
    CHECK(all[0].state == State::resolved);
    CHECK(all[0].summary == "s4000");

    SUBCASE("delivered again, it is a duplicate") {
      CHECK(replay_text(st, dir, "again.ndjson", payloads[1]).of(rules::Action::duplicate) == 1);
      CHECK(episodes_of(st) == want_episodes);
      CHECK(alerts(st)[0].events == 4);
    }
    SUBCASE("in a later batch") {
      CHECK(replay_text(st, dir, "later.ndjson", moved("OPS-1", 3500, "Done", "done"))
                .of(rules::Action::stale) == 1);
      CHECK(episodes_of(st) ==
            "OPS-1 1 3000 3500 1 1000 2000 HIGH \n"
            "OPS-1 1 3000 3500 2 3000 3500 HIGH \n");
      const store::Stats stats = store::collect_stats(st.db(), {});
      CHECK(stats.episodes_opened == 2);
      CHECK(stats.episodes_resolved == 2);
    }
  }

  TEST_CASE("a late payload's alert let go from the cache within a batch is derived again") {
    test::TempDir dir;
    store::Store st(dir.file("state.db"), store::Access::write);
    // The late resolve of OPS-1, then more new alerts than the cache keeps in one batch.
    std::string history = moved("OPS-1", 1000, "To Do", "new") +
                          moved("OPS-1", 3000, "In Progress", "indeterminate") +
                          moved("OPS-1", 2000, "Done", "done");
    for (int i = 0; i < 10'400; ++i)
      history += moved("KAN-" + std::to_string(i + 1), 5000, "To Do", "new");
    CHECK(replay_text(st, dir, "h.ndjson", history).of(rules::Action::stale) == 1);
    store::Statement s(st.db(),
                       "SELECT a.reopens, a.events, count(*), min(e.resolved_at) FROM alerts a "
                       "JOIN episodes e ON e.alert_id = a.id WHERE a.fingerprint = 'OPS-1'");
    REQUIRE(s.step());
    CHECK(s.int64(0) == 1);
    CHECK(s.int64(1) == 3);
    CHECK(s.int64(2) == 2);
    CHECK(s.int64(3) == 2000);
  }

  TEST_CASE("a rebuild decides a late payload's rule again, and its place in event time") {
    test::TempDir dir;
    store::Store st(dir.file("state.db"), store::Access::write);
    // Won't Do (category done) resolves by default; without the category rule it is active.
    replay_text(st, dir, "h.ndjson",
                moved("OPS-1", 1000, "To Do", "new") +
                    moved("OPS-1", 3000, "In Progress", "indeterminate") +
                    moved("OPS-1", 2000, "Won't Do", "done"));
    CHECK(episodes_of(st) == "OPS-1 1 3000 - 1 1000 2000 HIGH \nOPS-1 1 3000 - 2 3000 - HIGH \n");
    rules::Mapping no_category;
    no_category.set_use_category(false);
    replay::rebuild(st, no_category, 1);
    st.alerts().flush();
    CHECK(count(st,
                "SELECT count(*) FROM events WHERE timestamp = 2000 AND action = 'stale' "
                "AND rule = 'active_status' AND state = 'open'") == 1);
    CHECK(episodes_of(st) == "OPS-1 0 1000 - 1 1000 - HIGH \n");
  }

  TEST_CASE("late payloads give the history that delivery in order gives, in every order") {
    check_every_order(
        {
            moved("OPS-1", 1000, "To Do", "new"),
            moved("OPS-1", 2000, "Done", "done"),
            moved("OPS-1", 3000, "Reopened", "new"),
            moved("OPS-1", 4000, "In Progress", "indeterminate"),
            moved("OPS-1", 5000, "Done", "done"),
        },
        "OPS-1 project=OPS aliases= state=resolved priority=HIGH status=Done summary=s5000 "
        "updated=5000\n",
        "OPS-1 1 3000 5000 1 1000 2000 HIGH \nOPS-1 1 3000 5000 2 3000 5000 HIGH \n", 5);
  }

  TEST_CASE("a late payload without a status keeps the state before it in event time") {
    test::TempDir dir;
    store::Store st(dir.file("state.db"), store::Access::write);
    // No status at 3000, delivered after the resolve at 2000 that comes before it.
    const std::string no_status =
        R"({"webhookEvent":"jira:issue_updated","timestamp":3000,"issue":{"key":"OPS-1",)"
        R"("fields":{"summary":"s3000"}}})"
        "\n";
    replay_text(
        st, dir, "h.ndjson",
        moved("OPS-1", 1000, "To Do", "new") + no_status + moved("OPS-1", 2000, "Done", "done"));
    const auto all = alerts(st);
    REQUIRE(all.size() == 1);
    CHECK(all[0].state == State::resolved);
    CHECK(all[0].events == 3);
    CHECK(episodes_of(st) == "OPS-1 0 1000 2000 1 1000 2000 HIGH \n");
  }

  TEST_CASE("rejected payloads are kept with their raw bytes and position") {
    test::TempDir dir;
    store::Store st(dir.file("state.db"), store::Access::write);
    const std::string bad = R"({"webhookEvent": "jira:issue_updated", "issue": 42})";
    const auto counts =
        replay_text(st, dir, "h.ndjson",
                    payload("jira:issue_created", "OPS-3", 1000, "Open", "new") + bad + "\n" +
                        payload("jira:issue_updated", "OPS-3", 2000, "Done", "done"));
    CHECK(counts.of(rules::Action::reject) == 1);
    CHECK(counts.of(rules::Action::resolve) == 1);  // the payload after the bad one still counts
    store::Statement s(st.db(),
                       "SELECT line, error_line, error_column, reason, size, raw FROM rejects");
    REQUIRE(s.step());
    CHECK(s.int64(0) == 2);
    CHECK(s.int64(1) == 2);
    CHECK(s.int64(2) == 49);  // the 42
    CHECK(s.text(3) == "field 'issue' must be an object, not a number");
    CHECK(s.int64(4) == static_cast<std::int64_t>(bad.size()));
    CHECK(s.text(5) == bad);
  }

  TEST_CASE("a reject is replaced only by the payload at its place") {
    test::TempDir dir;
    store::Store st(dir.file("state.db"), store::Access::write);
    const std::string created = payload("jira:issue_created", "OPS-3", 1000, "Open", "new");
    const std::string bad = R"({"webhookEvent": 5})";
    auto row = [&](const char* sql) { return count(st, sql); };
    SUBCASE("a one-line array replayed unchanged keeps its reject") {
      const std::string line = "[" + bad + ", " + created.substr(0, created.size() - 1) + "]\n";
      replay_text(st, dir, "one.json", line);
      const auto id = row("SELECT id FROM rejects");
      replay_text(st, dir, "one.json", line);
      CHECK(row("SELECT count(*) FROM rejects") == 1);
      CHECK(row("SELECT id FROM rejects") == id);
      CHECK(row("SELECT byte_offset FROM rejects") == 1);
      CHECK(row("SELECT start_column FROM rejects") == 2);
    }
    SUBCASE("NDJSON fixed in place, a fix further up shifting the offsets") {
      replay_text(st, dir, "h.ndjson", bad + "\n" + bad + "\n");
      CHECK(row("SELECT count(*) FROM rejects") == 2);
      replay_text(st, dir, "h.ndjson", created + created);
      CHECK(row("SELECT count(*) FROM rejects") == 0);
    }
    SUBCASE("another source at the same place does not replace it") {
      replay_text(st, dir, "a.ndjson", bad + "\n");
      replay_text(st, dir, "b.ndjson", created);
      CHECK(row("SELECT count(*) FROM rejects") == 1);
    }
  }

  TEST_CASE("StandingReject::replaced_by: the same offset, or the same line and column") {
    const store::StandingReject known{1, 3, 5, 200};
    CHECK(known.replaced_by(3, 5, 200));
    CHECK(known.replaced_by(9, 1, 200));         // lines above gained or lost line breaks
    CHECK(known.replaced_by(3, 5, 180));         // lines above were shortened
    CHECK_FALSE(known.replaced_by(3, 40, 235));  // another payload on the same line
    const store::StandingReject legacy{2, 3, std::nullopt, std::nullopt};
    CHECK(legacy.replaced_by(3, 40, 235));  // a row kept from version 2 knows its line only
    CHECK_FALSE(legacy.replaced_by(4, 1, 200));
  }

  TEST_CASE("the event log view names sources, events, statuses and priorities") {
    test::TempDir dir;
    store::Store st(dir.file("state.db"), store::Access::write);
    replay_text(st, dir, "h.ndjson",
                payload("jira:issue_created", "OPS-5", 1000, "Open", "new", "P1"));
    store::Statement s(st.db(),
                       "SELECT source, fingerprint, event, action, rule, state, priority, "
                       "jira_priority, status, warnings FROM event_log");
    REQUIRE(s.step());
    CHECK(s.text(0) == dir.file("h.ndjson") + ":1");
    CHECK(s.text(1) == "OPS-5");
    CHECK(s.text(2) == "jira:issue_created");
    CHECK(s.text(3) == "open");
    CHECK(s.text(4) == "active_status");
    CHECK(s.text(5) == "open");
    CHECK(s.text(6) == "MEDIUM");
    CHECK(s.text(7) == "P1");
    CHECK(s.text(8) == "Open");
    CHECK(s.text(9) == "unmapped priority 'P1'");
  }
}

TEST_SUITE("store.strict") {
  TEST_CASE("one transaction (--strict) keeps the alert cache bounded") {
    test::TempDir dir;
    store::Store st(dir.file("state.db"), store::Access::write);
    std::string history;
    for (int i = 0; i < 30'000; ++i)
      history +=
          payload("jira:issue_created", "OPS-" + std::to_string(i + 1), 1000 + i, "Open", "new");
    const rules::Mapping mapping;
    replay::Replayer replayer(st, replay::default_sets(mapping), nullptr, replay::OnReject::stop);
    replayer.command_line = "test";
    CHECK(replayer.replay({dir.write("h.ndjson", history)}));
    CHECK(st.alerts().size() <= 21'000);
    replayer.finish();
    CHECK(count(st, "SELECT count(*) FROM alerts") == 30'000);
  }
}

TEST_SUITE("store.wal") {
  TEST_CASE("small runs keep the WAL, until it passes 1 MiB; then closing folds it in") {
    test::TempDir dir;
    const std::string path = dir.file("state.db");
    const auto wal_size = [&] { return std::filesystem::file_size(path + "-wal"); };
    int run = 0;
    const auto one_payload = [&] {
      store::Store st(path, store::Access::write);
      st.fold_wal_on_close();
      ++run;
      replay_text(st, dir, "one.ndjson",
                  payload("jira:issue_created", "OPS-" + std::to_string(run), 1000 + run, "Open",
                          std::string(4000, 'x')));
    };
    one_payload();
    const auto first = wal_size();
    CHECK(first > 0);  // no checkpoint, no fsync, for one payload
    bool folded = false;
    while (run < 1000 && !folded) {
      one_payload();
      CHECK(wal_size() <= (1u << 20));
      folded = wal_size() == 0;
    }
    CHECK(folded);
    CHECK(run > 2);
    store::Store st(path, store::Access::write);
    CHECK(count(st, "SELECT count(*) FROM alerts") == run);
  }

  TEST_CASE("a store that was not asked to fold the WAL leaves it, however large") {
    test::TempDir dir;
    const std::string path = dir.file("state.db");
    for (int run = 1; run <= 40; ++run) {
      store::Store st(path, store::Access::write);  // as record's push rounds open it
      replay_text(st, dir, "one.ndjson",
                  payload("jira:issue_created", "OPS-" + std::to_string(run), 1000 + run, "Open",
                          std::string(4000, 'x')));
    }
    CHECK(std::filesystem::file_size(path + "-wal") > (1u << 20));
  }
}

TEST_SUITE("store.dry_run") {
  TEST_CASE("a dry run works on a private copy and leaves the file byte for byte") {
    test::TempDir dir;
    const std::string path = dir.file("state.db");
    {
      store::Store st(path, store::Access::write);
      replay_text(st, dir, "a.ndjson", payload("jira:issue_created", "OPS-9", 1000, "Open", "new"));
    }
    // A small run leaves its WAL for the next run to fold in; a dry run must
    // change neither the file nor its WAL.
    const std::string before = read_file(path);
    const std::string wal_before = read_file(path + "-wal");
    REQUIRE_FALSE(wal_before.empty());
    {
      store::Store st(path, store::Access::dry_run);
      const auto counts = replay_text(st, dir, "b.ndjson",
                                      payload("jira:issue_updated", "OPS-9", 2000, "Done", "done"));
      CHECK(counts.of(rules::Action::resolve) == 1);  // decided against the file's state
      CHECK(alerts(st)[0].state == State::resolved);
    }
    CHECK(read_file(path) == before);
    CHECK(read_file(path + "-wal") == wal_before);
    store::Snapshot reader(path);
    CHECK(alerts(reader)[0].state == State::open);
  }

  TEST_CASE("a dry run of a file without a WAL creates none") {
    test::TempDir dir;
    const std::string path = state_without_wal(dir, "OPS-9");
    const std::string before = read_file(path);
    {
      store::Store st(path, store::Access::dry_run);
      replay_text(st, dir, "b.ndjson",
                  payload("jira:issue_updated", "OPS-9", 2000, "Done", "done"));
    }
    CHECK(read_file(path) == before);
    CHECK_FALSE(std::filesystem::exists(path + "-wal"));
    CHECK_FALSE(std::filesystem::exists(path + "-shm"));
  }

  TEST_CASE("a dry run without a file creates none") {
    test::TempDir dir;
    {
      store::Store st(dir.file("new.db"), store::Access::dry_run);
      replay_text(st, dir, "a.ndjson", payload("jira:issue_created", "OPS-9", 1000, "Open", "new"));
      CHECK(alerts(st).size() == 1);
    }
    CHECK_FALSE(std::filesystem::exists(dir.file("new.db")));
  }
}

}  // namespace jira_alerts
