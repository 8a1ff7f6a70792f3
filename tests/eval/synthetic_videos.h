// Synthetic videos whose quality-proxy answers are known: a static scene, a scene translating
// at constant velocity, independent noise per frame.
#pragma once

#include "eval/video.h"

#include <cmath>
#include <random>

namespace astraea::eval::testing {

// A smooth RGB scene (wavelengths 9 to 30 px in several directions), defined everywhere.
inline float scene(double y, double x, int c) {
  return static_cast<float>(0.5 + 0.15 * std::sin(0.31 * x + 0.17 * y + 0.8 * c) +
                            0.12 * std::cos(0.23 * y - 0.41 * x + 1.0 + 0.5 * c) +
                            0.1 * std::sin(0.19 * x + 0.35 * y + 2.0 - 0.3 * c));
}

// Frame t shows the scene moved by t * (vy, vx) pixels: frame_t(y, x) = scene(y - t vy, x - t vx).
inline Video translating_video(int frames, int height, int width, double vy, double vx) {
  Video video(frames, height, width, 3);
  for (int t = 0; t < frames; ++t) {
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        for (int c = 0; c < 3; ++c) {
          video.at(t, y, x, c) = scene(y - t * vy, x - t * vx, c);
        }
      }
    }
  }
  return video;
}

// Independent uniform [0, 1] samples everywhere.
inline Video noise_video(int frames, int height, int width, int channels, unsigned seed) {
  Video video(frames, height, width, channels);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(0.0F, 1.0F);
  for (float& sample : video.samples()) {
    sample = uniform(rng);
  }
  return video;
}

}  // namespace astraea::eval::testing
