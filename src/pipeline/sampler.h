// The CogVideoX samplers on v-prediction: DDIM (deterministic) and SDE-DPM-Solver++(2M), each
// matching diffusers' CogVideoXDDIMScheduler / CogVideoXDPMScheduler step for step. The DPM
// sampler draws noise through a NoiseSource so tests can replay recorded draws.
#pragma once

#include "pipeline/noise_schedule.h"

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace astraea::pipeline {

// Draws standard normal noise shaped like `like` (same dtype and device).
using NoiseSource = std::function<at::Tensor(const at::Tensor& like)>;

// Noise from a CPU generator seeded once, drawn on the CPU and moved, as diffusers' randn_tensor
// does with a CPU generator.
NoiseSource cpu_generator_noise(std::uint64_t seed);

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual std::string name() const = 0;
  // One step from timestep t to t - T/n. `velocity` is the (guided) v-prediction in float32;
  // `previous_t` is the timestep of the step before (none at the first step).
  virtual at::Tensor step(const at::Tensor& velocity, std::int64_t t, std::optional<std::int64_t> previous_t, const at::Tensor& sample) = 0;
  // Forgets per-generation state.
  virtual void reset() {}
};

struct SamplerOptions {
  std::string name = "ddim";  // ddim | dpm
  int steps = 50;
  NoiseScheduleOptions schedule;
};

std::unique_ptr<Sampler> make_sampler(const SamplerOptions& options, NoiseSource noise);

}  // namespace astraea::pipeline
