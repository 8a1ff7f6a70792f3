// The bridge between search/ (genomes and numbers) and the store (trials and metrics): the
// settings a study's config gives the search, the trial that evaluates a candidate, and the
// objectives read back from a finished trial.
#pragma once

#include "config/experiment_options.h"
#include "driver/jobs.h"
#include "results/store.h"
#include "search/search.h"

#include <string>

namespace astraea::driver {

// From search.* and the sampler's step count; GA: [fitness], NSGA-II: [latency, fitness].
search::SearchSettings search_settings(const config::ExperimentOptions& options);

// The study's config with method.budget set to the candidate's schedule. The trial key is
// the evaluation-cache key: a hash of the resolved config (model, prompts, seeds, shape, budget;
// not the study section, which only says where results go) and the code version, so a genome already evaluated in this study is never evaluated again.
results::NewTrial candidate_trial(const JobRequest& study_request, const search::Candidate& candidate,
                                  const config::ExperimentOptions& options, const std::string& code_version);

// The same study config with method=dense: the baseline a search's Pareto table measures speedup
// and fidelity against. Evaluated with the first generation, never told to the search.
results::NewTrial dense_baseline_trial(const JobRequest& study_request, const config::ExperimentOptions& options,
                                       const std::string& code_version);

// The candidate's objectives from its trial: NaN for a FAILED trial or a missing metric.
search::Evaluation evaluation_of(const results::TrialRow& trial, const config::SearchOptions& options);

// "[0.3,0.5,1]": the schedule as an override value.
std::string budget_list(const search::Genome& genome, double grid_step);

}  // namespace astraea::driver
