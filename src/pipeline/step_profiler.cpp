#include "pipeline/step_profiler.h"

#include "core/error.h"

#include <torch/csrc/autograd/profiler_kineto.h>

#include <set>

namespace astraea::pipeline {
namespace {

namespace profiler = torch::autograd::profiler;
using torch::profiler::impl::ActivityType;
using torch::profiler::impl::ProfilerConfig;
using torch::profiler::impl::ProfilerState;

}  // namespace

StepProfiler::StepProfiler(bool cuda) {
  const ProfilerConfig config(ProfilerState::KINETO, /*report_input_shapes=*/true);
  std::set<ActivityType> activities{ActivityType::CPU};
  if (cuda) activities.insert(ActivityType::CUDA);
  profiler::prepareProfiler(config, activities);
  profiler::enableProfiler(config, activities);
  active_ = true;
}

void StepProfiler::save(const std::filesystem::path& trace) {
  if (!active_) fail("step profiler: already saved");
  active_ = false;
  auto result = profiler::disableProfiler();
  try {
    result->save(trace.string());
  } catch (const std::exception& e) {
    fail("step profiler: cannot write the trace {}: {}", trace.string(), e.what());
  }
}

StepProfiler::~StepProfiler() {
  if (active_) profiler::disableProfiler();
}

}  // namespace astraea::pipeline
