#include "core/error.h"
#include "eval/metrics.h"
#include "eval/registry.h"
#include "eval_fixtures.h"
#include "support/catch.h"
#include "synthetic_videos.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

using astraea::eval::evaluate_metrics;
using astraea::eval::is_registered;
using astraea::eval::make_metric;
using astraea::eval::Metric;
using astraea::eval::MetricValue;
using astraea::eval::register_metric;
using astraea::eval::registered_metrics;
using astraea::eval::Video;
using astraea::eval::VideoView;
using astraea::eval::testing::pattern_video;

namespace {

// Always 42; for checking that registered metrics are found and run.
class ConstantMetric final : public Metric {
 public:
  std::string name() const override { return "test_constant"; }
  bool higher_is_better() const override { return false; }
  double evaluate(const VideoView& /*output*/, const VideoView& /*reference*/) const override { return 42.0; }
};

}  // namespace

TEST_CASE("the built-in metrics are registered with their directions", "[eval][registry]") {
  std::vector<std::string> names = registered_metrics();
  for (const char* name : {"mse", "psnr", "ssim", "temporal_flickering"}) {
    INFO(name);
    CHECK(std::find(names.begin(), names.end(), name) != names.end());
    CHECK(is_registered(name));
    CHECK(make_metric(name)->name() == name);
  }
  CHECK(std::is_sorted(names.begin(), names.end()));
  CHECK(make_metric("psnr")->higher_is_better());
  CHECK(make_metric("ssim")->higher_is_better());
  CHECK_FALSE(make_metric("mse")->higher_is_better());
  CHECK(make_metric("temporal_flickering")->higher_is_better());
  CHECK(make_metric("psnr")->needs_reference());
  CHECK(make_metric("ssim")->needs_reference());
  CHECK(make_metric("mse")->needs_reference());
}

TEST_CASE("an unknown metric name lists the known ones", "[eval][registry]") {
  CHECK_THROWS_AS(make_metric("pnsr"), astraea::Error);
  CHECK_THROWS_WITH(make_metric("pnsr"), Catch::Contains("unknown metric 'pnsr'") &&
                                             Catch::Contains("did you mean 'psnr'?") &&
                                             Catch::Contains("known metrics: background_consistency, dynamic_degree, imaging_quality, "
                                                             "motion_smoothness, mse, psnr, quality_proxy, ssim, "
                                                             "subject_consistency, temporal_flickering"));
  CHECK_THROWS_WITH(make_metric("lpips"), !Catch::Contains("did you mean"));
  CHECK_FALSE(is_registered("lpips"));
}

TEST_CASE("register_metric adds a metric and refuses duplicates", "[eval][registry]") {
  if (!is_registered("test_constant")) {
    register_metric("test_constant", [] { return std::make_unique<ConstantMetric>(); });
  }
  CHECK(make_metric("test_constant")->evaluate(VideoView{}, VideoView{}) == 42.0);
  CHECK_THROWS_WITH(register_metric("test_constant", [] { return std::make_unique<ConstantMetric>(); }),
                    Catch::Contains("metric 'test_constant' is already registered"));
  CHECK_THROWS_WITH(register_metric("psnr", [] { return std::make_unique<ConstantMetric>(); }),
                    Catch::Contains("already registered"));
  CHECK_THROWS_WITH(register_metric("", [] { return std::make_unique<ConstantMetric>(); }),
                    Catch::Contains("empty name"));
  CHECK_THROWS_WITH(register_metric("test_null", nullptr), Catch::Contains("without a factory"));
}

TEST_CASE("evaluate_metrics returns named values in order", "[eval][registry]") {
  Video reference = pattern_video(3, 12, 13, 3);
  Video output = reference;
  for (float& sample : output.samples()) {
    sample *= 0.9F;
  }
  std::vector<MetricValue> values = evaluate_metrics({"ssim", "psnr", "mse", "temporal_flickering"}, output, reference);
  REQUIRE(values.size() == 4);
  CHECK(values[0].name == "ssim");
  CHECK(values[0].value == astraea::eval::ssim(output, reference));
  CHECK(values[0].higher_is_better);
  CHECK(values[1].name == "psnr");
  CHECK(values[1].value == astraea::eval::psnr(output, reference));
  CHECK(values[2].name == "mse");
  CHECK(values[2].value == astraea::eval::mse(output, reference));
  CHECK_FALSE(values[2].higher_is_better);
  CHECK(values[3].name == "temporal_flickering");
  CHECK(values[3].value == astraea::eval::temporal_flickering(output));
  CHECK_THROWS_WITH(evaluate_metrics({"psnr", "nope"}, output, reference), Catch::Contains("unknown metric 'nope'"));
}

