// OmegaConf-style interpolation over a composed tree:
//   ${a.b}  absolute      ${.x}  sibling      ${..x}  in the parent
//   ${oc.env:VAR}  ${oc.env:VAR,default}  ${now:%Y-%m-%d}
//   "??? " marks a mandatory value; reading it through an interpolation is an error.
// A value that is exactly one interpolation takes the referenced node (type and all); otherwise
// the pieces are joined as text. Cycles are detected and reported with the chain of keys.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <string>

namespace astraea::config {

inline constexpr const char* kMandatoryMarker = "???";

struct InterpolationContext {
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();  // one instant per run
};

// Returns a resolved deep copy. Throws astraea::Error (kConfig) naming the key being resolved.
YAML::Node resolve_interpolations(const YAML::Node& root, const InterpolationContext& context = {});

// True if the scalar text contains an unescaped "${".
bool has_interpolation(const std::string& text);

}  // namespace astraea::config
