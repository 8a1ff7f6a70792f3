// The checks subject_consistency and background_consistency share: both are VBench's formula
// (eval/feature_consistency.h) on different default features, so the same synthetic videos and
// the same hand-worked value hold for each. Each test file names its metric and calls these.
#pragma once

#include "eval/feature_extractor.h"
#include "eval/metric.h"
#include "support/catch.h"
#include "synthetic_videos.h"

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace astraea::eval::testing {

struct ConsistencyMetric {
  std::string name;
  std::function<double(const VideoView&)> score;  // with the default extractor
  std::function<std::unique_ptr<Metric>(std::shared_ptr<const FeatureExtractor>)> make;
};

// Feature of frame t: (1, t), so the formula's value is known in closed form.
class RampExtractor final : public FeatureExtractor {
 public:
  std::string name() const override { return "ramp"; }
  std::vector<float> extract(const VideoView& /*video*/, int t) const override { return {1.0F, static_cast<float>(t)}; }
};

inline void check_static_video_scores_one(const ConsistencyMetric& metric) {
  CHECK(metric.score(translating_video(4, 30, 34, 0.0, 0.0)) == Approx(1.0).margin(1e-6));
}

inline void check_noise_scores_low(const ConsistencyMetric& metric) {
  double noise = metric.score(noise_video(6, 32, 40, 3, 11));
  double moving = metric.score(translating_video(6, 32, 40, 0.2, 0.4));
  INFO(metric.name << ": noise " << noise << ", slow motion " << moving);
  CHECK(noise < 0.4);
  CHECK(moving > 0.8);
}

inline void check_uses_given_extractor(const ConsistencyMetric& metric) {
  // Features (1, 0), (1, 1), (1, 2): frame 1 scores cos 45 deg = 1/sqrt2 to both; frame 2 scores
  // (cos(f1, f2) + cos(f0, f2)) / 2 = (3/sqrt10 + 1/sqrt5) / 2.
  double expected = (1.0 / std::sqrt(2.0) + (3.0 / std::sqrt(10.0) + 1.0 / std::sqrt(5.0)) / 2.0) / 2.0;
  Video video = translating_video(3, 8, 8, 0.0, 0.0);
  std::unique_ptr<Metric> made = metric.make(std::make_shared<RampExtractor>());
  CHECK(made->evaluate(video, VideoView{}) == Approx(expected).margin(1e-7));
  CHECK(made->name() == metric.name);
  CHECK_FALSE(made->needs_reference());
  CHECK_THROWS_WITH(metric.score(translating_video(1, 8, 8, 0.0, 0.0)),
                    Catch::Contains(metric.name + ": needs at least 2 frames"));
}

}  // namespace astraea::eval::testing