TEST_CASE("videos check their shapes", "[eval][video]") {
  CHECK_THROWS_WITH(Video(std::vector<float>(10), 1, 2, 2, 3), Catch::Contains("1x2x2x3 needs 12 samples, got 10"));
  CHECK_THROWS_WITH(Video(0, 2, 2, 3), Catch::Contains("must be positive"));
  Video video = pattern_video(2, 3, 4, 1);
  VideoView view = video;
  CHECK(view.size() == 24);
  CHECK(view.at(1, 2, 3, 0) == video.at(1, 2, 3, 0));
  CHECK(astraea::eval::shape_string(view) == "2x3x4x1");
  CHECK_THROWS_WITH(astraea::eval::check_video(VideoView{}, "reference"),
                    Catch::Contains("reference video has shape 0x0x0x0"));
  VideoView no_data{nullptr, 1, 1, 1, 1};
  CHECK_THROWS_WITH(astraea::eval::check_video(no_data, "output"), Catch::Contains("output video of shape 1x1x1x1 has no samples"));
  Video other = pattern_video(2, 3, 5, 2);
  CHECK_THROWS_WITH(astraea::eval::check_same_shape(video, other),
                    Catch::Contains("output video 2x3x4x1 and reference video 2x3x5x2 (TxHxWxC) differ in shape: "
                                    "width 4 vs 5, channels 1 vs 2"));
}

TEST_CASE("every registered metric stays in its range and points the declared way", "[eval][registry]") {
  // Each built-in's direction, written down once here, so a new metric must be added to this
  // table; metrics registered by tests (test_*) are only range-checked.
  const std::map<std::string, bool> higher_is_better = {
      {"background_consistency", true}, {"dynamic_degree", true}, {"imaging_quality", true},
      {"motion_smoothness", true},      {"mse", false},           {"psnr", true},
      {"quality_proxy", true},          {"ssim", true},           {"subject_consistency", true},
      {"temporal_flickering", true}};
  using astraea::eval::testing::noise_video;
  using astraea::eval::testing::translating_video;
  Video reference = translating_video(5, 24, 27, 0.4, 0.9);
  Video perturbed = reference;
  Video noise = noise_video(5, 24, 27, 3, 17);
  for (std::size_t i = 0; i < perturbed.samples().size(); ++i) {
    perturbed.samples()[i] = 0.7F * perturbed.samples()[i] + 0.3F * noise.samples()[i];
  }
  for (const std::string& name : registered_metrics()) {
    INFO(name);
    std::unique_ptr<Metric> metric = make_metric(name);
    CHECK(metric->name() == name);
    bool is_test_metric = name.rfind("test_", 0) == 0;
    if (!is_test_metric) {
      REQUIRE(higher_is_better.count(name) == 1);
      CHECK(metric->higher_is_better() == higher_is_better.at(name));
    }
    astraea::eval::MetricRange range = metric->range();
    for (const Video* output : {&reference, &perturbed, &noise}) {
      double value = metric->evaluate(*output, reference);
      CHECK(value >= range.min);
      CHECK(value <= range.max);
    }
    if (is_test_metric) {
      continue;
    }
    if (metric->needs_reference()) {
      // Identical to the reference beats a perturbed copy, in the metric's own direction.
      double same = metric->evaluate(reference, reference);
      double worse = metric->evaluate(perturbed, reference);
      CHECK((metric->higher_is_better() ? same > worse : same < worse));
    } else {
      // No-reference metrics ignore the reference entirely.
      CHECK(metric->evaluate(perturbed, VideoView{}) == metric->evaluate(perturbed, reference));
    }
  }
}
