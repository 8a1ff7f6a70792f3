#include "config/compose.h"

#include "config/defaults_list.h"
#include "config/interpolation.h"
#include "config/yaml_tree.h"
#include "core/error.h"
#include "core/strings.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace astraea::config {
namespace fs = std::filesystem;
namespace {

constexpr const char* kKnownGroups[] = {"model", "method", "sampler", "search", "prompts"};
constexpr int kMaxComposePasses = 8;
constexpr const char* kPackageHeader = "# @package ";

std::string package_of_group(const std::string& group) {
  std::string package = group;
  std::replace(package.begin(), package.end(), '/', '.');
  return package;
}

std::string join_package(const std::string& parent, const std::string& child) {
  if (parent.empty() || parent == "_global_") return child;
  if (child.empty()) return parent;
  return parent + "." + child;
}

// Choices forced from outside a config's own defaults: the command line and `override` entries.
struct ChoiceOverride {
  std::optional<std::string> option;  // nullopt: `~group` or `group=null`
  std::optional<std::string> package;
  std::string source;
  bool used = false;
};

class Composer {
 public:
  Composer(const ComposeRequest& request) : request_(request) {}

  ComposedConfig run() {
    collect_command_line_group_overrides();
    for (int pass = 0;; ++pass) {
      if (pass == kMaxComposePasses) fail(ErrorKind::kConfig, "defaults lists did not settle after {} passes: conflicting 'override' entries", pass);
      provenance_ = {};
      choices_.clear();
      for (auto& [group, o] : overrides_) o.used = false;
      changed_ = false;
      result_ = YAML::Node(YAML::NodeType::Map);
      compose_file(request_.config_name, "", "", /*is_primary=*/true);
      if (!changed_) break;
    }
    for (const auto& [group, o] : overrides_) {
      if (!o.used) {
        fail(ErrorKind::kConfig, "{}: group '{}' is not in the defaults list; to add it use '+{}={}'", o.source, group, group,
             o.option.value_or("null"));
      }
    }
    apply_key_overrides();
    ComposedConfig composed;
    composed.root = resolve_interpolations(result_);
    composed.provenance = std::move(provenance_);
    composed.choices = choices_;
    for (const auto& o : request_.overrides) composed.override_texts.push_back(o.text);
    return composed;
  }

 private:
  bool is_group_override(const Override& o) const {
    if (o.kind == OverrideKind::kDelete) return !o.value && is_group(request_.config_root, o.key);
    if (!is_group(request_.config_root, o.key) || !o.value) return false;
    return o.value->is_null() || std::holds_alternative<std::string>(o.value->data) ||
           std::holds_alternative<QuotedString>(o.value->data);
  }

  void collect_command_line_group_overrides() {
    for (const auto& o : request_.overrides) {
      if (o.is_sweep()) fail(ErrorKind::kConfig, "override '{}': sweeps need -m (multirun)", o.text);
      if (!is_group_override(o)) continue;
      const std::string where = fmt::format("override '{}'", o.text);
      ChoiceOverride choice{std::nullopt, o.package, where};
      if (o.kind != OverrideKind::kDelete && !o.value->is_null()) {
        choice.option = std::holds_alternative<std::string>(o.value->data) ? std::get<std::string>(o.value->data)
                                                                            : std::get<QuotedString>(o.value->data).text;
      }
      if (o.kind == OverrideKind::kAdd || o.kind == OverrideKind::kForceAdd) appended_.push_back({o.key, choice, o.kind});
      if (o.kind != OverrideKind::kAdd) overrides_[o.key] = choice;
    }
  }

  void compose_file(const std::string& name, const std::string& group, const std::string& package, bool is_primary) {
    const fs::path path = request_.config_root / (name + ".yaml");
    const std::string display = display_name(path);
    YAML::Node node = load_yaml_file(path, display);
    if (!node.IsNull() && !node.IsMap()) fail(ErrorKind::kConfig, "{}: expected a mapping at the top level", display);
    std::string own_package = package;
    if (const auto header = package_header(path)) own_package = *header;
    auto entries = parse_defaults_list(node["defaults"], display);
    YAML::Node content = node.IsNull() ? YAML::Node(YAML::NodeType::Map) : YAML::Clone(node);
    if (content.IsMap()) content.remove("defaults");
    if (is_primary) add_appended_groups(entries, display);
    for (const auto& entry : entries) {
      switch (entry.type) {
        case DefaultsEntry::Type::kSelf: merge_content(content, own_package, display); break;
        case DefaultsEntry::Type::kConfig: {
          const fs::path sibling = fs::path(name).parent_path() / entry.name;
          compose_file(sibling.lexically_normal().string(), group, own_package, false);
          break;
        }
        case DefaultsEntry::Type::kGroup: compose_group(entry, group, display); break;
      }
    }
  }

