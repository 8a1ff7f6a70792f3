// A no-reference imaging-quality proxy for sharpness and noise, standing in for VBench's MUSIQ
// imaging_quality. Documented, uncalibrated: compare it between methods on the same prompts,
// never with MUSIQ numbers.
//
// Per frame, on luma in [0, 1], after VBench's resizing rule (a frame whose longer side exceeds
// 512 is area-averaged by the smallest integer factor that brings it to 512 or below):
//   noise sigma  s_n: Immerkaer's estimator (1996), sqrt(pi/2) / (6 (W-2)(H-2)) * sum |I * N| over
//                     interior pixels, N = [1 -2 1; -2 4 -2; 1 -2 1]; exact for white Gaussian
//                     noise on a flat or linear image.
//   detail      s_d: the standard deviation of the 4-neighbour Laplacian over interior pixels,
//                     with the noise's share removed: sqrt(max(0, var(Lap) - 20 s_n^2)) (white
//                     noise of variance s^2 gives the Laplacian variance 20 s^2).
//   sharpness     = 1 - exp(-s_d / kImagingDetailScale)
//   cleanliness   = exp(-s_n / kImagingNoiseScale)
//   frame score   = sharpness * cleanliness, in [0, 1]
// The video scores the mean over frames. A flat frame scores 0 (no detail), a blurred frame
// less than its sharp original, a noisy frame less than its clean original.
#pragma once

#include "eval/plane.h"
#include "eval/video.h"

namespace astraea::eval {

inline constexpr int kImagingMaxSide = 512;
inline constexpr double kImagingDetailScale = 0.05;  // Laplacian std (luma units) where sharpness is 1 - 1/e
inline constexpr double kImagingNoiseScale = 0.05;   // noise sigma (about 13/255) where cleanliness is 1/e
inline constexpr double kLaplacianNoiseGain = 20.0;  // var(Laplacian of white noise) / var(noise)

struct ImagingQualityParts {
  double noise_sigma = 0.0;
  double detail = 0.0;
  double sharpness = 0.0;
  double cleanliness = 0.0;
  double score = 0.0;
};

// Needs a plane of at least 3 x 3; throws astraea::Error otherwise.
double noise_sigma(const Plane& plane);
double laplacian_std(const Plane& plane);
ImagingQualityParts imaging_quality_parts(const Plane& plane);

// Frame t of a video: luma, resized by VBench's rule, then imaging_quality_parts.
ImagingQualityParts imaging_quality_frame(const VideoView& video, int t);

// Mean frame score.
double imaging_quality(const VideoView& video);

}  // namespace astraea::eval
