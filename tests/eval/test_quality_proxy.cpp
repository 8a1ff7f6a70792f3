#include "core/error.h"
#include "eval/quality_proxy.h"
#include "eval/registry.h"
#include "support/catch.h"
#include "synthetic_videos.h"

#include <map>
#include <string>

using astraea::eval::normalize_quality_dimension;
using astraea::eval::quality_proxy;
using astraea::eval::quality_proxy_delta_percent;
using astraea::eval::quality_proxy_from_raw;
using astraea::eval::quality_proxy_range;
using astraea::eval::QualityProxyScores;
using astraea::eval::testing::translating_video;

TEST_CASE("quality dimensions normalise with VBench's Min, Max and weights, by hand", "[eval][quality_proxy]") {
  // FRAMEWORK.md section 4: subject 0.1462-1, background 0.2615-1, flicker 0.6293-1,
  // motion 0.706-0.9975, dynamic 0-1 with weight 0.5, imaging 0-1.
  CHECK(normalize_quality_dimension("subject_consistency", 0.9) == Approx((0.9 - 0.1462) / 0.8538));
  CHECK(normalize_quality_dimension("background_consistency", 0.9) == Approx((0.9 - 0.2615) / 0.7385));
  CHECK(normalize_quality_dimension("temporal_flickering", 0.95) == Approx((0.95 - 0.6293) / 0.3707));
  CHECK(normalize_quality_dimension("motion_smoothness", 0.98) == Approx((0.98 - 0.706) / 0.2915));
  CHECK(normalize_quality_dimension("dynamic_degree", 1.0) == Approx(0.5));
  CHECK(normalize_quality_dimension("imaging_quality", 0.6) == Approx(0.6));
  CHECK_THROWS_WITH(normalize_quality_dimension("scene", 0.5), Catch::Contains("'scene' is not a quality dimension"));
}

TEST_CASE("the quality proxy divides by the weights of the dimensions it computes", "[eval][quality_proxy]") {
  std::map<std::string, double> raw = {{"subject_consistency", 0.9},  {"background_consistency", 0.9},
                                       {"temporal_flickering", 0.95}, {"motion_smoothness", 0.98},
                                       {"dynamic_degree", 1.0},       {"imaging_quality", 0.6}};
  double sum = (0.9 - 0.1462) / 0.8538 + (0.9 - 0.2615) / 0.7385 + (0.95 - 0.6293) / 0.3707 +
               (0.98 - 0.706) / 0.2915 + 0.5 + 0.6;
  QualityProxyScores scores = quality_proxy_from_raw(raw);
  CHECK(scores.score == Approx(sum / 5.5));  // 6.5 less aesthetic_quality's weight 1
  CHECK(scores.normalized.at("dynamic_degree") == Approx(0.5));
  raw.erase("imaging_quality");
  CHECK_THROWS_WITH(quality_proxy_from_raw(raw), Catch::Contains("missing dimensions: imaging_quality"));
  raw["imaging_quality"] = 0.6;
  raw["aesthetic_quality"] = 0.5;
  CHECK_THROWS_WITH(quality_proxy_from_raw(raw), Catch::Contains("'aesthetic_quality' has no classical stand-in"));
}

TEST_CASE("the quality proxy delta is relative to the dense reference", "[eval][quality_proxy]") {
  CHECK(quality_proxy_delta_percent(0.99, 1.0) == Approx(-1.0));
  CHECK(quality_proxy_delta_percent(0.8, 0.8) == 0.0);
  CHECK(quality_proxy_delta_percent(-0.1, -0.2) == Approx(50.0));
  CHECK_THROWS_WITH(quality_proxy_delta_percent(0.5, 0.0), Catch::Contains("dense reference scores 0"));
}

TEST_CASE("the quality proxy of a video aggregates the registered dimensions", "[eval][quality_proxy]") {
  auto video = translating_video(5, 40, 44, 0.3, 0.6);
  QualityProxyScores scores = quality_proxy(video);
  REQUIRE(scores.raw.size() == 6);
  QualityProxyScores again = quality_proxy_from_raw(scores.raw);
  CHECK(again.score == scores.score);
  CHECK(astraea::eval::make_metric("quality_proxy")->evaluate(video, {}) == scores.score);
  auto range = quality_proxy_range();
  CHECK(scores.score >= range.min);
  CHECK(scores.score <= range.max);
  // All raw values 1: subject, background, flicker and imaging normalise to 1, dynamic to 0.5,
  // motion to (1 - 0.706) / 0.2915.
  CHECK(range.max == Approx((4.0 + 0.5 + (1.0 - 0.706) / 0.2915) / 5.5));
}
