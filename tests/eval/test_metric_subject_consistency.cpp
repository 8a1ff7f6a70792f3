#include "consistency_checks.h"
#include "eval/classical_descriptor.h"
#include "eval/metrics.h"
#include "support/catch.h"

#include <vector>

using astraea::eval::testing::check_noise_scores_low;
using astraea::eval::testing::check_static_video_scores_one;
using astraea::eval::testing::check_uses_given_extractor;
using astraea::eval::Video;
using astraea::eval::testing::ConsistencyMetric;
using astraea::eval::testing::translating_video;

namespace {

ConsistencyMetric subject_metric() {
  return {"subject_consistency", [](const astraea::eval::VideoView& video) { return astraea::eval::subject_consistency(video); },
          astraea::eval::make_subject_consistency_metric};
}

}  // namespace

TEST_CASE("subject consistency of a static video is 1", "[eval][consistency]") {
  check_static_video_scores_one(subject_metric());
}

TEST_CASE("subject consistency of independent noise frames is low", "[eval][consistency]") {
  check_noise_scores_low(subject_metric());
}

TEST_CASE("subject consistency uses the extractor it is given", "[eval][consistency]") {
  check_uses_given_extractor(subject_metric());
}

TEST_CASE("the classical descriptor's cosine is the weighted sum of its parts' cosines", "[eval][consistency]") {
  astraea::eval::ClassicalDescriptor descriptor;
  Video video = translating_video(2, 20, 26, 0.0, 3.0);
  std::vector<float> a = descriptor.extract(video, 0);
  std::vector<float> b = descriptor.extract(video, 1);
  // 16 x 16 layout cells, then 12 x 4 + 8 histogram bins; both parts scaled to sqrt(weight).
  REQUIRE(a.size() == 16 * 16 + 12 * 4 + 8);
  auto dot = [](const std::vector<float>& x, const std::vector<float>& y, std::size_t from, std::size_t to) {
    double sum = 0.0;
    for (std::size_t i = from; i < to; ++i) {
      sum += static_cast<double>(x[i]) * y[i];
    }
    return sum;
  };
  CHECK(dot(a, a, 0, 256) == Approx(0.75).margin(1e-6));
  CHECK(dot(a, a, 256, a.size()) == Approx(0.25).margin(1e-6));
  double layout_cos = dot(a, b, 0, 256) / 0.75;
  double colour_cos = dot(a, b, 256, a.size()) / 0.25;
  CHECK(dot(a, b, 0, a.size()) == Approx(0.75 * layout_cos + 0.25 * colour_cos).margin(1e-6));
  CHECK_THROWS_WITH(astraea::eval::ClassicalDescriptor({0, 12, 4, 8, 0.5, 0.5}), Catch::Contains("must be positive"));
}
