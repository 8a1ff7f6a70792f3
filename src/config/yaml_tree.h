// Tree operations on yaml-cpp nodes that composition needs: deep copy, deep merge, dotted-path
// access. yaml-cpp nodes alias on assignment, so every function here works on clones.
#pragma once

#include "config/override.h"

#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace astraea::config {

// Splits "a.b.c" into {"a","b","c"}; an empty path gives {}.
std::vector<std::string> split_key(const std::string& dotted);
std::string join_key(const std::vector<std::string>& parts);

// Deep-merges `src` into `dst`: maps merge key by key, everything else (lists included) is
// replaced. `on_leaf(path)` is told every path that `src` wrote, for provenance tracking.
void merge_into(YAML::Node& dst, const YAML::Node& src, const std::string& base_path = "",
                const std::function<void(const std::string&)>& on_leaf = {});

// The node at `path`, or nullopt if any segment is missing (a list index segment must be a number).
std::optional<YAML::Node> find_path(const YAML::Node& root, const std::string& path);

// Sets `path` to `value`, creating intermediate maps. Throws if a non-map is in the way.
void set_path(YAML::Node& root, const std::string& path, const YAML::Node& value);

// Removes `path`; returns false if it was not there.
bool erase_path(YAML::Node& root, const std::string& path);

// Places `content` under a dotted package ("" or "_global_" = the root).
YAML::Node wrap_in_package(const YAML::Node& content, const std::string& package);

// The YAML form of a command-line value: quoted strings stay strings, ints/floats/bools typed.
YAML::Node to_yaml(const OverrideValue& value);

// Visits every leaf (scalar, null, or empty container) with its dotted path.
void for_each_leaf(const YAML::Node& node, const std::string& path,
                   const std::function<void(const std::string& path, const YAML::Node& leaf)>& visit);

// A YAML list of double-quoted strings ("[]" when empty), ending with a newline.
std::string string_list_yaml(const std::vector<std::string>& items);

// Block-style YAML text of the node, ending with a newline.
std::string to_yaml_text(const YAML::Node& node);

}  // namespace astraea::config
