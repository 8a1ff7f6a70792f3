#include "config/interpolation.h"

#include "config/yaml_tree.h"
#include "core/error.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <map>
#include <vector>

namespace astraea::config {
namespace {

// One "${...}" or literal run inside a scalar.
struct Piece {
  bool is_interpolation = false;
  std::string text;  // literal text, or the expression between the braces
};

// Splits text into literal and ${...} pieces, honouring nesting and "\${" escapes.
std::vector<Piece> split_pieces(const std::string& text, const std::string& where) {
  std::vector<Piece> pieces;
  std::string literal;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "\\${") == 0) {
      literal += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      literal += text[i++];
      continue;
    }
    int depth = 0;
    std::size_t j = i;
    for (; j < text.size(); ++j) {
      if (text.compare(j, 2, "${") == 0) {
        ++depth;
        ++j;
      } else if (text[j] == '}' && --depth == 0) {
        break;
      }
    }
    if (j >= text.size()) fail(ErrorKind::kConfig, "{}: unclosed '${{' in '{}'", where, text);
    if (!literal.empty()) pieces.push_back({false, std::move(literal)});
    literal.clear();
    pieces.push_back({true, text.substr(i + 2, j - i - 2)});
    i = j + 1;
  }
  if (!literal.empty()) pieces.push_back({false, std::move(literal)});
  return pieces;
}

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  const auto end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
}

class Resolver {
 public:
  Resolver(const YAML::Node& root, const InterpolationContext& context) : root_(YAML::Clone(root)), context_(context) {}

  YAML::Node run() {
    resolve_tree(root_, "");
    return root_;
  }

 private:
  void resolve_tree(YAML::Node node, const std::string& path) {
    if (node.IsMap()) {
      for (auto it = node.begin(); it != node.end(); ++it) {
        const std::string key = it->first.as<std::string>();
        resolve_tree(it->second, path.empty() ? key : path + "." + key);
      }
    } else if (node.IsSequence()) {
      for (std::size_t i = 0; i < node.size(); ++i) resolve_tree(node[i], path.empty() ? std::to_string(i) : path + "." + std::to_string(i));
    } else if (node.IsScalar()) {
      resolve_key(path);
    }
  }

  // Resolves the scalar at `path` in place (once), detecting cycles.
  void resolve_key(const std::string& path) {
    if (done_.count(path)) return;
    auto node = find_path(root_, path);
    if (!node || !node->IsScalar() || node->Scalar().find("${") == std::string::npos) {
      done_.insert({path, true});
      return;
    }
    if (std::find(stack_.begin(), stack_.end(), path) != stack_.end()) {
      std::string chain;
      for (auto it = std::find(stack_.begin(), stack_.end(), path); it != stack_.end(); ++it) chain += *it + " -> ";
      fail(ErrorKind::kConfig, "interpolation cycle: {}{}", chain, path);
    }
    stack_.push_back(path);
    YAML::Node value = evaluate(node->Scalar(), path);
    stack_.pop_back();
    set_path(root_, path, value);
    done_.insert({path, true});
  }

  YAML::Node evaluate(const std::string& text, const std::string& path) {
    const auto pieces = split_pieces(text, path);
    if (pieces.size() == 1 && pieces[0].is_interpolation) return evaluate_expression(pieces[0].text, path);
    std::string joined;
    for (const auto& piece : pieces) {
      if (!piece.is_interpolation) {
        joined += piece.text;
        continue;
      }
      YAML::Node value = evaluate_expression(piece.text, path);
      if (!value.IsScalar() && !value.IsNull()) {
        fail(ErrorKind::kConfig, "{}: '${{{}}}' is a {} and cannot be embedded in the string '{}'", path, piece.text,
             value.IsMap() ? "mapping" : "list", text);
      }
      joined += value.IsNull() ? "null" : value.Scalar();
    }
    return YAML::Node(joined);
  }

  YAML::Node evaluate_expression(const std::string& raw, const std::string& path) {
    // Nested interpolations inside the expression are resolved first: ${oc.env:${.var}}.
    std::string expression = raw;
    if (has_interpolation(raw)) {
      YAML::Node inner = evaluate(raw, path);
      expression = inner.IsScalar() ? inner.Scalar() : raw;
    }
    const auto colon = expression.find(':');
    if (colon != std::string::npos) return call_resolver(trim(expression.substr(0, colon)), expression.substr(colon + 1), path);
    return lookup(trim(expression), path);
  }

