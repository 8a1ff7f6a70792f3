#include "eval/classical_descriptor.h"

#include "core/error.h"
#include "eval/plane.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace astraea::eval {

namespace {

constexpr double kNormEpsilon = 1e-12;
constexpr double kHueSectors = 6.0;  // the hexcone's sectors between primaries and secondaries

// Scales `part` to unit L2 norm times `scale`; a zero part stays zero.
void normalize_part(std::vector<float>& part, double scale) {
  double norm_sq = 0.0;
  for (float value : part) {
    norm_sq += static_cast<double>(value) * value;
  }
  double norm = std::sqrt(norm_sq);
  double factor = norm > kNormEpsilon ? scale / norm : 0.0;
  for (float& value : part) {
    value = static_cast<float>(value * factor);
  }
}

std::vector<float> layout_part(const VideoView& video, int t, int grid) {
  Plane luma = luma_plane(video, t);
  int rows = std::min(grid, video.height);
  int cols = std::min(grid, video.width);
  std::vector<float> cells(static_cast<std::size_t>(rows) * cols);
  for (int i = 0; i < rows; ++i) {
    int y0 = i * video.height / rows;
    int y1 = (i + 1) * video.height / rows;
    for (int j = 0; j < cols; ++j) {
      int x0 = j * video.width / cols;
      int x1 = (j + 1) * video.width / cols;
      cells[static_cast<std::size_t>(i) * cols + j] = luma.block(y0, x0, y1 - y0, x1 - x0).mean();
    }
  }
  double mean = 0.0;
  for (float cell : cells) {
    mean += cell;
  }
  mean /= static_cast<double>(cells.size());
  for (float& cell : cells) {
    cell = static_cast<float>(cell - mean);
  }
  return cells;
}

// Hue in [0, 1), saturation and value in [0, 1] of an RGB sample (hexcone model).
void rgb_to_hsv(float r, float g, float b, float& hue, float& saturation, float& value) {
  float high = std::max({r, g, b});
  float low = std::min({r, g, b});
  float chroma = high - low;
  value = high;
  saturation = high > 0.0F ? chroma / high : 0.0F;
  if (chroma <= 0.0F) {
    hue = 0.0F;
    return;
  }
  double sector = 0.0;
  if (high == r) {
    sector = std::fmod((g - b) / chroma + kHueSectors, kHueSectors);
  } else if (high == g) {
    sector = (b - r) / chroma + 2.0;
  } else {
    sector = (r - g) / chroma + 4.0;
  }
  hue = static_cast<float>(sector / kHueSectors);
}

int bin_of(float x, int bins) { return std::clamp(static_cast<int>(x * static_cast<float>(bins)), 0, bins - 1); }

std::vector<float> colour_part(const VideoView& video, int t, const ClassicalDescriptorOptions& options) {
  int joint_bins = options.hue_bins * options.saturation_bins;
  std::vector<double> joint(static_cast<std::size_t>(joint_bins), 0.0);
  std::vector<double> values(static_cast<std::size_t>(options.value_bins), 0.0);
  const float* frame = video.frame(t);
  std::size_t pixels = static_cast<std::size_t>(video.height) * video.width;
  for (std::size_t p = 0; p < pixels; ++p) {
    const float* sample = frame + p * video.channels;
    float r = std::clamp(sample[0], 0.0F, 1.0F);
    float g = video.channels >= 3 ? std::clamp(sample[1], 0.0F, 1.0F) : r;
    float b = video.channels >= 3 ? std::clamp(sample[2], 0.0F, 1.0F) : r;
    float hue = 0.0F;
    float saturation = 0.0F;
    float value = 0.0F;
    rgb_to_hsv(r, g, b, hue, saturation, value);
    joint[static_cast<std::size_t>(bin_of(hue, options.hue_bins) * options.saturation_bins +
                                   bin_of(saturation, options.saturation_bins))] += 1.0;
    values[static_cast<std::size_t>(bin_of(value, options.value_bins))] += 1.0;
  }
  std::vector<float> part;
  part.reserve(joint.size() + values.size());
  for (double count : joint) {
    part.push_back(static_cast<float>(count / static_cast<double>(pixels) - 1.0 / joint_bins));
  }
  for (double count : values) {
    part.push_back(static_cast<float>(count / static_cast<double>(pixels) - 1.0 / options.value_bins));
  }
  return part;
}

}  // namespace

ClassicalDescriptorOptions subject_descriptor_options() {
  ClassicalDescriptorOptions options;
  options.layout_grid = kSubjectLayoutGrid;
  return options;
}

ClassicalDescriptorOptions background_descriptor_options() {
  ClassicalDescriptorOptions options;
  options.layout_grid = kBackgroundLayoutGrid;
  return options;
}

ClassicalDescriptor::ClassicalDescriptor(ClassicalDescriptorOptions options) : options_(options) {
  if (options_.layout_grid <= 0 || options_.hue_bins <= 0 || options_.saturation_bins <= 0 || options_.value_bins <= 0) {
    fail("classical descriptor: layout_grid, hue_bins, saturation_bins and value_bins must be positive, got {}, {}, {}, {}",
         options_.layout_grid, options_.hue_bins, options_.saturation_bins, options_.value_bins);
  }
  if (options_.layout_weight < 0.0 || options_.colour_weight < 0.0 || options_.layout_weight + options_.colour_weight <= 0.0) {
    fail("classical descriptor: weights must be non-negative and not both zero, got layout {} and colour {}",
         options_.layout_weight, options_.colour_weight);
  }
}

std::string ClassicalDescriptor::name() const {
  return fmt::format("classical_descriptor(grid {}, hsv {}x{}+{}, weights {}/{})", options_.layout_grid,
                     options_.hue_bins, options_.saturation_bins, options_.value_bins, options_.layout_weight,
                     options_.colour_weight);
}

std::vector<float> ClassicalDescriptor::extract(const VideoView& video, int t) const {
  check_video(video, "input");
  if (t < 0 || t >= video.frames) {
    fail("classical descriptor: frame {} is out of range for a video of shape {} (TxHxWxC)", t, shape_string(video));
  }
  std::vector<float> layout = layout_part(video, t, options_.layout_grid);
  normalize_part(layout, std::sqrt(options_.layout_weight));
  std::vector<float> colour = colour_part(video, t, options_);
  normalize_part(colour, std::sqrt(options_.colour_weight));
  layout.insert(layout.end(), colour.begin(), colour.end());
  return layout;
}

std::vector<std::vector<float>> ClassicalDescriptor::extract_all(const VideoView& video) const {
  check_video(video, "input");
  std::vector<std::vector<float>> features(static_cast<std::size_t>(video.frames));
#pragma omp parallel for schedule(dynamic) if (parallel_worth(static_cast<long>(video.frames) * video.height, video.width))
  for (int t = 0; t < video.frames; ++t) {
    features[static_cast<std::size_t>(t)] = extract(video, t);
  }
  return features;
}

}  // namespace astraea::eval
