#include "results/schema.h"

#include <fmt/format.h>

#include <array>

namespace astraea::results {
namespace {

// Timestamps are UTC ISO-8601 with milliseconds, always from the database clock
// (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) so that workers on different hosts agree.
constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE schema_version (
  version INTEGER PRIMARY KEY,
  description TEXT NOT NULL,
  applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE studies (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE CHECK (name <> ''),
  kind TEXT NOT NULL CHECK (kind <> ''),
  config_json TEXT NOT NULL DEFAULT '{}',
  description TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE trials (
  id INTEGER PRIMARY KEY,
  study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
  number INTEGER NOT NULL,
  trial_key TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'WAITING' CHECK (status IN ('WAITING', 'RUNNING', 'COMPLETE', 'FAILED')),
  params_json TEXT NOT NULL DEFAULT '{}',
  config_yaml TEXT NOT NULL DEFAULT '',
  overrides_json TEXT NOT NULL DEFAULT '[]',
  seed INTEGER,
  worker TEXT,
  heartbeat_at TEXT,
  error TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  started_at TEXT,
  finished_at TEXT,
  UNIQUE (study_id, trial_key),
  UNIQUE (study_id, number)
);
CREATE INDEX trials_by_status ON trials (study_id, status, number);
CREATE TABLE metrics (
  trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
  name TEXT NOT NULL CHECK (name <> ''),
  step INTEGER NOT NULL DEFAULT 0,
  value REAL,
  PRIMARY KEY (trial_id, name, step)
);
CREATE TABLE artifacts (
  id INTEGER PRIMARY KEY,
  trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  name TEXT NOT NULL CHECK (name <> ''),
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (trial_id, name)
);
CREATE TABLE search_state (
  study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value BLOB NOT NULL,
  generation INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (study_id, key)
);
)sql";

// Version 2: retry bookkeeping, the environment a trial ran in, artifact sizes. Trials that had
// started under version 1 count as one attempt.
constexpr std::string_view kAttemptsAndEnvironment = R"sql(
CREATE TABLE environment (
  id INTEGER PRIMARY KEY,
  git_commit TEXT NOT NULL DEFAULT '',
  git_dirty INTEGER NOT NULL DEFAULT 0,
  compiler TEXT NOT NULL DEFAULT '',
  torch_version TEXT NOT NULL DEFAULT '',
  cuda_version TEXT NOT NULL DEFAULT '',
  driver TEXT NOT NULL DEFAULT '',
  gpu TEXT NOT NULL DEFAULT '',
  host TEXT NOT NULL DEFAULT '',
  recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (git_commit, git_dirty, compiler, torch_version, cuda_version, driver, gpu, host)
);
ALTER TABLE trials ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE trials ADD COLUMN max_attempts INTEGER;
ALTER TABLE trials ADD COLUMN environment_id INTEGER REFERENCES environment(id);
ALTER TABLE artifacts ADD COLUMN bytes INTEGER;
UPDATE trials SET attempts = 1 WHERE started_at IS NOT NULL;
)sql";

constexpr std::array kMigrations = {
    Migration{1, "initial schema: studies, trials, metrics, artifacts, search_state", kInitialSchema},
    Migration{2, "trial attempts and max_attempts, environment table, artifact bytes", kAttemptsAndEnvironment},
};

std::int64_t scalar(Database& db, std::string_view sql) {
  auto statement = db.prepare(sql);
  if (!statement.step()) db.fail(fmt::format("reading the schema: no row from '{}'", sql));
  return statement.is_null(0) ? 0 : statement.int64(0);
}

int version_in_transaction(Database& db) {
  if (scalar(db, "SELECT count(*) FROM sqlite_master") == 0) return 0;
  if (scalar(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'") == 0) {
    db.fail("not a results database: it is an SQLite file without a schema_version table");
  }
  const auto version = scalar(db, "SELECT max(version) FROM schema_version");
  if (version <= 0) db.fail("not a results database: its schema_version table is empty");
  return static_cast<int>(version);
}

void refuse_newer(Database& db, int version) {
  if (version > latest_schema_version()) {
    db.fail(fmt::format("schema version {} is newer than this build supports (up to {}); use a newer astraea",
                        version, latest_schema_version()));
  }
}

void enable_wal(Database& db) {
  auto statement = db.prepare("PRAGMA journal_mode = WAL");
  const std::string mode = statement.step() ? statement.text(0) : std::string();
  if (mode != "wal") {
    db.fail(fmt::format("cannot switch to WAL journal mode (SQLite kept '{}'); is the file on a network filesystem?", mode));
  }
  db.exec("PRAGMA synchronous = NORMAL", "setting synchronous mode");
}

void migrate(Database& db) {
  Transaction transaction(db, TransactionKind::kImmediate);
  // Another process may have migrated between the first check and taking the write lock.
  const int current = version_in_transaction(db);
  refuse_newer(db, current);
  for (const auto& migration : kMigrations) {
    if (migration.version <= current) continue;
    db.exec(migration.sql, fmt::format("migrating to schema version {}", migration.version));
    db.prepare("INSERT INTO schema_version (version, description) VALUES (?, ?)")
        .bind_all(migration.version, migration.description)
        .run();
  }
  transaction.commit();
}

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

int latest_schema_version() { return kMigrations.back().version; }

int read_schema_version(Database& db) {
  Transaction snapshot(db, TransactionKind::kDeferred);
  const int version = version_in_transaction(db);
  snapshot.commit();
  return version;
}

int prepare_schema(Database& db) {
  const int found = read_schema_version(db);
  refuse_newer(db, found);
  if (db.read_only()) {
    if (found < latest_schema_version()) {
      db.fail(fmt::format("schema version {} is older than {} and the store was opened read-only; "
                          "open it once read-write to migrate it",
                          found, latest_schema_version()));
    }
    return found;
  }
  if (found < latest_schema_version()) migrate(db);
  // After migrating, so that a migration that fails (and rolls back) leaves the file as it was.
  enable_wal(db);
  return latest_schema_version();
}

}  // namespace astraea::results
