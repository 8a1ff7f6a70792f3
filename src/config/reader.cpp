#include "config/reader.h"

#include "config/interpolation.h"
#include "core/error.h"
#include "core/strings.h"

#include <cmath>

namespace astraea::config {
namespace {

std::string shown(const YAML::Node& node) {
  if (node.IsNull()) return "null";
  if (node.IsScalar()) return "'" + node.Scalar() + "'";
  return node.IsMap() ? "a mapping" : "a list";
}

bool is_quoted(const YAML::Node& node) { return node.Tag() == "!"; }

std::optional<double> as_number(const YAML::Node& node) {
  if (!node.IsScalar() || is_quoted(node)) return std::nullopt;
  double value = 0;
  if (!YAML::convert<double>::decode(node, value)) return std::nullopt;
  return value;
}

std::optional<std::int64_t> as_integer(const YAML::Node& node) {
  if (!node.IsScalar() || is_quoted(node)) return std::nullopt;
  long long value = 0;
  if (!YAML::convert<long long>::decode(node, value)) return std::nullopt;
  return static_cast<std::int64_t>(value);
}

std::string describe(const Interval& i) {
  return fmt::format("{}{}, {}{}", i.low_open ? '(' : '[', i.low, i.high, i.high_open ? ')' : ']');
}

bool inside(double v, const Interval& i) {
  const bool low_ok = i.low_open ? v > i.low : v >= i.low;
  const bool high_ok = i.high_open ? v < i.high : v <= i.high;
  return low_ok && high_ok;
}

}  // namespace

Reader::Reader(YAML::Node node, std::string path, const Provenance* provenance)
    : node_(std::move(node)), path_(std::move(path)), provenance_(provenance) {
  if (node_.IsDefined() && !node_.IsNull() && !node_.IsMap()) fail(ErrorKind::kConfig, "{}: expected a mapping, got {}", where(""), shown(node_));
}

std::string Reader::where(const std::string& key) const {
  const std::string key_path = key.empty() ? path_ : full(key);
  const std::string source = provenance_ ? provenance_->source_of(key_path) : "";
  if (source.empty()) return key_path.empty() ? "config" : key_path;
  return key_path.empty() ? source : source + ": " + key_path;
}

void Reader::fail_at(const std::string& key, const std::string& message) const {
  fail(ErrorKind::kConfig, "{}: {}", where(key), message);
}

bool Reader::has(const std::string& key) const { return node_.IsMap() && node_[key].IsDefined(); }

std::optional<YAML::Node> Reader::lookup(const std::string& key, bool required) {
  consumed_.insert(key);
  if (!has(key)) {
    if (required) fail(ErrorKind::kConfig, "{}: missing required key '{}'", where(""), full(key));
    return std::nullopt;
  }
  YAML::Node value = node_[key];
  if (value.IsScalar() && value.Scalar() == kMandatoryMarker) fail_at(key, fmt::format("mandatory value ('{}') was never set", kMandatoryMarker));
  return value;
}

std::string Reader::string(const std::string& key, std::optional<std::string> fallback) {
  const auto node = lookup(key, !fallback);
  if (!node) return *fallback;
  if (!node->IsScalar()) fail_at(key, "expected a string, got " + shown(*node));
  return node->Scalar();
}

std::string Reader::one_of(const std::string& key, const std::vector<std::string>& allowed, std::optional<std::string> fallback) {
  const std::string value = string(key, std::move(fallback));
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return value;
  const auto suggestion = closest_match(value, allowed);
  fail_at(key, fmt::format("expected one of {}, got '{}'{}", fmt::join(allowed, "|"), value,
                           suggestion ? fmt::format(" (did you mean '{}'?)", *suggestion) : ""));
}

bool Reader::boolean(const std::string& key, std::optional<bool> fallback) {
  const auto node = lookup(key, !fallback.has_value());
  if (!node) return *fallback;
  bool value = false;
  if (!node->IsScalar() || is_quoted(*node) || !YAML::convert<bool>::decode(*node, value)) fail_at(key, "expected true or false, got " + shown(*node));
  return value;
}

std::int64_t Reader::integer(const std::string& key, std::optional<std::int64_t> fallback, std::int64_t low, std::int64_t high) {
  const auto node = lookup(key, !fallback.has_value());
  if (!node) return *fallback;
  const auto value = as_integer(*node);
  if (!value) fail_at(key, "expected an integer, got " + shown(*node));
  if (*value < low || *value > high) fail_at(key, fmt::format("expected an integer in [{}, {}], got {}", low, high, *value));
  return *value;
}

double Reader::number(const std::string& key, std::optional<double> fallback, Interval interval) {
  const auto node = lookup(key, !fallback.has_value());
  if (!node) return *fallback;
  const auto value = as_number(*node);
  if (!value || std::isnan(*value)) fail_at(key, "expected a number, got " + shown(*node));
  if (!inside(*value, interval)) fail_at(key, fmt::format("expected a number in {}, got {}", describe(interval), node->Scalar()));
  return *value;
}

std::vector<std::string> Reader::strings(const std::string& key, std::optional<std::vector<std::string>> fallback) {
  const auto node = lookup(key, !fallback.has_value());
  if (!node) return *fallback;
  if (!node->IsSequence()) fail_at(key, "expected a list of strings, got " + shown(*node));
  std::vector<std::string> out;
  for (std::size_t i = 0; i < node->size(); ++i) {
    if (!(*node)[i].IsScalar()) fail_at(fmt::format("{}.{}", key, i), "expected a string, got " + shown((*node)[i]));
    out.push_back((*node)[i].Scalar());
  }
  return out;
}

std::vector<std::int64_t> Reader::integers(const std::string& key, std::optional<std::vector<std::int64_t>> fallback, std::int64_t low,
                                           std::int64_t high) {
  const auto node = lookup(key, !fallback.has_value());
  if (!node) return *fallback;
  if (!node->IsSequence()) fail_at(key, "expected a list of integers, got " + shown(*node));
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < node->size(); ++i) {
    const auto value = as_integer((*node)[i]);
    if (!value || *value < low || *value > high) {
      fail_at(fmt::format("{}.{}", key, i), fmt::format("expected an integer in [{}, {}], got {}", low, high, shown((*node)[i])));
    }
    out.push_back(*value);
  }
  return out;
}

