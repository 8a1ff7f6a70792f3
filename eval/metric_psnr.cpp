// PSNR as the PAB / VideoSys evaluation computes it: per frame over all pixels and channels
// with data range 1, the frame value capped at 100 dB for (near-)identical frames, and the
// video value the mean over frames.
#include "core/error.h"
#include "eval/metrics.h"

#include <cmath>
#include <vector>

namespace astraea::eval {

namespace {

constexpr const char* kName = "psnr";

double frame_mse(const VideoView& output, const VideoView& reference, int frame) {
  const float* out = output.frame(frame);
  const float* ref = reference.frame(frame);
  std::size_t count = output.frame_size();
  double sum = 0.0;
  for (std::size_t i = 0; i < count; ++i) {
    double diff = static_cast<double>(out[i]) - static_cast<double>(ref[i]);
    sum += diff * diff;
  }
  return sum / static_cast<double>(count);
}

double psnr_from_mse(double mse) {
  if (mse < kPsnrMinMse) {
    return kPsnrIdenticalDb;
  }
  return 20.0 * std::log10(1.0 / std::sqrt(mse));
}

void check_frame(const VideoView& output, const VideoView& reference, int frame) {
  with_context(kName, [&] { check_same_shape(output, reference); });
  if (frame < 0 || frame >= output.frames) {
    fail("{}: frame {} is out of range for a video of {} frames", kName, frame, output.frames);
  }
}

class PsnrMetric final : public Metric {
 public:
  std::string name() const override { return kName; }
  bool higher_is_better() const override { return true; }
  MetricRange range() const override { return {0.0, kPsnrIdenticalDb}; }
  double evaluate(const VideoView& output, const VideoView& reference) const override {
    return psnr(output, reference);
  }
};

}  // namespace

double psnr_frame(const VideoView& output, const VideoView& reference, int frame) {
  check_frame(output, reference, frame);
  return psnr_from_mse(frame_mse(output, reference, frame));
}

double psnr(const VideoView& output, const VideoView& reference) {
  with_context(kName, [&] { check_same_shape(output, reference); });
  std::vector<double> per_frame(static_cast<std::size_t>(output.frames));
#pragma omp parallel for schedule(static)
  for (int t = 0; t < output.frames; ++t) {
    per_frame[static_cast<std::size_t>(t)] = psnr_from_mse(frame_mse(output, reference, t));
  }
  double sum = 0.0;
  for (double value : per_frame) {
    sum += value;
  }
  return sum / static_cast<double>(output.frames);
}

std::unique_ptr<Metric> make_psnr_metric() { return std::make_unique<PsnrMetric>(); }

}  // namespace astraea::eval
