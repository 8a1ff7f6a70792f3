// Builders for expected override values, shared by the override tests.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "config/override.h"
#include "support/catch.h"

namespace astraea::config::testing {

inline OverrideValue null_value() { return OverrideValue{}; }
inline OverrideValue boolean(bool value) { return OverrideValue{value}; }
inline OverrideValue integer(std::int64_t value) { return OverrideValue{value}; }
inline OverrideValue real(double value) { return OverrideValue{value}; }
inline OverrideValue word(std::string text) { return OverrideValue{std::move(text)}; }
inline OverrideValue quoted(std::string text) { return OverrideValue{QuotedString{std::move(text)}}; }
inline OverrideValue list(std::vector<OverrideValue> items) { return OverrideValue{OverrideList(std::move(items))}; }
inline OverrideValue dict(OverrideDict entries) { return OverrideValue{std::move(entries)}; }

}  // namespace astraea::config::testing

namespace Catch {

template <>
struct StringMaker<astraea::config::OverrideValue> {
  static std::string convert(const astraea::config::OverrideValue& value) { return value.to_string(); }
};

}  // namespace Catch
