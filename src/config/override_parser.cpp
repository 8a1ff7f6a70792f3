// A recursive-descent parser for one command-line override (see config/override.h for the language).
#include <fmt/format.h>

#include <algorithm>

#include "config/override.h"
#include "config/override_syntax.h"

namespace astraea::config {
namespace {

using syntax::Diagnostics;
using syntax::FunctionArgument;

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text), diagnostics_(text) {}

  Override parse() {
    Override result;
    result.text = std::string(text_);
    result.kind = parse_prefix();
    result.key = parse_path("key", /*is_key=*/true);
    if (peek_is('@')) {
      ++pos_;
      result.package = parse_path("package", /*is_key=*/false);
    }
    if (at_end()) {
      if (result.kind != OverrideKind::kDelete) diagnostics_.fail_at(pos_, "missing '=' after the key");
      return result;
    }
    ++pos_;  // parse_path stops only at the end, '@' or '='
    parse_value(result);
    return result;
  }

 private:
  // Counts one level of [, { or ( for as long as it lives; deep nesting is an error, not a crash.
  class NestingGuard {
   public:
    NestingGuard(Parser& parser, std::size_t position) : parser_(parser) {
      if (++parser_.depth_ > kMaxOverrideNesting) {
        parser_.diagnostics_.fail_at(position, fmt::format("nesting deeper than {} levels", kMaxOverrideNesting));
      }
    }
    ~NestingGuard() { --parser_.depth_; }
    NestingGuard(const NestingGuard&) = delete;
    NestingGuard& operator=(const NestingGuard&) = delete;

   private:
    Parser& parser_;
  };

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  bool peek_is(char c) const { return !at_end() && peek() == c; }

  void skip_blanks() {
    while (!at_end() && syntax::is_blank(peek())) ++pos_;
  }

  [[noreturn]] void fail_unclosed(std::string_view opener, std::size_t position) const {
    diagnostics_.fail(fmt::format("unclosed {} opened at column {}", opener, position + 1));
  }

  // "unexpected 'c' CONTEXT (expected EXPECTED)"; without `expected`, suggests the escape if one exists.
  [[noreturn]] void fail_unexpected(std::string_view context, std::string_view expected = {}) const {
    const char c = peek();
    const std::string shown = (c == '\'' || c == '"') ? fmt::format("quote ({})", c) : fmt::format("'{}'", c);
    std::string hint;
    if (!expected.empty()) {
      hint = fmt::format(" (expected {})", expected);
    } else if (syntax::is_structural(c) && c != '\'' && c != '"') {
      hint = fmt::format(" (write '\\{}' for a literal one)", c);
    }
    diagnostics_.fail_at(pos_, fmt::format("unexpected {} {}{}", shown, context, hint));
  }

  OverrideKind parse_prefix() {
    OverrideKind kind = OverrideKind::kChange;
    std::string_view prefix;
    if (text_.starts_with("++")) {
      kind = OverrideKind::kForceAdd;
      prefix = "++";
    } else if (text_.starts_with("+")) {
      kind = OverrideKind::kAdd;
      prefix = "+";
    } else if (text_.starts_with("~")) {
      kind = OverrideKind::kDelete;
      prefix = "~";
    }
    pos_ = prefix.size();
    if (peek_is('+') || peek_is('~')) {
      diagnostics_.fail_at(pos_, fmt::format("unexpected '{}' after the prefix '{}'", peek(), prefix));
    }
    return kind;
  }

  // A key (segments joined by '.', or by '/' for a group; ends at '@', '=' or the end) or a
  // package (segments joined by '.'; ends at '=' or the end).
  std::string parse_path(std::string_view what, bool is_key) {
    const std::size_t start = pos_;
    std::size_t segment_start = pos_;
    char separator = 0;
    while (!at_end() && peek() != '=' && !(is_key && peek() == '@')) {
      const char c = peek();
      if (c == '.' || (is_key && c == '/')) {
        if (pos_ == segment_start) diagnostics_.fail_at(pos_, fmt::format("empty {} segment", what));
        if (separator != 0 && separator != c) {
          diagnostics_.fail_at(pos_, fmt::format("{} mixes '.' and '/' separators", what));
        }
        separator = c;
        segment_start = ++pos_;
        continue;
      }
      if (!syntax::is_key_char(c)) {
        diagnostics_.fail_at(pos_, fmt::format("unexpected character '{}' in the {}", c, what));
      }
      if (c == '-' && pos_ == segment_start) {
        diagnostics_.fail_at(pos_, fmt::format("a {} segment cannot start with '-'", what));
      }
      ++pos_;
    }
    if (pos_ == start) diagnostics_.fail_at(pos_, fmt::format("empty {}", what));
    if (pos_ == segment_start) diagnostics_.fail_at(pos_, fmt::format("empty {} segment", what));
    return std::string(text_.substr(start, pos_ - start));
  }

