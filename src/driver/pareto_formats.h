// A Pareto table written as Markdown, CSV, LaTeX (booktabs) or JSON.
#pragma once

#include "driver/pareto_table.h"

#include <string>

namespace astraea::driver {

// format: md | csv | latex | json. Throws kConfig for anything else.
std::string render_pareto_table(const ParetoTable& table, const std::string& format);

}  // namespace astraea::driver
