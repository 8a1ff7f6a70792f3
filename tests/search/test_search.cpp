// The ask/tell searches. References: hand-worked survivor sets, brute-force front peeling over the
// whole pool, the budget band checked directly on every candidate, and an uninterrupted run that
// a stop-and-restore run must reproduce exactly.
#include "core/error.h"
#include "search/pareto.h"
#include "search/repair.h"
#include "search/search.h"
#include "support/catch.h"

#include <cmath>
#include <numeric>
#include <set>
#include <string>
#include <vector>

using astraea::Error;
using astraea::search::Candidate;
using astraea::search::dominates;
using astraea::search::Evaluation;
using astraea::search::make_search;
using astraea::search::mean_budget;
using astraea::search::restore_search;
using astraea::search::Search;
using astraea::search::SearchSettings;

namespace {

SearchSettings small_settings(const std::string& algorithm) {
  SearchSettings s;
  s.algorithm = algorithm;
  s.steps = 12;
  s.parents = 10;
  s.children = 6;
  s.generations = 8;
  s.budget = {0.1, 0.5, 0.1};
  s.seed = 42;
  s.objectives = algorithm == "ga" ? 1 : 2;
  return s;
}

// A fitness with a known optimum under the budget: early steps matter more (weights fall with the
// step), so the best schedule spends the budget first.
double fitness_of(const std::vector<int>& genome) {
  double f = 0;
  for (std::size_t i = 0; i < genome.size(); ++i) f += (genome.size() - i) * std::pow(1.0 - genome[i] / 10.0, 2);
  return f;
}

// Two conflicting objectives: "latency" grows with late-step budget, "error" with early-step cuts.
std::vector<double> two_objectives(const std::vector<int>& genome) {
  double latency = 0;
  for (std::size_t i = 0; i < genome.size(); ++i) latency += (1.0 + i) * genome[i];
  return {latency, fitness_of(genome)};
}

std::vector<Evaluation> evaluate(const std::vector<Candidate>& candidates, int objectives) {
  std::vector<Evaluation> out;
  for (const auto& c : candidates) {
    out.push_back({objectives == 1 ? std::vector<double>{fitness_of(c.genome)} : two_objectives(c.genome), 0.0});
  }
  return out;
}

void run_to_end(Search& search) {
  while (!search.finished()) search.tell(evaluate(search.ask(), search.settings().objectives));
}

}  // namespace

TEST_CASE("every asked genome is on the grid and inside the budget band", "[search][ga]") {
  for (const std::string algorithm : {"ga", "nsga2"}) {
    auto search = make_search(small_settings(algorithm));
    while (!search->finished()) {
      const auto& asked = search->ask();
      REQUIRE(asked.size() == static_cast<std::size_t>(search->generation() == 0 ? 10 : 6));
      for (const auto& c : asked) {
        REQUIRE(c.generation == search->generation());
        REQUIRE(c.genome.size() == 12);
        for (int g : c.genome) REQUIRE((g >= 0 && g <= 10));
        const double mean = mean_budget(c.genome, 0.1);
        REQUIRE(mean >= 0.45 - 1e-9);
        REQUIRE(mean <= 0.55 + 1e-9);
      }
      search->tell(evaluate(asked, search->settings().objectives));
    }
  }
}

TEST_CASE("the initial population holds the uniform schedule at the target budget", "[search][ga]") {
  auto search = make_search(small_settings("ga"));
  CHECK(search->ask().front().genome == std::vector<int>(12, 5));
}

TEST_CASE("GA keeps the top-K by fitness, oldest first among ties, and never gets worse", "[search][ga]") {
  auto search = make_search(small_settings("ga"));
  double best = INFINITY;
  std::vector<Evaluation> everything;
  while (!search->finished()) {
    const auto asked = search->ask();
    const auto evaluations = evaluate(asked, 1);
    const auto before = search->population();
    search->tell(evaluations);
    // Reference: sort the pool (old survivors, then the new candidates) by fitness by hand.
    std::vector<double> pool;
    for (const auto& m : before) pool.push_back(m.evaluation.objectives[0]);
    for (const auto& e : evaluations) pool.push_back(e.objectives[0]);
    std::sort(pool.begin(), pool.end());
    const auto& after = search->population();
    REQUIRE(after.size() == 10);
    for (std::size_t i = 0; i < after.size(); ++i) REQUIRE(after[i].evaluation.objectives[0] == pool[i]);
    REQUIRE(after.front().evaluation.objectives[0] <= best);
    best = after.front().evaluation.objectives[0];
  }
  // The search improves on the uniform schedule it started from.
  CHECK(best < fitness_of(std::vector<int>(12, 5)));
}

