// Strict, typed reading of a composed config into Options structs. Every key that is read is
// marked; finish() rejects the rest with the closest valid key. Errors name the file that set
// the key and its full path:
//   experiments/method/rainfusion.yaml: method.sparsity: expected a number in [0, 1), got 1.5
#pragma once

#include "config/compose.h"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace astraea::config {

struct Interval {
  double low;
  double high;
  bool low_open = false;
  bool high_open = false;
};

class Reader {
 public:
  Reader(YAML::Node node, std::string path, const Provenance* provenance);

  bool has(const std::string& key) const;

  std::string string(const std::string& key, std::optional<std::string> fallback = std::nullopt);
  std::string one_of(const std::string& key, const std::vector<std::string>& allowed, std::optional<std::string> fallback = std::nullopt);
  bool boolean(const std::string& key, std::optional<bool> fallback = std::nullopt);
  std::int64_t integer(const std::string& key, std::optional<std::int64_t> fallback = std::nullopt,
                       std::int64_t low = INT64_MIN, std::int64_t high = INT64_MAX);
  double number(const std::string& key, std::optional<double> fallback = std::nullopt,
                Interval interval = {-1e308, 1e308});
  std::vector<std::string> strings(const std::string& key, std::optional<std::vector<std::string>> fallback = std::nullopt);
  std::vector<std::int64_t> integers(const std::string& key, std::optional<std::vector<std::int64_t>> fallback = std::nullopt,
                                     std::int64_t low = INT64_MIN, std::int64_t high = INT64_MAX);
  std::vector<double> numbers(const std::string& key, std::optional<std::vector<double>> fallback = std::nullopt,
                              Interval interval = {-1e308, 1e308});

  // A nested mapping; absent gives an empty section (so its keys fall back to defaults).
  Reader section(const std::string& key);
  // Marks a key as known without reading it (e.g. a block another component decodes).
  void skip(const std::string& key);

  // Rejects every key that was not read. Call once all keys are read.
  void finish() const;

  // Throws a kConfig error about `key` in the standard form.
  [[noreturn]] void fail_at(const std::string& key, const std::string& message) const;

  const std::string& path() const { return path_; }

 private:
  std::optional<YAML::Node> lookup(const std::string& key, bool required);
  std::string full(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  std::string where(const std::string& key) const;

  YAML::Node node_;
  std::string path_;
  const Provenance* provenance_;
  std::set<std::string> consumed_;
};

}  // namespace astraea::config
