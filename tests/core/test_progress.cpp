// The progress line: bar, counts, ETA arithmetic and duration formatting, worked by hand.
#include "core/progress.h"
#include "support/catch.h"

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

using astraea::format_duration;
using astraea::ProgressBar;

TEST_CASE("durations read naturally", "[core][progress]") {
  CHECK(format_duration(0) == "0s");
  CHECK(format_duration(59.4) == "59s");
  CHECK(format_duration(185) == "3m05s");
  CHECK(format_duration(3720) == "1h02m");
  CHECK(format_duration(-1) == "?");
}

TEST_CASE("the line shows bar, counts, elapsed, ETA and rate", "[core][progress]") {
  // 5 of 20 done after 10 s: 25%, rate 0.5/s, so the remaining 15 take 30 s.
  const std::string line = ProgressBar::render("trials", 5, 20, 10.0, "loss 0.5", 8);
  CHECK(line == "trials [##......] 5/20  25% 10s elapsed, ETA 30s, 2.0s/it | loss 0.5");
  // Done: no ETA; 100 items in 4 s is 25/s.
  CHECK(ProgressBar::render("jobs", 100, 100, 4.0, "", 4) == "jobs [####] 100/100 100% 4s elapsed, 25.0/s");
  // Nothing done yet: unknown ETA.
  CHECK(ProgressBar::render("x", 0, 3, 0.0, "", 3) == "x [...] 0/3   0% 0s elapsed, ETA ?");
}

TEST_CASE("progress is silent when stdout is not a terminal", "[core][progress]") {
  unsetenv("ASTRAEA_PROGRESS");
  ProgressBar bar("quiet", 3);  // the test runner's stdout is a pipe or file under CTest
  bar.advance(3);
  if (!isatty(fileno(stdout))) CHECK_FALSE(bar.enabled());
  setenv("ASTRAEA_PROGRESS", "0", 1);
  CHECK_FALSE(ProgressBar("off", 1).enabled());
  unsetenv("ASTRAEA_PROGRESS");
}
