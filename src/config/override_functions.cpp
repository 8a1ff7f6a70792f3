// The sweep functions choice(...), range(...) and glob(...): binding and checking their arguments.
#include <fmt/format.h>

#include <array>
#include <cmath>

#include "config/override_syntax.h"

namespace astraea::config::syntax {
namespace {

constexpr std::string_view kChoice = "choice";
constexpr std::string_view kRange = "range";
constexpr std::string_view kGlob = "glob";
constexpr std::array<std::string_view, 3> kRangeParameters = {"start", "stop", "step"};
constexpr std::array<std::string_view, 2> kGlobParameters = {"include", "exclude"};
constexpr std::size_t kStart = 0;
constexpr std::size_t kStop = 1;
constexpr std::size_t kStep = 2;
constexpr std::size_t kInclude = 0;
constexpr std::size_t kExclude = 1;

// The argument given for each parameter, positionally or by name; nullptr where none was.
template <std::size_t N>
std::array<const FunctionArgument*, N> bind(std::string_view function,
                                            const std::array<std::string_view, N>& parameters,
                                            const std::vector<FunctionArgument>& arguments,
                                            const Diagnostics& diagnostics) {
  std::array<const FunctionArgument*, N> bound{};
  std::size_t next_positional = 0;
  bool seen_named = false;
  for (const auto& argument : arguments) {
    std::size_t slot = 0;
    if (argument.name) {
      seen_named = true;
      while (slot < N && parameters[slot] != *argument.name) ++slot;
      if (slot == N) {
        diagnostics.fail_at(argument.position,
                            fmt::format("{}() has no parameter '{}'", function, *argument.name));
      }
    } else {
      if (seen_named) diagnostics.fail_at(argument.position, "positional argument after a named one");
      if (next_positional == N) {
        diagnostics.fail_at(argument.position, fmt::format("{}() takes at most {} arguments", function, N));
      }
      slot = next_positional++;
    }
    if (bound[slot] != nullptr) {
      diagnostics.fail_at(argument.position,
                          fmt::format("{}() argument '{}' is given twice", function, parameters[slot]));
    }
    bound[slot] = &argument;
  }
  return bound;
}

Sweep make_choice(std::size_t name_position, const std::vector<FunctionArgument>& arguments,
                  const Diagnostics& diagnostics) {
  if (arguments.empty()) diagnostics.fail_at(name_position, "choice() needs at least one value");
  Sweep sweep;
  sweep.kind = SweepKind::kChoice;
  for (const auto& argument : arguments) {
    if (argument.name) {
      diagnostics.fail_at(argument.position,
                          fmt::format("choice() takes no named arguments (got '{}=')", *argument.name));
    }
    sweep.values.push_back(argument.value);
  }
  return sweep;
}

struct RangeNumber {
  double value = 0;
  bool integer = true;
};

RangeNumber range_number(const FunctionArgument& argument, std::string_view parameter,
                         const Diagnostics& diagnostics) {
  if (const auto* integer = std::get_if<std::int64_t>(&argument.value.data)) {
    if (*integer > kMaxExactInteger || *integer < -kMaxExactInteger) {
      diagnostics.fail_at(argument.position,
                          fmt::format("range() argument '{}' is beyond the exact integers of a double", parameter));
    }
    return {static_cast<double>(*integer), true};
  }
  if (const auto* real = std::get_if<double>(&argument.value.data)) return {*real, false};
  diagnostics.fail_at(argument.position, fmt::format("range() argument '{}' must be a number, not '{}'", parameter,
                                                     argument.value.to_string()));
}

Sweep make_range(std::size_t name_position, const std::vector<FunctionArgument>& arguments,
                 const Diagnostics& diagnostics) {
  auto bound = bind(kRange, kRangeParameters, arguments, diagnostics);
  if (bound[kStop] == nullptr) {
    const bool only_start_given = bound[kStart] != nullptr && !bound[kStart]->name && bound[kStep] == nullptr;
    if (!only_start_given) diagnostics.fail_at(name_position, "range() needs a stop value");
    std::swap(bound[kStart], bound[kStop]);
  }
  std::array<RangeNumber, kRangeParameters.size()> numbers = {RangeNumber{0, true}, RangeNumber{0, true},
                                                              RangeNumber{1, true}};
  for (std::size_t i = 0; i < numbers.size(); ++i) {
    if (bound[i] != nullptr) numbers[i] = range_number(*bound[i], kRangeParameters[i], diagnostics);
  }
  Sweep sweep;
  sweep.kind = SweepKind::kRange;
  sweep.start = numbers[kStart].value;
  sweep.stop = numbers[kStop].value;
  sweep.step = numbers[kStep].value;
  sweep.range_is_integer = numbers[kStart].integer && numbers[kStop].integer && numbers[kStep].integer;
  check_range(sweep, diagnostics, name_position);
  return sweep;
}

std::vector<std::string> glob_patterns(const FunctionArgument& argument, std::string_view parameter,
                                       const Diagnostics& diagnostics) {
  std::vector<std::string> patterns;
  const auto add = [&](const OverrideValue& value) {
    if (const auto* word = std::get_if<std::string>(&value.data)) {
      patterns.push_back(*word);
    } else if (const auto* quoted = std::get_if<QuotedString>(&value.data)) {
      patterns.push_back(quoted->text);
    } else if (value.is_null() || std::holds_alternative<OverrideList>(value.data) ||
               std::holds_alternative<OverrideDict>(value.data)) {
      diagnostics.fail_at(argument.position, fmt::format("glob() {} patterns must be strings, not '{}'", parameter,
                                                         value.to_string()));
    } else {
      patterns.push_back(value.to_string());
    }
  };
  if (const auto* list = std::get_if<OverrideList>(&argument.value.data)) {
    for (const auto& item : *list) add(item);
  } else {
    add(argument.value);
  }
  return patterns;
}

Sweep make_glob(std::size_t name_position, const std::vector<FunctionArgument>& arguments,
                const Diagnostics& diagnostics) {
  const auto bound = bind(kGlob, kGlobParameters, arguments, diagnostics);
  Sweep sweep;
  sweep.kind = SweepKind::kGlob;
  if (bound[kInclude] != nullptr) sweep.include = glob_patterns(*bound[kInclude], "include", diagnostics);
  if (bound[kExclude] != nullptr) sweep.exclude = glob_patterns(*bound[kExclude], "exclude", diagnostics);
  if (sweep.include.empty()) diagnostics.fail_at(name_position, "glob() needs at least one include pattern");
  return sweep;
}

}  // namespace

bool is_sweep_function(std::string_view name) { return name == kChoice || name == kRange || name == kGlob; }

Sweep make_sweep(std::string_view name, std::size_t name_position, const std::vector<FunctionArgument>& arguments,
                 const Diagnostics& diagnostics) {
  if (name == kChoice) return make_choice(name_position, arguments, diagnostics);
  if (name == kRange) return make_range(name_position, arguments, diagnostics);
  if (name == kGlob) return make_glob(name_position, arguments, diagnostics);
  diagnostics.fail_at(name_position, fmt::format("unknown function '{}' (sweeps are choice, range and glob)", name));
}

void check_range(const Sweep& sweep, const Diagnostics& diagnostics, std::optional<std::size_t> position) {
  if (!std::isfinite(sweep.start) || !std::isfinite(sweep.stop) || !std::isfinite(sweep.step)) {
    diagnostics.fail_near(position, fmt::format("{} needs finite numbers", sweep.to_string()));
  }
  if (sweep.range_is_integer) {
    for (const double bound : {sweep.start, sweep.stop, sweep.step}) {
      if (std::trunc(bound) != bound || std::fabs(bound) > static_cast<double>(kMaxExactInteger)) {
        diagnostics.fail_near(position, fmt::format("{} needs exact integers", sweep.to_string()));
      }
    }
  }
  if (sweep.step == 0) diagnostics.fail_near(position, fmt::format("{} has a zero step", sweep.to_string()));
  if (sweep.start == sweep.stop) diagnostics.fail_near(position, fmt::format("{} is empty", sweep.to_string()));
  if ((sweep.stop > sweep.start) != (sweep.step > 0)) {
    diagnostics.fail_near(position, fmt::format("{} steps away from its stop", sweep.to_string()));
  }
  const auto length = range_length(sweep);
  if (!length) {
    diagnostics.fail_near(position,
                          fmt::format("{} has more than {} values", sweep.to_string(), kMaxSweepValues));
  }
  if (*length == 0) diagnostics.fail_near(position, fmt::format("{} is empty", sweep.to_string()));
  if (sweep.range_is_integer) return;
  for (std::size_t i = 1; i < *length; ++i) {
    if (range_point(sweep, i) == range_point(sweep, i - 1)) {
      diagnostics.fail_near(position,
                            fmt::format("{} has a step too small to tell its values apart", sweep.to_string()));
    }
  }
}

}  // namespace astraea::config::syntax
