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
#include <filesystem>
#include <fstream>
#include <map>

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

// Median of the steps after the first (which also pays for kernel selection and allocation).
double steady_step_ms(const std::vector<double>& steps) {
  return steps.size() < 2 ? median(steps) : median({steps.begin() + 1, steps.end()});
}

struct Summary {
  Table table{{"setting", "ranks", "median ms", "± ms", "ms/step", "vs baseline", "scaling"}, {false, true, true, true, true, true, true}};
  nlohmann::json rows = nlohmann::json::array();
  const Point* baseline = nullptr;
};

// The table and JSON rows of the points measured so far. Baseline: dense on one rank when
// measured, else the first one-rank point; scaling: against the same setting on one rank. A point
// without either has "-" in the table and null in the JSON.
Summary summarise(const std::vector<Point>& points) {
  Summary out;
  for (const auto& p : points) {
    if (p.job->options.parallel.gpus != 1 || !p.error.empty()) continue;
    if (!out.baseline || (p.job->options.method.name == "dense" && out.baseline->job->options.method.name != "dense")) out.baseline = &p;
  }
  for (const auto& p : points) {
    const Point* one_rank = nullptr;
    for (const auto& q : points) {
      if (q.job->options.parallel.gpus == 1 && q.error.empty() && setting_of(*q.job) == setting_of(*p.job)) one_rank = &q;
    }
    if (!p.error.empty()) {
      out.table.add_row({setting_of(*p.job), std::to_string(p.job->options.parallel.gpus), "failed", "-", "-", "-", "-"});
      out.rows.push_back({{"setting", setting_of(*p.job)}, {"ranks", p.job->options.parallel.gpus}, {"error", p.error}});
      continue;
    }
    const double speedup = out.baseline ? out.baseline->median_ms / p.median_ms : 0.0;
    const double scaling = one_rank ? one_rank->median_ms / p.median_ms : 0.0;
    out.table.add_row({setting_of(*p.job), std::to_string(p.job->options.parallel.gpus), fmt::format("{:.1f}", p.median_ms),
                       fmt::format("{:.1f}", p.spread_ms), fmt::format("{:.1f}", steady_step_ms(p.step_ms)),
                       out.baseline ? fmt::format("{:.2f}x", speedup) : "-", one_rank ? fmt::format("{:.2f}x", scaling) : "-"});
    out.rows.push_back({{"setting", setting_of(*p.job)}, {"ranks", p.job->options.parallel.gpus}, {"median_ms", p.median_ms},
                        {"spread_ms", p.spread_ms}, {"speedup_vs_baseline", out.baseline ? nlohmann::json(speedup) : nlohmann::json()},
                        {"scaling_vs_one_rank", one_rank ? nlohmann::json(scaling) : nlohmann::json()},
                        {"step_ms", p.step_ms}, {"steady_step_ms", steady_step_ms(p.step_ms)}, {"peak_memory_gib", p.peak_gib}});
  }
  return out;
}

// The measured points of an earlier run of the same command (--resume), keyed by setting and rank
// count. Refuses a file from another build or config: its numbers would not be comparable.
std::map<std::pair<std::string, int>, nlohmann::json> resumable_points(const BenchE2ECommand& command, const results::EnvironmentRecord& env) {
  std::map<std::pair<std::string, int>, nlohmann::json> kept;
  if (!command.resume) return kept;
  if (command.json_out.empty()) fail(ErrorKind::kConfig, "bench e2e --resume: needs --json, the file to resume from");
  if (!std::filesystem::exists(command.json_out)) return kept;
  nlohmann::json earlier;
  try {
    std::ifstream in(command.json_out);
    earlier = nlohmann::json::parse(in);
    const auto commit = earlier.value("commit", std::string()), config = earlier.value("config", std::string());
    const auto gpu = earlier.value("gpu", std::string());
    if (commit != env.git_commit || earlier.value("dirty", false) != env.git_dirty || config != command.config_file || gpu != env.gpu) {
      fail(ErrorKind::kConfig, "bench e2e --resume: {} was measured with {} at commit {} on '{}'; this run is {} at commit {} on '{}' (drop --resume "
           "or pick another --json)", command.json_out, config, commit, gpu, command.config_file, env.git_commit, env.gpu);
    }
    for (const auto& row : earlier.value("rows", nlohmann::json::array())) {
      if (row.contains("error")) continue;
      // Checked here, so that resuming never meets a row it cannot use.
      (void)row.at("median_ms").get<double>(), (void)row.at("spread_ms").get<double>(), (void)row.at("step_ms").get<std::vector<double>>();
      kept[{row.at("setting").get<std::string>(), row.at("ranks").get<int>()}] = row;
    }
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::kConfig, "bench e2e --resume: {} is not a bench e2e JSON file: {}", command.json_out, e.what());
  }
  return kept;
}

}  // namespace

