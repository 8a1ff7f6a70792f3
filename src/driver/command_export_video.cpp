// astraea export video --trial ID: dense | method | |difference| side by side, for every decoded
// generation of a trial, as PNG frames, a GIF and (with ffmpeg) an MP4.
#include "core/error.h"
#include "driver/commands.h"
#include "driver/reference_cache.h"
#include "eval/side_by_side.h"
#include "eval/video_artifacts.h"
#include "model/safetensors_file.h"
#include "results/store.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <regex>

namespace astraea::driver {
namespace {

using FramesByName = std::map<std::string, std::filesystem::path>;

// The trial's decoded-frames artifacts by file name ("frames_p0_s42.safetensors").
FramesByName frames_of(const results::Store& store, std::int64_t trial_id, const std::filesystem::path& base) {
  FramesByName frames;
  for (const auto& a : store.artifacts(trial_id)) {
    if (a.kind == "frames") frames[a.name] = std::filesystem::path(a.path).is_absolute() ? std::filesystem::path(a.path) : base / a.path;
  }
  return frames;
}

eval::Video load_video(const std::filesystem::path& file) {
  const auto t = model::SafetensorsFile(file).tensor("frames");
  if (t.dim() != 5 || t.size(0) != 1) fail("{}: frames must be [1, F, H, W, C], got {}", file.string(), c10::str(t.sizes()));
  const auto f = t[0].to(at::kFloat).contiguous();
  std::vector<float> samples(f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
  return eval::Video(std::move(samples), static_cast<int>(f.size(0)), static_cast<int>(f.size(1)), static_cast<int>(f.size(2)),
                     static_cast<int>(f.size(3)));
}

std::optional<std::int64_t> reference_trial_of(const results::Store& store, std::int64_t trial_id) {
  for (const auto& m : store.metrics(trial_id)) {
    if (m.name == "reference_trial") return static_cast<std::int64_t>(m.value);
  }
  return std::nullopt;
}

}  // namespace

int export_video_command(const ExportVideoCommand& command) {
  results::StoreOptions options;
  options.read_only = true;
  options.create_if_missing = false;
  results::Store store(command.db, options);
  const auto trial = store.trial(command.trial, false);
  if (trial.status != results::TrialStatus::kComplete) {
    fail(ErrorKind::kConfig, "trial {} is {}, not COMPLETE: nothing to export", trial.id, results::to_string(trial.status));
  }
  // Artifact paths are relative to where the run started: the database's directory, usually.
  const auto base = command.base.empty() ? std::filesystem::path(command.db).parent_path() : std::filesystem::path(command.base);
  const auto method = frames_of(store, trial.id, base);
  if (method.empty()) {
    fail(ErrorKind::kConfig, "trial {} has no decoded frames: run it with a VAE (model.vae=...) or a pixel-space model", trial.id);
  }
  const auto reference_id = reference_trial_of(store, trial.id);
  if (!reference_id) fail(ErrorKind::kConfig, "trial {} has no dense reference (it is a dense trial itself)", trial.id);
  const auto dense = frames_of(store, *reference_id, base);
  const auto out_dir = command.out.empty() ? std::filesystem::path(fmt::format("trial-{}-video", trial.id)) : std::filesystem::path(command.out);
  eval::SideBySideOptions layout;
  layout.difference_gain = static_cast<float>(command.difference_gain);
  for (const auto& [name, file] : method) {
    const auto it = dense.find(name);
    if (it == dense.end()) fail("the dense reference (trial {}) has no {}", *reference_id, name);
    const auto stem = std::filesystem::path(name).stem().string();
    const auto written = eval::write_video_artifacts(out_dir, stem, eval::side_by_side(load_video(it->second), load_video(file), layout));
    fmt::print("export video: {} -> {}{}\n", name, written.gif ? written.gif->string() : (out_dir / stem).string(),
               written.mp4 ? " and " + written.mp4->string() : "");
  }
  return 0;
}

}  // namespace astraea::driver
