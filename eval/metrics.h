// The built-in metrics as plain functions, each implemented in its own metric_<name>.cpp. The
// registry (registry.h) wraps them as Metric objects; these are for callers that want one
// number without the registry, and for the per-frame values.
#pragma once

#include "eval/metric.h"
#include "eval/video.h"

#include <memory>

namespace astraea::eval {

// "psnr", higher is better: per frame 20 log10(1 / sqrt(MSE)) with data range 1 (100 when
// MSE < 1e-10), averaged over frames.
inline constexpr double kPsnrIdenticalDb = 100.0;
inline constexpr double kPsnrMinMse = 1e-10;
double psnr_frame(const VideoView& output, const VideoView& reference, int frame);
double psnr(const VideoView& output, const VideoView& reference);
std::unique_ptr<Metric> make_psnr_metric();

// "ssim", higher is better: Wang et al. 2004 with an 11-tap Gaussian window (sigma 1.5),
// population covariances, data range 1; per channel, averaged over channels, then over frames.
// Frames must be at least 11x11.
inline constexpr double kSsimK1 = 0.01;
inline constexpr double kSsimK2 = 0.03;
inline constexpr double kSsimSigma = 1.5;
inline constexpr double kSsimTruncate = 3.5;
inline constexpr int kSsimRadius = 5;  // int(kSsimTruncate * kSsimSigma + 0.5)
inline constexpr int kSsimWindow = 2 * kSsimRadius + 1;
double ssim_frame(const VideoView& output, const VideoView& reference, int frame);
double ssim(const VideoView& output, const VideoView& reference);
std::unique_ptr<Metric> make_ssim_metric();

// "mse", lower is better: mean squared error over every sample of the video.
double mse(const VideoView& output, const VideoView& reference);
std::unique_ptr<Metric> make_mse_metric();

// "temporal_flickering", higher is better, no reference: with frames scaled to [0, 255],
// (255 - mean over consecutive frame pairs of their mean absolute difference) / 255. Needs at
// least two frames.
double temporal_flickering(const VideoView& video);
std::unique_ptr<Metric> make_temporal_flickering_metric();

}  // namespace astraea::eval
