// Budget repair against hand-worked apportionments, properties on random genomes (in range, on
// the grid, idempotent), and an exhaustive reference: over every genome with the wanted total, the
// one nearest (squared distance) to the capped proportional quotas, computed here independently.
#include "core/error.h"
#include "search/repair.h"
#include "support/catch.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

using astraea::Error;
using astraea::search::admissible_totals;
using astraea::search::apportion;
using astraea::search::BudgetTarget;
using astraea::search::grid_level_count;
using astraea::search::mean_budget;
using astraea::search::repair_budget;
using astraea::search::TotalRange;

namespace {

using Genome = std::vector<int>;

constexpr double kMeanSlack = 1e-9;  // float slack when checking a mean against the band

std::int64_t sum_of(const Genome& genome) { return std::accumulate(genome.begin(), genome.end(), std::int64_t{0}); }

// Admissible totals by scanning every total 0..steps*L and testing its mean against the band.
std::vector<std::int64_t> scan_admissible(std::size_t steps, int top, double target, double tolerance) {
  const double low = std::max(0.0, (1.0 - tolerance) * target);
  const double high = std::min(1.0, (1.0 + tolerance) * target);
  const auto units = static_cast<std::int64_t>(steps) * top;
  std::vector<std::int64_t> totals;
  for (std::int64_t s = 0; s <= units; ++s) {
    const double mean = static_cast<double>(s) / static_cast<double>(units);
    if (mean >= low - kMeanSlack && mean <= high + kMeanSlack) totals.push_back(s);
  }
  return totals;
}

// Capped proportional quotas as numerator[i] / denominator: q_i = min(cap, lambda * w_i) with
// sum q_i = total. Tries "the k heaviest entries sit at the cap" for k = 0, 1, ... and keeps the
// first consistent k. If even all positive entries at the cap fall short, the zero-weight entries
// share the rest equally.
struct Quotas {
  std::vector<std::int64_t> numerator;
  std::int64_t denominator = 1;
};

Quotas capped_quotas(const Genome& weights, std::int64_t total, std::int64_t cap) {
  const std::size_t n = weights.size();
  const auto positive = static_cast<std::int64_t>(std::count_if(weights.begin(), weights.end(), [](int w) { return w > 0; }));
  Quotas q;
  if (total > cap * positive) {
    q.denominator = static_cast<std::int64_t>(n) - positive;
    for (int w : weights) q.numerator.push_back(w > 0 ? cap * q.denominator : total - cap * positive);
    return q;
  }
  std::vector<std::size_t> heaviest(n);
  std::iota(heaviest.begin(), heaviest.end(), std::size_t{0});
  std::stable_sort(heaviest.begin(), heaviest.end(), [&](std::size_t a, std::size_t b) { return weights[a] > weights[b]; });
  for (std::int64_t k = 0; k <= positive; ++k) {
    std::vector<bool> at_cap(n, false);
    for (std::int64_t j = 0; j < k; ++j) at_cap[heaviest[static_cast<std::size_t>(j)]] = true;
    const std::int64_t rest = total - cap * k;
    std::int64_t rest_weight = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (!at_cap[i]) rest_weight += weights[i];
    }
    if (rest < 0) continue;
    const std::int64_t denominator = rest_weight == 0 ? 1 : rest_weight;
    if (rest_weight == 0 && rest != 0) continue;
    bool consistent = true;
    for (std::size_t i = 0; i < n; ++i) {
      const std::int64_t share = weights[i] * rest;  // over `denominator`
      consistent = consistent && (at_cap[i] ? share >= cap * denominator : share <= cap * denominator);
    }
    if (!consistent) continue;
    q.denominator = denominator;
    for (std::size_t i = 0; i < n; ++i) q.numerator.push_back(at_cap[i] ? cap * denominator : weights[i] * rest);
    return q;
  }
  FAIL("no consistent saturation level");
  return q;
}

