// Opening the store, studies, the queue (enqueue, requeue_failed), environments and search state.
#include "results/store.h"

#include "core/error.h"
#include "results/schema.h"
#include "results/sqlite.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace astraea::results {
namespace {

OpenMode open_mode(const StoreOptions& options) {
  if (options.read_only) return OpenMode::kReadOnly;
  return options.create_if_missing ? OpenMode::kReadWriteCreate : OpenMode::kReadWrite;
}

void check_options(const std::filesystem::path& path, const StoreOptions& options) {
  const auto refuse = [&](std::string_view what) {
    astraea::fail(ErrorKind::kStorage, "results database '{}': invalid store options: {}", path.string(), what);
  };
  if (options.busy_timeout_ms < 0) refuse(fmt::format("busy_timeout_ms = {} is negative", options.busy_timeout_ms));
  if (!(options.grace_seconds > 0.0)) refuse(fmt::format("grace_seconds = {} must be positive", options.grace_seconds));
  if (options.max_attempts < 1) refuse(fmt::format("max_attempts = {} must be at least 1", options.max_attempts));
}

void require_json(const Database& db, std::string_view text, std::string_view what) {
  if (!nlohmann::json::accept(text)) db.fail(fmt::format("{} is not valid JSON: '{}'", what, text));
}

}  // namespace

Store::Store(std::filesystem::path path, StoreOptions options) : options_(options) {
  check_options(path, options_);
  db_ = std::make_unique<Database>(std::move(path), open_mode(options_), options_.busy_timeout_ms);
  db_->exec("PRAGMA foreign_keys = ON", "enabling foreign keys");
  schema_version_ = prepare_schema(*db_);
}

Store::~Store() = default;
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;

const std::filesystem::path& Store::path() const { return db_->path(); }

void Store::require_writable(std::string_view action) const {
  if (options_.read_only) db_->fail(fmt::format("cannot {}: the store was opened read-only", action));
}

StudyRow Store::create_study(const NewStudy& study, bool load_if_exists) {
  require_writable(fmt::format("create study '{}'", study.name));
  if (study.name.empty() || study.kind.empty()) db_->fail("cannot create a study without a name and a kind");
  require_json(*db_, study.config_json, fmt::format("config_json of study '{}'", study.name));
  Transaction transaction(*db_, TransactionKind::kImmediate);
  if (auto existing = find_study(study.name)) {
    if (!load_if_exists) db_->fail(fmt::format("cannot create study '{}': it already exists", study.name));
    if (existing->kind != study.kind) {
      db_->fail(fmt::format("cannot load study '{}' as a {}: it exists as a {}", study.name, study.kind, existing->kind));
    }
    transaction.commit();
    return *existing;
  }
  db_->prepare("INSERT INTO studies (name, kind, config_json, description) VALUES (?, ?, ?, ?)")
      .bind_all(study.name, study.kind, study.config_json, study.description)
      .run();
  const auto id = db_->last_insert_rowid();
  auto row = this->study(id);
  transaction.commit();
  return row;
}

std::int64_t Store::enqueue_in_transaction(std::int64_t study_id, const NewTrial& trial) {
  if (trial.trial_key.empty()) db_->fail(fmt::format("cannot enqueue into study {}: the trial key is empty", study_id));
  require_json(*db_, trial.params_json, fmt::format("params_json of trial '{}'", trial.trial_key));
  require_json(*db_, trial.overrides_json, fmt::format("overrides_json of trial '{}'", trial.trial_key));
  auto existing = db_->prepare("SELECT id FROM trials WHERE study_id = ? AND trial_key = ?");
  if (existing.bind_all(study_id, trial.trial_key).step()) return existing.int64(0);

  std::int64_t number = 0;
  if (trial.number) {
    number = *trial.number;
    auto taken = db_->prepare("SELECT trial_key FROM trials WHERE study_id = ? AND number = ?");
    if (taken.bind_all(study_id, number).step()) {
      db_->fail(fmt::format("cannot enqueue '{}' into study {}: trial number {} is already taken by '{}'",
                            trial.trial_key, study_id, number, taken.text(0)));
    }
  } else {
    auto next = db_->prepare("SELECT coalesce(max(number) + 1, 0) FROM trials WHERE study_id = ?");
    next.bind_all(study_id).step();
    number = next.int64(0);
  }
  db_->prepare(
         "INSERT INTO trials (study_id, number, trial_key, params_json, config_yaml, overrides_json, seed, max_attempts) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .bind_all(study_id, number, trial.trial_key, trial.params_json, trial.config_yaml, trial.overrides_json, trial.seed,
                trial.max_attempts)
      .run();
  return db_->last_insert_rowid();
}

std::int64_t Store::enqueue(std::int64_t study_id, const NewTrial& trial) {
  return enqueue(study_id, std::vector<NewTrial>{trial}).front();
}

