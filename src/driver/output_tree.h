// Hydra's output layout: a run writes to outputs/<date>/<time>/, a sweep to
// multirun/<date>/<time>/<job>/, each holding the resolved config.yaml and overrides.yaml.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace astraea::driver {

// outputs/YYYY-MM-DD/HH-MM-SS (or multirun/...) under `base`, made unique with a -N suffix if a
// directory of that second already exists. The directory is created.
std::filesystem::path make_output_dir(const std::filesystem::path& base, bool multirun,
                                      std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// Writes config.yaml and overrides.yaml into `dir` (created if needed).
void write_job_files(const std::filesystem::path& dir, const std::string& config_yaml, const std::vector<std::string>& overrides);

// Writes multirun.yaml at a sweep's root: the config file and the sweep's overrides as given.
void write_sweep_file(const std::filesystem::path& root, const std::string& config_file, const std::vector<std::string>& overrides);

}  // namespace astraea::driver
