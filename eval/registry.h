// Metrics by name. The built-in ones (psnr, ssim, mse and the quality-proxy dimensions
// temporal_flickering, motion_smoothness, dynamic_degree, subject_consistency,
// background_consistency, imaging_quality, plus their aggregate quality_proxy) are always
// present; register_metric adds more.
#pragma once

#include "eval/metric.h"
#include "eval/video.h"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace astraea::eval {

using MetricFactory = std::function<std::unique_ptr<Metric>()>;

// Throws astraea::Error listing the known names (and the closest one) for an unknown name.
std::unique_ptr<Metric> make_metric(std::string_view name);

// Every registered name, sorted.
std::vector<std::string> registered_metrics();

bool is_registered(std::string_view name);

// Throws astraea::Error when the name is empty or already taken.
void register_metric(const std::string& name, MetricFactory factory);

// Evaluates each named metric in order; no-reference metrics ignore `reference`.
std::vector<MetricValue> evaluate_metrics(const std::vector<std::string>& names, const VideoView& output,
                                          const VideoView& reference);

}  // namespace astraea::eval
