// Single-channel float images ("planes") and the few operations the flow, smoothness and
// imaging-quality code shares: luma of a video frame, bilinear sampling with clamped borders,
// a 2x Gaussian pyramid step, a box filter and integer-factor area downsampling.
#pragma once

#include "eval/video.h"

#include <Eigen/Core>

namespace astraea::eval {

// (rows = height, cols = width), row-major so a row is contiguous like a video frame.
using Plane = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// ITU-R BT.601 luma weights, for frames with 3 (RGB) or 4 (RGBA, alpha ignored) channels.
inline constexpr float kLumaRed = 0.299F;
inline constexpr float kLumaGreen = 0.587F;
inline constexpr float kLumaBlue = 0.114F;

// Below this many pixels a loop runs on one thread: thread start-up would cost more than the
// work, and on a loaded machine idle OpenMP threads spinning for a core cost far more.
inline constexpr long kParallelMinPixels = 128L * 128L;
inline bool parallel_worth(long height, long width) { return height * width >= kParallelMinPixels; }

// Luma of frame t: BT.601 of the first three channels for 3 or 4 channels, the mean of the
// channels otherwise (1 channel is taken as is). Same [0, 1] scale as the video.
Plane luma_plane(const VideoView& video, int t);

// plane(y, x) at real coordinates, bilinear, coordinates clamped to the plane.
float sample_bilinear(const Plane& plane, float y, float x);

// True when (y, x) lies within [0, height-1] x [0, width-1].
inline bool inside_plane(int height, int width, float y, float x) {
  return y >= 0.0F && x >= 0.0F && y <= static_cast<float>(height - 1) && x <= static_cast<float>(width - 1);
}

// One pyramid step: separable [1 4 6 4 1]/16 smoothing (clamped borders), then every second
// sample; the result is ceil(h/2) x ceil(w/2).
Plane pyramid_down(const Plane& plane);

// Mean over the (2r+1) x (2r+1) window around each sample, borders clamped.
Plane box_mean(const Plane& plane, int radius);

// Mean over non-overlapping factor x factor blocks (partial blocks at the far edges averaged
// over what they hold); factor 1 returns the plane.
Plane area_downsample(const Plane& plane, int factor);

}  // namespace astraea::eval
