// Seed derivation. Child seeds are a pure function of (master seed, coordinates), so the order in
// which work finishes can never change a result.
#pragma once

#include <cstdint>
#include <initializer_list>

namespace astraea {

// SplitMix64 finaliser (Steele, Lea, Flood 2014): a bijective 64-bit mixer.
constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Seed for the item at `coordinates` (e.g. {generation, index}) under `master`.
constexpr std::uint64_t derive_seed(std::uint64_t master, std::initializer_list<std::uint64_t> coordinates) {
  std::uint64_t state = splitmix64(master);
  for (std::uint64_t c : coordinates) state = splitmix64(state ^ splitmix64(c + 0x632BE59BD9B4E019ULL));
  return state;
}

}  // namespace astraea
