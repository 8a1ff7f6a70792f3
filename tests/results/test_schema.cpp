#include "results/schema.h"

#include "results/sqlite.h"
#include "results/store.h"
#include "scratch.h"
#include "support/catch.h"

#include <sys/stat.h>
#include <unistd.h>

#include <random>
#include <string>

using astraea::ErrorKind;
using astraea::results::Database;
using astraea::results::latest_schema_version;
using astraea::results::OpenMode;
using astraea::results::Store;
using astraea::results::StoreOptions;
using astraea::results::TrialStatus;
using astraea::results::testing::catch_error;
using astraea::results::testing::read_bytes;
using astraea::results::testing::ScratchDir;
using astraea::results::testing::write_bytes;

namespace {

constexpr int kBusyTimeoutMs = 1000;
constexpr int kVersionOne = 1;

// What the first release wrote: the version 1 schema and a few rows, as raw SQL.
constexpr const char* kVersionOneDatabase = R"sql(
CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL,
  applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));
CREATE TABLE studies (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE CHECK (name <> ''),
  kind TEXT NOT NULL CHECK (kind <> ''), config_json TEXT NOT NULL DEFAULT '{}', description TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));
CREATE TABLE trials (id INTEGER PRIMARY KEY, study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
  number INTEGER NOT NULL, trial_key TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'WAITING' CHECK (status IN ('WAITING', 'RUNNING', 'COMPLETE', 'FAILED')),
  params_json TEXT NOT NULL DEFAULT '{}', config_yaml TEXT NOT NULL DEFAULT '', overrides_json TEXT NOT NULL DEFAULT '[]',
  seed INTEGER, worker TEXT, heartbeat_at TEXT, error TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), started_at TEXT, finished_at TEXT,
  UNIQUE (study_id, trial_key), UNIQUE (study_id, number));
CREATE INDEX trials_by_status ON trials (study_id, status, number);
CREATE TABLE metrics (trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
  name TEXT NOT NULL CHECK (name <> ''), step INTEGER NOT NULL DEFAULT 0, value REAL, PRIMARY KEY (trial_id, name, step));
CREATE TABLE artifacts (id INTEGER PRIMARY KEY, trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
  kind TEXT NOT NULL, name TEXT NOT NULL CHECK (name <> ''), path TEXT NOT NULL, sha256 TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), UNIQUE (trial_id, name));
CREATE TABLE search_state (study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE, key TEXT NOT NULL,
  value BLOB NOT NULL, generation INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), PRIMARY KEY (study_id, key));
INSERT INTO schema_version (version, description) VALUES (1, 'initial schema');
INSERT INTO studies (id, name, kind) VALUES (1, 'old-sweep', 'sweep');
INSERT INTO trials (id, study_id, number, trial_key, status, seed) VALUES (1, 1, 0, 'lr=0.1', 'WAITING', 7);
INSERT INTO trials (id, study_id, number, trial_key, status, worker, started_at, heartbeat_at, finished_at)
  VALUES (2, 1, 1, 'lr=0.2', 'COMPLETE', 'gpu0', '2024-01-01T00:00:00.000Z', '2024-01-01T00:10:00.000Z',
          '2024-01-01T00:10:00.000Z');
INSERT INTO metrics (trial_id, name, step, value) VALUES (2, 'loss', 10, 0.25);
INSERT INTO artifacts (trial_id, kind, name, path, sha256) VALUES (2, 'video', 'sample', 'out/sample.mp4', 'abc');
INSERT INTO search_state (study_id, key, value, generation) VALUES (1, 'population', x'00ff', 3);
)sql";

void write_version_one(const std::filesystem::path& path) {
  Database db(path, OpenMode::kReadWriteCreate, kBusyTimeoutMs);
  db.exec(kVersionOneDatabase, "writing a version 1 database");
}

void write_current(const std::filesystem::path& path) {
  Store store(path);
  const auto study = store.create_study({"current", "sweep"});
  store.enqueue(study.id, {.trial_key = "only"});
}

std::int64_t recorded_version(const std::filesystem::path& path) {
  Database db(path, OpenMode::kReadOnly, kBusyTimeoutMs);
  auto select = db.prepare("SELECT max(version) FROM schema_version");
  REQUIRE(select.step());
  return select.int64(0);
}

}  // namespace

TEST_CASE("schema: migrations are numbered 1..N and a new file gets them all", "[results][schema]") {
  const auto steps = astraea::results::migrations();
  REQUIRE(steps.size() >= 2);
  for (std::size_t i = 0; i < steps.size(); ++i) CHECK(steps[i].version == static_cast<int>(i) + 1);

  ScratchDir dir;
  Store store(dir / "new.db");
  CHECK(store.schema_version() == latest_schema_version());
  CHECK(recorded_version(dir / "new.db") == latest_schema_version());
}

TEST_CASE("schema: a version 1 file is migrated with its data kept", "[results][schema]") {
  ScratchDir dir;
  const auto path = dir / "v1.db";
  write_version_one(path);
  REQUIRE(recorded_version(path) == kVersionOne);

  Store store(path);
  CHECK(store.schema_version() == latest_schema_version());
  CHECK(recorded_version(path) == latest_schema_version());

  const auto study = store.find_study("old-sweep");
  REQUIRE(study);
  const auto trials = store.trials(study->id);
  REQUIRE(trials.size() == 2);
  CHECK(trials[0].status == TrialStatus::kWaiting);
  CHECK(trials[0].attempts == 0);
  CHECK(trials[0].seed == 7);
  CHECK(trials[1].status == TrialStatus::kComplete);
  CHECK(trials[1].attempts == 1);
  CHECK_FALSE(trials[1].max_attempts.has_value());
  CHECK_FALSE(trials[1].environment_id.has_value());
  REQUIRE(trials[1].metrics.size() == 1);
  CHECK(trials[1].metrics[0].value == 0.25);
  const auto artifacts = store.artifacts(trials[1].id);
  REQUIRE(artifacts.size() == 1);
  CHECK(artifacts[0].path == "out/sample.mp4");
  CHECK_FALSE(artifacts[0].bytes.has_value());
  CHECK(store.search_state(study->id, "population")->value == std::string("\0\xff", 2));

  // The new columns and table work on the migrated file.
  const auto environment = store.record_environment({.git_commit = "abc123", .host = "node1"});
  const auto claim = store.claim(study->id, "gpu1", environment);
  REQUIRE(claim);
  CHECK(claim->trial.attempts == 1);
  CHECK(claim->trial.environment_id == environment);
}

