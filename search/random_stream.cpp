#include "search/random_stream.h"

#include "core/error.h"
#include "core/rng.h"

namespace astraea::search {

namespace {
constexpr std::uint64_t kGoldenGamma = 0x9E3779B97F4A7C15ULL;
constexpr int kUnitBits = 53;
constexpr double kUnitScale = 1.0 / static_cast<double>(std::uint64_t{1} << kUnitBits);
}  // namespace

std::uint64_t RandomStream::next() {
  state_ += kGoldenGamma;
  // splitmix64 adds the gamma itself, so feed it the pre-increment state.
  return splitmix64(state_ - kGoldenGamma);
}

std::uint64_t RandomStream::below(std::uint64_t n) {
  if (n == 0) fail("RandomStream::below: the range is empty");
  // Rejection sampling: draws in the top partial copy of [0, n) would favour small values.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  std::uint64_t x = next();
  while (x >= limit) x = next();
  return x % n;
}

double RandomStream::unit() { return static_cast<double>(next() >> (64 - kUnitBits)) * kUnitScale; }

bool RandomStream::chance(double p) {
  if (p <= 0.0) return false;
  if (p >= 1.0) return true;
  return unit() < p;
}

}  // namespace astraea::search
