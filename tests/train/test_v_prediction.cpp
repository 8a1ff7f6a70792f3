// The training objective against hand-worked values, and against the sampler it must match: a
// DDIM step fed the exact v lands exactly on the noised clip of the next timestep.
#include <ATen/ATen.h>

#include "pipeline/noise_schedule.h"
#include "pipeline/sampler.h"
#include "support/catch.h"
#include "train/v_prediction.h"

#include <cmath>

using namespace astraea;

TEST_CASE("v-prediction noises x0 and forms v from alpha_bar", "[train][v_prediction]") {
  const pipeline::NoiseSchedule schedule;
  const auto table = train::alpha_bar_table(schedule);
  REQUIRE(table.size(0) == 1000);
  const auto x0 = at::tensor({1.0f, -0.5f}).view({2, 1});
  const auto eps = at::tensor({2.0f, 0.25f}).view({2, 1});
  const auto t = at::tensor({int64_t{300}, int64_t{999}});
  const auto sample = train::v_prediction_sample(table, x0, eps, t);
  const double a = schedule.alpha_bar(300);
  CHECK(sample.noisy[0][0].item<double>() == Approx(std::sqrt(a) * 1.0 + std::sqrt(1 - a) * 2.0).epsilon(1e-6));
  CHECK(sample.target[0][0].item<double>() == Approx(std::sqrt(a) * 2.0 - std::sqrt(1 - a) * 1.0).epsilon(1e-6));
  // Zero terminal SNR: at t = 999 the sample is pure noise and v = -x0.
  CHECK(sample.noisy[1][0].item<double>() == Approx(0.25).margin(1e-7));
  CHECK(sample.target[1][0].item<double>() == Approx(0.5).margin(1e-7));
}

TEST_CASE("a DDIM step given the exact v moves x_t onto x_{t'} with the same noise", "[train][v_prediction]") {
  pipeline::SamplerOptions options;
  options.name = "ddim";
  options.steps = 4;  // trailing timesteps 999, 749, 499, 249
  options.schedule.snr_shift_scale = 1.0;
  const pipeline::NoiseSchedule schedule(options.schedule);
  const auto table = train::alpha_bar_table(schedule);
  auto generator = at::detail::createCPUGenerator(5);
  const auto x0 = at::rand({1, 2, 3, 4, 4}, generator) * 2 - 1;
  const auto eps = at::randn({1, 2, 3, 4, 4}, generator);
  auto sampler = pipeline::make_sampler(options, pipeline::cpu_generator_noise(0));
  const auto at_749 = train::v_prediction_sample(table, x0, eps, at::tensor({int64_t{749}}));
  const auto at_499 = train::v_prediction_sample(table, x0, eps, at::tensor({int64_t{499}}));
  const auto stepped = sampler->step(at_749.target, 749, std::nullopt, at_749.noisy);
  CHECK(at::allclose(stepped, at_499.noisy, 1e-5, 1e-5));
}
