#include "driver/search_budget.h"

#include "core/error.h"
#include "results/store.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

namespace astraea::driver {

std::string stored_search_budget(const std::string& db, const std::string& study, int steps) {
  results::StoreOptions options;
  options.read_only = true;
  options.create_if_missing = false;
  const results::Store store(db, options);
  const auto row = store.find_study(study);
  if (!row) fail(ErrorKind::kConfig, "method.budget_from: no study named '{}' in {}", study, db);
  const auto state = store.search_state(row->id, "search");
  if (!state) fail(ErrorKind::kConfig, "method.budget_from: study '{}' in {} has no search state (is it a search?)", study, db);
  const auto j = nlohmann::json::parse(state->value, nullptr, false);
  if (j.is_discarded() || !j.contains("population") || j.at("population").empty()) {
    fail(ErrorKind::kConfig, "method.budget_from: study '{}' has not finished a generation yet", study);
  }
  const auto genome = j.at("population").front().at("candidate").at("genome").get<std::vector<int>>();
  const double grid_step = j.at("settings").at("grid_step").get<double>();
  if (static_cast<int>(genome.size()) != steps) {
    fail(ErrorKind::kConfig, "method.budget_from: study '{}' searched {} steps, this config has sampler.steps={}", study, genome.size(), steps);
  }
  std::vector<std::string> values;
  for (int level : genome) values.push_back(fmt::format("{:.6g}", level * grid_step));
  return fmt::format("[{}]", fmt::join(values, ","));
}

}  // namespace astraea::driver
