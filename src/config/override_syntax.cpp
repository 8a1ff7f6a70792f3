#include "config/override_syntax.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace astraea::config::syntax {
namespace {

constexpr std::string_view kEscapable = "\\()[]{}:=, ";
constexpr std::string_view kStructural = ",[]{}()='\"";
constexpr unsigned char kFirstPrintable = 0x20;
constexpr unsigned char kDeleteCharacter = 0x7f;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignoring_case(std::string_view word, std::string_view lowercase) {
  if (word.size() != lowercase.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (lower(word[i]) != lowercase[i]) return false;
  }
  return true;
}

// Length of a run of digits starting at `pos`, where single '_' may separate two digits.
std::size_t digit_run(std::string_view text, std::size_t pos) {
  std::size_t i = pos;
  if (i >= text.size() || !is_digit(text[i])) return 0;
  ++i;
  while (i < text.size()) {
    if (is_digit(text[i])) {
      ++i;
    } else if (text[i] == '_' && i + 1 < text.size() && is_digit(text[i + 1])) {
      i += 2;
    } else {
      break;
    }
  }
  return i - pos;
}

std::string_view without_sign(std::string_view word) {
  if (!word.empty() && (word.front() == '+' || word.front() == '-')) word.remove_prefix(1);
  return word;
}

// 0, or a nonzero digit followed by digits with '_' separators.
bool is_int_body(std::string_view body) {
  if (body == "0") return true;
  if (body.empty() || body.front() == '0') return false;
  return digit_run(body, 0) == body.size();
}

// inf, nan, or digits with a '.' and/or an exponent: 1.5  .5  1.  1e3  1_000.25e-2
bool is_float_body(std::string_view body) {
  if (equals_ignoring_case(body, "inf") || equals_ignoring_case(body, "nan")) return true;
  std::size_t i = digit_run(body, 0);
  const bool has_int_digits = i > 0;
  bool has_point = false;
  bool has_fraction_digits = false;
  if (i < body.size() && body[i] == '.') {
    has_point = true;
    const std::size_t fraction = digit_run(body, i + 1);
    has_fraction_digits = fraction > 0;
    i += 1 + fraction;
  }
  if (!has_int_digits && !has_fraction_digits) return false;
  bool has_exponent = false;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    const std::size_t exponent_start = i;
    while (i < body.size() && is_digit(body[i])) ++i;
    if (i == exponent_start) return false;
    has_exponent = true;
  }
  return i == body.size() && (has_point || has_exponent);
}

std::string without_underscores(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c != '_') out += c;
  }
  return out;
}

