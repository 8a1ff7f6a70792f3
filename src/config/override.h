// The command-line override language (Hydra's grammar, the subset astraea supports).
//
//   key=value        change an existing key (or pick a group option: model=cogvideox_2b)
//   +key=value       add a key that must not exist yet
//   ++key=value      add or change
//   ~key  ~key=value delete (the value, if given, must match)
//   group@pkg=opt    pick a group option into another package
//
// Keys are segments of letters, digits, '_' and '-' joined by '.' (a.b.0) or, for group paths, by
// '/' (hydra/launcher); a package is joined by '.'.
//
// Values: null, true/false (any case), ints (1_000), floats (1e-3, .5, inf, nan), unquoted strings
// (trimmed; with \-escapes for the characters \()[]{}:=, and space; `key=` gives ""), 'single' or
// "double" quoted strings (\' \" \\ escapes), lists [a,b], dicts {k:v}, and ${...} interpolations
// kept as text. A sweep is a whole value that names several: a,b,c  choice(a,b)
// range(start,stop[,step])  glob(include[,exclude]); it may add (+, ++) but not delete (~).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace astraea::config {

struct OverrideValue;
using OverrideList = std::vector<OverrideValue>;
using OverrideDict = std::vector<std::pair<std::string, OverrideValue>>;  // insertion order kept

struct QuotedString {
  std::string text;
  bool operator==(const QuotedString&) const = default;
};

// A scalar or container value as written on the command line.
struct OverrideValue {
  // Unquoted strings are kept apart from quoted ones: "1" stays a string, 1 becomes an int.
  using Data = std::variant<std::monostate /* null */, bool, std::int64_t, double, std::string, QuotedString,
                            OverrideList, OverrideDict>;
  Data data;

  // Declared constructors (rather than aggregate initialisation) let clang with libstdc++ complete
  // the recursive variant; OverrideValue{x} works for any x that Data accepts.
  OverrideValue() = default;
  OverrideValue(Data value) : data(std::move(value)) {}

  bool is_null() const { return std::holds_alternative<std::monostate>(data); }
  // The value rendered back into override syntax; parse_override(key + "=" + v.to_string())
  // gives the same value (used for job names and overrides.yaml).
  // At the top level an empty plain string renders as nothing (`key=`); a plain string that would
  // read back as another type (`1`, `true`) or holds characters with no escape renders quoted.
  std::string to_string() const;
  // Structural equality, except that any two NaNs are equal (so that `x=nan` round-trips).
  bool operator==(const OverrideValue& other) const;
};

enum class SweepKind {
  kSimple,  // a,b,c
  kChoice,  // choice(a,b,c)
  kRange,   // range(start, stop[, step]); ints or floats, stop excluded
  kGlob,    // glob(include[, exclude]) over a config group's options
};

struct Sweep {
  SweepKind kind = SweepKind::kSimple;
  std::vector<OverrideValue> values;         // kSimple, kChoice
  double start = 0, stop = 0, step = 1;      // kRange
  bool range_is_integer = true;              // kRange: all of start/stop/step were ints
  std::vector<std::string> include, exclude; // kGlob patterns with * and ?

  // The sweep in override syntax: a,b  choice(a)  range(0,5,1)  glob(include=[a*],exclude=[b])
  std::string to_string() const;
  bool operator==(const Sweep&) const = default;
};

enum class OverrideKind { kChange, kAdd, kForceAdd, kDelete };

struct Override {
  OverrideKind kind = OverrideKind::kChange;
  std::string key;                       // dotted path, e.g. method.sparsity
  std::optional<std::string> package;    // the @pkg part of group@pkg=opt
  std::optional<OverrideValue> value;    // absent only for `~key`
  std::optional<Sweep> sweep;            // set instead of `value` for sweeps
  std::string text;                      // the override as the user typed it

  bool is_sweep() const { return sweep.has_value(); }
  // The override rebuilt from kind, key, package and value or sweep (not from `text`).
  std::string to_string() const;
  bool operator==(const Override&) const = default;
};

// Limits that keep a typo from asking for millions of jobs or overflowing the parser's stack.
inline constexpr std::size_t kMaxOverrideNesting = 64;     // brackets, braces and parentheses
inline constexpr std::size_t kMaxSweepValues = 10'000;     // values one sweep may name
inline constexpr std::size_t kMaxSweepJobs = 100'000;      // jobs one expansion may produce

// Parses one override. Throws astraea::Error (kind kConfig) with a one-line message naming the
// override and the position of the problem, e.g. "override 'a.b=[1,2': unclosed '[' opened at column 5".
Override parse_override(std::string_view text);

// Expands the sweeps in `overrides` into jobs: the cartesian product, in the order the sweeps
// were given, first sweep varying slowest (like itertools.product). Non-sweep overrides are copied
// into every job; in their place each sweep puts an override with the chosen `value`, no `sweep`,
// and `text` re-rendered by Override::to_string. `group_options(key)` lists the options of a config
// group, for glob() (sorted, then filtered; it may be empty when no glob is used).
// Job numbers are the indices of the returned vector and depend only on the overrides.
std::vector<std::vector<Override>> expand_sweeps(
    const std::vector<Override>& overrides,
    const std::function<std::vector<std::string>(const std::string& group)>& group_options);

// The values of a kRange sweep, start + i*step for i = 0, 1, ... while before stop: ints when
// range_is_integer, else doubles. Throws (kConfig) when the range is empty or too long.
std::vector<OverrideValue> range_values(const Sweep& sweep);

// Shell-style match of a whole name: '*' is any run of characters, '?' any one character.
bool glob_match(std::string_view pattern, std::string_view name);

}  // namespace astraea::config
