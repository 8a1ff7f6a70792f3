// Budgets from a stored search: `method.budget_from: STUDY` names a search study in the same
// database; its best schedule (the first survivor of its last committed generation) becomes the
// job's explicit `method.budget`, so the trial's recorded config holds the numbers it ran with.
#pragma once

#include "config/experiment_options.h"

#include <string>

namespace astraea::driver {

// The best schedule of search study `study` in `db` as an override value "[0.3,0.5,...]". Throws
// kConfig when the study does not exist, has no committed generation, or its schedule does not
// have `steps` entries.
std::string stored_search_budget(const std::string& db, const std::string& study, int steps);

}  // namespace astraea::driver
