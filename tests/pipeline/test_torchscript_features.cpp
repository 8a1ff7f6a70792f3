// The TorchScript feature extractor against features computed here by hand: the fixture module
// (scripts/make_feature_fixture.py) returns per-frame channel means over the whole frame, the top
// half and the bottom half. Subject consistency through it must equal VBench's formula applied to
// those hand-computed vectors.
#include "core/error.h"
#include "eval/metrics.h"
#include "eval/quality_proxy.h"
#include "pipeline/torchscript_features.h"
#include "support/catch.h"

#include <algorithm>
#include <cmath>

using astraea::pipeline::TorchScriptFeatureExtractor;

namespace {

// 5 frames of 6x4 RGB with a pattern that changes over time.
astraea::eval::Video pattern_video() {
  astraea::eval::Video v(5, 6, 4, 3);
  for (int t = 0; t < 5; ++t)
    for (int y = 0; y < 6; ++y)
      for (int x = 0; x < 4; ++x)
        for (int c = 0; c < 3; ++c) v.at(t, y, x, c) = std::fmod(0.1f * (t + 1) * (y + 1) + 0.07f * x * (c + 1), 1.0f);
  return v;
}

std::vector<float> hand_features(const astraea::eval::Video& v, int t) {
  std::vector<float> f(9, 0.0f);
  const int half = v.height() / 2;
  for (int y = 0; y < v.height(); ++y)
    for (int x = 0; x < v.width(); ++x)
      for (int c = 0; c < 3; ++c) {
        const float s = v.at(t, y, x, c);
        f[c] += s / (v.height() * v.width());
        f[(y < half ? 3 : 6) + c] += s / (half * v.width());
      }
  return f;
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

}  // namespace

TEST_CASE("a TorchScript extractor gives the module's features, frame by frame and batched", "[pipeline][features]") {
  const TorchScriptFeatureExtractor extractor("tests/fixtures/tiny_features.pt", c10::Device(c10::kCPU));
  const auto video = pattern_video();
  const auto all = extractor.extract_all(video);
  REQUIRE(all.size() == 5);
  for (int t = 0; t < 5; ++t) {
    const auto expected = hand_features(video, t);
    REQUIRE(all[t].size() == 9);
    const auto one = extractor.extract(video, t);
    for (int i = 0; i < 9; ++i) {
      CHECK(all[t][i] == Approx(expected[i]).margin(1e-6));
      CHECK(one[i] == Approx(expected[i]).margin(1e-6));
    }
  }
}

TEST_CASE("subject consistency on network features follows VBench's formula", "[pipeline][features]") {
  const TorchScriptFeatureExtractor extractor("tests/fixtures/tiny_features.pt", c10::Device(c10::kCPU));
  const auto video = pattern_video();
  // Per frame t >= 1: (max(0, cos(f_{t-1}, f_t)) + max(0, cos(f_0, f_t))) / 2, averaged.
  double sum = 0;
  for (int t = 1; t < 5; ++t) {
    sum += 0.5 * (std::max(0.0, cosine(hand_features(video, t - 1), hand_features(video, t))) +
                  std::max(0.0, cosine(hand_features(video, 0), hand_features(video, t))));
  }
  CHECK(astraea::eval::subject_consistency(video, extractor) == Approx(sum / 4).margin(1e-6));
  // The proxy uses it when given, and differs from the classical default here.
  const auto with_network = astraea::eval::quality_proxy(video, {&extractor, &extractor});
  CHECK(with_network.raw.at("subject_consistency") == Approx(sum / 4).margin(1e-6));
}

TEST_CASE("bad extractor files are refused naming the file", "[pipeline][features][errors]") {
  CHECK_THROWS_WITH(TorchScriptFeatureExtractor("missing.pt", c10::Device(c10::kCPU)), Catch::Contains("missing.pt': no such file"));
  CHECK_THROWS_WITH(TorchScriptFeatureExtractor("tests/fixtures/README.md", c10::Device(c10::kCPU)),
                    Catch::Contains("not a loadable TorchScript module"));
}