  void add_appended_groups(std::vector<DefaultsEntry>& entries, const std::string& display) {
    for (const auto& [group, choice, kind] : appended_) {
      const bool present = std::any_of(entries.begin(), entries.end(), [&](const DefaultsEntry& e) {
        return e.type == DefaultsEntry::Type::kGroup && e.name == group && !e.is_override;
      });
      if (present && kind == OverrideKind::kAdd) {
        fail(ErrorKind::kConfig, "{}: group '{}' is already in the defaults list of {}; use '{}={}' to change it", choice.source, group,
             display, group, choice.option.value_or("null"));
      }
      if (present) continue;
      DefaultsEntry entry;
      entry.type = DefaultsEntry::Type::kGroup;
      entry.name = group;
      entry.option = choice.option;
      entry.package = choice.package;
      const auto self = std::find_if(entries.begin(), entries.end(), [](const DefaultsEntry& e) { return e.type == DefaultsEntry::Type::kSelf; });
      entries.insert(self, entry);
      if (kind == OverrideKind::kAdd) overrides_[group] = choice;
    }
  }

  void compose_group(const DefaultsEntry& entry, const std::string& parent_group, const std::string& display) {
    const std::string group = entry.name.starts_with('/') || parent_group.empty() ? entry.name.substr(entry.name.starts_with('/') ? 1 : 0)
                                                                                   : parent_group + "/" + entry.name;
    if (entry.is_override) {
      auto [it, inserted] = overrides_.try_emplace(group, ChoiceOverride{entry.option, entry.package, display + ": override " + group});
      if (inserted) changed_ = true;
      return;
    }
    std::optional<std::string> option = entry.option;
    std::optional<std::string> package = entry.package;
    std::string chosen_by = display;
    if (auto it = overrides_.find(group); it != overrides_.end()) {
      it->second.used = true;
      option = it->second.option;
      chosen_by = it->second.source;
      if (it->second.package) package = it->second.package;
    }
    choices_[group] = option.value_or("");
    if (!option) return;
    const fs::path file = request_.config_root / group / (*option + ".yaml");
    if (!fs::exists(file)) {
      if (entry.optional) return;
      if (!is_group(request_.config_root, group)) fail(ErrorKind::kConfig, "{}: no config group '{}' under {}", chosen_by, group, request_.config_root.string());
      const auto options = group_options(request_.config_root, group);
      const auto suggestion = closest_match(*option, options);
      fail(ErrorKind::kConfig, "{}: group '{}' has no option '{}'{} (options: {})", chosen_by, group, *option,
           suggestion ? fmt::format(", did you mean '{}'?", *suggestion) : "", fmt::join(options, ", "));
    }
    const std::string target = package ? (*package == "_global_" ? "" : *package) : package_of_group(group);
    compose_file(group + "/" + *option, group, target, false);
  }

  void merge_content(const YAML::Node& content, const std::string& package, const std::string& display) {
    if (!content.IsMap() || content.size() == 0) return;
    YAML::Node placed = wrap_in_package(content, package);
    merge_into(result_, placed, "", [&](const std::string& leaf) { provenance_.record(leaf, display); });
  }

  void apply_key_overrides() {
    for (const auto& o : request_.overrides) {
      if (is_group_override(o)) continue;
      const std::string source = fmt::format("override '{}'", o.text);
      const auto existing = find_path(result_, o.key);
      switch (o.kind) {
        case OverrideKind::kChange:
          if (!existing) {
            std::vector<std::string> siblings = sibling_keys(o.key);
            const auto suggestion = closest_match(split_key(o.key).back(), siblings);
            fail(ErrorKind::kConfig, "{}: key '{}' is not in the config{}; to add it use '+{}'", source, o.key,
                 suggestion ? fmt::format(" (did you mean '{}'?)", suggestion_path(o.key, *suggestion)) : "", o.text);
          }
          set_path(result_, o.key, to_yaml(*o.value));
          break;
        case OverrideKind::kAdd:
          if (existing) fail(ErrorKind::kConfig, "{}: key '{}' already exists; use '{}' to change it or '++{}' to force", source, o.key, o.text.substr(1), o.text.substr(1));
          set_path(result_, o.key, to_yaml(*o.value));
          break;
        case OverrideKind::kForceAdd: set_path(result_, o.key, to_yaml(*o.value)); break;
        case OverrideKind::kDelete:
          if (!existing) fail(ErrorKind::kConfig, "{}: cannot delete '{}': no such key", source, o.key);
          if (o.value && to_yaml_text(*existing) != to_yaml_text(to_yaml(*o.value))) {
            fail(ErrorKind::kConfig, "{}: cannot delete '{}': its value is not '{}'", source, o.key, o.value->to_string());
          }
          erase_path(result_, o.key);
          provenance_.erase_prefix(o.key);
          continue;
      }
      provenance_.erase_prefix(o.key);
      provenance_.record(o.key, source);
    }
  }

