// `astraea train CONFIG [overrides]`: trains the embedded tiny vDiT or the world's checker, resuming
// from the output directory's checkpoint when there is one, and writes training.json beside the
// weights (command, commit, device, time, loss, held-out accuracy).
#include "core/error.h"
#include "driver/commands.h"
#include "driver/environment.h"
#include "driver/jobs.h"
#include "driver/model_setup.h"
#include "config/yaml_tree.h"
#include "driver/table.h"
#include "train/checker_training.h"
#include "train/vdit_training.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace astraea::driver {

int train_command(const TrainCommand& command) {
  const auto composed = compose_first({command.config_file, command.overrides, false});
  const auto options = with_context(command.config_file, [&] { return config::decode_training(composed); });
  const auto device = pick_device(options.train.device);
  const auto env = capture_environment();
  const std::filesystem::path out(options.train.out);
  const bool resuming = std::filesystem::exists(train::checkpoint_path(out));
  fmt::print("astraea train {}: {} steps of batch {} on {}{}\n", options.train.target, options.train.steps, options.train.batch_size,
             device.is_cuda() ? env.gpu : std::string("cpu"), resuming ? fmt::format(" (resuming from {})", train::checkpoint_path(out).string()) : "");

  nlohmann::json record = {{"target", options.train.target},
                           {"command", command.command_line},
                           {"commit", env.git_commit},
                           {"dirty", env.git_dirty},
                           {"device", device.is_cuda() ? env.gpu : "cpu"},
                           {"torch", env.torch_version},
                           {"steps", options.train.steps},
                           {"batch_size", options.train.batch_size},
                           {"dataset_size", options.train.dataset_size},
                           {"config", config::to_yaml_text(composed.root)}};
  const train::RunControl control{command.until, command.profile};
  std::vector<std::vector<std::string>> rows;
  train::TrainingReport training;
  if (options.train.target == "vdit") {
    training = train::train_vdit(options, to_model_config(options.model), device, control);
    rows.push_back({"weights", (out / train::kVditWeightsName).string()});
  } else {
    const auto report = train::train_checker(options, device, control);
    training = report.training;
    if (training.finished) rows.push_back({"weights", (out / train::kCheckerWeightsName).string()});
    for (const auto& [attribute, accuracy] : report.held_out_accuracy) {
      rows.push_back({fmt::format("held-out {} accuracy", attribute), fmt::format("{:.4f} ({} clips)", accuracy, report.held_out_clips)});
      record["held_out_accuracy"][attribute] = accuracy;
    }
    record["held_out_clips"] = report.held_out_clips;
  }
  if (!training.finished) rows.push_back({"stopped", fmt::format("after step {} of {}: re-run without --until to continue", training.steps, options.train.steps)});
  rows.insert(rows.begin(), {{"steps", fmt::format("{} (from {})", training.steps, training.start_step)},
                             {"seconds", fmt::format("{:.1f}", training.seconds)},
                             {"final loss", fmt::format("{:.5f}", training.final_loss)}});
  if (!command.profile.empty()) rows.push_back({"profile", command.profile});
  record["start_step"] = training.start_step;
  record["steps_done"] = training.steps;
  record["seconds"] = training.seconds;
  record["final_loss"] = training.final_loss;
  std::ofstream(out / "training.json") << record.dump(2) << '\n';
  Table table({"what", "value"});
  for (auto& row : rows) table.add_row(std::move(row));
  fmt::print("{}", table.render());
  return 0;
}

}  // namespace astraea::driver
