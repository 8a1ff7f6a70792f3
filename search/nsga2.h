// NSGA-II (Deb et al. 2002) over budget genomes: survivors by constrained non-domination rank,
// then crowding distance; parents by binary tournament (rank, then crowding, then a coin).
// Beyond ASTRAEA's paper: it gives true latency/quality Pareto fronts instead of one fitness.
#pragma once

#include "search/search.h"

namespace astraea::search {

class Nsga2 final : public Search {
 public:
  explicit Nsga2(SearchSettings settings);

 protected:
  std::vector<Member> survive(std::vector<Member> pool) const override;
  const Member& select_parent(RandomStream& rng) const override;
};

}  // namespace astraea::search
