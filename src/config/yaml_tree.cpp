#include "config/yaml_tree.h"

#include "core/error.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace astraea::config {
namespace {

std::optional<std::size_t> as_index(const std::string& segment) {
  std::size_t index = 0;
  const auto* end = segment.data() + segment.size();
  const auto [ptr, ec] = std::from_chars(segment.data(), end, index);
  if (ec != std::errc() || ptr != end || segment.empty()) return std::nullopt;
  return index;
}

std::string child_path(const std::string& base, const std::string& key) { return base.empty() ? key : base + "." + key; }

}  // namespace

std::vector<std::string> split_key(const std::string& dotted) {
  std::vector<std::string> parts;
  if (dotted.empty()) return parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = dotted.find('.', start);
    parts.push_back(dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

std::string join_key(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out = child_path(out, p);
  return out;
}

void merge_into(YAML::Node& dst, const YAML::Node& src, const std::string& base_path,
                const std::function<void(const std::string&)>& on_leaf) {
  for (auto it = src.begin(); it != src.end(); ++it) {
    const std::string key = it->first.as<std::string>();
    const YAML::Node& value = it->second;
    const std::string path = child_path(base_path, key);
    YAML::Node existing = dst[key];
    if (value.IsMap() && existing.IsMap() && value.size() > 0) {
      merge_into(existing, value, path, on_leaf);
    } else {
      dst[key] = YAML::Clone(value);
      if (on_leaf) {
        for_each_leaf(value, path, [&](const std::string& leaf_path, const YAML::Node&) { on_leaf(leaf_path); });
      }
    }
  }
}

std::optional<YAML::Node> find_path(const YAML::Node& root, const std::string& path) {
  YAML::Node current = root;
  for (const auto& segment : split_key(path)) {
    if (current.IsMap()) {
      YAML::Node next = current[segment];
      if (!next.IsDefined()) return std::nullopt;
      current.reset(next);
    } else if (current.IsSequence()) {
      const auto index = as_index(segment);
      if (!index || *index >= current.size()) return std::nullopt;
      YAML::Node next = current[*index];
      current.reset(next);
    } else {
      return std::nullopt;
    }
  }
  return current;
}

void set_path(YAML::Node& root, const std::string& path, const YAML::Node& value) {
  const auto parts = split_key(path);
  if (parts.empty()) fail(ErrorKind::kConfig, "cannot set the empty key");
  YAML::Node current = root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (current.IsSequence()) {
      const auto index = as_index(parts[i]);
      if (!index || *index >= current.size()) fail(ErrorKind::kConfig, "'{}': no list element '{}'", path, parts[i]);
      YAML::Node next = current[*index];
      current.reset(next);
      continue;
    }
    if (!current.IsMap() && !current.IsNull()) fail(ErrorKind::kConfig, "'{}': '{}' is not a mapping", path, join_key({parts.begin(), parts.begin() + i}));
    YAML::Node next = current[parts[i]];
    if (!next.IsDefined() || next.IsNull()) {
      current[parts[i]] = YAML::Node(YAML::NodeType::Map);
      next = current[parts[i]];
    }
    current.reset(next);
  }
  if (current.IsSequence()) {
    const auto index = as_index(parts.back());
    if (!index || *index >= current.size()) fail(ErrorKind::kConfig, "'{}': no list element '{}'", path, parts.back());
    current[*index] = YAML::Clone(value);
    return;
  }
  if (!current.IsMap() && !current.IsNull()) fail(ErrorKind::kConfig, "'{}': parent is not a mapping", path);
  current[parts.back()] = YAML::Clone(value);
}

bool erase_path(YAML::Node& root, const std::string& path) {
  auto parts = split_key(path);
  if (parts.empty()) return false;
  const std::string leaf = parts.back();
  parts.pop_back();
  auto parent = find_path(root, join_key(parts));
  if (!parent || !parent->IsMap() || !(*parent)[leaf].IsDefined()) return false;
  return parent->remove(leaf);
}

YAML::Node wrap_in_package(const YAML::Node& content, const std::string& package) {
  if (package.empty() || package == "_global_") return YAML::Clone(content);
  YAML::Node wrapped(YAML::NodeType::Map);
  set_path(wrapped, package, content);
  return wrapped;
}

YAML::Node to_yaml(const OverrideValue& value) {
  return std::visit(
      [](const auto& v) -> YAML::Node {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return YAML::Node(YAML::NodeType::Null);
        } else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::string>) {
          return YAML::Node(v);
        } else if constexpr (std::is_same_v<T, double>) {
          if (std::isnan(v)) return YAML::Node(".nan");
          if (std::isinf(v)) return YAML::Node(v > 0 ? ".inf" : "-.inf");
          YAML::Node node(fmt::format("{}", v));
          if (node.Scalar().find_first_of(".eEn") == std::string::npos) node = YAML::Node(node.Scalar() + ".0");
          return node;
        } else if constexpr (std::is_same_v<T, QuotedString>) {
          YAML::Node node(v.text);
          node.SetTag("!");  // non-specific tag: a quoted string is never re-typed
          return node;
        } else if constexpr (std::is_same_v<T, OverrideList>) {
          YAML::Node node(YAML::NodeType::Sequence);
          for (const auto& item : v) node.push_back(to_yaml(item));
          return node;
        } else {
          YAML::Node node(YAML::NodeType::Map);
          for (const auto& [k, item] : v) node[k] = to_yaml(item);
          return node;
        }
      },
      value.data);
}

void for_each_leaf(const YAML::Node& node, const std::string& path,
                   const std::function<void(const std::string& path, const YAML::Node& leaf)>& visit) {
  if (node.IsMap() && node.size() > 0) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      for_each_leaf(it->second, child_path(path, it->first.as<std::string>()), visit);
    }
  } else if (node.IsSequence() && node.size() > 0) {
    for (std::size_t i = 0; i < node.size(); ++i) for_each_leaf(node[i], child_path(path, std::to_string(i)), visit);
  } else {
    visit(path, node);
  }
}

std::string to_yaml_text(const YAML::Node& node) {
  YAML::Emitter out;
  out << node;
  std::string text = out.c_str();
  if (text.empty() || text.back() != '\n') text.push_back('\n');
  return text;
}

std::string string_list_yaml(const std::vector<std::string>& items) {
  if (items.empty()) return "[]\n";
  YAML::Emitter out;
  out << YAML::BeginSeq;
  for (const auto& item : items) out << YAML::DoubleQuoted << item;
  out << YAML::EndSeq;
  return std::string(out.c_str()) + "\n";
}

}  // namespace astraea::config
