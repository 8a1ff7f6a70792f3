#include "train/training_loop.h"

#include "core/error.h"
#include "core/progress.h"
#include "core/rng.h"
#include "model/safetensors_file.h"
#include "train/learning_rate.h"
#include "pipeline/step_profiler.h"

#include <ATen/ATen.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>
#include <torch/serialize.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

namespace astraea::train {
namespace {

namespace fs = std::filesystem;

constexpr const char* kModelPrefix = "model.";
constexpr const char* kEmaPrefix = "ema.";

void save_checkpoint(const fs::path& out, int step, const NamedTensors& parameters, const ExponentialMovingAverage& ema,
                     torch::optim::AdamW& optimizer) {
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& [name, p] : parameters) tensors.emplace_back(kModelPrefix + name, p.detach());
  for (const auto& [name, a] : ema.averages()) tensors.emplace_back(kEmaPrefix + name, a);
  // Written beside the old files and renamed over them, so a kill mid-write loses nothing.
  const auto weights_tmp = out / "checkpoint.safetensors.tmp";
  const auto optimizer_tmp = out / "optimizer.pt.tmp";
  model::save_safetensors(weights_tmp, tensors, {{"step", std::to_string(step)}, {"ema_updates", std::to_string(ema.updates())}});
  torch::save(optimizer, optimizer_tmp.string());
  fs::rename(optimizer_tmp, out / "optimizer.pt");
  fs::rename(weights_tmp, checkpoint_path(out));
}

// Loads a checkpoint into the parameters, EMA and optimizer; returns its step.
int load_checkpoint(const fs::path& out, const NamedTensors& parameters, ExponentialMovingAverage& ema, torch::optim::AdamW& optimizer) {
  const auto file = checkpoint_path(out);
  return with_context(fmt::format("resuming from {}", file.string()), [&] {
    const model::SafetensorsFile checkpoint(file);
    at::NoGradGuard no_grad;
    for (const auto& [name, p] : parameters) {
      const auto key = kModelPrefix + name;
      if (!checkpoint.has(key)) fail("no tensor '{}': the checkpoint belongs to another model", key);
      const auto value = checkpoint.tensor(key);
      if (value.sizes() != p.sizes()) fail("'{}' is {} in the checkpoint but {} in the model", key, c10::str(value.sizes()), c10::str(p.sizes()));
      p.copy_(value);
    }
    NamedTensors averages;
    for (const auto& [name, p] : parameters) averages.emplace_back(name, checkpoint.tensor(kEmaPrefix + name));
    ema.load(averages);
    const auto& meta = checkpoint.metadata();
    const auto step = meta.find("step"), updates = meta.find("ema_updates");
    if (step == meta.end() || updates == meta.end()) fail("the metadata lacks step or ema_updates");
    ema.set_updates(std::stoll(updates->second));
    torch::load(optimizer, (out / "optimizer.pt").string());
    return std::stoi(step->second);
  });
}

// Keeps the header and the rows up to `step` steps (a resumed run rewrites the rest).
void truncate_log(const fs::path& log, int step) {
  std::ifstream in(log);
  if (!in) return;
  std::ostringstream kept;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (header || std::stoll(line.substr(0, line.find(','))) <= step) kept << line << '\n';
    header = false;
  }
  in.close();
  std::ofstream(log, std::ios::trunc) << kept.str();
}

}  // namespace

fs::path checkpoint_path(const fs::path& out) { return out / "checkpoint.safetensors"; }

TrainingReport run_training(TrainingTask& task, const config::TrainOptions& options, std::uint64_t seed, const RunControl& control) {
  const int stop_at = control.stop_at;
  const auto& profile_trace = control.profile_trace;
  const fs::path out(options.out);
  fs::create_directories(out);
  auto parameters = task.parameters();
  std::vector<at::Tensor> tensors;
  for (const auto& named : parameters) tensors.push_back(named.second);
  torch::optim::AdamW optimizer(tensors, torch::optim::AdamWOptions(options.learning_rate).weight_decay(options.weight_decay));
  ExponentialMovingAverage ema(parameters, options.ema_decay);
  const LearningRateSchedule schedule{options.learning_rate, options.warmup_steps, options.steps};

  TrainingReport report;
  if (fs::exists(checkpoint_path(out))) report.start_step = load_checkpoint(out, parameters, ema, optimizer);
  const auto log_file = out / "loss.csv";
  const auto stat_names = task.stat_names();
  const bool resumed = report.start_step > 0 && fs::exists(log_file);
  if (resumed) truncate_log(log_file, report.start_step);
  std::ofstream log(log_file, resumed ? std::ios::app : std::ios::trunc);
  if (!log) fail("cannot write the loss log {}", log_file.string());
  if (!resumed) {
    log << "step,loss,learning_rate";
    for (const auto& name : stat_names) log << ',' << name;
    log << '\n';
  }

  const auto started = std::chrono::steady_clock::now();
  ProgressBar progress(fmt::format("training {}", task.name()), static_cast<std::size_t>(options.steps));
  progress.advance(static_cast<std::size_t>(report.start_step));
  double loss_sum = 0.0;
  int loss_count = 0;
  std::map<std::string, double> stat_sums;
  const int end = stop_at > 0 && stop_at < options.steps ? std::max(stop_at, report.start_step) : options.steps;
  constexpr int kProfileWarmup = 5, kProfiledSteps = 10;
  std::unique_ptr<pipeline::StepProfiler> profiler;
  for (int step = report.start_step; step < end; ++step) {
    if (!profile_trace.empty() && step == report.start_step + kProfileWarmup) profiler = std::make_unique<pipeline::StepProfiler>(at::hasCUDA());
    if (profiler && step == report.start_step + kProfileWarmup + kProfiledSteps) {
      profiler->save(profile_trace);
      profiler.reset();
    }
    const double lr = schedule.at(step);
    for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    at::manual_seed(derive_seed(seed, {static_cast<std::uint64_t>(step)}));
    optimizer.zero_grad();
    std::map<std::string, double> stats;
    const auto loss = task.loss(step, stats);
    loss.backward();
    if (options.grad_clip > 0) torch::nn::utils::clip_grad_norm_(tensors, options.grad_clip);
    optimizer.step();
    ema.update(parameters);
    const double value = loss.item<double>();
    if (!std::isfinite(value)) fail("{} training diverged at step {}: the loss is {}", task.name(), step, value);
    loss_sum += value;
    ++loss_count;
    for (const auto& [key, v] : stats) stat_sums[key] += v;
    progress.advance();
    const bool last = step + 1 == end;
    if ((step + 1) % options.log_every == 0 || last) {
      report.final_loss = loss_sum / loss_count;
      log << step + 1 << ',' << report.final_loss << ',' << lr;
      std::string postfix = fmt::format("loss {:.4f}", report.final_loss);
      for (const auto& name : stat_names) {
        const double mean = stat_sums[name] / loss_count;
        log << ',' << mean;
        postfix += fmt::format(" {} {:.3f}", name, mean);
      }
      log << '\n' << std::flush;
      progress.set_postfix(postfix);
      loss_sum = 0.0;
      loss_count = 0;
      stat_sums.clear();
    }
    if ((step + 1) % options.checkpoint_every == 0 || last) save_checkpoint(out, step + 1, parameters, ema, optimizer);
  }
  if (profiler) profiler->save(profile_trace);  // fewer steps than the window: trace what ran
  progress.finish();
  report.steps = end;
  report.finished = end == options.steps;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  report.ema = ema.averages();
  return report;
}

}  // namespace astraea::train