// Every genome over 0..cap with the given total, in lexicographic order; keeps the one with the
// least squared distance to the quotas, the lexicographically largest among equals.
Genome exhaustive_nearest(const Quotas& q, std::size_t steps, std::int64_t total, int cap) {
  Genome current(steps, 0);
  Genome best;
  std::int64_t best_cost = -1;
  for (;;) {
    if (sum_of(current) == total) {
      std::int64_t cost = 0;
      for (std::size_t i = 0; i < steps; ++i) {
        const std::int64_t gap = current[i] * q.denominator - q.numerator[i];
        cost += gap * gap;
      }
      if (best_cost < 0 || cost <= best_cost) {
        best_cost = cost;
        best = current;
      }
    }
    std::size_t i = steps;
    while (i > 0 && current[i - 1] == cap) current[--i] = 0;
    if (i == 0) break;
    ++current[i - 1];
  }
  return best;
}

Genome random_genome(std::mt19937_64& rng, std::size_t steps, int top) {
  std::uniform_int_distribution<int> level(0, top);
  std::uniform_int_distribution<int> shape(0, 3);
  const int kind = shape(rng);  // 0: uniform, 1: mostly zero, 2: mostly full, 3: all zero
  Genome genome(steps);
  for (auto& g : genome) {
    const int drawn = level(rng);
    g = kind == 0 ? drawn : kind == 1 ? (drawn % 3 == 0 ? drawn : 0) : kind == 2 ? std::max(drawn, top - 1) : 0;
  }
  return genome;
}

}  // namespace

TEST_CASE("grid levels", "[search][repair]") {
  CHECK(grid_level_count(0.1) == 10);
  CHECK(grid_level_count(0.05) == 20);
  CHECK(grid_level_count(0.25) == 4);
  CHECK(grid_level_count(1.0) == 1);
  CHECK(grid_level_count(1.0 / 3.0) == 3);
  CHECK_THROWS_AS(grid_level_count(0.3), Error);
  CHECK_THROWS_AS(grid_level_count(0.0), Error);
  CHECK_THROWS_AS(grid_level_count(-0.1), Error);
  CHECK_THROWS_AS(grid_level_count(1.5), Error);
  CHECK_THROWS_AS(grid_level_count(std::numeric_limits<double>::quiet_NaN()), Error);
  CHECK(mean_budget(Genome{10, 5, 0, 1}, 0.1) == Approx(0.4));
  CHECK_THROWS_AS(mean_budget(Genome{}, 0.1), Error);
}

TEST_CASE("apportion by largest remainder", "[search][repair]") {
  // Shares of 2 over three equal weights: 2/3 each; floors 0, two units to the lowest indices.
  CHECK(apportion(std::vector<std::int64_t>{1, 1, 1}, 2, 5) == std::vector<std::int64_t>{1, 1, 0});
  // 7 over weights 5:3:2 = 3.5, 2.1, 1.4: floors 3+2+1 = 6, the unit goes to .5 (index 0).
  CHECK(apportion(std::vector<std::int64_t>{5, 3, 2}, 7, 10) == std::vector<std::int64_t>{4, 2, 1});
  // 5 over weights 1:0 with cap 3: entry 0 would take 5, is capped at 3; only the zero-weight entry
  // is left, so it takes the remaining 2.
  CHECK(apportion(std::vector<std::int64_t>{1, 0}, 5, 3) == std::vector<std::int64_t>{3, 2});
  // 8 over 6:1:1 with cap 4: 6 -> 4 (capped), then 4 over 1:1 = 2, 2.
  CHECK(apportion(std::vector<std::int64_t>{6, 1, 1}, 8, 4) == std::vector<std::int64_t>{4, 2, 2});
  CHECK(apportion(std::vector<std::int64_t>{}, 0, 3).empty());
  CHECK_THROWS_AS(apportion(std::vector<std::int64_t>{1, 1}, 7, 3), Error);
  CHECK_THROWS_AS(apportion(std::vector<std::int64_t>{-1, 1}, 1, 3), Error);
  CHECK_THROWS_AS(apportion(std::vector<std::int64_t>{1, 1}, -1, 3), Error);
}

