// The built-in, weight-free FeatureExtractor: a per-frame descriptor of layout and colour.
//
//   layout: the frame's luma averaged over a grid x grid array of cells (one cell per pixel
//           when the frame is smaller than the grid), minus the mean over cells, L2-normalised.
//           Sensitive to where structure is; uniform noise averages out to nearly nothing.
//   colour: an HSV histogram: hue x saturation jointly (hue_bins x saturation_bins) followed by
//           value (value_bins), each as frequencies minus the flat level 1/bins (so a frame
//           whose colours are spread evenly contributes nothing), L2-normalised. Insensitive to
//           where colours are.
//   descriptor = [sqrt(layout_weight) * layout, sqrt(colour_weight) * colour]
//
// With both parts non-zero and the weights summing to 1, the cosine of two descriptors is
// layout_weight * cos(layouts) + colour_weight * cos(colours). Frames with fewer than three
// channels are treated as grey (saturation 0).
//
// The two consistency dimensions use two presets: subject_consistency a fine 16 x 16 layout,
// which follows objects as they move; background_consistency a coarse 4 x 4 layout, which sees
// the overall arrangement of the scene. Both weight layout 0.75 and colour 0.25. They are
// stand-ins, not models of DINO and CLIP features: compare them only with themselves.
#pragma once

#include "eval/feature_extractor.h"

#include <string>
#include <vector>

namespace astraea::eval {

struct ClassicalDescriptorOptions {
  int layout_grid = 16;
  int hue_bins = 12;
  int saturation_bins = 4;
  int value_bins = 8;
  double layout_weight = 0.75;
  double colour_weight = 0.25;
};

inline constexpr int kSubjectLayoutGrid = 16;
inline constexpr int kBackgroundLayoutGrid = 4;

ClassicalDescriptorOptions subject_descriptor_options();
ClassicalDescriptorOptions background_descriptor_options();

class ClassicalDescriptor final : public FeatureExtractor {
 public:
  // Throws astraea::Error for a non-positive grid or bin count or a negative weight.
  explicit ClassicalDescriptor(ClassicalDescriptorOptions options = {});

  std::string name() const override;
  std::vector<float> extract(const VideoView& video, int t) const override;
  std::vector<std::vector<float>> extract_all(const VideoView& video) const override;

  const ClassicalDescriptorOptions& options() const { return options_; }

 private:
  ClassicalDescriptorOptions options_;
};

}  // namespace astraea::eval
