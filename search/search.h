// Generational ask/tell search over budget genomes (one grid level per timestep), with the whole
// state serialisable, so a study can stop after any generation and resume exactly.
//
//   generation 0 asks for the initial population; tell() takes one Evaluation per asked
//   candidate, in ask() order, picks the survivors and breeds the next generation's candidates.
//
// Everything random is drawn from streams seeded by (master seed, generation, index), so the
// candidates of a generation depend only on the state, never on the order in which evaluations
// finished. The search knows nothing of models or storage: it hands out genomes and reads back
// numbers. All objectives are minimised; a NaN objective marks a failed evaluation.
#pragma once

#include "search/genome_operators.h"
#include "search/repair.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace astraea::search {

struct SearchSettings {
  std::string algorithm = "ga";  // ga: ASTRAEA's EA on one objective | nsga2: Pareto over several
  int steps = 0;                 // genome length: one gene per denoising step
  int parents = 50;              // population kept (GA: top-K; NSGA-II: population size)
  int children = 30;             // candidates bred per generation
  int generations = 30;          // bred generations after the initial population
  BudgetTarget budget;           // grid, target mean budget and tolerance (search/repair.h)
  double mutation_start = 0.1;
  double mutation_end = 0.01;
  std::uint64_t seed = 0;
  int objectives = 1;            // GA: 1; NSGA-II: at least 2
};

struct Candidate {
  int generation = 0;
  int index = 0;
  Genome genome;  // repaired: on the grid and inside the budget band
};

struct Evaluation {
  std::vector<double> objectives;  // minimised; NaN = failed
  double violation = 0.0;          // constraint violation, <= 0 feasible
};

struct Member {
  Candidate candidate;
  Evaluation evaluation;
  int rank = 0;           // non-domination rank (GA: position in the fitness order)
  double crowding = 0.0;  // NSGA-II crowding distance; 0 for the GA
};

class Search {
 public:
  virtual ~Search() = default;

  const SearchSettings& settings() const { return settings_; }
  // The generation that ask() returns: 0 is the initial population.
  int generation() const { return generation_; }
  // True once every bred generation has been told.
  bool finished() const { return generation_ > settings_.generations; }
  // The candidates of the current generation (empty once finished). Same result on every call.
  const std::vector<Candidate>& ask() const { return pending_; }
  // One evaluation per asked candidate, in ask() order; selects survivors and breeds the next
  // generation. Throws if the count or an objective vector's length is wrong.
  void tell(const std::vector<Evaluation>& evaluations);
  // The survivors, best first.
  const std::vector<Member>& population() const { return population_; }

  // The complete state as JSON text: settings, generation, survivors and pending candidates.
  std::string state() const;

 protected:
  explicit Search(SearchSettings settings);
  friend std::unique_ptr<Search> make_search(const SearchSettings& settings);
  friend std::unique_ptr<Search> restore_search(const SearchSettings& settings, std::string_view state);

  // Start a fresh search: the initial population.
  void start();
  // Restore from state(); throws kConfig naming the first setting that differs.
  void restore(std::string_view state);

  // Picks the survivors of `pool` (population + told candidates), best first, with rank and
  // crowding filled in.
  virtual std::vector<Member> survive(std::vector<Member> pool) const = 0;
  // Picks a parent for child `index` of the current generation.
  virtual const Member& select_parent(RandomStream& rng) const = 0;

 private:
  std::vector<Candidate> initial_candidates() const;
  std::vector<Candidate> bred_candidates() const;
  Genome repaired(const Genome& genome) const;

  SearchSettings settings_;
  int generation_ = 0;
  std::vector<Member> population_;
  std::vector<Candidate> pending_;
};

// A fresh search of settings.algorithm; throws kConfig for unknown algorithms or bad settings.
std::unique_ptr<Search> make_search(const SearchSettings& settings);
// A search restored from Search::state(); the settings must match the stored ones.
std::unique_ptr<Search> restore_search(const SearchSettings& settings, std::string_view state);

}  // namespace astraea::search
