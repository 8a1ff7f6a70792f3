#include "search/search.h"

#include "core/error.h"
#include "core/rng.h"
#include "search/budget_ga.h"
#include "search/nsga2.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace astraea::search {
namespace {

constexpr int kStateFormat = 1;
// Stream coordinates under the master seed: which random purpose a draw serves.
constexpr std::uint64_t kInitialStream = 0;
constexpr std::uint64_t kBreedStream = 1;

void check_settings(const SearchSettings& s) {
  if (s.steps < 1) fail(ErrorKind::kConfig, "search: the genome needs at least one step, got {}", s.steps);
  if (s.parents < 2) fail(ErrorKind::kConfig, "search.parents: need at least 2, got {}", s.parents);
  if (s.children < 1) fail(ErrorKind::kConfig, "search.children: need at least 1, got {}", s.children);
  if (s.generations < 0) fail(ErrorKind::kConfig, "search.generations: must be >= 0, got {}", s.generations);
  if (s.objectives < 1) fail(ErrorKind::kConfig, "search: need at least one objective, got {}", s.objectives);
  with_context("search", [&] {
    grid_level_count(s.budget.grid_step);
    admissible_totals(static_cast<std::size_t>(s.steps), s.budget);
    decayed_mutation_probability(1, std::max(1, s.generations), s.mutation_start, s.mutation_end);
  });
}

nlohmann::json settings_json(const SearchSettings& s) {
  return {{"algorithm", s.algorithm},       {"steps", s.steps},
          {"parents", s.parents},           {"children", s.children},
          {"generations", s.generations},   {"grid_step", s.budget.grid_step},
          {"target", s.budget.target},      {"tolerance", s.budget.tolerance},
          {"mutation_start", s.mutation_start}, {"mutation_end", s.mutation_end},
          {"seed", s.seed},                 {"objectives", s.objectives}};
}

nlohmann::json candidate_json(const Candidate& c) {
  return {{"generation", c.generation}, {"index", c.index}, {"genome", c.genome}};
}

Candidate candidate_from(const nlohmann::json& j) {
  return {j.at("generation").get<int>(), j.at("index").get<int>(), j.at("genome").get<Genome>()};
}

// JSON has no NaN: failed objectives travel as null.
nlohmann::json number_json(double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); }
double number_from(const nlohmann::json& j) { return j.is_null() ? std::nan("") : j.get<double>(); }

}  // namespace

Search::Search(SearchSettings settings) : settings_(std::move(settings)) { check_settings(settings_); }

Genome Search::repaired(const Genome& genome) const { return repair_budget(genome, settings_.budget); }

std::vector<Candidate> Search::initial_candidates() const {
  const int top = grid_level_count(settings_.budget.grid_step);
  std::vector<Candidate> out;
  // The uniform schedule at the target budget is always in the initial population.
  const int level = static_cast<int>(std::lround(settings_.budget.target * top));
  out.push_back({0, 0, repaired(Genome(static_cast<std::size_t>(settings_.steps), level))});
  for (int i = 1; i < settings_.parents; ++i) {
    RandomStream rng(derive_seed(settings_.seed, {kInitialStream, static_cast<std::uint64_t>(i)}));
    out.push_back({0, i, repaired(random_genome(static_cast<std::size_t>(settings_.steps), top, rng))});
  }
  return out;
}

std::vector<Candidate> Search::bred_candidates() const {
  const int top = grid_level_count(settings_.budget.grid_step);
  const double p = decayed_mutation_probability(generation_, settings_.generations, settings_.mutation_start, settings_.mutation_end);
  std::vector<Candidate> out;
  for (int i = 0; i < settings_.children; ++i) {
    RandomStream rng(derive_seed(settings_.seed, {kBreedStream, static_cast<std::uint64_t>(generation_), static_cast<std::uint64_t>(i)}));
    const Genome& a = select_parent(rng).candidate.genome;
    const Genome& b = select_parent(rng).candidate.genome;
    Genome child = rng.chance(0.5) ? uniform_crossover(a, b, rng) : block_crossover(a, b, rng);
    mutate_levels(child, top, p, rng);
    out.push_back({generation_, i, repaired(child)});
  }
  return out;
}