std::vector<std::int64_t> Store::enqueue(std::int64_t study_id, const std::vector<NewTrial>& trials) {
  require_writable(fmt::format("enqueue trials into study {}", study_id));
  Transaction transaction(*db_, TransactionKind::kImmediate);
  study(study_id);
  std::vector<std::int64_t> ids;
  ids.reserve(trials.size());
  for (const auto& trial : trials) ids.push_back(enqueue_in_transaction(study_id, trial));
  transaction.commit();
  return ids;
}

int Store::requeue_failed(std::int64_t study_id, int max_attempts) {
  require_writable(fmt::format("requeue failed trials of study {}", study_id));
  Transaction transaction(*db_, TransactionKind::kImmediate);
  const int requeued = db_->prepare(
                              "UPDATE trials SET status = 'WAITING', worker = NULL, heartbeat_at = NULL, "
                              "started_at = NULL, finished_at = NULL "
                              "WHERE study_id = ? AND status = 'FAILED' AND attempts < ?")
                           .bind_all(study_id, max_attempts)
                           .run();
  transaction.commit();
  return requeued;
}

std::int64_t Store::record_environment(const EnvironmentRecord& e) {
  require_writable("record the environment");
  Transaction transaction(*db_, TransactionKind::kImmediate);
  const std::int64_t dirty = e.git_dirty ? 1 : 0;
  db_->prepare(
         "INSERT INTO environment (git_commit, git_dirty, compiler, torch_version, cuda_version, driver, gpu, host) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
      .bind_all(e.git_commit, dirty, e.compiler, e.torch_version, e.cuda_version, e.driver, e.gpu, e.host)
      .run();
  auto select = db_->prepare(
      "SELECT id FROM environment WHERE git_commit = ? AND git_dirty = ? AND compiler = ? AND torch_version = ? "
      "AND cuda_version = ? AND driver = ? AND gpu = ? AND host = ?");
  if (!select.bind_all(e.git_commit, dirty, e.compiler, e.torch_version, e.cuda_version, e.driver, e.gpu, e.host).step()) {
    db_->fail("recording the environment: the row vanished after insertion");
  }
  const auto id = select.int64(0);
  transaction.commit();
  return id;
}

std::optional<EnvironmentRecord> Store::environment(std::int64_t environment_id) const {
  auto select = db_->prepare(
      "SELECT id, git_commit, git_dirty, compiler, torch_version, cuda_version, driver, gpu, host, recorded_at "
      "FROM environment WHERE id = ?");
  if (!select.bind_all(environment_id).step()) return std::nullopt;
  return EnvironmentRecord{select.int64(0), select.text(1), select.int64(2) != 0, select.text(3), select.text(4),
                           select.text(5),  select.text(6), select.text(7),        select.text(8), select.text(9)};
}

void Store::put_search_state(std::int64_t study_id, const std::string& key, std::string_view value,
                             std::int64_t generation) {
  require_writable(fmt::format("save search state '{}' of study {}", key, study_id));
  Transaction transaction(*db_, TransactionKind::kImmediate);
  auto upsert = db_->prepare(
      "INSERT INTO search_state (study_id, key, value, generation) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (study_id, key) DO UPDATE SET value = excluded.value, generation = excluded.generation, "
      "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')");
  upsert.bind_all(study_id, key).bind_blob(3, value).bind(4, generation).run();
  transaction.commit();
}

std::vector<std::int64_t> Store::advance_search(std::int64_t study_id,
                                               const std::vector<std::pair<std::string, std::string>>& states,
                                               std::int64_t generation, const std::vector<NewTrial>& trials) {
  require_writable(fmt::format("advance the search of study {} to generation {}", study_id, generation));
  Transaction transaction(*db_, TransactionKind::kImmediate);
  study(study_id);
  for (const auto& [key, value] : states) {
    db_->prepare(
           "INSERT INTO search_state (study_id, key, value, generation) VALUES (?, ?, ?, ?) "
           "ON CONFLICT (study_id, key) DO UPDATE SET value = excluded.value, generation = excluded.generation, "
           "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')")
        .bind_all(study_id, key)
        .bind_blob(3, value)
        .bind(4, generation)
        .run();
  }
  std::vector<std::int64_t> ids;
  ids.reserve(trials.size());
  for (const auto& trial : trials) ids.push_back(enqueue_in_transaction(study_id, trial));
  transaction.commit();
  return ids;
}

std::optional<SearchState> Store::search_state(std::int64_t study_id, const std::string& key) const {
  auto select = db_->prepare("SELECT key, value, generation, updated_at FROM search_state WHERE study_id = ? AND key = ?");
  if (!select.bind_all(study_id, key).step()) return std::nullopt;
  return SearchState{select.text(0), select.blob(1), select.int64(2), select.text(3)};
}

std::vector<SearchState> Store::search_states(std::int64_t study_id) const {
  auto select = db_->prepare("SELECT key, value, generation, updated_at FROM search_state WHERE study_id = ? ORDER BY key");
  select.bind_all(study_id);
  std::vector<SearchState> states;
  while (select.step()) states.push_back({select.text(0), select.blob(1), select.int64(2), select.text(3)});
  return states;
}

}  // namespace astraea::results
