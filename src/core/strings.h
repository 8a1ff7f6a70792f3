// Small string helpers shared by the config and CLI layers.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace astraea {

// Levenshtein edit distance (insertions, deletions, substitutions all cost 1).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` by edit distance, if it is close enough to be a plausible
// typo (distance at most max(2, |word|/3)); ties go to the earlier candidate.
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);

std::vector<std::string> split(std::string_view text, char separator);

}  // namespace astraea