TEST_CASE("repair of hand-worked genomes", "[search][repair]") {
  const BudgetTarget half{0.1, 0.5, 0.1};
  SECTION("scale down to the upper bound") {
    // Band [0.45, 0.55] over 4 steps of 10 levels: totals 18..22. Total 40 -> 22: ideal 10*22/40
    // = 5.5 each; floors 5*4 = 20; the 2 units left go to indices 0 and 1 (equal parts).
    const Genome repaired = repair_budget(Genome{10, 10, 10, 10}, half);
    CHECK(repaired == Genome{6, 6, 5, 5});
    CHECK(sum_of(repaired) == 22);  // mean 22/40 = 0.55, the upper edge
    CHECK(admissible_totals(4, half).lowest == 18);
    CHECK(admissible_totals(4, half).highest == 22);
  }
  SECTION("scale down with unequal remainders") {
    // Target 0.2 +-10% over 3 steps: totals in [5.4, 6.6] -> 6. Total 12 -> 6: ideals 3*6/12 = 1.5,
    // 7*6/12 = 3.5, 2*6/12 = 1; floors 1+3+1 = 5; one unit, parts .5, .5, 0 -> index 0.
    CHECK(repair_budget(Genome{3, 7, 2}, BudgetTarget{0.1, 0.2, 0.1}) == Genome{2, 3, 1});
  }
  SECTION("scale up with saturation") {
    // Target 0.8 +-10% over 4 steps: [28.8, 35.2] -> 29..35. Total 16 -> 29: 10*29/16 > 10, capped;
    // 19 left over 5:0:1 -> 5*19/6 > 10, capped; 9 left over 0:1 -> 0 and 9.
    CHECK(repair_budget(Genome{10, 5, 0, 1}, BudgetTarget{0.1, 0.8, 0.1}) == Genome{10, 10, 0, 9});
  }
  SECTION("an all-zero genome is spread evenly") {
    // Band [13.5, 16.5] over 3 steps -> 14..16; 0 -> 14: 14/3 each, floors 4*3 = 12, two units to
    // indices 0 and 1.
    CHECK(repair_budget(Genome{0, 0, 0}, half) == Genome{5, 5, 4});
  }
  SECTION("in-range genomes are unchanged, edges included") {
    CHECK(repair_budget(Genome{5, 4, 6, 5}, half) == Genome{5, 4, 6, 5});
    CHECK(repair_budget(Genome{4, 5, 5, 4}, half) == Genome{4, 5, 5, 4});  // 18/40 = 0.45
    CHECK(repair_budget(Genome{6, 6, 5, 5}, half) == Genome{6, 6, 5, 5});  // 22/40 = 0.55
  }
  SECTION("a band with no grid total takes the nearest total") {
    // One step of 10 levels, target 0.33 +-1%: [3.267, 3.333] holds no integer; 3 is 0.267 below,
    // 4 is 0.667 above -> 3.
    const BudgetTarget narrow{0.1, 0.33, 0.01};
    const TotalRange range = admissible_totals(1, narrow);
    CHECK_FALSE(range.feasible);
    CHECK(range.lowest == 3);
    CHECK(range.highest == 3);
    CHECK(repair_budget(Genome{7}, narrow) == Genome{3});
    CHECK(repair_budget(Genome{0}, narrow) == Genome{3});
    // Target 0.25 exactly, no tolerance: 2.5 is equally far from 2 and 3 -> the lower, 2.
    CHECK(repair_budget(Genome{9}, BudgetTarget{0.1, 0.25, 0.0}) == Genome{2});
  }
  SECTION("bands are clamped to [0, 1]") {
    // Target 0.95 +-10%: [0.855, 1.045] -> [0.855, 1]; 2 steps: [17.1, 20] -> 18..20.
    const TotalRange range = admissible_totals(2, BudgetTarget{0.1, 0.95, 0.1});
    CHECK(range.lowest == 18);
    CHECK(range.highest == 20);
    CHECK(repair_budget(Genome{0, 0}, BudgetTarget{0.1, 0.0, 0.1}) == Genome{0, 0});
    CHECK(repair_budget(Genome{3, 1}, BudgetTarget{0.1, 0.0, 0.1}) == Genome{0, 0});
  }
  SECTION("bad input") {
    CHECK_THROWS_AS(repair_budget(Genome{}, half), Error);
    CHECK_THROWS_AS(repair_budget(Genome{11}, half), Error);
    CHECK_THROWS_AS(repair_budget(Genome{-1}, half), Error);
    CHECK_THROWS_AS(repair_budget(Genome{1}, BudgetTarget{0.1, 1.5, 0.1}), Error);
    CHECK_THROWS_AS(repair_budget(Genome{1}, BudgetTarget{0.1, 0.5, -0.1}), Error);
    CHECK_THROWS_AS(repair_budget(Genome{1}, BudgetTarget{0.3, 0.5, 0.1}), Error);
  }
}