std::vector<double> Reader::numbers(const std::string& key, std::optional<std::vector<double>> fallback, Interval interval) {
  const auto node = lookup(key, !fallback.has_value());
  if (!node) return *fallback;
  if (!node->IsSequence()) fail_at(key, "expected a list of numbers, got " + shown(*node));
  std::vector<double> out;
  for (std::size_t i = 0; i < node->size(); ++i) {
    const auto value = as_number((*node)[i]);
    if (!value || !inside(*value, interval)) {
      fail_at(fmt::format("{}.{}", key, i), fmt::format("expected a number in {}, got {}", describe(interval), shown((*node)[i])));
    }
    out.push_back(*value);
  }
  return out;
}

Reader Reader::section(const std::string& key) {
  consumed_.insert(key);
  YAML::Node child = has(key) ? node_[key] : YAML::Node(YAML::NodeType::Map);
  if (!child.IsMap() && !child.IsNull()) fail_at(key, "expected a mapping, got " + shown(child));
  return Reader(child, full(key), provenance_);
}

void Reader::skip(const std::string& key) { consumed_.insert(key); }

void Reader::finish() const {
  if (!node_.IsMap()) return;
  std::vector<std::string> known(consumed_.begin(), consumed_.end());
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const std::string key = it->first.as<std::string>();
    if (consumed_.count(key)) continue;
    const auto suggestion = closest_match(key, known);
    fail_at(key, suggestion ? fmt::format("unknown key (did you mean '{}'?)", full(*suggestion)) : "unknown key");
  }
}

}  // namespace astraea::config
