#include "config/defaults_list.h"

#include "core/error.h"
#include "core/strings.h"

namespace astraea::config {
namespace {

constexpr const char* kSelf = "_self_";

DefaultsEntry parse_group_entry(const std::string& raw_key, const YAML::Node& value, const std::string& where) {
  DefaultsEntry entry;
  entry.type = DefaultsEntry::Type::kGroup;
  std::vector<std::string> words;
  for (auto& word : split(raw_key, ' ')) {
    if (!word.empty()) words.push_back(word);
  }
  if (words.empty()) fail(ErrorKind::kConfig, "{}: empty group name", where);
  std::string group = words.back();
  words.pop_back();
  for (const auto& keyword : words) {
    if (keyword == "optional") {
      entry.optional = true;
    } else if (keyword == "override") {
      entry.is_override = true;
    } else {
      fail(ErrorKind::kConfig, "{}: '{}': expected 'optional' or 'override' before the group name, got '{}'", where, raw_key, keyword);
    }
  }
  if (const auto at = group.find('@'); at != std::string::npos) {
    entry.package = group.substr(at + 1);
    group = group.substr(0, at);
  }
  if (group.empty()) fail(ErrorKind::kConfig, "{}: '{}': missing group name", where, raw_key);
  entry.name = group;
  if (value.IsNull()) return entry;
  if (!value.IsScalar()) fail(ErrorKind::kConfig, "{}: group '{}': expected an option name or null", where, group);
  entry.option = value.Scalar();
  return entry;
}

}  // namespace

std::vector<DefaultsEntry> parse_defaults_list(const YAML::Node& defaults, const std::string& where) {
  std::vector<DefaultsEntry> entries;
  if (!defaults.IsDefined() || defaults.IsNull()) return {DefaultsEntry{}};  // just the file's own content
  if (!defaults.IsSequence()) fail(ErrorKind::kConfig, "{}: defaults: expected a list", where);
  bool has_self = false;
  for (std::size_t i = 0; i < defaults.size(); ++i) {
    const YAML::Node item = defaults[i];
    const std::string item_where = fmt::format("{}: defaults[{}]", where, i);
    if (item.IsScalar()) {
      if (item.Scalar() == kSelf) {
        if (has_self) fail(ErrorKind::kConfig, "{}: _self_ appears twice", item_where);
        has_self = true;
        entries.push_back({});
      } else {
        DefaultsEntry entry;
        entry.type = DefaultsEntry::Type::kConfig;
        entry.name = item.Scalar();
        entries.push_back(entry);
      }
    } else if (item.IsMap() && item.size() == 1) {
      const auto it = item.begin();
      entries.push_back(parse_group_entry(it->first.as<std::string>(), it->second, item_where));
    } else {
      fail(ErrorKind::kConfig, "{}: expected '_self_', a config name, or 'group: option'", item_where);
    }
  }
  if (!has_self) entries.push_back({});  // the file's own content goes last unless placed
  return entries;
}

}  // namespace astraea::config
