// Scene sampling: determinism in (seed, index), paths that stay in the frame, speeds by their
// formula, and attribute frequencies uniform by a chi-square test.
#include "core/error.h"
#include "data/render.h"
#include "data/scene_sampler.h"
#include "support/catch.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

using namespace astraea::data;

namespace {

// Pearson's statistic of observed counts against equal expected counts.
double chi_square_uniform(const std::vector<int>& counts, int total) {
  const double expected = static_cast<double>(total) / static_cast<double>(counts.size());
  double statistic = 0.0;
  for (const int observed : counts) statistic += (observed - expected) * (observed - expected) / expected;
  return statistic;
}

bool same_bytes(const Clip& a, const Clip& b) {
  return a.samples.size() == b.samples.size() &&
         std::memcmp(a.samples.data(), b.samples.data(), a.samples.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("a scene is a pure function of (seed, index)", "[data][sampler]") {
  const WorldOptions options;
  for (std::uint64_t index = 0; index < 20; ++index) {
    const Clip a = render_scene(sample_scene(42, index, options), options);
    const Clip b = render_scene(sample_scene(42, index, options), options);
    CHECK(same_bytes(a, b));
  }
  // Different seeds (and different indices) give different clips.
  int differing_seeds = 0;
  int differing_indices = 0;
  for (std::uint64_t index = 0; index < 20; ++index) {
    const Clip a = render_scene(sample_scene(42, index, options), options);
    differing_seeds += same_bytes(a, render_scene(sample_scene(43, index, options), options)) ? 0 : 1;
    differing_indices += same_bytes(a, render_scene(sample_scene(42, index + 1, options), options)) ? 0 : 1;
  }
  CHECK(differing_seeds == 20);
  CHECK(differing_indices == 20);
}

TEST_CASE("sampled objects stay inside the frame at every frame, at the stated speed", "[data][sampler]") {
  WorldOptions options;
  options.frames = 13;
  options.height = 48;
  options.width = 40;
  const double size = 0.3125 * 40;  // object_size of the smaller side
  double lowest_x = 1e9, highest_x = -1e9;
  for (std::uint64_t index = 0; index < 2000; ++index) {
    const SceneSpec scene = sample_scene(5, index, options);
    CHECK(scene.placement.size == Approx(size));
    const bool horizontal = scene.labels.direction == Direction::kLeft || scene.labels.direction == Direction::kRight;
    const double travel = scene.labels.speed == Speed::kFast ? 0.5 : 0.25;
    CHECK(scene.placement.pixels_per_frame == Approx(travel * (horizontal ? 40 : 48) / 12.0));
    for (int t = 0; t < options.frames; ++t) {
      const Point centre = centre_at(scene, t);
      constexpr double kRounding = 1e-9;
      CHECK(centre.x - size / 2 >= -kRounding);
      CHECK(centre.x + size / 2 <= 40 + kRounding);
      CHECK(centre.y - size / 2 >= -kRounding);
      CHECK(centre.y + size / 2 <= 48 + kRounding);
      lowest_x = std::min(lowest_x, centre.x - size / 2);
      highest_x = std::max(highest_x, centre.x + size / 2);
    }
  }
  // Over 2000 scenes the paths reach both edges of the frame (to within half a pixel).
  CHECK(lowest_x < 0.5);
  CHECK(highest_x > 39.5);
}

TEST_CASE("attributes are uniform and independent (chi-square, 6000 scenes)", "[data][sampler]") {
  constexpr int kScenes = 6000;
  const WorldOptions options;
  std::vector<int> shapes(kShapeCount), colours(kColourCount), directions(kDirectionCount), speeds(kSpeedCount),
      backgrounds(kBackgroundCount), shape_colour(kShapeCount * kColourCount);
  for (int i = 0; i < kScenes; ++i) {
    const SceneLabels labels = sample_scene(2024, static_cast<std::uint64_t>(i), options).labels;
    ++shapes[static_cast<std::size_t>(labels.shape)];
    ++colours[static_cast<std::size_t>(labels.colour)];
    ++directions[static_cast<std::size_t>(labels.direction)];
    ++speeds[static_cast<std::size_t>(labels.speed)];
    ++backgrounds[static_cast<std::size_t>(labels.background)];
    ++shape_colour[static_cast<std::size_t>(labels.shape) * kColourCount + static_cast<std::size_t>(labels.colour)];
  }
  // Critical values of the chi-square distribution at p = 1e-4 for k - 1 degrees of freedom. The
  // sample is fixed, so this is a check against gross bias, not a coin toss: a sampler that tied
  // colour to shape would score in the thousands on the pairs.
  CHECK(chi_square_uniform(shapes, kScenes) < 23.51);        // 4 dof
  CHECK(chi_square_uniform(colours, kScenes) < 25.74);       // 5 dof
  CHECK(chi_square_uniform(directions, kScenes) < 21.11);    // 3 dof
  CHECK(chi_square_uniform(speeds, kScenes) < 15.14);        // 1 dof
  CHECK(chi_square_uniform(backgrounds, kScenes) < 23.51);   // 4 dof
  CHECK(chi_square_uniform(shape_colour, kScenes) < 66.15);  // 29 dof: the pairs are uniform too
}

TEST_CASE("world options are validated with the field's name", "[data][sampler]") {
  const auto with = [](auto change) {
    WorldOptions options;
    change(options);
    return options;
  };
  CHECK_NOTHROW(validate(WorldOptions{}));
  CHECK_THROWS_WITH(sample_scene(0, 0, with([](WorldOptions& o) { o.frames = 1; })),
                    Catch::Contains("world.frames: expected at least 2, got 1"));
  CHECK_THROWS_WITH(validate(with([](WorldOptions& o) { o.height = 7; })), Catch::Contains("world.height"));
  CHECK_THROWS_WITH(validate(with([](WorldOptions& o) { o.width = 0; })), Catch::Contains("world.width"));
  CHECK_THROWS_WITH(validate(with([](WorldOptions& o) { o.object_size = 1.0; })), Catch::Contains("world.object_size"));
  CHECK_THROWS_WITH(validate(with([](WorldOptions& o) { o.slow_travel = 0.0; })), Catch::Contains("world.slow_travel"));
  CHECK_THROWS_WITH(validate(with([](WorldOptions& o) { o.fast_travel = 0.2; })),
                    Catch::Contains("world.fast_travel: expected a fraction in (slow_travel = 0.25, 1), got 0.2"));
  CHECK_THROWS_WITH(validate(with([](WorldOptions& o) { o.coverage_samples = 17; })),
                    Catch::Contains("world.coverage_samples"));
  // 0.6 of 32 px (19.2 px) plus half the frame does not fit.
  CHECK_THROWS_WITH(validate(with([](WorldOptions& o) { o.object_size = 0.6; })), Catch::Contains("leaves it"));
  try {
    validate(with([](WorldOptions& o) { o.frames = 0; }));
    FAIL("expected an error");
  } catch (const astraea::Error& e) {
    CHECK(e.kind() == astraea::ErrorKind::kConfig);
  }
}
