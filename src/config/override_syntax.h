// Lexical rules of the override language, shared by the parser, the renderer and the sweep
// expansion. Internal to src/config: other layers use config/override.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/override.h"

namespace astraea::config::syntax {

// Doubles hold every integer up to 2^53 exactly; integer range bounds must stay within it.
inline constexpr std::int64_t kMaxExactInteger = std::int64_t{1} << std::numeric_limits<double>::digits;

bool is_blank(char c);       // space or tab: trimmed around values
bool is_control(char c);     // other ASCII control characters: only inside quotes or ${...}
bool is_escapable(char c);   // what a backslash escapes in unquoted text: \ ( ) [ ] { } : = , and space
bool is_structural(char c);  // ends unquoted text: , [ ] { } ( ) = ' "
bool is_key_char(char c);    // letters, digits, '_' and '-': key and package segments
bool is_dict_key_char(char c);  // is_key_char plus '.' and '/'
bool is_identifier_start(char c);  // letters and '_'
bool is_identifier_char(char c);   // letters, digits and '_'

// What an unquoted word (already trimmed, free of escapes) reads as.
enum class ScalarKind { kString, kNull, kBool, kInt, kFloat };
ScalarKind scalar_kind(std::string_view word);

// `text[start]` begins "${": returns the index just past the matching '}' (nested braces, quoted
// strings and backslash escapes inside are skipped over), or npos when it is never closed.
std::size_t interpolation_end(std::string_view text, std::size_t start);

// The text with control characters written as \xNN, so that messages stay on one line.
std::string printable(std::string_view text);

// Number of values of a kRange sweep; 0 when empty, nullopt when more than kMaxSweepValues.
std::optional<std::size_t> range_length(const Sweep& sweep);
// The i-th value of a kRange sweep: start + i*step, an int when range_is_integer.
OverrideValue range_point(const Sweep& sweep, std::size_t index);

// Builds the one-line kConfig errors for one override's text.
class Diagnostics {
 public:
  explicit Diagnostics(std::string_view text) : text_(text) {}

  // "override 'TEXT': PROBLEM"
  [[noreturn]] void fail(std::string_view problem) const;
  // "override 'TEXT': PROBLEM at column N" (N counts from 1)
  [[noreturn]] void fail_at(std::size_t position, std::string_view problem) const;
  // fail_at when the position is known, else fail.
  [[noreturn]] void fail_near(std::optional<std::size_t> position, std::string_view problem) const;

 private:
  std::string_view text_;
};

// The value an unquoted word (trimmed, free of escapes) stands for: null, a bool, an int, a float
// or else the word itself. A number out of range is an error at `position`.
OverrideValue typed_word(std::string word, std::size_t position, const Diagnostics& diagnostics);

// Checks a kRange sweep: finite bounds, exact integers when range_is_integer, a nonzero step that
// leads from start towards stop, between 1 and kMaxSweepValues distinct values.
void check_range(const Sweep& sweep, const Diagnostics& diagnostics, std::optional<std::size_t> position);

// A function argument as written: `value` or `name=value`, at byte `position` of the override.
struct FunctionArgument {
  std::optional<std::string> name;
  OverrideValue value;
  std::size_t position = 0;
};

// Builds the sweep for choice(...), range(...) or glob(...) from its arguments, checking them.
// `name_position` is where the function's name starts.
bool is_sweep_function(std::string_view name);
Sweep make_sweep(std::string_view name, std::size_t name_position, const std::vector<FunctionArgument>& arguments,
                 const Diagnostics& diagnostics);

}  // namespace astraea::config::syntax