TEST_CASE("failed evaluations (NaN) never survive ahead of finite ones", "[search][ga]") {
  auto search = make_search(small_settings("ga"));
  auto evaluations = evaluate(search->ask(), 1);
  for (std::size_t i = 0; i < evaluations.size(); i += 2) evaluations[i].objectives[0] = std::nan("");
  search->tell(evaluations);
  const auto& population = search->population();
  bool seen_nan = false;
  for (const auto& m : population) {
    const bool nan = std::isnan(m.evaluation.objectives[0]);
    REQUIRE(!(seen_nan && !nan));
    seen_nan = seen_nan || nan;
  }
}

TEST_CASE("NSGA-II survivors: rank-0 members are exactly the pool's non-dominated ones", "[search][nsga2]") {
  auto search = make_search(small_settings("nsga2"));
  while (!search->finished()) {
    const auto before = search->population();
    const auto asked = search->ask();
    const auto evaluations = evaluate(asked, 2);
    search->tell(evaluations);
    std::vector<std::vector<double>> pool;
    for (const auto& m : before) pool.push_back(m.evaluation.objectives);
    for (const auto& e : evaluations) pool.push_back(e.objectives);
    // Brute force: the pool's non-dominated objective vectors.
    std::multiset<std::vector<double>> front;
    for (const auto& a : pool) {
      bool dominated = false;
      for (const auto& b : pool) dominated = dominated || dominates(b, a);
      if (!dominated) front.insert(a);
    }
    std::multiset<std::vector<double>> rank0;
    for (const auto& m : search->population()) {
      if (m.rank == 0) rank0.insert(m.evaluation.objectives);
    }
    if (front.size() <= 10) {
      REQUIRE(rank0 == front);
    } else {
      REQUIRE(rank0.size() == 10);  // the front alone overfills the population: crowding picks
    }
    // Ranks never decrease down the population.
    const auto& population = search->population();
    for (std::size_t i = 1; i < population.size(); ++i) REQUIRE(population[i - 1].rank <= population[i].rank);
  }
}

TEST_CASE("a search stopped after any generation and restored ends exactly where an uninterrupted one ends", "[search][resume]") {
  for (const std::string algorithm : {"ga", "nsga2"}) {
    const auto settings = small_settings(algorithm);
    auto reference = make_search(settings);
    run_to_end(*reference);
    for (int stop = 0; stop <= settings.generations; ++stop) {
      auto first = make_search(settings);
      for (int g = 0; g < stop; ++g) first->tell(evaluate(first->ask(), settings.objectives));
      auto resumed = restore_search(settings, first->state());
      REQUIRE(resumed->generation() == stop);
      run_to_end(*resumed);
      REQUIRE(resumed->state() == reference->state());
    }
  }
}

TEST_CASE("seeds: the same seed repeats, another seed differs", "[search][resume]") {
  auto a = make_search(small_settings("ga"));
  auto b = make_search(small_settings("ga"));
  auto other_settings = small_settings("ga");
  other_settings.seed = 43;
  auto c = make_search(other_settings);
  run_to_end(*a);
  run_to_end(*b);
  run_to_end(*c);
  CHECK(a->state() == b->state());
  CHECK(a->state() != c->state());
}

TEST_CASE("misuse is refused with a reason", "[search][errors]") {
  auto search = make_search(small_settings("ga"));
  CHECK_THROWS_WITH(search->tell({}), Catch::Contains("asked for 10 evaluations, got 0"));
  auto changed = small_settings("ga");
  changed.parents = 11;
  CHECK_THROWS_WITH(restore_search(changed, search->state()), Catch::Contains("parents=10"));
  CHECK_THROWS_WITH(restore_search(small_settings("ga"), "{nope"), Catch::Contains("not a JSON object"));
  auto unknown = small_settings("ga");
  unknown.algorithm = "cmaes";
  CHECK_THROWS_WITH(make_search(unknown), Catch::Contains("unknown 'cmaes'"));
  auto nsga_one = small_settings("nsga2");
  nsga_one.objectives = 1;
  CHECK_THROWS_WITH(make_search(nsga_one), Catch::Contains("at least two objectives"));
}
