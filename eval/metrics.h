// The built-in metrics as plain functions, each implemented in its own metric_<name>.cpp. The
// registry (registry.h) wraps them as Metric objects; these are for callers that want one
// number without the registry, and for the per-frame values.
#pragma once

#include "eval/feature_extractor.h"
#include "eval/metric.h"
#include "eval/optical_flow.h"
#include "eval/video.h"

#include <memory>
#include <vector>

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

// The quality-proxy dimensions below follow VBench's formulas with classical stand-ins for its
// networks (FRAMEWORK.md section 4); all are higher-is-better and need no reference.

// "motion_smoothness": keep frames 0, 2, 4, ...; rebuild each odd frame 2i+1 as the flow-warped
// midpoint of frames 2i and 2i+2 (frame_interpolation.h); score = (255 - mean over the rebuilt
// frames of their mean absolute difference to the real ones, in [0, 255] units) / 255. Needs at
// least 3 frames.
double motion_smoothness(const VideoView& video, const FlowOptions& flow_options = {});
std::unique_ptr<Metric> make_motion_smoothness_metric();

// "dynamic_degree": 1 when the video moves by VBench's rule, else 0 (metric_dynamic_degree.cpp
// and dynamic_degree.h give the rule and the per-pair magnitudes).
std::unique_ptr<Metric> make_dynamic_degree_metric();

// "subject_consistency" / "background_consistency": VBench's formula (feature_consistency.h)
// on per-frame features. Without an extractor, the built-in classical descriptor with its
// subject or background preset (classical_descriptor.h).
double subject_consistency(const VideoView& video, const FeatureExtractor& extractor);
double subject_consistency(const VideoView& video);
std::unique_ptr<Metric> make_subject_consistency_metric(std::shared_ptr<const FeatureExtractor> extractor = nullptr);
double background_consistency(const VideoView& video, const FeatureExtractor& extractor);
double background_consistency(const VideoView& video);
std::unique_ptr<Metric> make_background_consistency_metric(
    std::shared_ptr<const FeatureExtractor> extractor = nullptr);

// "imaging_quality": a no-reference sharpness-and-noise proxy in [0, 1] (imaging_quality.h).
std::unique_ptr<Metric> make_imaging_quality_metric();

// "quality_proxy": the aggregate of the dimensions above with VBench's Min/Max normalisation
// and weights (quality_proxy.h).
std::unique_ptr<Metric> make_quality_proxy_metric();

}  // namespace astraea::eval
