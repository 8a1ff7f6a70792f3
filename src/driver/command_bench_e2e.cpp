// `astraea bench e2e`: end-to-end generation latency over rank counts and methods, each point a
// trial run as `astraea run` would run it (warm-up, repeats, sequence-parallel ranks), set against
// dense generation on one rank measured in the same invocation.
#include "core/error.h"
#include "driver/commands.h"
#include "driver/environment.h"
#include "driver/jobs.h"
#include "driver/model_setup.h"
#include "driver/output_tree.h"
#include "driver/parallel_session.h"
#include "driver/table.h"
#include "driver/trial_runner.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace astraea::driver {
namespace {

struct Point {
  const Job* job = nullptr;
  double median_ms = 0;
  double spread_ms = 0;
};

double metric(const TrialResult& result, const std::string& name) {
  for (const auto& m : result.metrics) {
    if (m.name == name && m.step == 0) return m.value;
  }
  fail("bench e2e: the trial recorded no {}", name);
}

// The job's overrides without parallel.gpus: what identifies its method setting across rank counts.
std::string setting_of(const Job& job) {
  std::string text;
  for (const auto& o : job.overrides) {
    if (o.rfind("parallel.gpus=", 0) == 0) continue;
    text += (text.empty() ? "" : " ") + o;
  }
  return text.empty() ? "(config)" : text;
}

}  // namespace

int bench_e2e_command(const BenchE2ECommand& command) {
  if (command.gpus.empty()) fail(ErrorKind::kConfig, "bench e2e: --gpus needs at least one rank count");
  std::string gpus_list;
  for (const int g : command.gpus) {
    if (g < 1) fail(ErrorKind::kConfig, "bench e2e: --gpus {}: rank counts are positive", g);
    gpus_list += (gpus_list.empty() ? "" : ",") + std::to_string(g);
  }
  auto overrides = command.overrides;
  overrides.push_back("parallel.gpus=" + gpus_list);
  const auto jobs = prepare_jobs({command.config_file, overrides, true});
  for (const auto& job : jobs) check_runnable(job.options);

  const auto root = make_output_dir(".", /*multirun=*/true);
  std::vector<Point> points;
  for (const auto& job : jobs) {
    const auto dir = root / std::to_string(job.number);
    write_job_files(dir, job.config_yaml, job.overrides);
    fmt::print(stderr, "bench e2e: {} on {} rank(s)\n", setting_of(job), job.options.parallel.gpus);
    const auto result = run_trial_on_ranks(job.options, job.config_yaml, dir, nullptr);
    points.push_back({&job, metric(result, "latency_ms"), metric(result, "latency_spread_ms")});
  }

  // Baseline: dense on one rank when measured, else the first one-rank point.
  const Point* baseline = nullptr;
  for (const auto& p : points) {
    if (p.job->options.parallel.gpus != 1) continue;
    if (!baseline || (p.job->options.method.name == "dense" && baseline->job->options.method.name != "dense")) baseline = &p;
  }
  const auto env = capture_environment();
  const auto& first = jobs.front().options;
  fmt::print("astraea bench e2e: {} {}, {} steps, {} on {}, commit {}{}\n", first.model.family, first.model.variant, first.sampler.steps,
             first.model.dtype, pick_device(first.model.device).is_cuda() ? env.gpu : std::string("cpu"), env.git_commit.substr(0, 12), env.git_dirty ? " (dirty)" : "");
  Table table({"setting", "ranks", "median ms", "± ms", "vs baseline", "scaling"}, {false, true, true, true, true, true});
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& p : points) {
    const Point* one_rank = nullptr;
    for (const auto& q : points) {
      if (q.job->options.parallel.gpus == 1 && setting_of(*q.job) == setting_of(*p.job)) one_rank = &q;
    }
    const double speedup = baseline ? baseline->median_ms / p.median_ms : 0.0;
    const double scaling = one_rank ? one_rank->median_ms / p.median_ms : 0.0;
    table.add_row({setting_of(*p.job), std::to_string(p.job->options.parallel.gpus), fmt::format("{:.1f}", p.median_ms),
                   fmt::format("{:.1f}", p.spread_ms), baseline ? fmt::format("{:.2f}x", speedup) : "-",
                   one_rank ? fmt::format("{:.2f}x", scaling) : "-"});
    rows.push_back({{"setting", setting_of(*p.job)}, {"ranks", p.job->options.parallel.gpus}, {"median_ms", p.median_ms},
                    {"spread_ms", p.spread_ms}, {"speedup_vs_baseline", speedup}, {"scaling_vs_one_rank", scaling}});
  }
  fmt::print("{}", table.render());
  if (baseline) fmt::print("baseline: {} on 1 rank, {:.1f} ms; outputs in {}\n", setting_of(*baseline->job), baseline->median_ms, root.string());
  if (!command.json_out.empty()) {
    const nlohmann::json report = {{"gpu", env.gpu}, {"commit", env.git_commit}, {"dirty", env.git_dirty},
                                   {"config", command.config_file}, {"overrides", command.overrides}, {"rows", rows}};
    std::ofstream(command.json_out) << report.dump(2) << "\n";
  }
  return 0;
}

}  // namespace astraea::driver
