#include "driver/jobs.h"

#include "config/yaml_tree.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/progress.h"
#include "driver/search_budget.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace astraea::driver {
namespace {

struct Expanded {
  std::filesystem::path root;
  std::string name;
  std::vector<std::vector<config::Override>> jobs;
};

Expanded expand(const JobRequest& request) {
  Expanded e;
  std::tie(e.root, e.name) = config::locate_config(request.config_file);
  std::vector<config::Override> parsed;
  for (const auto& text : request.overrides) parsed.push_back(config::parse_override(text));
  for (const auto& o : parsed) {
    if (o.is_sweep() && !request.multirun) {
      fail(ErrorKind::kConfig, "override '{}' is a sweep: use 'astraea sweep CONFIG ... -m' to run one trial per value", o.text);
    }
  }
  const auto root = e.root;
  e.jobs = config::expand_sweeps(parsed, [&root](const std::string& group) { return config::group_options(root, group); });
  return e;
}

std::vector<std::string> texts_of(const std::vector<config::Override>& overrides) {
  std::vector<std::string> texts;
  for (const auto& o : overrides) texts.push_back(o.text);
  return texts;
}

// Composes and decodes one job; a `method.budget_from` study's best schedule is resolved into an
// explicit `method.budget` override, so the recorded config holds the numbers the trial runs with.
void compose_job(const Expanded& e, std::vector<config::Override> overrides, Job& job) {
  job.composed = config::compose({e.root, e.name, overrides});
  job.options = config::decode_experiment(job.composed);
  const auto& budget_from = job.options.method.astraea.budget_from;
  if (!budget_from.empty()) {
    overrides.push_back(config::parse_override(
        "method.budget=" + stored_search_budget(job.options.study.db, budget_from, job.options.sampler.steps)));
    job.composed = config::compose({e.root, e.name, overrides});
    job.options = config::decode_experiment(job.composed);
  }
  job.config_yaml = config::to_yaml_text(job.composed.root);
}

// A job's identity in its study: config name and overrides, plus a budget resolved from a search
// (so a re-run after the search improved is a new trial, not a skipped one).
std::string trial_key_of(const Expanded& e, const Job& job) {
  const auto& astraea = job.options.method.astraea;
  const std::string resolved = astraea.budget_from.empty() ? "" : fmt::format("\nbudget {}", fmt::join(astraea.budget, ","));
  return sha256_hex(fmt::format("{}\n{}{}", e.name, fmt::join(job.overrides, "\n"), resolved));
}

}  // namespace

config::ComposedConfig compose_first(const JobRequest& request) {
  const Expanded e = expand(request);
  return config::compose({e.root, e.name, e.jobs.front()});
}

Job prepare_job(const JobRequest& request) {
  const Expanded e = expand(request);
  if (e.jobs.size() != 1) fail(ErrorKind::kConfig, "expected one job, the overrides expand to {}", e.jobs.size());
  Job job;
  job.overrides = texts_of(e.jobs.front());
  compose_job(e, e.jobs.front(), job);
  job.trial_key = trial_key_of(e, job);
  return job;
}

std::vector<Job> prepare_jobs(const JobRequest& request) {
  const Expanded e = expand(request);
  std::vector<Job> jobs;
  ProgressBar progress("validating jobs", e.jobs.size());
  for (std::size_t i = 0; i < e.jobs.size(); ++i) {
    Job job;
    job.number = static_cast<int>(i);
    job.overrides = texts_of(e.jobs[i]);
    const std::string label = e.jobs.size() > 1 ? fmt::format("job {} ({})", i, fmt::join(job.overrides, " ")) : "";
    auto build = [&] { compose_job(e, e.jobs[i], job); };
    if (label.empty()) {
      build();
    } else {
      with_context(label, build);
    }
    job.trial_key = trial_key_of(e, job);
    jobs.push_back(std::move(job));
    progress.advance();
  }
  progress.finish();
  return jobs;
}

}  // namespace astraea::driver
