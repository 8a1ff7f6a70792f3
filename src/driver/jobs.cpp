#include "driver/jobs.h"

#include "config/yaml_tree.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/progress.h"

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
  job.composed = config::compose({e.root, e.name, e.jobs.front()});
  job.options = config::decode_experiment(job.composed);
  job.config_yaml = config::to_yaml_text(job.composed.root);
  job.trial_key = sha256_hex(fmt::format("{}\n{}", e.name, fmt::join(job.overrides, "\n")));
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
    auto build = [&] {
      job.composed = config::compose({e.root, e.name, e.jobs[i]});
      job.options = config::decode_experiment(job.composed);
    };
    if (label.empty()) {
      build();
    } else {
      with_context(label, build);
    }
    job.config_yaml = config::to_yaml_text(job.composed.root);
    job.trial_key = sha256_hex(fmt::format("{}\n{}", e.name, fmt::join(job.overrides, "\n")));
    jobs.push_back(std::move(job));
    progress.advance();
  }
  progress.finish();
  return jobs;
}

}  // namespace astraea::driver
