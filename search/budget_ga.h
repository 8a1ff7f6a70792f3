// ASTRAEA's evolutionary budget search (METHODS.md 1.4): keep the top-K genomes by fitness
// (objective 0, lower is better), breed children from parents drawn uniformly from them with
// uniform or block crossover and decaying mutation, repair every child into the budget band.
#pragma once

#include "search/search.h"

namespace astraea::search {

class BudgetGa final : public Search {
 public:
  explicit BudgetGa(SearchSettings settings);

 protected:
  // Sorted by (infeasible last, fitness, NaN last), ties by (generation, index); keeps `parents`.
  std::vector<Member> survive(std::vector<Member> pool) const override;
  const Member& select_parent(RandomStream& rng) const override;
};

}  // namespace astraea::search