  void parse_value(Override& result) {
    skip_blanks();
    const std::size_t value_start = pos_;
    if (at_end()) {
      if (result.kind == OverrideKind::kDelete) {
        diagnostics_.fail_at(pos_, "missing value after '=' (write '~key' to delete whatever the value)");
      }
      result.value = OverrideValue{std::string()};
      return;
    }
    if (const auto name = function_name_here()) {
      Sweep sweep = parse_function(*name);
      skip_blanks();
      if (peek_is(',')) diagnostics_.fail_at(pos_, "a sweep function cannot be joined to other values with ','");
      if (!at_end()) fail_unexpected("after the sweep");
      set_sweep(result, std::move(sweep), value_start);
      return;
    }
    OverrideValue first = parse_element();
    skip_blanks();
    if (at_end()) {
      result.value = std::move(first);
      return;
    }
    if (!peek_is(',')) fail_unexpected("after the value");
    Sweep sweep;
    sweep.kind = SweepKind::kSimple;
    sweep.values.push_back(std::move(first));
    while (peek_is(',')) {
      ++pos_;
      skip_blanks();
      if (at_end() || peek_is(',')) diagnostics_.fail_at(pos_, "missing sweep value after ','");
      sweep.values.push_back(parse_element());
      skip_blanks();
    }
    if (!at_end()) fail_unexpected("after the sweep value");
    set_sweep(result, std::move(sweep), value_start);
  }

  void set_sweep(Override& result, Sweep sweep, std::size_t value_start) const {
    if (result.kind == OverrideKind::kDelete) diagnostics_.fail_at(value_start, "a delete override cannot sweep");
    result.sweep = std::move(sweep);
  }

  // One value: a list, dict, quoted string or unquoted word (no sweeps).
  OverrideValue parse_element() {
    skip_blanks();
    if (at_end()) diagnostics_.fail_at(pos_, "missing value");
    const char c = peek();
    if (c == '[') return parse_list();
    if (c == '{') return parse_dict();
    if (c == '\'' || c == '"') return OverrideValue{parse_quoted()};
    if (const auto name = function_name_here()) {
      if (syntax::is_sweep_function(*name)) {
        diagnostics_.fail_at(pos_, fmt::format("sweep '{}(...)' must be the whole value", *name));
      }
      diagnostics_.fail_at(pos_, fmt::format("unknown function '{}' (sweeps are choice, range and glob)", *name));
    }
    if (syntax::is_structural(c)) fail_unexpected("where a value should be");
    return parse_unquoted();
  }

  OverrideValue parse_list() {
    const std::size_t open = pos_;
    const NestingGuard guard(*this, open);
    ++pos_;
    OverrideList items;
    skip_blanks();
    if (peek_is(']')) {
      ++pos_;
      return OverrideValue{std::move(items)};
    }
    while (true) {
      skip_blanks();
      if (at_end()) fail_unclosed("'['", open);
      if (peek_is(',') || peek_is(']')) diagnostics_.fail_at(pos_, "missing list element");
      items.push_back(parse_element());
      skip_blanks();
      if (at_end()) fail_unclosed("'['", open);
      if (peek() == ']') break;
      if (peek() != ',') fail_unexpected("after a list element", "',' or ']'");
      ++pos_;
    }
    ++pos_;
    return OverrideValue{std::move(items)};
  }

  OverrideValue parse_dict() {
    const std::size_t open = pos_;
    const NestingGuard guard(*this, open);
    ++pos_;
    OverrideDict entries;
    skip_blanks();
    if (peek_is('}')) {
      ++pos_;
      return OverrideValue{std::move(entries)};
    }
    while (true) {
      skip_blanks();
      if (at_end()) fail_unclosed("'{'", open);
      const std::size_t key_position = pos_;
      std::string key = parse_dict_key();
      const auto same_key = [&](const auto& entry) { return entry.first == key; };
      if (std::any_of(entries.begin(), entries.end(), same_key)) {
        diagnostics_.fail_at(key_position, fmt::format("duplicate dict key '{}'", key));
      }
      skip_blanks();
      if (at_end()) fail_unclosed("'{'", open);
      if (peek() != ':') fail_unexpected(fmt::format("after dict key '{}'", key), "':'");
      ++pos_;
      skip_blanks();
      if (at_end()) fail_unclosed("'{'", open);
      if (peek_is(',') || peek_is('}')) diagnostics_.fail_at(pos_, fmt::format("missing value for dict key '{}'", key));
      entries.emplace_back(std::move(key), parse_element());
      skip_blanks();
      if (at_end()) fail_unclosed("'{'", open);
      if (peek() == '}') break;
      if (peek() != ',') fail_unexpected("after a dict value", "',' or '}'");
      ++pos_;
    }
    ++pos_;
    return OverrideValue{std::move(entries)};
  }

