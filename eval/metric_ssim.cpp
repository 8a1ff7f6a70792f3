// SSIM as defined by Wang et al. 2004 and computed by scikit-image's structural_similarity with
// gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.
//
// Local means, variances and the covariance come from an 11-tap Gaussian window (sigma 1.5,
// truncated at 3.5 sigma, weights normalised to sum 1), applied separably. The SSIM map is
// averaged over the pixels at least kSsimRadius away from every border: the reference
// implementation filters the whole frame with reflected borders and then crops exactly that
// strip, and since the crop equals the window radius, no window centred on a kept pixel reaches
// a reflected sample. Filtering only the kept region is therefore the same computation.
//
// Each channel is scored on its own and the channel scores are averaged; the video score is the
// mean over frames. All arithmetic is in double precision.
#include "core/error.h"
#include "eval/metrics.h"

#include <Eigen/Core>

#include <array>
#include <cmath>
#include <vector>

namespace astraea::eval {

namespace {

constexpr const char* kName = "ssim";

using Plane = Eigen::Array<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Window = std::array<double, kSsimWindow>;

static_assert(kSsimRadius == static_cast<int>(kSsimTruncate * kSsimSigma + 0.5),
              "the window radius must follow from sigma and the truncation");

Window gaussian_window() {
  Window weights{};
  double total = 0.0;
  for (int k = 0; k < kSsimWindow; ++k) {
    double offset = k - kSsimRadius;
    weights[static_cast<std::size_t>(k)] = std::exp(-0.5 * offset * offset / (kSsimSigma * kSsimSigma));
    total += weights[static_cast<std::size_t>(k)];
  }
  for (double& weight : weights) {
    weight /= total;
  }
  return weights;
}

const Window& window() {
  static const Window weights = gaussian_window();
  return weights;
}

// The Gaussian-weighted local mean at every pixel whose window lies inside the plane: a
// (rows - 2r) x (cols - 2r) result.
Plane filter_valid(const Plane& plane) {
  const Window& weights = window();
  Eigen::Index rows = plane.rows() - 2 * kSsimRadius;
  Eigen::Index cols = plane.cols() - 2 * kSsimRadius;
  Plane vertical = Plane::Zero(rows, plane.cols());
  for (int k = 0; k < kSsimWindow; ++k) {
    vertical += weights[static_cast<std::size_t>(k)] * plane.middleRows(k, rows);
  }
  Plane result = Plane::Zero(rows, cols);
  for (int k = 0; k < kSsimWindow; ++k) {
    result += weights[static_cast<std::size_t>(k)] * vertical.middleCols(k, cols);
  }
  return result;
}

Plane channel_plane(const VideoView& video, int frame, int channel) {
  Plane plane(video.height, video.width);
  const float* samples = video.frame(frame);
  for (int y = 0; y < video.height; ++y) {
    for (int x = 0; x < video.width; ++x) {
      plane(y, x) = samples[(static_cast<std::size_t>(y) * video.width + x) * video.channels + channel];
    }
  }
  return plane;
}

double channel_ssim(const Plane& x, const Plane& y) {
  constexpr double kC1 = kSsimK1 * kSsimK1;
  constexpr double kC2 = kSsimK2 * kSsimK2;
  Plane mean_x = filter_valid(x);
  Plane mean_y = filter_valid(y);
  Plane mean_xx = filter_valid(x * x);
  Plane mean_yy = filter_valid(y * y);
  Plane mean_xy = filter_valid(x * y);
  Plane var_x = mean_xx - mean_x * mean_x;
  Plane var_y = mean_yy - mean_y * mean_y;
  Plane cov_xy = mean_xy - mean_x * mean_y;
  Plane luminance_num = 2.0 * mean_x * mean_y + kC1;
  Plane structure_num = 2.0 * cov_xy + kC2;
  Plane luminance_den = mean_x * mean_x + mean_y * mean_y + kC1;
  Plane structure_den = var_x + var_y + kC2;
  Plane map = (luminance_num * structure_num) / (luminance_den * structure_den);
  return map.mean();
}

double frame_ssim_unchecked(const VideoView& output, const VideoView& reference, int frame) {
  double total = 0.0;
  for (int c = 0; c < output.channels; ++c) {
    total += channel_ssim(channel_plane(output, frame, c), channel_plane(reference, frame, c));
  }
  return total / static_cast<double>(output.channels);
}

void check_inputs(const VideoView& output, const VideoView& reference) {
  with_context(kName, [&] { check_same_shape(output, reference); });
  if (output.height < kSsimWindow || output.width < kSsimWindow) {
    fail("{}: frames must be at least {}x{} (the Gaussian window), got {}x{} (HxW)", kName, kSsimWindow, kSsimWindow,
         output.height, output.width);
  }
}

class SsimMetric final : public Metric {
 public:
  std::string name() const override { return kName; }
  bool higher_is_better() const override { return true; }
  MetricRange range() const override { return {-1.0, 1.0}; }
  double evaluate(const VideoView& output, const VideoView& reference) const override {
    return ssim(output, reference);
  }
};

}  // namespace

double ssim_frame(const VideoView& output, const VideoView& reference, int frame) {
  check_inputs(output, reference);
  if (frame < 0 || frame >= output.frames) {
    fail("{}: frame {} is out of range for a video of {} frames", kName, frame, output.frames);
  }
  return frame_ssim_unchecked(output, reference, frame);
}

double ssim(const VideoView& output, const VideoView& reference) {
  check_inputs(output, reference);
  std::vector<double> per_frame(static_cast<std::size_t>(output.frames));
#pragma omp parallel for schedule(dynamic)
  for (int t = 0; t < output.frames; ++t) {
    per_frame[static_cast<std::size_t>(t)] = frame_ssim_unchecked(output, reference, t);
  }
  double total = 0.0;
  for (double value : per_frame) {
    total += value;
  }
  return total / static_cast<double>(output.frames);
}

std::unique_ptr<Metric> make_ssim_metric() { return std::make_unique<SsimMetric>(); }

}  // namespace astraea::eval
