#include "driver/override_labels.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace astraea::driver {

std::vector<std::string> trial_overrides(const std::string& overrides_json) {
  std::vector<std::string> out;
  const auto parsed = nlohmann::json::parse(overrides_json, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_array()) {
    for (const auto& item : parsed) out.push_back(item.is_string() ? item.get<std::string>() : item.dump());
  }
  return out;
}

std::vector<std::string> common_overrides(const std::vector<std::vector<std::string>>& lists) {
  if (lists.size() < 2) return {};
  std::vector<std::string> common;
  for (const auto& o : lists.front()) {
    const auto holds = [&](const std::vector<std::string>& l) { return std::find(l.begin(), l.end(), o) != l.end(); };
    if (std::all_of(lists.begin() + 1, lists.end(), holds)) common.push_back(o);
  }
  return common;
}

std::string override_label(const std::vector<std::string>& overrides, const std::vector<std::string>& common, std::size_t max_width) {
  std::string text;
  for (const auto& o : overrides) {
    if (std::find(common.begin(), common.end(), o) == common.end()) text += (text.empty() ? "" : " ") + o;
  }
  if (max_width > 3 && text.size() > max_width) text = text.substr(0, max_width - 3) + "...";
  return text;
}

}  // namespace astraea::driver
