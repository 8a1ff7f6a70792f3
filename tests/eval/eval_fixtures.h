// Test helpers for eval/: the scikit-image fixture (tests/eval/fixtures/ssim_psnr.json, written
// by scripts/make_eval_fixtures.py) and small hand-built videos.
#pragma once

#include "eval/video.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace astraea::eval::testing {

// Tests run from the repository root.
inline constexpr const char* kFixturePath = "tests/eval/fixtures/ssim_psnr.json";

// Agreement required with the fixture's values.
inline constexpr double kSsimTolerance = 1e-5;
inline constexpr double kPsnrToleranceDb = 1e-4;
inline constexpr double kMseTolerance = 1e-12;
inline constexpr double kFlickeringTolerance = 1e-9;

struct FixtureOutput {
  std::string name;
  Video video;
  nlohmann::json expected;  // ssim, ssim_frames, psnr, psnr_frames, mse, temporal_flickering
};

struct FixtureCase {
  std::string name;
  Video reference;
  double reference_temporal_flickering = 0.0;
  std::vector<FixtureOutput> outputs;
};

inline Video fixture_video(const nlohmann::json& samples, const nlohmann::json& shape) {
  std::vector<float> values;
  values.reserve(samples.size());
  for (const auto& sample : samples) {
    values.push_back(static_cast<float>(sample.get<double>()));
  }
  return Video(std::move(values), shape.at(0).get<int>(), shape.at(1).get<int>(), shape.at(2).get<int>(),
               shape.at(3).get<int>());
}

inline std::vector<FixtureCase> load_fixture() {
  std::ifstream in(kFixturePath);
  if (!in) {
    throw std::runtime_error(std::string("cannot open ") + kFixturePath + " (run the tests from the repository root)");
  }
  nlohmann::json document = nlohmann::json::parse(in);
  std::vector<FixtureCase> cases;
  for (const auto& entry : document.at("cases")) {
    FixtureCase fixture_case;
    fixture_case.name = entry.at("name").get<std::string>();
    fixture_case.reference = fixture_video(entry.at("reference"), entry.at("shape"));
    fixture_case.reference_temporal_flickering = entry.at("reference_temporal_flickering").get<double>();
    for (const auto& output : entry.at("outputs")) {
      fixture_case.outputs.push_back(
          {output.at("name").get<std::string>(), fixture_video(output.at("samples"), entry.at("shape")), output});
    }
    cases.push_back(std::move(fixture_case));
  }
  return cases;
}

// A video whose every sample is `value`.
inline Video constant_video(int frames, int height, int width, int channels, float value) {
  Video video(frames, height, width, channels);
  for (float& sample : video.samples()) {
    sample = value;
  }
  return video;
}

// Deterministic samples in [0, 1] with structure in every dimension.
inline Video pattern_video(int frames, int height, int width, int channels) {
  Video video(frames, height, width, channels);
  for (int t = 0; t < frames; ++t) {
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        for (int c = 0; c < channels; ++c) {
          double wave = std::sin(0.7 * x + 0.4 * y + 0.9 * t + 1.3 * c);
          video.at(t, y, x, c) = static_cast<float>(0.5 + 0.4 * wave);
        }
      }
    }
  }
  return video;
}

}  // namespace astraea::eval::testing
