// Rendering overrides, values and sweeps back into override syntax, and value equality.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "config/override.h"
#include "config/override_syntax.h"

namespace astraea::config {
namespace {

// Characters of a rendered double that already mark it as a float: "1.5", "1e+20", "inf", "nan".
constexpr std::string_view kFloatMarkers = ".eEn";
constexpr std::string_view kFloatSuffix = ".0";

void render(const OverrideValue& value, bool top_level, std::string& out);

std::string render_double(double value) {
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(kFloatMarkers) == std::string::npos) text += kFloatSuffix;
  return text;
}

void render_quoted(std::string_view text, std::string& out) {
  out += '\'';
  for (const char c : text) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  out += '\'';
}

// Whether `word` can be written unquoted so that it reads back as the same plain string: it must
// not read as another type, and outside its ${...} spans it may hold no quotes, no control
// characters and no tab at either end (spaces there are escaped).
bool renders_unquoted(std::string_view word) {
  if (word.empty() || syntax::scalar_kind(word) != syntax::ScalarKind::kString) return false;
  if (word.front() == '\t' || word.back() == '\t') return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (word[i] == '$' && i + 1 < word.size() && word[i + 1] == '{') {
      const std::size_t end = syntax::interpolation_end(word, i);
      if (end != std::string_view::npos) {
        i = end - 1;
        continue;
      }
    }
    if (word[i] == '\'' || word[i] == '"' || syntax::is_control(word[i])) return false;
  }
  return true;
}

void render_unquoted(std::string_view word, std::string& out) {
  const std::size_t last = word.size() - 1;
  for (std::size_t i = 0; i < word.size(); ++i) {
    const char c = word[i];
    if (c == '$' && i + 1 < word.size() && word[i + 1] == '{') {
      const std::size_t end = syntax::interpolation_end(word, i);
      if (end != std::string_view::npos) {
        out.append(word.substr(i, end - i));
        i = end - 1;
        continue;
      }
    }
    const bool edge_space = c == ' ' && (i == 0 || i == last);
    // A backslash reads as itself unless an escapable character follows it (or could, past the end).
    const bool escaping_backslash = c == '\\' && (i == last || syntax::is_escapable(word[i + 1]));
    const bool structural = c != '\\' && c != ' ' && c != ':' && syntax::is_escapable(c);
    if (edge_space || escaping_backslash || structural) out += '\\';
    out += c;
  }
}

void render_string(const std::string& word, bool top_level, std::string& out) {
  if (word.empty() && top_level) return;
  if (renders_unquoted(word)) {
    render_unquoted(word, out);
  } else {
    render_quoted(word, out);
  }
}

void render_dict_key(const std::string& key, std::string& out) {
  const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), syntax::is_dict_key_char);
  if (bare) {
    out += key;
  } else {
    render_quoted(key, out);
  }
}

template <typename Items, typename RenderItem>
void render_joined(const Items& items, RenderItem render_item, std::string& out) {
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ',';
    first = false;
    render_item(item);
  }
}

void render(const OverrideValue& value, bool top_level, std::string& out) {
  const auto& data = value.data;
  if (value.is_null()) {
    out += "null";
  } else if (const auto* flag = std::get_if<bool>(&data)) {
    out += *flag ? "true" : "false";
  } else if (const auto* integer = std::get_if<std::int64_t>(&data)) {
    out += fmt::format("{}", *integer);
  } else if (const auto* real = std::get_if<double>(&data)) {
    out += render_double(*real);
  } else if (const auto* word = std::get_if<std::string>(&data)) {
    render_string(*word, top_level, out);
  } else if (const auto* quoted = std::get_if<QuotedString>(&data)) {
    render_quoted(quoted->text, out);
  } else if (const auto* list = std::get_if<OverrideList>(&data)) {
    out += '[';
    render_joined(*list, [&](const OverrideValue& item) { render(item, false, out); }, out);
    out += ']';
  } else if (const auto* dict = std::get_if<OverrideDict>(&data)) {
    out += '{';
    render_joined(*dict, [&](const auto& entry) {
      render_dict_key(entry.first, out);
      out += ':';
      render(entry.second, false, out);
    }, out);
    out += '}';
  }
}

std::string render_range_bound(double bound, bool integer) {
  const bool exact = integer && std::trunc(bound) == bound &&
                     std::fabs(bound) <= static_cast<double>(syntax::kMaxExactInteger);
  return exact ? fmt::format("{}", static_cast<std::int64_t>(bound)) : render_double(bound);
}

void render_patterns(const std::vector<std::string>& patterns, std::string& out) {
  out += '[';
  render_joined(patterns, [&](const std::string& pattern) { render_string(pattern, false, out); }, out);
  out += ']';
}

std::string_view prefix_of(OverrideKind kind) {
  switch (kind) {
    case OverrideKind::kAdd:
      return "+";
    case OverrideKind::kForceAdd:
      return "++";
    case OverrideKind::kDelete:
      return "~";
    case OverrideKind::kChange:
      break;
  }
  return "";
}

}  // namespace

std::string OverrideValue::to_string() const {
  std::string out;
  render(*this, true, out);
  return out;
}

bool OverrideValue::operator==(const OverrideValue& other) const {
  if (data.index() != other.data.index()) return false;
  if (const auto* real = std::get_if<double>(&data)) {
    const double theirs = std::get<double>(other.data);
    return *real == theirs || (std::isnan(*real) && std::isnan(theirs));
  }
  return data == other.data;
}

std::string Sweep::to_string() const {
  std::string out;
  const auto render_value = [&](const OverrideValue& value) { render(value, false, out); };
  switch (kind) {
    case SweepKind::kSimple:
    case SweepKind::kChoice: {
      // A simple sweep needs two values to read back as one; fewer are written as choice().
      const bool as_choice = kind == SweepKind::kChoice || values.size() < 2;
      if (as_choice) out += "choice(";
      render_joined(values, render_value, out);
      if (as_choice) out += ')';
      break;
    }
    case SweepKind::kRange:
      out += fmt::format("range({},{},{})", render_range_bound(start, range_is_integer),
                         render_range_bound(stop, range_is_integer), render_range_bound(step, range_is_integer));
      break;
    case SweepKind::kGlob:
      out += "glob(include=";
      render_patterns(include, out);
      if (!exclude.empty()) {
        out += ",exclude=";
        render_patterns(exclude, out);
      }
      out += ')';
      break;
  }
  return out;
}

std::string Override::to_string() const {
  std::string out(prefix_of(kind));
  out += key;
  if (package) {
    out += '@';
    out += *package;
  }
  if (sweep) {
    out += '=';
    out += sweep->to_string();
  } else if (value) {
    out += '=';
    out += value->to_string();
  }
  return out;
}

}  // namespace astraea::config
