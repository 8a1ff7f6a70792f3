// Hydra-style composition: a primary config with a defaults list, config groups under the config
// root, command-line overrides, then interpolation. The result is a plain YAML tree plus where
// every key came from, so that typed decoding can name the file behind a bad value.
#pragma once

#include "config/override.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace astraea::config {

// Where each leaf key was last set: "experiments/method/rainfusion.yaml" or "override 'a=1'".
class Provenance {
 public:
  void record(const std::string& path, const std::string& source) { sources_[path] = source; }
  void erase_prefix(const std::string& path);
  // The source of `path` or of its nearest ancestor/descendant that has one; "" if unknown.
  std::string source_of(const std::string& path) const;

 private:
  std::map<std::string, std::string> sources_;
};

struct ComposeRequest {
  std::filesystem::path config_root;    // holds the groups: model/, method/, ...
  std::string config_name;              // primary config, relative to the root, without .yaml
  std::vector<Override> overrides;      // no sweeps: expand them first
};

struct ComposedConfig {
  YAML::Node root;                               // resolved: interpolations done
  Provenance provenance;
  std::map<std::string, std::string> choices;    // group -> chosen option ("" for null)
  std::vector<std::string> override_texts;       // as given, for overrides.yaml
};

// Composes and resolves. Throws astraea::Error (kConfig) naming the file, key or override.
ComposedConfig compose(const ComposeRequest& request);

// A composed config read back from resolved YAML text (a trial's stored config), with every key
// attributed to `source` for error messages.
ComposedConfig from_resolved_yaml(const std::string& text, const std::string& source);

// The options of a config group: the .yaml stems under root/group, sorted.
std::vector<std::string> group_options(const std::filesystem::path& config_root, const std::string& group);

// True if root/group is a directory (so `group=option` picks a file rather than setting a key).
bool is_group(const std::filesystem::path& config_root, const std::string& group);

// Splits "experiments/study/x.yaml" into (config root, name) by walking up from the file to the
// nearest directory that holds at least one of the known groups; if none does, the file's own
// directory is the root.
std::pair<std::filesystem::path, std::string> locate_config(const std::filesystem::path& file);

// Loads one YAML file; malformed YAML is reported as "file:line:col: message".
YAML::Node load_yaml_file(const std::filesystem::path& path, const std::string& display_name);

}  // namespace astraea::config
