// ARM recovers planted attention patterns: queries and keys are built so that attention is
// spatially local inside a frame (temporal head), confined to the query's own frame (spatial
// head) or uniform (textural head, three-way).
#include "attention/arm.h"
#include "support/catch.h"

#include <ATen/ATen.h>

#include <cmath>
#include <utility>

using namespace astraea::attention;

namespace {

constexpr int kBatch = 2;
constexpr int kHeads = 4;
constexpr int kDim = 64;
// Logit of a matching pair: beta^2 / sqrt(d) = 10.
const double kBeta = std::sqrt(10.0 * std::sqrt(static_cast<double>(kDim)));

const VideoLayout kLayout{8, 5, 6, 7};

// q = k = beta * e[group(token)] (+ small query noise) for every video token, where e holds one
// random unit vector per group and head; text tokens are random.
std::pair<at::Tensor, at::Tensor> planted(const at::Tensor& group, std::int64_t groups) {
  const std::int64_t s = kLayout.total_tokens();
  const std::int64_t l = kLayout.text_tokens;
  at::Tensor q = at::randn({kBatch, kHeads, s, kDim});
  at::Tensor k = at::randn({kBatch, kHeads, s, kDim});
  at::Tensor e = at::randn({kBatch, kHeads, groups, kDim});
  e = e / e.norm(2, -1, true);
  const at::Tensor video = kBeta * e.index_select(2, group);
  q.narrow(2, l, video.size(2)).copy_(video + 0.05 * at::randn_like(video));
  k.narrow(2, l, video.size(2)).copy_(video);
  return {q, k};
}

double share(const at::Tensor& patterns, HeadPattern expected) {
  return (patterns == static_cast<std::int64_t>(expected)).to(at::kDouble).mean().item<double>();
}

at::Tensor video_positions() { return at::arange(kLayout.video_tokens(), at::kLong) % kLayout.frame_tokens(); }
at::Tensor video_frames() { return at::arange(kLayout.video_tokens(), at::kLong).div(kLayout.frame_tokens(), "floor"); }

}  // namespace

TEST_CASE("samples: one frame after the sink, and every (T-1)-th video token", "[arm]") {
  const at::Tensor local = arm_local_sample(kLayout, true);
  CHECK(local.size(0) == 42);
  CHECK(local[0].item<std::int64_t>() == 8 + 42);
  const at::Tensor global = arm_global_sample(kLayout, true);
  CHECK(global.size(0) == 42);
  CHECK(global[1].item<std::int64_t>() - global[0].item<std::int64_t>() == 4);
  CHECK(global[-1].item<std::int64_t>() < kLayout.total_tokens());
  const VideoLayout single{3, 1, 2, 3};
  CHECK(arm_local_sample(single, true).size(0) == 6);
  CHECK(arm_global_sample(single, true).size(0) == 6);
}

TEST_CASE("ARM recognises spatially local attention as temporal", "[arm]") {
  at::manual_seed(1);
  const auto [q, k] = planted(video_positions(), kLayout.frame_tokens());
  const ArmResult r = recognise_patterns(q, k, kLayout, {});
  CHECK(share(r.patterns, HeadPattern::kTemporal) >= 0.95);
  CHECK(r.temporal_recall.min().item<double>() >= 0.9);
  ArmOptions two_way;
  two_way.three_way = false;
  CHECK(share(recognise_patterns(q, k, kLayout, two_way).patterns, HeadPattern::kTemporal) >= 0.95);
}

TEST_CASE("ARM recognises attention on the query's own frame as spatial", "[arm]") {
  at::manual_seed(2);
  const auto [q, k] = planted(video_frames(), kLayout.frames);
  const ArmResult r = recognise_patterns(q, k, kLayout, {});
  CHECK(share(r.patterns, HeadPattern::kSpatial) >= 0.95);
  CHECK(r.temporal_recall.max().item<double>() < 0.6);
  ArmOptions two_way;
  two_way.three_way = false;
  CHECK(share(recognise_patterns(q, k, kLayout, two_way).patterns, HeadPattern::kSpatial) >= 0.95);
}

TEST_CASE("ARM sends uniform attention to the textural pattern", "[arm]") {
  at::manual_seed(3);
  const std::int64_t s = kLayout.total_tokens();
  const at::Tensor q = 0.01 * at::randn({kBatch, kHeads, s, kDim});
  const at::Tensor k = at::randn({kBatch, kHeads, s, kDim});
  const ArmResult r = recognise_patterns(q, k, kLayout, {});
  CHECK(share(r.patterns, HeadPattern::kTextural) >= 0.95);
  // Uniform attention: recall is the band's density on 42 samples with w = floor(0.293 * 42) = 12.
  CHECK(r.temporal_recall.mean().item<double>() == Approx(894.0 / 1764.0).margin(0.01));
  ArmOptions two_way;
  two_way.three_way = false;
  CHECK(share(recognise_patterns(q, k, kLayout, two_way).patterns, HeadPattern::kTextural) == 0.0);
}

TEST_CASE("ARM handles a single frame and rejects bad shapes", "[arm]") {
  const VideoLayout single{3, 1, 2, 3};
  const at::Tensor q = at::randn({1, 2, single.total_tokens(), 8});
  const ArmResult r = recognise_patterns(q, q, single, {});
  CHECK(r.patterns.sizes() == at::IntArrayRef{1, 2});
  CHECK_THROWS(recognise_patterns(q.narrow(2, 0, 5), q.narrow(2, 0, 5), single, {}));
}