// Index just past the quoted string that starts at text[start], or npos when unclosed.
std::size_t quoted_end(std::string_view text, std::size_t start) {
  const char quote = text[start];
  for (std::size_t i = start + 1; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == quote) {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// The values of words that scalar_kind calls kInt or kFloat; nullopt when out of range.
std::optional<std::int64_t> int_value(std::string_view word) {
  std::string digits = without_underscores(word);
  if (!digits.empty() && digits.front() == '+') digits.erase(0, 1);
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

std::optional<double> float_value(std::string_view word) {
  const bool negative = !word.empty() && word.front() == '-';
  const std::string_view body = without_sign(word);
  double value = 0;
  if (equals_ignoring_case(body, "inf")) {
    value = std::numeric_limits<double>::infinity();
  } else if (equals_ignoring_case(body, "nan")) {
    value = std::numeric_limits<double>::quiet_NaN();
  } else {
    const std::string digits = without_underscores(body);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (error != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  }
  return negative ? -value : value;
}

}  // namespace

bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool is_control(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return (byte < kFirstPrintable || byte == kDeleteCharacter) && !is_blank(c);
}

bool is_escapable(char c) { return kEscapable.find(c) != std::string_view::npos; }
bool is_structural(char c) { return kStructural.find(c) != std::string_view::npos; }
bool is_key_char(char c) { return is_letter(c) || is_digit(c) || c == '_' || c == '-'; }
bool is_dict_key_char(char c) { return is_key_char(c) || c == '.' || c == '/'; }
bool is_identifier_start(char c) { return is_letter(c) || c == '_'; }
bool is_identifier_char(char c) { return is_letter(c) || is_digit(c) || c == '_'; }

ScalarKind scalar_kind(std::string_view word) {
  if (equals_ignoring_case(word, "null")) return ScalarKind::kNull;
  if (equals_ignoring_case(word, "true") || equals_ignoring_case(word, "false")) return ScalarKind::kBool;
  const std::string_view body = without_sign(word);
  if (is_int_body(body)) return ScalarKind::kInt;
  if (is_float_body(body)) return ScalarKind::kFloat;
  return ScalarKind::kString;
}

OverrideValue typed_word(std::string word, std::size_t position, const Diagnostics& diagnostics) {
  switch (scalar_kind(word)) {
    case ScalarKind::kNull:
      return OverrideValue{};
    case ScalarKind::kBool:
      return OverrideValue{word.front() == 't' || word.front() == 'T'};
    case ScalarKind::kInt: {
      const auto value = int_value(word);
      if (!value) diagnostics.fail_at(position, fmt::format("integer '{}' is out of range", word));
      return OverrideValue{*value};
    }
    case ScalarKind::kFloat: {
      const auto value = float_value(word);
      if (!value) diagnostics.fail_at(position, fmt::format("float '{}' is out of range", word));
      return OverrideValue{*value};
    }
    case ScalarKind::kString:
      break;
  }
  return OverrideValue{std::move(word)};
}

std::size_t interpolation_end(std::string_view text, std::size_t start) {
  std::size_t depth = 0;
  std::size_t i = start + 1;  // at the '{' of "${"
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\\') {
      i += 2;
      continue;
    }
    if (c == '\'' || c == '"') {
      i = quoted_end(text, i);
      if (i == std::string_view::npos) return i;
      continue;
    }
    if (c == '{') {
      ++depth;
    } else if (c == '}') {
      --depth;
      if (depth == 0) return i + 1;
    }
    ++i;
  }
  return std::string_view::npos;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (is_control(c)) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::size_t> range_length(const Sweep& sweep) {
  if (sweep.range_is_integer) {
    const auto start = static_cast<std::int64_t>(sweep.start);
    const auto stop = static_cast<std::int64_t>(sweep.stop);
    const auto step = static_cast<std::int64_t>(sweep.step);
    const std::int64_t distance = stop - start;
    if (step == 0 || distance == 0 || (distance > 0) != (step > 0)) return std::size_t{0};
    const std::uint64_t magnitude = distance > 0 ? distance : -distance;
    const std::uint64_t stride = step > 0 ? step : -step;
    const std::uint64_t length = (magnitude + stride - 1) / stride;
    if (length > kMaxSweepValues) return std::nullopt;
    return static_cast<std::size_t>(length);
  }
  const double start = sweep.start;
  const double stop = sweep.stop;
  const double step = sweep.step;
  const double span = (stop - start) / step;
  if (!(span > 0)) return std::size_t{0};
  if (span > static_cast<double>(kMaxSweepValues) + 1) return std::nullopt;
  const auto before_stop = [&](std::size_t i) {
    const double value = start + static_cast<double>(i) * step;
    return step > 0 ? value < stop : value > stop;
  };
  auto length = static_cast<std::size_t>(std::ceil(span));
  while (length > 0 && !before_stop(length - 1)) --length;
  while (length <= kMaxSweepValues && before_stop(length)) ++length;
  if (length > kMaxSweepValues) return std::nullopt;
  return length;
}

OverrideValue range_point(const Sweep& sweep, std::size_t index) {
  if (sweep.range_is_integer) {
    const auto start = static_cast<std::int64_t>(sweep.start);
    const auto step = static_cast<std::int64_t>(sweep.step);
    return OverrideValue{start + static_cast<std::int64_t>(index) * step};
  }
  return OverrideValue{sweep.start + static_cast<double>(index) * sweep.step};
}

void Diagnostics::fail(std::string_view problem) const {
  astraea::fail(ErrorKind::kConfig, "override '{}': {}", printable(text_), printable(problem));
}

void Diagnostics::fail_at(std::size_t position, std::string_view problem) const {
  astraea::fail(ErrorKind::kConfig, "override '{}': {} at column {}", printable(text_), printable(problem),
                position + 1);
}

void Diagnostics::fail_near(std::optional<std::size_t> position, std::string_view problem) const {
  if (position) fail_at(*position, problem);
  fail(problem);
}

}  // namespace astraea::config::syntax
