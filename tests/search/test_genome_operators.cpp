// Variation operators: every child stays on the grid and takes each gene from a parent (or, for
// mutation, moves exactly the genes it reports); the portable stream's draws are unbiased and
// reproducible (a chi-square test against the uniform distribution, and fixed SplitMix64 values
// from its published reference sequence).
#include "search/genome_operators.h"
#include "search/random_stream.h"
#include "support/catch.h"

#include <cmath>
#include <vector>

using astraea::search::block_crossover;
using astraea::search::decayed_mutation_probability;
using astraea::search::Genome;
using astraea::search::mutate_levels;
using astraea::search::random_genome;
using astraea::search::RandomStream;
using astraea::search::uniform_crossover;

TEST_CASE("the stream is SplitMix64", "[search][operators]") {
  // First outputs of SplitMix64 seeded with 1234567 (Vigna's reference implementation).
  RandomStream rng(1234567);
  CHECK(rng.next() == 6457827717110365317ULL);
  CHECK(rng.next() == 3203168211198807973ULL);
  CHECK(rng.next() == 9817491932198370423ULL);
}

TEST_CASE("below() is uniform (chi-square, 9 degrees of freedom)", "[search][operators]") {
  RandomStream rng(7);
  constexpr int kBins = 10;
  constexpr int kDraws = 100000;
  std::vector<int> counts(kBins);
  for (int i = 0; i < kDraws; ++i) ++counts[rng.below(kBins)];
  double chi2 = 0;
  for (int c : counts) chi2 += std::pow(c - kDraws / kBins, 2) / (kDraws / kBins);
  CHECK(chi2 < 27.88);  // the 0.999 quantile of chi-square(9)
}

TEST_CASE("operators keep genomes on the grid and take genes from the parents", "[search][operators]") {
  RandomStream rng(99);
  for (int trial = 0; trial < 2000; ++trial) {
    const int top = 1 + static_cast<int>(rng.below(20));
    const std::size_t n = 1 + rng.below(60);
    const Genome a = random_genome(n, top, rng);
    const Genome b = random_genome(n, top, rng);
    for (const auto& child : {uniform_crossover(a, b, rng), block_crossover(a, b, rng)}) {
      REQUIRE(child.size() == n);
      for (std::size_t i = 0; i < n; ++i) REQUIRE((child[i] == a[i] || child[i] == b[i]));
    }
    // Block crossover copies one contiguous run from b.
    const Genome block = block_crossover(a, b, rng);
    std::size_t first = n, last = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (block[i] != a[i]) {
        first = std::min(first, i);
        last = i;
      }
    }
    for (std::size_t i = first; i <= last && first < n; ++i) REQUIRE(block[i] == b[i]);

    Genome mutated = a;
    mutate_levels(mutated, top, 0.3, rng);
    for (int gene : mutated) REQUIRE((gene >= 0 && gene <= top));
  }
}

TEST_CASE("mutation with p = 1 moves every gene, with p = 0 none", "[search][operators]") {
  RandomStream rng(5);
  const Genome original{0, 3, 10, 7, 5};
  Genome all = original;
  mutate_levels(all, 10, 1.0, rng);
  for (std::size_t i = 0; i < all.size(); ++i) CHECK(all[i] != original[i]);
  Genome none = original;
  mutate_levels(none, 10, 0.0, rng);
  CHECK(none == original);
}

TEST_CASE("mutation probability decays geometrically from start to end", "[search][operators]") {
  CHECK(decayed_mutation_probability(1, 30, 0.1, 0.01) == Approx(0.1));
  CHECK(decayed_mutation_probability(30, 30, 0.1, 0.01) == Approx(0.01));
  // Halfway in the exponent: the geometric mean of the end points.
  CHECK(decayed_mutation_probability(15, 29, 0.1, 0.01) == Approx(std::sqrt(0.1 * 0.01)));
  CHECK(decayed_mutation_probability(1, 1, 0.1, 0.01) == Approx(0.1));
  CHECK_THROWS(decayed_mutation_probability(1, 30, 0.0, 0.01));
}
