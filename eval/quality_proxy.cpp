#include "eval/quality_proxy.h"

#include "core/error.h"
#include "eval/metrics.h"
#include "eval/no_reference_metric.h"
#include "eval/registry.h"

#include <fmt/format.h>

#include <cmath>
#include <vector>

namespace astraea::eval {

namespace {

constexpr const char* kName = "quality_proxy";
constexpr double kPercent = 100.0;

const QualityDimension& find_dimension(std::string_view name) {
  for (const QualityDimension& dimension : kQualityDimensions) {
    if (dimension.name == name) {
      return dimension;
    }
  }
  fail("'{}' is not a quality dimension", name);
}

double computed_weight() {
  double total = 0.0;
  for (const QualityDimension& dimension : kQualityDimensions) {
    if (dimension.computed) {
      total += dimension.weight;
    }
  }
  return total;
}

}  // namespace

double normalize_quality_dimension(std::string_view name, double raw) {
  const QualityDimension& dimension = find_dimension(name);
  return (raw - dimension.min) / (dimension.max - dimension.min) * dimension.weight;
}

QualityProxyScores quality_proxy_from_raw(const std::map<std::string, double>& raw) {
  std::vector<std::string> missing;
  for (const QualityDimension& dimension : kQualityDimensions) {
    if (dimension.computed && raw.find(std::string(dimension.name)) == raw.end()) {
      missing.emplace_back(dimension.name);
    }
  }
  if (!missing.empty()) {
    fail("{}: missing dimensions: {}", kName, fmt::join(missing, ", "));
  }
  QualityProxyScores scores;
  double total = 0.0;
  for (const auto& [name, value] : raw) {
    const QualityDimension& dimension = with_context(kName, [&]() -> const QualityDimension& { return find_dimension(name); });
    if (!dimension.computed) {
      fail("{}: '{}' has no classical stand-in and must not be given", kName, name);
    }
    double normalized = normalize_quality_dimension(name, value);
    scores.raw[name] = value;
    scores.normalized[name] = normalized;
    total += normalized;
  }
  scores.score = total / computed_weight();
  return scores;
}

QualityProxyScores quality_proxy(const VideoView& video, const QualityProxyFeatures& features) {
  std::map<std::string, double> raw;
  for (const QualityDimension& dimension : kQualityDimensions) {
    if (!dimension.computed) continue;
    std::string name(dimension.name);
    raw[name] = with_context(kName, [&] {
      if (name == "subject_consistency" && features.subject) return subject_consistency(video, *features.subject);
      if (name == "background_consistency" && features.background) return background_consistency(video, *features.background);
      return make_metric(name)->evaluate(video, VideoView{});
    });
  }
  return quality_proxy_from_raw(raw);
}

double quality_proxy_delta_percent(double method, double dense) {
  if (dense == 0.0) {
    fail("{}: the dense reference scores 0, so a relative delta is undefined (method scores {})", kName, method);
  }
  return kPercent * (method - dense) / std::abs(dense);
}

MetricRange quality_proxy_range() {
  double low = 0.0;
  double high = 0.0;
  for (const QualityDimension& dimension : kQualityDimensions) {
    if (dimension.computed) {
      low += normalize_quality_dimension(dimension.name, 0.0);
      high += normalize_quality_dimension(dimension.name, 1.0);
    }
  }
  return {low / computed_weight(), high / computed_weight()};
}

std::unique_ptr<Metric> make_quality_proxy_metric() {
  return std::make_unique<NoReferenceMetric>(
      kName, [](const VideoView& video) { return quality_proxy(video).score; }, quality_proxy_range());
}

}  // namespace astraea::eval
