// The `defaults:` list of one config file, parsed into entries.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

namespace astraea::config {

struct DefaultsEntry {
  enum class Type { kSelf, kGroup, kConfig };
  Type type = Type::kSelf;
  std::string name;                      // kGroup: group path; kConfig: config path
  std::optional<std::string> package;    // from group@package
  std::optional<std::string> option;     // kGroup: the chosen option; nullopt for `null`
  bool optional = false;                 // `optional group: x` is skipped if the file is absent
  bool is_override = false;              // `override group: x` changes a choice made elsewhere
};

// Parses `defaults`; the result always holds one kSelf entry (absent or null gives just that). `where` names the file in errors.
std::vector<DefaultsEntry> parse_defaults_list(const YAML::Node& defaults, const std::string& where);

}  // namespace astraea::config