  std::string parse_dict_key() {
    if (peek_is('\'') || peek_is('"')) return parse_quoted().text;
    const std::size_t start = pos_;
    while (!at_end() && syntax::is_dict_key_char(peek())) ++pos_;
    if (pos_ == start) {
      if (at_end()) diagnostics_.fail_at(pos_, "missing dict key");
      diagnostics_.fail_at(pos_, fmt::format("expected a dict key, found '{}'", peek()));
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  // 'text' or "text"; a backslash escapes the quote character and itself, and is literal otherwise.
  QuotedString parse_quoted() {
    const char quote = peek();
    const std::size_t open = pos_++;
    std::string out;
    while (!at_end()) {
      const char c = peek();
      if (c == '\\' && pos_ + 1 < text_.size() && (text_[pos_ + 1] == quote || text_[pos_ + 1] == '\\')) {
        out += text_[pos_ + 1];
        pos_ += 2;
        continue;
      }
      ++pos_;
      if (c == quote) return QuotedString{std::move(out)};
      out += c;
    }
    fail_unclosed(quote == '\'' ? "quote (')" : "quote (\")", open);
  }

  // An unquoted word up to the next structural character, trimmed; typed unless escaped or interpolated.
  OverrideValue parse_unquoted() {
    const std::size_t start = pos_;
    std::string out;
    std::string pending_blanks;
    bool literal = false;
    while (!at_end() && !syntax::is_structural(peek())) {
      const char c = peek();
      if (syntax::is_blank(c)) {
        if (!out.empty()) pending_blanks += c;
        ++pos_;
        continue;
      }
      if (syntax::is_control(c)) diagnostics_.fail_at(pos_, "unexpected control character");
      out += pending_blanks;
      pending_blanks.clear();
      if (c == '\\' && pos_ + 1 < text_.size() && syntax::is_escapable(text_[pos_ + 1])) {
        out += text_[pos_ + 1];
        pos_ += 2;
        literal = true;
      } else if (c == '$' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '{') {
        const std::size_t end = syntax::interpolation_end(text_, pos_);
        if (end == std::string_view::npos) fail_unclosed("'${'", pos_);
        out.append(text_.substr(pos_, end - pos_));
        pos_ = end;
        literal = true;
      } else {
        out += c;
        ++pos_;
      }
    }
    if (literal) return OverrideValue{std::move(out)};
    return syntax::typed_word(std::move(out), start, diagnostics_);
  }

  // The name when an identifier directly followed by '(' starts here.
  std::optional<std::string> function_name_here() const {
    std::size_t i = pos_;
    if (i >= text_.size() || !syntax::is_identifier_start(text_[i])) return std::nullopt;
    while (i < text_.size() && syntax::is_identifier_char(text_[i])) ++i;
    if (i >= text_.size() || text_[i] != '(') return std::nullopt;
    return std::string(text_.substr(pos_, i - pos_));
  }

  // `name=` at the start of a function argument: consumes it and returns the name.
  std::optional<std::string> argument_name_here() {
    std::size_t i = pos_;
    if (i >= text_.size() || !syntax::is_identifier_start(text_[i])) return std::nullopt;
    while (i < text_.size() && syntax::is_identifier_char(text_[i])) ++i;
    const std::size_t name_end = i;
    while (i < text_.size() && syntax::is_blank(text_[i])) ++i;
    if (i >= text_.size() || text_[i] != '=') return std::nullopt;
    std::string name(text_.substr(pos_, name_end - pos_));
    pos_ = i + 1;
    return name;
  }

  Sweep parse_function(const std::string& name) {
    const std::size_t name_position = pos_;
    if (!syntax::is_sweep_function(name)) {
      diagnostics_.fail_at(pos_, fmt::format("unknown function '{}' (sweeps are choice, range and glob)", name));
    }
    pos_ += name.size();
    const std::size_t open = pos_++;
    const NestingGuard guard(*this, open);
    std::vector<FunctionArgument> arguments;
    skip_blanks();
    if (peek_is(')')) {
      ++pos_;
      return syntax::make_sweep(name, name_position, arguments, diagnostics_);
    }
    while (true) {
      skip_blanks();
      if (at_end()) fail_unclosed("'('", open);
      FunctionArgument argument;
      argument.position = pos_;
      argument.name = argument_name_here();
      skip_blanks();
      if (at_end()) fail_unclosed("'('", open);
      if (peek_is(',') || peek_is(')')) diagnostics_.fail_at(pos_, fmt::format("missing argument of {}()", name));
      argument.value = parse_element();
      arguments.push_back(std::move(argument));
      skip_blanks();
      if (at_end()) fail_unclosed("'('", open);
      if (peek() == ')') break;
      if (peek() != ',') fail_unexpected(fmt::format("after an argument of {}()", name), "',' or ')'");
      ++pos_;
    }
    ++pos_;
    return syntax::make_sweep(name, name_position, arguments, diagnostics_);
  }

  std::string_view text_;
  Diagnostics diagnostics_;
  std::size_t pos_ = 0;
  std::size_t depth_ = 0;
};

}  // namespace

Override parse_override(std::string_view text) { return Parser(text).parse(); }

}  // namespace astraea::config
