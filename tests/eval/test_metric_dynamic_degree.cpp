#include "core/error.h"
#include "eval/dynamic_degree.h"
#include "eval/metrics.h"
#include "eval/registry.h"
#include "support/catch.h"
#include "synthetic_videos.h"

using astraea::eval::dynamic_degree;
using astraea::eval::dynamic_degree_details;
using astraea::eval::dynamic_degree_moves;
using astraea::eval::dynamic_degree_required_pairs;
using astraea::eval::dynamic_degree_threshold;
using astraea::eval::DynamicDegreeOptions;
using astraea::eval::DynamicDegreeResult;
using astraea::eval::FlowField;
using astraea::eval::Plane;
using astraea::eval::top_flow_magnitude;
using astraea::eval::Video;
using astraea::eval::testing::translating_video;

TEST_CASE("dynamic degree counts pairs with Python's round, ties to even", "[eval][dynamic]") {
  // round(4 * N / 16) in Python: round(0.5) = 0, round(1.5) = 2, round(2.5) = 2, round(3.5) = 4.
  CHECK(dynamic_degree_required_pairs(2) == 0);
  CHECK(dynamic_degree_required_pairs(3) == 1);
  CHECK(dynamic_degree_required_pairs(6) == 2);
  CHECK(dynamic_degree_required_pairs(10) == 2);
  CHECK(dynamic_degree_required_pairs(14) == 4);
  CHECK(dynamic_degree_required_pairs(16) == 4);
  CHECK(dynamic_degree_required_pairs(49) == 12);
}

TEST_CASE("dynamic degree thresholds scale with the shorter side and the frame rate", "[eval][dynamic]") {
  CHECK(dynamic_degree_threshold(480, 720, 8.0) == Approx(6.0 * 480 / 256));
  CHECK(dynamic_degree_threshold(64, 40, 8.0) == Approx(6.0 * 40 / 256));
  CHECK(dynamic_degree_threshold(256, 256, 4.0) == Approx(12.0));  // max(1, 8/4) = 2
  CHECK(dynamic_degree_threshold(256, 256, 24.0) == Approx(6.0));
}

TEST_CASE("dynamic degree's check_move scans like VBench's", "[eval][dynamic]") {
  CHECK(dynamic_degree_moves({0.1, 2.0, 0.3, 2.5}, 1.0, 2));
  CHECK_FALSE(dynamic_degree_moves({0.1, 2.0, 0.3, 0.5}, 1.0, 2));
  CHECK_FALSE(dynamic_degree_moves({1.0, 1.0}, 1.0, 1));  // strictly above the threshold
  CHECK(dynamic_degree_moves({0.0}, 1.0, 0));             // 0 required: true once a pair is seen
  CHECK_FALSE(dynamic_degree_moves({}, 1.0, 0));
}

TEST_CASE("the top 5% of flow magnitudes, by hand", "[eval][dynamic]") {
  // 10 x 10 field: int(100 * 0.05) = 5 largest magnitudes are 3-4-5 triangles scaled 1..5.
  FlowField flow{Plane::Zero(10, 10), Plane::Zero(10, 10)};
  for (int k = 1; k <= 5; ++k) {
    flow.u(k, k) = 3.0F * static_cast<float>(k);
    flow.v(k, k) = 4.0F * static_cast<float>(k);
  }
  flow.u(9, 9) = 0.5F;  // smaller, left out
  CHECK(top_flow_magnitude(flow) == Approx((5.0 + 10 + 15 + 20 + 25) / 5));
  FlowField tiny{Plane::Constant(3, 3, 1.0F), Plane::Zero(3, 3)};
  tiny.u(1, 1) = 2.0F;
  CHECK(top_flow_magnitude(tiny) == Approx(2.0));  // int(9 * 0.05) = 0: the largest alone
}

TEST_CASE("a constant-velocity translation is dynamic exactly when VBench's rule says so", "[eval][dynamic]") {
  // 8 frames of 64 x 72: threshold 6 * 64 / 256 = 1.5 px, and round(4 * 8 / 16) = 2 pairs.
  DynamicDegreeResult fast = dynamic_degree_details(translating_video(8, 64, 72, 1.2, 1.6));  // 2 px per frame
  CHECK(fast.threshold == Approx(1.5));
  CHECK(fast.required_pairs == 2);
  REQUIRE(fast.pair_scores.size() == 7);
  for (double score : fast.pair_scores) {
    CHECK(score == Approx(2.0).margin(0.1));
  }
  CHECK(fast.moving_pairs == 7);
  CHECK(fast.dynamic);
  DynamicDegreeResult slow = dynamic_degree_details(translating_video(8, 64, 72, 0.6, 0.8));  // 1 px per frame
  for (double score : slow.pair_scores) {
    CHECK(score == Approx(1.0).margin(0.1));
  }
  CHECK(slow.moving_pairs == 0);
  CHECK_FALSE(slow.dynamic);
  CHECK(dynamic_degree(translating_video(8, 64, 72, 1.2, 1.6)) == 1.0);
  CHECK(dynamic_degree(translating_video(8, 64, 72, 0.0, 0.0)) == 0.0);
}

TEST_CASE("dynamic degree samples frames at about 8 fps", "[eval][dynamic]") {
  // At 16 fps every second frame is used: 1 px per frame becomes 2 px per sampled pair.
  DynamicDegreeOptions options;
  options.fps = 16.0;
  DynamicDegreeResult result = dynamic_degree_details(translating_video(9, 64, 64, 0.6, 0.8), options);
  CHECK(result.frames == std::vector<int>{0, 2, 4, 6, 8});
  CHECK(result.required_pairs == 1);  // round(4 * 5 / 16) = round(1.25)
  CHECK(result.dynamic);
  CHECK_THROWS_WITH(dynamic_degree(translating_video(1, 8, 8, 0, 0)),
                    Catch::Contains("dynamic_degree: needs at least 2 sampled frames"));
}

TEST_CASE("a video where only one pair moves is static", "[eval][dynamic]") {
  // 8 frames need 2 moving pairs; frames 0..3 still, 4..7 still at an offset of 3 px.
  Video video = translating_video(8, 64, 64, 0.0, 0.0);
  for (int t = 4; t < 8; ++t) {
    for (int y = 0; y < 64; ++y) {
      for (int x = 0; x < 64; ++x) {
        for (int c = 0; c < 3; ++c) {
          video.at(t, y, x, c) = astraea::eval::testing::scene(y, x - 3.0, c);
        }
      }
    }
  }
  DynamicDegreeResult result = dynamic_degree_details(video);
  CHECK(result.moving_pairs == 1);
  CHECK_FALSE(result.dynamic);
  CHECK_FALSE(astraea::eval::make_metric("dynamic_degree")->needs_reference());
}
