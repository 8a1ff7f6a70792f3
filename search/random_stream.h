// A portable pseudo-random stream for the search. std::*_distribution differ between standard
// libraries, so every draw here is defined in this file: the same seed gives the same genomes on
// every platform, which is what makes a resumed search end where an uninterrupted one ends.
#pragma once

#include <cstdint>

namespace astraea::search {

class RandomStream {
 public:
  explicit RandomStream(std::uint64_t seed) : state_(seed) {}

  // The next 64 random bits (SplitMix64's sequence).
  std::uint64_t next();
  // Uniform on [0, n), without modulo bias; n must be positive.
  std::uint64_t below(std::uint64_t n);
  // Uniform on [0, 1), 53 bits.
  double unit();
  // True with probability p (p <= 0: never; p >= 1: always).
  bool chance(double p);

 private:
  std::uint64_t state_;
};

}  // namespace astraea::search
