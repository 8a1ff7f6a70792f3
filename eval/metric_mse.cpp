// Mean squared error over every sample of the video, accumulated in double precision.
#include "core/error.h"
#include "eval/metrics.h"

#include <vector>

namespace astraea::eval {

namespace {

constexpr const char* kName = "mse";

class MseMetric final : public Metric {
 public:
  std::string name() const override { return kName; }
  bool higher_is_better() const override { return false; }
  MetricRange range() const override { return {0.0, 1.0}; }
  double evaluate(const VideoView& output, const VideoView& reference) const override {
    return mse(output, reference);
  }
};

}  // namespace

double mse(const VideoView& output, const VideoView& reference) {
  with_context(kName, [&] { check_same_shape(output, reference); });
  // One partial sum per frame, added in frame order, so the result does not depend on the
  // number of threads.
  std::vector<double> per_frame(static_cast<std::size_t>(output.frames));
  std::size_t frame_size = output.frame_size();
#pragma omp parallel for schedule(static)
  for (int t = 0; t < output.frames; ++t) {
    const float* out = output.frame(t);
    const float* ref = reference.frame(t);
    double sum = 0.0;
    for (std::size_t i = 0; i < frame_size; ++i) {
      double diff = static_cast<double>(out[i]) - static_cast<double>(ref[i]);
      sum += diff * diff;
    }
    per_frame[static_cast<std::size_t>(t)] = sum;
  }
  double total = 0.0;
  for (double sum : per_frame) {
    total += sum;
  }
  return total / static_cast<double>(output.size());
}

std::unique_ptr<Metric> make_mse_metric() { return std::make_unique<MseMetric>(); }

}  // namespace astraea::eval
