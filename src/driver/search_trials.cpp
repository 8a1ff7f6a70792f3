#include "driver/search_trials.h"

#include "core/error.h"
#include "config/yaml_tree.h"
#include "core/hash.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace astraea::driver {

search::SearchSettings search_settings(const config::ExperimentOptions& options) {
  const auto& o = options.search;
  search::SearchSettings s;
  s.algorithm = o.algorithm;
  s.steps = options.sampler.steps;
  s.parents = o.parents;
  s.children = o.children;
  s.generations = o.generations;
  s.budget = {o.grid_step, o.total_budget, o.budget_tolerance};
  s.mutation_start = o.mutation_start;
  s.mutation_end = o.mutation_end;
  s.seed = static_cast<std::uint64_t>(o.seed);
  s.objectives = o.algorithm == "ga" ? 1 : 2;
  return s;
}

std::string budget_list(const search::Genome& genome, double grid_step) {
  std::vector<std::string> values;
  for (int level : genome) values.push_back(fmt::format("{:.6g}", level * grid_step));
  return fmt::format("[{}]", fmt::join(values, ","));
}

namespace {

// A trial evaluating `job`; its key is the evaluation-cache key described in the header.
results::NewTrial evaluation_trial(const Job& job, const nlohmann::json& params, const config::ExperimentOptions& options,
                                   const std::string& code_version) {
  // Where results are stored is not part of what is evaluated.
  auto evaluated = YAML::Clone(job.composed.root);
  config::erase_path(evaluated, "study");
  results::NewTrial trial;
  trial.trial_key = sha256_hex(fmt::format("{}\ncode {}", config::to_yaml_text(evaluated), code_version));
  trial.params_json = params.dump();
  trial.config_yaml = job.config_yaml;
  trial.overrides_json = nlohmann::json(job.overrides).dump();
  trial.seed = job.options.seed;
  trial.max_attempts = options.study.max_attempts;
  return trial;
}

}  // namespace

results::NewTrial candidate_trial(const JobRequest& study_request, const search::Candidate& candidate,
                                  const config::ExperimentOptions& options, const std::string& code_version) {
  JobRequest request = study_request;
  request.overrides.push_back("method.budget=" + budget_list(candidate.genome, options.search.grid_step));
  const auto job = with_context(fmt::format("search candidate {} of generation {}", candidate.index, candidate.generation),
                                [&] { return prepare_job(request); });
  std::vector<double> budget;
  for (int level : candidate.genome) budget.push_back(level * options.search.grid_step);
  const nlohmann::json params{{"genome", candidate.genome}, {"budget", budget}, {"generation", candidate.generation}, {"index", candidate.index}};
  return evaluation_trial(job, params, options, code_version);
}

results::NewTrial dense_baseline_trial(const JobRequest& study_request, const config::ExperimentOptions& options,
                                       const std::string& code_version) {
  JobRequest request = study_request;
  request.overrides.push_back("method=dense");
  const auto job = with_context("the search's dense baseline", [&] { return prepare_job(request); });
  return evaluation_trial(job, nlohmann::json{{"baseline", "dense"}}, options, code_version);
}

search::Evaluation evaluation_of(const results::TrialRow& trial, const config::SearchOptions& options) {
  auto metric = [&](const std::string& name) {
    if (trial.status != results::TrialStatus::kComplete) return std::nan("");
    for (const auto& m : trial.metrics) {
      if (m.name == name && m.step == 0) return m.value;
    }
    return std::nan("");
  };
  search::Evaluation e;
  if (options.algorithm == "ga") {
    e.objectives = {metric(options.fitness)};
  } else {
    e.objectives = {metric(options.latency), metric(options.fitness)};
  }
  return e;
}

}  // namespace astraea::driver
