// libFuzzer target for the override parser. Any input may be rejected with astraea::Error (kind
// kConfig, one-line message); anything else that escapes, and any sanitizer report, is a bug. An
// accepted override must also read back unchanged from its own rendering.
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/override.h"
#include "core/error.h"

namespace {

using astraea::config::Override;
using astraea::config::OverrideDict;
using astraea::config::OverrideList;
using astraea::config::OverrideValue;

// Jobs of one expansion whose texts are parsed back; larger expansions are only counted.
constexpr std::size_t kMaxJobsReparsed = 64;

// Stricter than operator==: doubles must keep their bits (so -0.0 stays -0.0), NaNs their sign.
bool identical(const OverrideValue& a, const OverrideValue& b) {
  if (a.data.index() != b.data.index()) return false;
  if (const auto* x = std::get_if<double>(&a.data)) {
    const double y = std::get<double>(b.data);
    if (std::isnan(*x) || std::isnan(y)) return std::isnan(*x) && std::isnan(y) && std::signbit(*x) == std::signbit(y);
    return std::bit_cast<std::uint64_t>(*x) == std::bit_cast<std::uint64_t>(y);
  }
  if (const auto* list = std::get_if<OverrideList>(&a.data)) {
    const auto& other = std::get<OverrideList>(b.data);
    if (list->size() != other.size()) return false;
    for (std::size_t i = 0; i < list->size(); ++i) {
      if (!identical((*list)[i], other[i])) return false;
    }
    return true;
  }
  if (const auto* dict = std::get_if<OverrideDict>(&a.data)) {
    const auto& other = std::get<OverrideDict>(b.data);
    if (dict->size() != other.size()) return false;
    for (std::size_t i = 0; i < dict->size(); ++i) {
      if ((*dict)[i].first != other[i].first || !identical((*dict)[i].second, other[i].second)) return false;
    }
    return true;
  }
  return a == b;
}

Override parse_or_abort(const std::string& text) {
  try {
    return astraea::config::parse_override(text);
  } catch (const astraea::Error&) {
    std::abort();
  }
}

void check_error(const astraea::Error& error) {
  const std::string_view message = error.what();
  if (error.kind() != astraea::ErrorKind::kConfig || message.find('\n') != std::string_view::npos) std::abort();
}

void check_round_trip(const Override& parsed) {
  if (!parsed.is_sweep() && parsed.value) {
    const Override again = parse_or_abort(parsed.key + "=" + parsed.value->to_string());
    if (again.is_sweep() || !again.value || !identical(*again.value, *parsed.value)) std::abort();
  }
  const Override whole = parse_or_abort(parsed.to_string());
  const bool same_value = whole.value.has_value() == parsed.value.has_value() &&
                          (!parsed.value || identical(*whole.value, *parsed.value));
  if (whole.kind != parsed.kind || whole.key != parsed.key || whole.package != parsed.package || !same_value ||
      whole.sweep != parsed.sweep) {
    std::abort();
  }
}

void check_expansion(const Override& parsed) {
  if (!parsed.is_sweep()) return;
  const auto options = [](const std::string&) { return std::vector<std::string>{"a", "b1", "b2", "c"}; };
  std::vector<std::vector<Override>> jobs;
  try {
    jobs = astraea::config::expand_sweeps({parsed}, options);
  } catch (const astraea::Error& error) {
    check_error(error);
    return;
  }
  if (jobs.empty()) std::abort();
  if (jobs.size() > kMaxJobsReparsed) return;
  for (const auto& job : jobs) {
    if (job.size() != 1 || job[0].is_sweep() || !job[0].value) std::abort();
    const Override again = parse_or_abort(job[0].text);
    if (again.is_sweep() || !again.value || !identical(*again.value, *job[0].value)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Override parsed;
  try {
    parsed = astraea::config::parse_override(text);
  } catch (const astraea::Error& error) {
    check_error(error);
    return 0;
  }
  check_round_trip(parsed);
  check_expansion(parsed);
  return 0;
}
