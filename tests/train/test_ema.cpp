// The EMA against hand-worked averages, including the decay's warm-up.
#include <ATen/ATen.h>

#include "support/catch.h"
#include "train/ema.h"

using namespace astraea;

TEST_CASE("the EMA warms its decay up and averages in place", "[train][ema]") {
  auto p = at::tensor({0.0f, 10.0f});
  train::NamedTensors params{{"w", p}};
  train::ExponentialMovingAverage ema(params, 0.9);
  CHECK(ema.decay_at(0) == Approx(0.1));        // (1 + 0) / (10 + 0)
  CHECK(ema.decay_at(80) == Approx(0.9));       // min(0.9, 81 / 90)
  p.fill_(1.0f);
  CHECK(ema.update(params) == Approx(0.1));
  // 0.1 * [0, 10] + 0.9 * [1, 1]
  CHECK(ema.averages()[0].second[0].item<float>() == Approx(0.9f));
  CHECK(ema.averages()[0].second[1].item<float>() == Approx(1.9f));
  p.fill_(2.0f);
  CHECK(ema.update(params) == Approx(2.0 / 11.0));
  const double d = 2.0 / 11.0;
  CHECK(ema.averages()[0].second[0].item<float>() == Approx(d * 0.9 + (1 - d) * 2.0));
  CHECK(ema.updates() == 2);
  // The parameter itself is untouched, and the average is not an alias of it.
  CHECK(p[0].item<float>() == 2.0f);
}

TEST_CASE("loading averages checks names and shapes", "[train][ema]") {
  train::NamedTensors params{{"w", at::zeros({2})}};
  train::ExponentialMovingAverage ema(params, 0.99);
  ema.load({{"w", at::ones({2})}});
  CHECK(ema.averages()[0].second.sum().item<float>() == 2.0f);
  CHECK_THROWS_WITH(ema.load({{"v", at::ones({2})}}), Catch::Contains("no average for 'w'"));
  CHECK_THROWS_WITH(ema.load({{"w", at::ones({3})}}), Catch::Contains("'w' has shape"));
}
