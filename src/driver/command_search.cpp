// astraea search: a generational search whose state lives in the results store.
//
// Each generation's candidates are enqueued as WAITING trials; this process (and, with
// --workers N, N worker processes instead) claims and evaluates them; once every trial of the
// generation is COMPLETE or FAILED, one transaction stores the told search state and enqueues
// the next generation. Killing any process at any moment loses at most the evaluation in flight:
// re-running the command (or --resume STUDY) continues from the last committed generation.
#include "core/error.h"
#include "core/log.h"
#include "core/progress.h"
#include "driver/commands.h"
#include "driver/environment.h"
#include "driver/jobs.h"
#include "driver/output_tree.h"
#include "driver/search_trials.h"
#include "driver/table.h"
#include "driver/trial_runner.h"
#include "driver/worker_pool.h"
#include "results/store.h"
#include "search/search.h"

#include <torch/cuda.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <thread>

namespace astraea::driver {
namespace {

constexpr const char* kStateKey = "search";
constexpr const char* kStatusKey = "status";
constexpr auto kPollInterval = std::chrono::milliseconds(50);

std::vector<results::NewTrial> trials_of(const search::Search& search, const JobRequest& request, const config::ExperimentOptions& options,
                                         const std::string& code_version) {
  std::vector<results::NewTrial> trials;
  for (const auto& candidate : search.ask()) trials.push_back(candidate_trial(request, candidate, options, code_version));
  return trials;
}

bool finished(results::TrialStatus status) {
  return status == results::TrialStatus::kComplete || status == results::TrialStatus::kFailed;
}

// Blocks until every trial in `ids` is COMPLETE or FAILED, evaluating them here when no worker
// pool exists.
void wait_for_generation(results::Store& store, std::int64_t study_id, const std::vector<std::int64_t>& ids,
                         const std::filesystem::path& root, WorkerPool* pool) {
  for (;;) {
    requeue_dead_local_workers(store, study_id);
    if (!pool) run_waiting_trials(store, study_id, root, {});
    bool done = true;
    for (const auto id : ids) done = done && finished(store.trial(id, false).status);
    if (done) return;
    if (pool && pool->failed_so_far() > 0) fail("search: a worker process exited with an error; see its output above");
    std::this_thread::sleep_for(kPollInterval);
  }
}

std::string objectives_text(const search::Evaluation& e) {
  std::vector<std::string> parts;
  for (double v : e.objectives) parts.push_back(std::isnan(v) ? "failed" : fmt::format("{:.6g}", v));
  return fmt::format("{}", fmt::join(parts, ", "));
}

void print_population(const search::Search& search, const config::SearchOptions& options) {
  Table table({"rank", "generation", "index", "objectives", "budget"}, {true, true, true, false, false});
  for (const auto& m : search.population()) {
    table.add_row({std::to_string(m.rank), std::to_string(m.candidate.generation), std::to_string(m.candidate.index),
                   objectives_text(m.evaluation), budget_list(m.candidate.genome, options.grid_step)});
  }
  fmt::print("{}", table.render());
}

int visible_gpus(const std::string& device) {
  if (device == "cpu") return 0;
  return static_cast<int>(torch::cuda::device_count());
}

}  // namespace

int search_command(const SearchCommand& command) {
  JobRequest request{command.config_file, command.overrides, false};
  if (command.resume) request.overrides.push_back("study.name=" + *command.resume);
  const auto base = prepare_job(request);
  const auto& options = base.options;
  if (const int gpus = visible_gpus(options.model.device); command.workers > 1 && gpus > 0 && command.workers * options.parallel.gpus > gpus) {
    fail(ErrorKind::kConfig, "--workers {} with parallel.gpus={} needs {} GPUs; this host has {}", command.workers, options.parallel.gpus,
         command.workers * options.parallel.gpus, gpus);
  }
  if (!options.has_search) fail(ErrorKind::kConfig, "{}: no search section; add 'search: ga' (or nsga2) to its defaults", command.config_file);
  if (options.method.name != "astraea") {
    fail(ErrorKind::kConfig, "{}: method.name is '{}': the budget search tunes method=astraea's per-step budget", command.config_file,
         options.method.name);
  }
  check_runnable(options);
  const auto settings = search_settings(options);
  search::make_search(settings);  // validates the settings before anything is recorded

  results::StoreOptions store_options;
  store_options.grace_seconds = options.study.grace_seconds;
  store_options.max_attempts = options.study.max_attempts;
  results::Store store(options.study.db, store_options);
  if (command.resume && !store.find_study(*command.resume)) {
    fail(ErrorKind::kConfig, "--resume {}: no such study in {}", *command.resume, options.study.db);
  }
  const nlohmann::json study_config{{"config_file", command.config_file}, {"overrides", command.overrides}, {"config_yaml", base.config_yaml}};
  const auto study = store.create_study({options.study.name, "search", study_config.dump(), fmt::format("search of {}", command.config_file)});
  if (study.kind != "search") fail(ErrorKind::kConfig, "study '{}' in {} is a {}, not a search", study.name, options.study.db, study.kind);

  const auto code_version = capture_environment().git_commit;
  std::unique_ptr<search::Search> search;
  if (const auto state = store.search_state(study.id, kStateKey)) {
    search = with_context(fmt::format("resuming study '{}'", study.name), [&] { return search::restore_search(settings, state->value); });
    fmt::print("search: resuming study '{}' at generation {} of {}\n", study.name, search->generation(), settings.generations);
    store.enqueue(study.id, trials_of(*search, request, options, code_version));
    store.requeue_failed(study.id, options.study.max_attempts);
  } else {
    search = search::make_search(settings);
    auto first = trials_of(*search, request, options, code_version);
    first.push_back(dense_baseline_trial(request, options, code_version));
    store.advance_search(study.id, {{kStateKey, search->state()}, {kStatusKey, "running"}}, 0, first);
  }

  const auto root = make_output_dir(".", /*multirun=*/true);
  std::unique_ptr<WorkerPool> pool;
  if (command.workers > 1) {
    pool = std::make_unique<WorkerPool>(options.study.db, study.name, command.workers, visible_gpus(options.model.device), options.parallel.gpus);
  }

  ProgressBar progress("generations", static_cast<std::size_t>(settings.generations + 1));
  progress.advance(static_cast<std::size_t>(search->generation()));
  while (!search->finished()) {
    const auto ids = store.enqueue(study.id, trials_of(*search, request, options, code_version));
    wait_for_generation(store, study.id, ids, root, pool.get());
    std::vector<search::Evaluation> evaluations;
    for (const auto id : ids) evaluations.push_back(evaluation_of(store.trial(id), options.search));
    search->tell(evaluations);
    const auto next = search->finished() ? std::vector<results::NewTrial>{} : trials_of(*search, request, options, code_version);
    store.advance_search(study.id, {{kStateKey, search->state()}, {kStatusKey, search->finished() ? "finished" : "running"}},
                         search->generation(), next);
    progress.set_postfix(fmt::format("best {}", objectives_text(search->population().front().evaluation)));
    progress.advance();
  }
  progress.finish();
  if (pool && pool->join() > 0) log::warn("search: {} worker process(es) exited with an error", pool->join());

  print_population(*search, options.search);
  fmt::print("search: study '{}' finished after {} generations; export with: astraea export pareto --db {} --study {}\n", study.name,
             settings.generations, options.study.db, study.name);
  return 0;
}

}  // namespace astraea::driver