TEST_CASE("schema: a failed migration leaves the file as it was", "[results][schema]") {
  ScratchDir dir;
  const auto path = dir / "clash.db";
  write_version_one(path);
  {
    Database db(path, OpenMode::kReadWrite, kBusyTimeoutMs);
    db.exec("CREATE TABLE environment (note TEXT)", "adding a clashing table");
  }
  const auto before = read_bytes(path);
  const auto error = catch_error([&] { Store store(path); });
  REQUIRE(error);
  CHECK(read_bytes(path) == before);
  CHECK(error->kind == ErrorKind::kStorage);
  CHECK(error->mentions("migrating to schema version 2"));
  CHECK(error->mentions("already exists"));
  CHECK(recorded_version(path) == kVersionOne);
  Database db(path, OpenMode::kReadOnly, kBusyTimeoutMs);
  auto columns = db.prepare("SELECT count(*) FROM pragma_table_info('trials') WHERE name = 'attempts'");
  REQUIRE(columns.step());
  CHECK(columns.int64(0) == 0);
}

TEST_CASE("schema: files this build must not touch are refused and left unchanged", "[results][schema]") {
  ScratchDir dir;
  const auto path = dir / "refused.db";
  std::string expected_message;
  StoreOptions options;

  SECTION("newer schema version") {
    write_current(path);
    {
      Database db(path, OpenMode::kReadWrite, kBusyTimeoutMs);
      db.exec("INSERT INTO schema_version (version, description) VALUES (99, 'from the future')", "faking a newer file");
    }
    expected_message = "schema version 99 is newer than this build supports";
    SECTION("read-write") {}
    SECTION("read-only") { options.read_only = true; }
  }
  SECTION("random bytes") {
    std::mt19937 random(42);
    std::string noise(4096, '\0');
    for (char& c : noise) c = static_cast<char>(random());
    write_bytes(path, noise);
    expected_message = "file is not a database";
  }
  SECTION("truncated header") {
    write_current(path);
    constexpr std::size_t kTruncatedSize = 50;
    write_bytes(path, read_bytes(path).substr(0, kTruncatedSize));
    expected_message = "malformed";
  }
  SECTION("an SQLite file that is not a results database") {
    {
      Database db(path, OpenMode::kReadWriteCreate, kBusyTimeoutMs);
      db.exec("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine')", "writing someone else's file");
    }
    expected_message = "not a results database";
  }
  SECTION("older schema opened read-only") {
    write_version_one(path);
    options.read_only = true;
    expected_message = "open it once read-write to migrate it";
  }

  const auto before = read_bytes(path);
  const auto error = catch_error([&] { Store store(path, options); });
  REQUIRE(error);
  CHECK(error->kind == ErrorKind::kStorage);
  CHECK(error->mentions(path.string()));
  CHECK(error->mentions(expected_message));
  CHECK(read_bytes(path) == before);
}

TEST_CASE("schema: missing, unreadable and read-only files", "[results][schema]") {
  ScratchDir dir;
  const auto path = dir / "store.db";

  SECTION("missing without create_if_missing") {
    const auto error = catch_error([&] { Store store(path, {.create_if_missing = false}); });
    REQUIRE(error);
    CHECK(error->kind == ErrorKind::kStorage);
    CHECK(error->mentions("file not found"));
    CHECK_FALSE(std::filesystem::exists(path));
  }
  SECTION("missing when read-only") {
    const auto error = catch_error([&] { Store store(path, {.read_only = true}); });
    REQUIRE(error);
    CHECK(error->mentions("file not found"));
    CHECK_FALSE(std::filesystem::exists(path));
  }
  SECTION("read-only store: reads work, writes fail clearly") {
    write_current(path);
    ::chmod(path.c_str(), 0444);
    const auto before = read_bytes(path);
    Store store(path, {.read_only = true});
    const auto study = store.find_study("current");
    REQUIRE(study);
    CHECK(store.trials(study->id).size() == 1);
    const auto error = catch_error([&] { store.enqueue(study->id, {.trial_key = "another"}); });
    REQUIRE(error);
    CHECK(error->kind == ErrorKind::kStorage);
    CHECK(error->mentions(path.string()));
    CHECK(error->mentions("cannot enqueue trials into study"));
    CHECK(error->mentions("opened read-only"));
    CHECK(catch_error([&] { store.claim(study->id, "gpu0"); }));
    CHECK(read_bytes(path) == before);
  }
  SECTION("permissions, where they apply (not as root)") {
    if (::geteuid() == 0) return;
    write_current(path);
    ::chmod(path.c_str(), 0444);
    const auto read_only = catch_error([&] { Store store(path); });
    REQUIRE(read_only);
    CHECK(read_only->mentions("the file is read-only"));
    ::chmod(path.c_str(), 0);
    const auto unreadable = catch_error([&] { Store store(path, {.read_only = true}); });
    REQUIRE(unreadable);
    CHECK(unreadable->mentions("unreadable"));
  }
}
