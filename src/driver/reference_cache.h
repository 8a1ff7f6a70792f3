// Dense references. A non-dense trial's fidelity is measured against the dense output of the same
// (model, prompts, seeds, sampler, shape, dtype, device): generated once per database, kept as a
// COMPLETE trial of the study "_references" whose key hashes the config without its study, method
// and search sections plus the code version, with its latents (and frames) as artifacts under
// <database directory>/references/. Sweeps never regenerate a reference, and concurrent workers
// wait for the one being generated instead of generating it twice.
#pragma once

#include "results/store.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>

namespace astraea::driver {

inline constexpr const char* kReferenceStudy = "_references";

struct ReferenceOutputs {
  std::int64_t trial_id = 0;
  // Keyed by (prompt index, seed).
  std::map<std::pair<std::int64_t, std::int64_t>, std::filesystem::path> latents;
  std::map<std::pair<std::int64_t, std::int64_t>, std::filesystem::path> frames;
};

// The dense reference of the trial whose resolved config is `trial_config_yaml`, generating it
// (as `worker`) if no process has yet. Throws if the reference generation failed.
ReferenceOutputs dense_reference(results::Store& store, const std::string& trial_config_yaml, const std::string& worker);

}  // namespace astraea::driver