void Search::start() {
  generation_ = 0;
  population_.clear();
  pending_ = initial_candidates();
}

void Search::tell(const std::vector<Evaluation>& evaluations) {
  if (finished()) fail("search: tell() after the last generation");
  if (evaluations.size() != pending_.size()) {
    fail("search: generation {} asked for {} evaluations, got {}", generation_, pending_.size(), evaluations.size());
  }
  std::vector<Member> pool = population_;
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    if (evaluations[i].objectives.size() != static_cast<std::size_t>(settings_.objectives)) {
      fail("search: candidate {} of generation {} has {} objectives, expected {}", i, generation_, evaluations[i].objectives.size(),
           settings_.objectives);
    }
    pool.push_back({pending_[i], evaluations[i], 0, 0.0});
  }
  population_ = survive(std::move(pool));
  ++generation_;
  pending_ = finished() ? std::vector<Candidate>{} : bred_candidates();
}

std::string Search::state() const {
  nlohmann::json members = nlohmann::json::array();
  for (const auto& m : population_) {
    nlohmann::json objectives = nlohmann::json::array();
    for (double v : m.evaluation.objectives) objectives.push_back(number_json(v));
    members.push_back({{"candidate", candidate_json(m.candidate)},
                       {"objectives", objectives},
                       {"violation", number_json(m.evaluation.violation)},
                       {"rank", m.rank},
                       {"crowding", number_json(std::isinf(m.crowding) ? -1.0 : m.crowding)},
                       {"crowding_infinite", std::isinf(m.crowding)}});
  }
  nlohmann::json pending = nlohmann::json::array();
  for (const auto& c : pending_) pending.push_back(candidate_json(c));
  // The random state is counter-based: (master seed, generation) fixes every later draw.
  return nlohmann::json{{"format", kStateFormat},
                        {"settings", settings_json(settings_)},
                        {"rng", {{"master_seed", settings_.seed}, {"generation", generation_}}},
                        {"generation", generation_},
                        {"population", members},
                        {"pending", pending}}
      .dump();
}

void Search::restore(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) fail(ErrorKind::kConfig, "search state: not a JSON object");
  try {
    if (j.at("format").get<int>() != kStateFormat) fail(ErrorKind::kConfig, "search state: format {} is not {}", j.at("format").dump(), kStateFormat);
    const auto stored = j.at("settings");
    const auto wanted = settings_json(settings_);
    for (const auto& [key, value] : wanted.items()) {
      if (!stored.contains(key) || stored.at(key) != value) {
        fail(ErrorKind::kConfig, "search state: the study was started with search setting {}={}, the config now says {}", key,
             stored.contains(key) ? stored.at(key).dump() : "(unset)", value.dump());
      }
    }
    generation_ = j.at("generation").get<int>();
    population_.clear();
    for (const auto& m : j.at("population")) {
      Member member;
      member.candidate = candidate_from(m.at("candidate"));
      for (const auto& v : m.at("objectives")) member.evaluation.objectives.push_back(number_from(v));
      member.evaluation.violation = number_from(m.at("violation"));
      member.rank = m.at("rank").get<int>();
      member.crowding = m.at("crowding_infinite").get<bool>() ? INFINITY : number_from(m.at("crowding"));
      population_.push_back(std::move(member));
    }
    pending_.clear();
    for (const auto& c : j.at("pending")) pending_.push_back(candidate_from(c));
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::kConfig, "search state: {}", e.what());
  }
}

std::unique_ptr<Search> make_search(const SearchSettings& settings) {
  std::unique_ptr<Search> search;
  if (settings.algorithm == "ga") {
    search = std::make_unique<BudgetGa>(settings);
  } else if (settings.algorithm == "nsga2") {
    search = std::make_unique<Nsga2>(settings);
  } else {
    fail(ErrorKind::kConfig, "search.algorithm: unknown '{}' (known: ga, nsga2)", settings.algorithm);
  }
  search->start();
  return search;
}

std::unique_ptr<Search> restore_search(const SearchSettings& settings, std::string_view state) {
  auto search = make_search(settings);
  search->restore(state);
  return search;
}

}  // namespace astraea::search
