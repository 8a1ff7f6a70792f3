#include "driver/output_tree.h"

#include "core/error.h"

#include "config/yaml_tree.h"

#include <fmt/chrono.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace astraea::driver {
namespace fs = std::filesystem;
namespace {

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) fail("cannot write '{}'", path.string());
}

}  // namespace

fs::path make_output_dir(const fs::path& base, bool multirun, std::chrono::system_clock::time_point now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm local{};
  localtime_r(&t, &local);
  const fs::path day = base / (multirun ? "multirun" : "outputs") / fmt::format("{:%Y-%m-%d}", local);
  const std::string stem = fmt::format("{:%H-%M-%S}", local);
  std::error_code ec;
  fs::create_directories(day, ec);
  if (ec) fail("cannot create output directory '{}': {}", day.string(), ec.message());
  for (int suffix = 0;; ++suffix) {
    const fs::path dir = day / (suffix == 0 ? stem : fmt::format("{}-{}", stem, suffix));
    if (fs::create_directory(dir, ec)) return dir;
    if (ec) fail("cannot create output directory '{}': {}", dir.string(), ec.message());
  }
}

void write_job_files(const fs::path& dir, const std::string& config_yaml, const std::vector<std::string>& overrides) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail("cannot create '{}': {}", dir.string(), ec.message());
  write_text(dir / "config.yaml", config_yaml);
  write_text(dir / "overrides.yaml", config::string_list_yaml(overrides));
}

void write_sweep_file(const fs::path& root, const std::string& config_file, const std::vector<std::string>& overrides) {
  // JSON strings and arrays are valid YAML flow scalars and sequences.
  write_text(root / "multirun.yaml", fmt::format("config: {}\noverrides: {}\n", nlohmann::json(config_file).dump(), nlohmann::json(overrides).dump()));
}

}  // namespace astraea::driver
