#include "core/progress.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string_view>
#include <unistd.h>

namespace astraea {
namespace {

constexpr int kBarWidth = 28;
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

bool progress_wanted() {
  if (const char* forced = std::getenv("ASTRAEA_PROGRESS")) return std::string_view(forced) != "0";
  return isatty(fileno(stdout)) != 0;
}

}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto total = static_cast<long long>(std::llround(seconds));
  const long long h = total / 3600;
  const long long m = (total % 3600) / 60;
  const long long s = total % 60;
  if (h > 0) return fmt::format("{}h{:02}m", h, m);
  if (m > 0) return fmt::format("{}m{:02}s", m, s);
  return fmt::format("{}s", s);
}

std::string ProgressBar::render(const std::string& label, std::size_t done, std::size_t total, double elapsed_s,
                                const std::string& postfix, int width) {
  const double fraction = total == 0 ? 1.0 : std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
  const int filled = static_cast<int>(std::floor(fraction * width));
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(width - filled), '.');
  const double rate = elapsed_s > 0 ? static_cast<double>(done) / elapsed_s : 0.0;
  const double eta = (done > 0 && done < total) ? elapsed_s * static_cast<double>(total - done) / static_cast<double>(done) : 0.0;
  std::string line = fmt::format("{} [{}] {}/{} {:3.0f}% {} elapsed", label, bar, done, total, 100.0 * fraction,
                                 format_duration(elapsed_s));
  if (done < total) line += fmt::format(", ETA {}", done > 0 ? format_duration(eta) : std::string("?"));
  if (rate > 0) line += rate >= 1.0 ? fmt::format(", {:.1f}/s", rate) : fmt::format(", {:.1f}s/it", 1.0 / rate);
  if (!postfix.empty()) line += " | " + postfix;
  return line;
}

ProgressBar::ProgressBar(std::string label, std::size_t total)
    : label_(std::move(label)), total_(total), enabled_(progress_wanted()), start_(Clock::now()), last_draw_(start_) {
  draw(true);
}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::advance(std::size_t n) {
  done_ += n;
  draw(done_ >= total_);
}

void ProgressBar::set_postfix(std::string postfix) {
  postfix_ = std::move(postfix);
  draw(false);
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  if (!enabled_) return;
  std::fputs("\r\033[2K", stdout);
  std::fflush(stdout);
}

void ProgressBar::draw(bool force) {
  if (!enabled_ || finished_) return;
  const auto now = Clock::now();
  if (!force && now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const std::string line = render(label_, done_, total_, elapsed, postfix_, kBarWidth);
  std::fputs(("\r\033[2K" + line).c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace astraea
