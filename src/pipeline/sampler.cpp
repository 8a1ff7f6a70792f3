#include "pipeline/sampler.h"

#include "core/error.h"

#include <ATen/ATen.h>

#include <cmath>

namespace astraea::pipeline {
namespace {

// x0 from a v-prediction: sqrt(a) x - sqrt(1 - a) v.
at::Tensor predicted_original(const at::Tensor& sample, const at::Tensor& velocity, double alpha_bar) {
  return std::sqrt(alpha_bar) * sample - std::sqrt(1.0 - alpha_bar) * velocity;
}

class DdimSampler final : public Sampler {
 public:
  DdimSampler(const SamplerOptions& o) : schedule_(o.schedule), stride_(o.schedule.train_timesteps / o.steps) {}
  std::string name() const override { return "ddim"; }

  at::Tensor step(const at::Tensor& velocity, std::int64_t t, std::optional<std::int64_t>, const at::Tensor& sample) override {
    const double a_t = schedule_.alpha_bar(t);
    const double a_prev = schedule_.alpha_bar(t - stride_);
    const auto x0 = predicted_original(sample, velocity, a_t);
    const double a = std::sqrt((1.0 - a_prev) / (1.0 - a_t));
    const double b = std::sqrt(a_prev) - std::sqrt(a_t) * a;
    return a * sample + b * x0;
  }

 private:
  NoiseSchedule schedule_;
  int stride_;
};

// lambda = log sqrt(a / (1 - a)); -inf at a = 0, which IEEE arithmetic carries through.
double log_snr_half(double alpha_bar) { return std::log(std::sqrt(alpha_bar / (1.0 - alpha_bar))); }

class DpmSampler final : public Sampler {
 public:
  DpmSampler(const SamplerOptions& o, NoiseSource noise)
      : schedule_(o.schedule), stride_(o.schedule.train_timesteps / o.steps), noise_(std::move(noise)) {}
  std::string name() const override { return "dpm"; }
  void reset() override { previous_x0_.reset(); }

  at::Tensor step(const at::Tensor& velocity, std::int64_t t, std::optional<std::int64_t> previous_t, const at::Tensor& sample) override {
    const std::int64_t t_prev = t - stride_;
    const double a_t = schedule_.alpha_bar(t);
    const double a_prev = schedule_.alpha_bar(t_prev);
    const auto x0 = predicted_original(sample, velocity, a_t);
    const double h = log_snr_half(a_prev) - log_snr_half(a_t);
    const double m1 = std::sqrt((1.0 - a_prev) / (1.0 - a_t)) * std::exp(-h);
    const double m2 = std::expm1(-2.0 * h) * std::sqrt(a_prev);
    const double sigma = std::sqrt(1.0 - a_prev) * std::sqrt(1.0 - std::exp(-2.0 * h));
    at::Tensor result = m1 * sample - m2 * x0 + sigma * noise_(sample);
    if (previous_x0_ && t_prev >= 0) {
      if (!previous_t) fail("dpm sampler: a second-order step needs the previous timestep");
      const double a_back = schedule_.alpha_bar(*previous_t);
      const double r = (log_snr_half(a_t) - log_snr_half(a_back)) / h;
      const double m3 = 1.0 + 1.0 / (2.0 * r);
      const double m4 = 1.0 / (2.0 * r);
      const auto denoised = m3 * x0 - m4 * *previous_x0_;
      result = m1 * sample - m2 * denoised + sigma * noise_(sample);
    }
    previous_x0_ = x0;
    return result;
  }

 private:
  NoiseSchedule schedule_;
  int stride_;
  NoiseSource noise_;
  std::optional<at::Tensor> previous_x0_;
};

}  // namespace

NoiseSource cpu_generator_noise(std::uint64_t seed) {
  auto generator = at::detail::createCPUGenerator(seed);
  return [generator](const at::Tensor& like) mutable {
    return at::randn(like.sizes(), generator, at::TensorOptions().dtype(like.scalar_type())).to(like.device());
  };
}

std::unique_ptr<Sampler> make_sampler(const SamplerOptions& options, NoiseSource noise) {
  if (options.steps < 1 || options.steps > options.schedule.train_timesteps) {
    fail("sampler: steps must be in [1, {}], got {}", options.schedule.train_timesteps, options.steps);
  }
  if (options.name == "ddim") return std::make_unique<DdimSampler>(options);
  if (options.name == "dpm") {
    if (!noise) fail("sampler 'dpm' needs a noise source");
    return std::make_unique<DpmSampler>(options, std::move(noise));
  }
  fail("unknown sampler '{}' (known: ddim, dpm)", options.name);
}

}  // namespace astraea::pipeline
