// The imaging-quality proxy (imaging_quality.h) as a no-reference metric on the output video;
// the reference is ignored.
#include "core/error.h"
#include "eval/imaging_quality.h"
#include "eval/metrics.h"
#include "eval/no_reference_metric.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

namespace astraea::eval {

namespace {

constexpr const char* kName = "imaging_quality";
constexpr double kImmerkaerMaskNorm = 6.0;  // sqrt of the mask's sum of squared taps (36)
constexpr int kMinSide = 3;

void check_plane(const Plane& plane) {
  if (plane.rows() < kMinSide || plane.cols() < kMinSide) {
    fail("{}: needs frames of at least {}x{} pixels, got {}x{}", kName, kMinSide, kMinSide, plane.rows(), plane.cols());
  }
}

}  // namespace

double noise_sigma(const Plane& plane) {
  check_plane(plane);
  auto height = static_cast<int>(plane.rows());
  auto width = static_cast<int>(plane.cols());
  double sum = 0.0;
#pragma omp parallel for reduction(+ : sum) schedule(static) if (parallel_worth(height, width))
  for (int y = 1; y < height - 1; ++y) {
    for (int x = 1; x < width - 1; ++x) {
      double corners = plane(y - 1, x - 1) + plane(y - 1, x + 1) + plane(y + 1, x - 1) + plane(y + 1, x + 1);
      double edges = plane(y - 1, x) + plane(y + 1, x) + plane(y, x - 1) + plane(y, x + 1);
      sum += std::abs(corners - 2.0 * edges + 4.0 * plane(y, x));
    }
  }
  double interior = static_cast<double>(height - 2) * static_cast<double>(width - 2);
  return std::sqrt(std::numbers::pi / 2.0) * sum / (kImmerkaerMaskNorm * interior);
}

double laplacian_std(const Plane& plane) {
  check_plane(plane);
  auto height = static_cast<int>(plane.rows());
  auto width = static_cast<int>(plane.cols());
  double sum = 0.0;
  double sum_sq = 0.0;
#pragma omp parallel for reduction(+ : sum, sum_sq) schedule(static) if (parallel_worth(height, width))
  for (int y = 1; y < height - 1; ++y) {
    for (int x = 1; x < width - 1; ++x) {
      double laplacian =
          static_cast<double>(plane(y - 1, x)) + plane(y + 1, x) + plane(y, x - 1) + plane(y, x + 1) - 4.0 * plane(y, x);
      sum += laplacian;
      sum_sq += laplacian * laplacian;
    }
  }
  double count = static_cast<double>(height - 2) * static_cast<double>(width - 2);
  double mean = sum / count;
  return std::sqrt(std::max(0.0, sum_sq / count - mean * mean));
}

ImagingQualityParts imaging_quality_parts(const Plane& plane) {
  ImagingQualityParts parts;
  parts.noise_sigma = noise_sigma(plane);
  double laplacian = laplacian_std(plane);
  parts.detail =
      std::sqrt(std::max(0.0, laplacian * laplacian - kLaplacianNoiseGain * parts.noise_sigma * parts.noise_sigma));
  parts.sharpness = 1.0 - std::exp(-parts.detail / kImagingDetailScale);
  parts.cleanliness = std::exp(-parts.noise_sigma / kImagingNoiseScale);
  parts.score = parts.sharpness * parts.cleanliness;
  return parts;
}

ImagingQualityParts imaging_quality_frame(const VideoView& video, int t) {
  return with_context(kName, [&] {
    Plane luma = luma_plane(video, t);
    int longer = std::max(video.height, video.width);
    int factor = (longer + kImagingMaxSide - 1) / kImagingMaxSide;
    return imaging_quality_parts(area_downsample(luma, factor));
  });
}

double imaging_quality(const VideoView& video) {
  with_context(kName, [&] { check_video(video, "output"); });
  std::vector<double> scores(static_cast<std::size_t>(video.frames));
  for (int t = 0; t < video.frames; ++t) {
    scores[static_cast<std::size_t>(t)] = imaging_quality_frame(video, t).score;
  }
  double total = 0.0;
  for (double score : scores) {
    total += score;
  }
  return total / static_cast<double>(video.frames);
}

std::unique_ptr<Metric> make_imaging_quality_metric() {
  return std::make_unique<NoReferenceMetric>(kName, [](const VideoView& video) { return imaging_quality(video); });
}

}  // namespace astraea::eval
