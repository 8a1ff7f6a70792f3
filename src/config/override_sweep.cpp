// Expanding sweep overrides into the cartesian product of jobs.
#include <fmt/format.h>

#include <algorithm>

#include "config/override.h"
#include "config/override_syntax.h"

namespace astraea::config {
namespace {

using GroupOptions = std::function<std::vector<std::string>(const std::string& group)>;

std::vector<OverrideValue> range_values(const Sweep& sweep, const syntax::Diagnostics& diagnostics) {
  syntax::check_range(sweep, diagnostics, std::nullopt);
  const std::size_t length = *syntax::range_length(sweep);
  std::vector<OverrideValue> values;
  values.reserve(length);
  for (std::size_t i = 0; i < length; ++i) values.push_back(syntax::range_point(sweep, i));
  return values;
}

bool matches_any(const std::vector<std::string>& patterns, const std::string& name) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& pattern) { return glob_match(pattern, name); });
}

std::vector<OverrideValue> glob_values(const Override& swept, const GroupOptions& group_options,
                                       const syntax::Diagnostics& diagnostics) {
  if (!group_options) {
    diagnostics.fail(fmt::format("{} needs the options of group '{}', which are not available here",
                                 swept.sweep->to_string(), swept.key));
  }
  std::vector<std::string> options = group_options(swept.key);
  std::sort(options.begin(), options.end());
  options.erase(std::unique(options.begin(), options.end()), options.end());
  std::vector<OverrideValue> values;
  for (const auto& option : options) {
    if (matches_any(swept.sweep->include, option) && !matches_any(swept.sweep->exclude, option)) {
      values.push_back(OverrideValue{option});
    }
  }
  if (values.empty()) {
    diagnostics.fail(fmt::format("{} matches none of the {} options of group '{}'", swept.sweep->to_string(),
                                 options.size(), swept.key));
  }
  return values;
}

std::vector<OverrideValue> sweep_values(const Override& swept, const GroupOptions& group_options) {
  const syntax::Diagnostics diagnostics(swept.text);
  if (swept.kind == OverrideKind::kDelete) diagnostics.fail("a delete override cannot sweep");
  const Sweep& sweep = *swept.sweep;
  std::vector<OverrideValue> values;
  switch (sweep.kind) {
    case SweepKind::kSimple:
    case SweepKind::kChoice:
      values = sweep.values;
      break;
    case SweepKind::kRange:
      values = range_values(sweep, diagnostics);
      break;
    case SweepKind::kGlob:
      values = glob_values(swept, group_options, diagnostics);
      break;
  }
  if (values.empty()) diagnostics.fail("the sweep has no values");
  if (values.size() > kMaxSweepValues) {
    diagnostics.fail(fmt::format("the sweep has {} values, more than {}", values.size(), kMaxSweepValues));
  }
  return values;
}

// One swept override: where it sits among the overrides, and the values it takes.
struct Axis {
  std::size_t position = 0;
  std::vector<OverrideValue> values;
};

}  // namespace

std::vector<std::vector<Override>> expand_sweeps(const std::vector<Override>& overrides,
                                                 const GroupOptions& group_options) {
  std::vector<Axis> axes;
  std::size_t job_count = 1;
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    if (!overrides[i].is_sweep()) continue;
    Axis axis{i, sweep_values(overrides[i], group_options)};
    if (job_count > kMaxSweepJobs / axis.values.size()) {
      syntax::Diagnostics(overrides[i].text)
          .fail(fmt::format("the sweeps expand to more than {} jobs", kMaxSweepJobs));
    }
    job_count *= axis.values.size();
    axes.push_back(std::move(axis));
  }

  std::vector<std::vector<Override>> jobs;
  jobs.reserve(job_count);
  for (std::size_t job = 0; job < job_count; ++job) {
    std::vector<Override> job_overrides = overrides;
    // Mixed-radix digits of the job number, the last axis counting fastest.
    std::size_t remainder = job;
    for (auto axis = axes.rbegin(); axis != axes.rend(); ++axis) {
      const std::size_t radix = axis->values.size();
      Override& chosen = job_overrides[axis->position];
      chosen.value = axis->values[remainder % radix];
      chosen.sweep.reset();
      chosen.text = chosen.to_string();
      remainder /= radix;
    }
    jobs.push_back(std::move(job_overrides));
  }
  return jobs;
}

std::vector<OverrideValue> range_values(const Sweep& sweep) {
  const std::string text = sweep.to_string();
  return range_values(sweep, syntax::Diagnostics(text));
}

bool glob_match(std::string_view pattern, std::string_view name) {
  std::size_t p = 0;
  std::size_t n = 0;
  std::size_t star = std::string_view::npos;  // the last '*' seen, to backtrack to
  std::size_t star_match = 0;                 // where in `name` that '*' currently stops
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_match = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++star_match;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace astraea::config
