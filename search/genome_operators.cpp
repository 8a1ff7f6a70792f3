#include "search/genome_operators.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>

namespace astraea::search {
namespace {

void check_same_length(const Genome& a, const Genome& b, const char* op) {
  if (a.size() != b.size()) fail("{}: parents have {} and {} genes", op, a.size(), b.size());
}

}  // namespace

Genome random_genome(std::size_t steps, int top, RandomStream& rng) {
  if (top < 1) fail("random_genome: the grid needs at least two levels, got top level {}", top);
  Genome genome(steps);
  for (auto& gene : genome) gene = static_cast<int>(rng.below(static_cast<std::uint64_t>(top) + 1));
  return genome;
}

Genome uniform_crossover(const Genome& a, const Genome& b, RandomStream& rng) {
  check_same_length(a, b, "uniform_crossover");
  Genome child(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) child[i] = rng.chance(0.5) ? b[i] : a[i];
  return child;
}

Genome block_crossover(const Genome& a, const Genome& b, RandomStream& rng) {
  check_same_length(a, b, "block_crossover");
  Genome child = a;
  const std::size_t n = a.size();
  if (n < 2) return rng.chance(0.5) ? b : a;
  const std::size_t length = 1 + rng.below(n - 1);  // 1..n-1
  const std::size_t begin = rng.below(n - length + 1);
  for (std::size_t i = begin; i < begin + length; ++i) child[i] = b[i];
  return child;
}

void mutate_levels(Genome& genome, int top, double p, RandomStream& rng) {
  if (top < 1) fail("mutate_levels: the grid needs at least two levels, got top level {}", top);
  for (auto& gene : genome) {
    if (!rng.chance(p)) continue;
    // Draw among the other `top` levels.
    const int draw = static_cast<int>(rng.below(static_cast<std::uint64_t>(top)));
    gene = draw >= gene ? draw + 1 : draw;
  }
}

double decayed_mutation_probability(int generation, int generations, double start, double end) {
  if (!(start > 0.0 && start <= 1.0 && end > 0.0 && end <= 1.0)) {
    fail("mutation probability: start {} and end {} must lie in (0, 1]", start, end);
  }
  if (generations <= 1) return start;
  const double t = static_cast<double>(std::clamp(generation, 1, generations) - 1) / static_cast<double>(generations - 1);
  return start * std::pow(end / start, t);
}

}  // namespace astraea::search