TEST_CASE("repair properties on 10,000 random genomes", "[search][repair]") {
  std::mt19937_64 rng(1234567);
  const std::vector<double> steps_grid{0.1, 0.05, 0.25, 0.2, 0.5, 1.0};
  const std::vector<double> tolerances{0.0, 0.05, 0.1, 0.3, 1.5};
  const std::vector<std::size_t> lengths{1, 3, 17, 31, 257};
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  constexpr int kGenomes = 10000;
  for (int trial = 0; trial < kGenomes; ++trial) {
    const double step = steps_grid[rng() % steps_grid.size()];
    const double tolerance = tolerances[rng() % tolerances.size()];
    const std::size_t length = lengths[rng() % lengths.size()];
    const BudgetTarget target{step, unit(rng), tolerance};
    const int top = grid_level_count(step);
    const Genome genome = random_genome(rng, length, top);
    INFO("trial " << trial << " step " << step << " target " << target.target << " tol " << tolerance
                  << " length " << length);

    const auto admissible = scan_admissible(length, top, target.target, tolerance);
    const TotalRange range = admissible_totals(length, target);
    REQUIRE(range.feasible == !admissible.empty());
    if (range.feasible) {
      REQUIRE(range.lowest == admissible.front());
      REQUIRE(range.highest == admissible.back());
      REQUIRE(static_cast<std::size_t>(range.highest - range.lowest + 1) == admissible.size());
    }

    const Genome repaired = repair_budget(genome, target);
    REQUIRE(repaired.size() == genome.size());
    for (int level : repaired) REQUIRE((level >= 0 && level <= top));
    const std::int64_t before = sum_of(genome);
    const std::int64_t after = sum_of(repaired);
    REQUIRE(after >= range.lowest);
    REQUIRE(after <= range.highest);
    if (range.feasible) {
      const double mean = mean_budget(repaired, step);
      CHECK(mean >= std::max(0.0, (1.0 - tolerance) * target.target) - kMeanSlack);
      CHECK(mean <= std::min(1.0, (1.0 + tolerance) * target.target) + kMeanSlack);
    }
    if (before >= range.lowest && before <= range.highest) {
      REQUIRE(repaired == genome);
    } else {
      REQUIRE(after == (before < range.lowest ? range.lowest : range.highest));  // the nearest bound
    }
    REQUIRE(repair_budget(repaired, target) == repaired);
  }
}

TEST_CASE("repair matches an exhaustive nearest-genome search", "[search][repair]") {
  std::mt19937_64 rng(99991);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  struct Shape {
    std::size_t steps;
    double grid_step;
  };
  constexpr int kPerShape = 150;
  for (const Shape shape : {Shape{3, 0.1}, Shape{5, 0.25}}) {
    const int top = grid_level_count(shape.grid_step);
    for (int trial = 0; trial < kPerShape; ++trial) {
      const BudgetTarget target{shape.grid_step, unit(rng), 0.1};
      const Genome genome = random_genome(rng, shape.steps, top);
      const auto admissible = scan_admissible(shape.steps, top, target.target, target.tolerance);
      if (admissible.empty()) continue;
      const std::int64_t before = sum_of(genome);
      const std::int64_t wanted = std::clamp(before, admissible.front(), admissible.back());
      INFO("steps " << shape.steps << " trial " << trial << " target " << target.target);
      const Quotas quotas = capped_quotas(genome, wanted, top);
      CHECK(repair_budget(genome, target) == exhaustive_nearest(quotas, shape.steps, wanted, top));
    }
  }
}
