#include "data/scene_sampler.h"

#include "core/rng.h"

namespace astraea::data {
namespace {

// SplitMix64 as a stream: the k-th output is splitmix64(state + k * gamma).
class SplitMixStream {
 public:
  explicit SplitMixStream(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    const std::uint64_t out = splitmix64(state_);
    state_ += kGoldenGamma;
    return out;
  }

  // Uniform over [0, count); the modulo bias is below count / 2^64, far under anything a test
  // or a training run can see.
  int below(int count) { return static_cast<int>(next() % static_cast<std::uint64_t>(count)); }

  // Uniform over [0, 1) with 53 random bits.
  double unit() { return static_cast<double>(next() >> kDroppedBits) * kUnitScale; }

 private:
  static constexpr std::uint64_t kGoldenGamma = 0x9E3779B97F4A7C15ULL;
  static constexpr int kDroppedBits = 11;              // 64 - 53 mantissa bits
  static constexpr double kUnitScale = 0x1.0p-53;      // 2^-53

  std::uint64_t state_;
};

// A start coordinate for the box's centre on an axis of `extent` pixels such that the box of
// half side `half` stays inside [0, extent] while the centre moves `travel` pixels along
// `sign` (+1, -1, or 0 across the motion).
double start_coordinate(SplitMixStream& stream, double extent, double half, double travel, double sign) {
  double low = half;
  double high = extent - half;
  if (sign > 0.0) high -= travel;
  if (sign < 0.0) low += travel;
  return low + (high - low) * stream.unit();
}

}  // namespace

SceneSpec sample_scene(std::uint64_t seed, std::uint64_t index, const WorldOptions& options) {
  validate(options);
  SplitMixStream stream(derive_seed(seed, {index}));
  SceneSpec scene;
  SceneLabels& labels = scene.labels;
  labels.shape = static_cast<Shape>(stream.below(kShapeCount));
  labels.colour = static_cast<Colour>(stream.below(kColourCount));
  labels.direction = static_cast<Direction>(stream.below(kDirectionCount));
  labels.speed = static_cast<Speed>(stream.below(kSpeedCount));
  labels.background = static_cast<Background>(stream.below(kBackgroundCount));

  Placement& placement = scene.placement;
  placement.size = object_size_pixels(options);
  placement.pixels_per_frame = pixels_per_frame(labels.speed, labels.direction, options);
  const double half = placement.size / 2.0;
  const double travel = placement.pixels_per_frame * (options.frames - 1);
  const Point step = unit_step(labels.direction);
  const bool horizontal = step.x != 0.0;
  // Along the motion first, then across it.
  const double along = start_coordinate(stream, horizontal ? options.width : options.height, half, travel,
                                        horizontal ? step.x : step.y);
  const double across = start_coordinate(stream, horizontal ? options.height : options.width, half, 0.0, 0.0);
  placement.centre_x = horizontal ? along : across;
  placement.centre_y = horizontal ? across : along;
  return scene;
}

}  // namespace astraea::data