int bench_e2e_command(const BenchE2ECommand& command) {
  if (command.gpus.empty()) fail(ErrorKind::kConfig, "bench e2e: --gpus needs at least one rank count");
  std::string gpus_list;
  for (const int g : command.gpus) {
    if (g < 1) fail(ErrorKind::kConfig, "bench e2e: --gpus {}: rank counts are positive", g);
    gpus_list += (gpus_list.empty() ? "" : ",") + std::to_string(g);
  }
  const auto env = capture_environment();
  const auto kept = resumable_points(command, env);  // before any work: a mismatched file fails fast
  auto overrides = command.overrides;
  overrides.push_back("parallel.gpus=" + gpus_list);
  const auto jobs = prepare_jobs({command.config_file, overrides, true});
  for (const auto& job : jobs) check_runnable(job.options);

  const auto root = make_output_dir(".", /*multirun=*/true);
  // The JSON is rewritten after every point, so a run cut short keeps what it measured.
  auto write_json = [&](const nlohmann::json& rows, bool complete) {
    if (command.json_out.empty()) return;
    const nlohmann::json report = {{"gpu", env.gpu}, {"commit", env.git_commit}, {"dirty", env.git_dirty}, {"config", command.config_file},
                                   {"overrides", command.overrides}, {"points", jobs.size()}, {"complete", complete}, {"rows", rows}};
    // Written beside and renamed over: a run killed mid-write leaves the previous file whole.
    const auto partial = command.json_out + ".partial";
    std::ofstream(partial) << report.dump(2) << "\n";
    std::filesystem::rename(partial, command.json_out);
  };
  std::vector<Point> points;
  points.reserve(jobs.size());
  for (const auto& job : jobs) {
    Point point{&job};
    if (const auto found = kept.find({setting_of(job), job.options.parallel.gpus}); found != kept.end()) {
      const auto& row = found->second;
      point.median_ms = row.at("median_ms").get<double>();
      point.spread_ms = row.at("spread_ms").get<double>();
      point.step_ms = row.at("step_ms").get<std::vector<double>>();
      point.peak_gib = row.value("peak_memory_gib", 0.0);
      fmt::print(stderr, "bench e2e: {} on {} rank(s): {:.1f} ms, kept from {}\n", setting_of(job), job.options.parallel.gpus, point.median_ms,
                 command.json_out);
      points.push_back(std::move(point));
      write_json(summarise(points).rows, points.size() == jobs.size());
      continue;
    }
    const auto dir = root / std::to_string(job.number);
    write_job_files(dir, job.config_yaml, job.overrides);
    fmt::print(stderr, "bench e2e: {} on {} rank(s)\n", setting_of(job), job.options.parallel.gpus);
    try {
      const auto result = run_trial_on_ranks(job.options, job.config_yaml, dir, nullptr);
      point.median_ms = metric(result, "latency_ms");
      point.spread_ms = metric(result, "latency_spread_ms");
      for (const auto& m : result.metrics) {
        if (m.name == "step_ms") point.step_ms.push_back(m.value);
        if (m.name == "peak_memory_bytes") point.peak_gib = m.value / double(1 << 30);
      }
      fmt::print(stderr, "bench e2e: {} on {} rank(s): {:.1f} ms, {:.1f} ms per step after the first\n", setting_of(job),
                 job.options.parallel.gpus, point.median_ms, steady_step_ms(point.step_ms));
    } catch (const std::exception& e) {
      // One point that cannot run (out of memory on one GPU) leaves the others' numbers standing.
      point.error = e.what();
      fmt::print(stderr, "bench e2e: {} on {} rank(s) failed: {}\n", setting_of(job), job.options.parallel.gpus, point.error);
    }
    points.push_back(std::move(point));
    write_json(summarise(points).rows, points.size() == jobs.size());
  }

  const auto& first = jobs.front().options;
  fmt::print("astraea bench e2e: {} {}, {} steps, {} on {}, commit {}{}\n", first.model.family, first.model.variant, first.sampler.steps,
             first.model.dtype, pick_device(first.model.device).is_cuda() ? env.gpu : std::string("cpu"), env.git_commit.substr(0, 12), env.git_dirty ? " (dirty)" : "");
  const auto summary = summarise(points);
  fmt::print("{}", summary.table.render());
  if (summary.baseline) {
    fmt::print("baseline: {} on 1 rank, {:.1f} ms; outputs in {}\n", setting_of(*summary.baseline->job), summary.baseline->median_ms, root.string());
  }
  const auto failed = std::count_if(points.begin(), points.end(), [](const Point& p) { return !p.error.empty(); });
  if (failed > 0) {
    fmt::print(stderr, "bench e2e: {} of {} point(s) failed (their errors are above)\n", failed, points.size());
    return kExitFailure;
  }
  return 0;
}

}  // namespace astraea::driver