  std::vector<std::string> sibling_keys(const std::string& key) const {
    auto parts = split_key(key);
    parts.pop_back();
    std::vector<std::string> keys;
    const auto parent = find_path(result_, join_key(parts));
    if (parent && parent->IsMap()) {
      for (auto it = parent->begin(); it != parent->end(); ++it) keys.push_back(it->first.as<std::string>());
    }
    return keys;
  }

  static std::string suggestion_path(const std::string& key, const std::string& leaf) {
    auto parts = split_key(key);
    parts.back() = leaf;
    return join_key(parts);
  }

  std::string display_name(const fs::path& path) const {
    const fs::path relative = path.lexically_relative(fs::current_path());
    return (relative.empty() || relative.string().starts_with("..")) ? path.string() : relative.string();
  }

  static std::optional<std::string> package_header(const fs::path& path) {
    std::ifstream in(path);
    std::string first;
    std::getline(in, first);
    if (!first.starts_with(kPackageHeader)) return std::nullopt;
    std::string package = first.substr(std::string(kPackageHeader).size());
    while (!package.empty() && std::isspace(static_cast<unsigned char>(package.back()))) package.pop_back();
    return package == "_global_" ? std::string() : package;
  }

  struct Appended {
    std::string group;
    ChoiceOverride choice;
    OverrideKind kind;
  };

  const ComposeRequest& request_;
  std::map<std::string, ChoiceOverride> overrides_;
  std::vector<Appended> appended_;
  std::map<std::string, std::string> choices_;
  Provenance provenance_;
  YAML::Node result_;
  bool changed_ = false;
};

}  // namespace

void Provenance::erase_prefix(const std::string& path) {
  for (auto it = sources_.lower_bound(path); it != sources_.end() && it->first.starts_with(path);) {
    const bool exact_or_child = it->first.size() == path.size() || it->first[path.size()] == '.';
    it = exact_or_child ? sources_.erase(it) : std::next(it);
  }
}

std::string Provenance::source_of(const std::string& path) const {
  if (auto it = sources_.find(path); it != sources_.end()) return it->second;
  for (auto it = sources_.lower_bound(path + "."); it != sources_.end() && it->first.starts_with(path + "."); ++it) return it->second;
  auto parts = split_key(path);
  while (!parts.empty()) {
    parts.pop_back();
    if (auto it = sources_.find(join_key(parts)); it != sources_.end()) return it->second;
  }
  return "";
}

ComposedConfig compose(const ComposeRequest& request) { return Composer(request).run(); }

ComposedConfig from_resolved_yaml(const std::string& text, const std::string& source) {
  ComposedConfig composed;
  try {
    composed.root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    fail(ErrorKind::kConfig, "{}:{}:{}: invalid YAML: {}", source, e.mark.line + 1, e.mark.column + 1, e.msg);
  }
  if (!composed.root.IsMap()) fail(ErrorKind::kConfig, "{}: expected a mapping at the top level", source);
  for_each_leaf(composed.root, "", [&](const std::string& path, const YAML::Node&) { composed.provenance.record(path, source); });
  return composed;
}

std::vector<std::string> group_options(const fs::path& config_root, const std::string& group) {
  std::vector<std::string> options;
  const fs::path dir = config_root / group;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return options;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") options.push_back(entry.path().stem().string());
  }
  std::sort(options.begin(), options.end());
  return options;
}

bool is_group(const fs::path& config_root, const std::string& group) {
  std::error_code ec;
  return !group.empty() && fs::is_directory(config_root / group, ec);
}

std::pair<fs::path, std::string> locate_config(const fs::path& file) {
  std::error_code ec;
  fs::path absolute = fs::absolute(file, ec);
  if (absolute.extension() != ".yaml") absolute += ".yaml";
  if (!fs::is_regular_file(absolute, ec)) fail(ErrorKind::kConfig, "config file '{}' not found", file.string());
  for (fs::path dir = absolute.parent_path(); !dir.empty(); dir = dir.parent_path()) {
    for (const char* group : kKnownGroups) {
      if (fs::is_directory(dir / group, ec)) {
        fs::path name = absolute.lexically_relative(dir);
        name.replace_extension();
        return {dir, name.string()};
      }
    }
    if (dir == dir.root_path()) break;
  }
  return {absolute.parent_path(), absolute.stem().string()};
}

YAML::Node load_yaml_file(const fs::path& path, const std::string& display_name) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) fail(ErrorKind::kConfig, "{}: config file not found", display_name);
  std::ifstream in(path);
  if (!in) fail(ErrorKind::kConfig, "{}: cannot read the file", display_name);
  std::stringstream text;
  text << in.rdbuf();
  try {
    return YAML::Load(text.str());
  } catch (const YAML::Exception& e) {
    fail(ErrorKind::kConfig, "{}:{}:{}: invalid YAML: {}", display_name, e.mark.line + 1, e.mark.column + 1, e.msg);
  }
}

}  // namespace astraea::config
