// `astraea bench e2e`: end-to-end generation latency over rank counts and methods, each point a
// trial run as `astraea run` would run it (warm-up, repeats, sequence-parallel ranks), set against
// dense generation on one rank measured in the same invocation.
#include "core/error.h"
#include "driver/commands.h"
#include "driver/environment.h"
#include "driver/exit_codes.h"
#include "driver/jobs.h"
#include "driver/model_setup.h"
#include "driver/output_tree.h"
#include "driver/parallel_session.h"
#include "driver/table.h"
#include "driver/trial_runner.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

namespace astraea::driver {
namespace {

struct Point {
  const Job* job = nullptr;
  double median_ms = 0;
  double spread_ms = 0;
  std::vector<double> step_ms;  // median per denoising step
  double peak_gib = 0;
  std::string error;  // why the point has no time (e.g. out of memory on fewer ranks)
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
    Point point{&job};
    try {
      const auto result = run_trial_on_ranks(job.options, job.config_yaml, dir, nullptr);
      point.median_ms = metric(result, "latency_ms");
      point.spread_ms = metric(result, "latency_spread_ms");
      for (const auto& m : result.metrics) {
        if (m.name == "step_ms") point.step_ms.push_back(m.value);
        if (m.name == "peak_memory_bytes") point.peak_gib = m.value / double(1 << 30);
      }
    } catch (const std::exception& e) {
      // One point that cannot run (out of memory on one GPU) leaves the others' numbers standing.
      point.error = e.what();
      fmt::print(stderr, "bench e2e: {} on {} rank(s) failed: {}\n", setting_of(job), job.options.parallel.gpus, point.error);
    }
    points.push_back(std::move(point));
  }

  // Baseline: dense on one rank when measured, else the first one-rank point.
  const Point* baseline = nullptr;
  for (const auto& p : points) {
    if (p.job->options.parallel.gpus != 1 || !p.error.empty()) continue;
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
      if (q.job->options.parallel.gpus == 1 && q.error.empty() && setting_of(*q.job) == setting_of(*p.job)) one_rank = &q;
    }
    if (!p.error.empty()) {
      table.add_row({setting_of(*p.job), std::to_string(p.job->options.parallel.gpus), "failed", "-", "-", "-"});
      rows.push_back({{"setting", setting_of(*p.job)}, {"ranks", p.job->options.parallel.gpus}, {"error", p.error}});
      continue;
    }
    const double speedup = baseline ? baseline->median_ms / p.median_ms : 0.0;
    const double scaling = one_rank ? one_rank->median_ms / p.median_ms : 0.0;
    table.add_row({setting_of(*p.job), std::to_string(p.job->options.parallel.gpus), fmt::format("{:.1f}", p.median_ms),
                   fmt::format("{:.1f}", p.spread_ms), baseline ? fmt::format("{:.2f}x", speedup) : "-",
                   one_rank ? fmt::format("{:.2f}x", scaling) : "-"});
    rows.push_back({{"setting", setting_of(*p.job)}, {"ranks", p.job->options.parallel.gpus}, {"median_ms", p.median_ms},
                    {"spread_ms", p.spread_ms}, {"speedup_vs_baseline", speedup}, {"scaling_vs_one_rank", scaling},
                    {"step_ms", p.step_ms}, {"peak_memory_gib", p.peak_gib}});
  }
  fmt::print("{}", table.render());
  if (baseline) fmt::print("baseline: {} on 1 rank, {:.1f} ms; outputs in {}\n", setting_of(*baseline->job), baseline->median_ms, root.string());
  if (!command.json_out.empty()) {
    const nlohmann::json report = {{"gpu", env.gpu}, {"commit", env.git_commit}, {"dirty", env.git_dirty},
                                   {"config", command.config_file}, {"overrides", command.overrides}, {"rows", rows}};
    std::ofstream(command.json_out) << report.dump(2) << "\n";
  }
  const auto failed = std::count_if(points.begin(), points.end(), [](const Point& p) { return !p.error.empty(); });
  if (failed > 0) {
    fmt::print(stderr, "bench e2e: {} of {} point(s) failed (their errors are above)\n", failed, points.size());
    return kExitFailure;
  }
  return 0;
}

}  // namespace astraea::driver
