// What a table row shows of a trial's command-line overrides: in a study whose trials share most
// of them, the shared ones are named once and each row keeps what sets it apart.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace astraea::driver {

// The override strings of a trial's overrides_json (a JSON array); none when it is not an array.
std::vector<std::string> trial_overrides(const std::string& overrides_json);

// The overrides every list holds, in the first list's order; none for fewer than two lists.
std::vector<std::string> common_overrides(const std::vector<std::vector<std::string>>& lists);

// `overrides` less those in `common`, joined by spaces and cut to `max_width` characters with
// "..." at the end (0: no limit).
std::string override_label(const std::vector<std::string>& overrides, const std::vector<std::string>& common, std::size_t max_width);

}  // namespace astraea::driver