  YAML::Node call_resolver(const std::string& name, const std::string& args, const std::string& path) {
    if (name == "oc.env") {
      const auto comma = args.find(',');
      const std::string variable = trim(args.substr(0, comma));
      if (variable.empty()) fail(ErrorKind::kConfig, "{}: oc.env needs a variable name", path);
      if (const char* value = std::getenv(variable.c_str())) return YAML::Node(std::string(value));
      if (comma == std::string::npos) fail(ErrorKind::kConfig, "{}: environment variable '{}' is not set and has no default", path, variable);
      const std::string fallback = trim(args.substr(comma + 1));
      if (fallback == "null") return YAML::Node(YAML::NodeType::Null);
      return YAML::Node(fallback);
    }
    if (name == "now") {
      const std::time_t t = std::chrono::system_clock::to_time_t(context_.now);
      std::tm local{};
      localtime_r(&t, &local);
      char buffer[256];
      const std::size_t n = std::strftime(buffer, sizeof buffer, args.c_str(), &local);
      if (n == 0 && !args.empty()) fail(ErrorKind::kConfig, "{}: now:{} produced no text", path, args);
      return YAML::Node(std::string(buffer, n));
    }
    fail(ErrorKind::kConfig, "{}: unknown resolver '{}' (known: oc.env, now)", path, name);
  }

  // Resolves a key reference, absolute ("a.b") or relative (".x" sibling, "..x" parent's).
  YAML::Node lookup(const std::string& reference, const std::string& path) {
    if (reference.empty()) fail(ErrorKind::kConfig, "{}: empty interpolation '${{}}'", path);
    std::string target = reference;
    if (reference[0] == '.') {
      std::size_t dots = reference.find_first_not_of('.');
      if (dots == std::string::npos) fail(ErrorKind::kConfig, "{}: '${{{}}}' names no key", path, reference);
      auto base = split_key(path);
      for (std::size_t up = 0; up < dots; ++up) {
        if (base.empty()) fail(ErrorKind::kConfig, "{}: '${{{}}}' climbs above the config root", path, reference);
        base.pop_back();
      }
      target = join_key(base);
      target = target.empty() ? reference.substr(dots) : target + "." + reference.substr(dots);
    }
    auto node = find_path(root_, target);
    if (!node) fail(ErrorKind::kConfig, "{}: interpolation '${{{}}}' refers to '{}', which does not exist", path, reference, target);
    resolve_subtree(*node, target);
    node = find_path(root_, target);
    if (node->IsScalar() && node->Scalar() == kMandatoryMarker) {
      fail(ErrorKind::kConfig, "{}: interpolation '${{{}}}' reads '{}', a mandatory value ('{}') that was never set", path, reference, target, kMandatoryMarker);
    }
    return YAML::Clone(*node);
  }

  void resolve_subtree(const YAML::Node& node, const std::string& path) {
    if (node.IsScalar()) {
      resolve_key(path);
    } else if (node.IsMap()) {
      for (auto it = node.begin(); it != node.end(); ++it) {
        const std::string key = it->first.as<std::string>();
        resolve_subtree(it->second, path.empty() ? key : path + "." + key);
      }
    } else if (node.IsSequence()) {
      for (std::size_t i = 0; i < node.size(); ++i) resolve_subtree(node[i], path + "." + std::to_string(i));
    }
  }

  YAML::Node root_;
  InterpolationContext context_;
  std::map<std::string, bool> done_;
  std::vector<std::string> stack_;
};

}  // namespace

bool has_interpolation(const std::string& text) {
  for (std::size_t i = text.find("${"); i != std::string::npos; i = text.find("${", i + 1)) {
    if (i == 0 || text[i - 1] != '\\') return true;
  }
  return false;
}

YAML::Node resolve_interpolations(const YAML::Node& root, const InterpolationContext& context) {
  return Resolver(root, context).run();
}

}  // namespace astraea::config
