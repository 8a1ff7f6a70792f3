// Variation operators on budget genomes (one integer grid level per timestep, 0..L). Every
// operator keeps genes on the grid; none repairs the total budget, which search/repair.h does.
#pragma once

#include "search/random_stream.h"

#include <vector>

namespace astraea::search {

using Genome = std::vector<int>;

// Each gene uniform on 0..top.
Genome random_genome(std::size_t steps, int top, RandomStream& rng);

// Each gene from `a` or `b` with equal probability.
Genome uniform_crossover(const Genome& a, const Genome& b, RandomStream& rng);

// `a` with one contiguous run of genes [begin, end) taken from `b`; the run is non-empty and
// shorter than the genome when the genome has at least two genes.
Genome block_crossover(const Genome& a, const Genome& b, RandomStream& rng);

// Each gene is redrawn uniformly on 0..top, excluding its current level, with probability p.
void mutate_levels(Genome& genome, int top, double p, RandomStream& rng);

// Mutation probability at `generation` of `generations` (1-based children generations): decays
// geometrically from `start` (first) to `end` (last). METHODS.md gives the end points, not the
// shape; geometric decay spends equal numbers of generations per factor of ten.
double decayed_mutation_probability(int generation, int generations, double start, double end);

}  // namespace astraea::search
