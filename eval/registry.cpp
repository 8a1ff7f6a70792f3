#include "eval/registry.h"

#include "core/error.h"
#include "core/strings.h"
#include "eval/metrics.h"

#include <fmt/format.h>

#include <map>
#include <mutex>
#include <optional>
#include <utility>

namespace astraea::eval {

namespace {

// The built-ins are listed here rather than registered by static objects in their own files,
// which a static library link would drop when nothing else references those files.
struct Registry {
  Registry() {
    factories.emplace("psnr", make_psnr_metric);
    factories.emplace("ssim", make_ssim_metric);
    factories.emplace("mse", make_mse_metric);
    factories.emplace("temporal_flickering", make_temporal_flickering_metric);
    factories.emplace("motion_smoothness", make_motion_smoothness_metric);
    factories.emplace("dynamic_degree", make_dynamic_degree_metric);
    factories.emplace("subject_consistency", [] { return make_subject_consistency_metric(); });
    factories.emplace("background_consistency", [] { return make_background_consistency_metric(); });
    factories.emplace("imaging_quality", make_imaging_quality_metric);
    factories.emplace("quality_proxy", make_quality_proxy_metric);
  }

  std::mutex mutex;
  std::map<std::string, MetricFactory, std::less<>> factories;
};

Registry& registry() {
  static Registry instance;
  return instance;
}

std::vector<std::string> names_locked(const Registry& reg) {
  std::vector<std::string> names;
  names.reserve(reg.factories.size());
  for (const auto& [name, factory] : reg.factories) {
    names.push_back(name);
  }
  return names;
}

}  // namespace

std::unique_ptr<Metric> make_metric(std::string_view name) {
  Registry& reg = registry();
  MetricFactory factory;
  {
    std::lock_guard lock(reg.mutex);
    auto found = reg.factories.find(name);
    if (found == reg.factories.end()) {
      std::vector<std::string> known = names_locked(reg);
      std::optional<std::string> guess = closest_match(name, known);
      fail("unknown metric '{}'{}; known metrics: {}", name,
           guess ? fmt::format(" (did you mean '{}'?)", *guess) : std::string(), fmt::join(known, ", "));
    }
    factory = found->second;
  }
  return factory();
}

std::vector<std::string> registered_metrics() {
  Registry& reg = registry();
  std::lock_guard lock(reg.mutex);
  return names_locked(reg);
}

bool is_registered(std::string_view name) {
  Registry& reg = registry();
  std::lock_guard lock(reg.mutex);
  return reg.factories.find(name) != reg.factories.end();
}

void register_metric(const std::string& name, MetricFactory factory) {
  if (name.empty()) {
    fail("cannot register a metric with an empty name");
  }
  if (!factory) {
    fail("cannot register metric '{}' without a factory", name);
  }
  Registry& reg = registry();
  std::lock_guard lock(reg.mutex);
  if (!reg.factories.emplace(name, std::move(factory)).second) {
    fail("metric '{}' is already registered", name);
  }
}

std::vector<MetricValue> evaluate_metrics(const std::vector<std::string>& names, const VideoView& output,
                                          const VideoView& reference) {
  std::vector<MetricValue> values;
  values.reserve(names.size());
  for (const std::string& name : names) {
    std::unique_ptr<Metric> metric = make_metric(name);
    double value = metric->evaluate(output, reference);
    values.push_back({metric->name(), value, metric->higher_is_better()});
  }
  return values;
}

}  // namespace astraea::eval
