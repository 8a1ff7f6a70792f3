// One function per CLI subcommand. Each takes its parsed options and returns the exit status;
// failures are thrown as astraea::Error and turned into one line by main().
#pragma once

#include "results/store.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace astraea::driver {

struct RunCommand {
  std::string config_file;
  std::vector<std::string> overrides;
  bool print_config = false;               // --cfg: print the resolved config and run nothing
  std::optional<std::int64_t> from_trial;  // re-run a recorded trial's exact config
  std::string db;                          // the database of --from-trial
};
int run_command(const RunCommand& command);

struct SweepCommand {
  std::string config_file;
  std::vector<std::string> overrides;
  bool multirun = false;
  bool print_config = false;
};
int sweep_command(const SweepCommand& command);

struct SearchCommand {
  std::string config_file;
  std::vector<std::string> overrides;
  int workers = 1;                    // 1: evaluate in this process; N > 1: N worker processes
  std::optional<std::string> resume;  // continue this study (re-running the same command does too)
};
// Runs (or resumes) a generational budget search stored in the study's database.
int search_command(const SearchCommand& command);

struct WorkerCommand {
  std::string db;
  std::string study;
  bool follow = false;  // keep polling for new trials until the study's search has finished
};
// Claims and runs the study's WAITING trials until none is left (with follow: until its search
// has finished); one process per GPU.
int worker_command(const WorkerCommand& command);

struct BenchModelCommand {
  std::string config_file;
  std::vector<std::string> overrides;
  int warmup = 2;
  int repeats = 5;
  bool generation = true;  // also time one full generation
  std::string json_out;    // also write the numbers as JSON
};
// Times one CFG forward (median of N after warm-up) and one generation; prints a table.
int bench_model_command(const BenchModelCommand& command);

struct BenchE2ECommand {
  std::string config_file;
  std::vector<std::string> overrides;  // sweeps allowed: one point per job and rank count
  std::vector<int> gpus{1};            // rank counts (parallel.gpus)
  std::string json_out;                // also write the numbers as JSON
  bool resume = false;                 // keep the points json_out already holds (same build and config); measure the rest
};
// End-to-end latency of every (setting, rank count) against dense on one rank; prints a table.
int bench_e2e_command(const BenchE2ECommand& command);

struct BenchAttentionCommand {
  std::vector<std::string> shapes{"2,48,17776,64", "1,24,119056,128"};  // B,H,S,D
  std::vector<std::string> densities{"1", "0.5", "0.25", "0.1"};        // kept as typed: they name the mask files
  // Video layouts "text,frames,height,width" (patches): a shape whose S is one's total also times
  // RainFusion's ARM pattern choice on that layout. The defaults: CogVideoX-5B and HunyuanVideo 720p.
  std::vector<std::string> layouts{"226,13,30,45", "256,33,45,80"};
  std::string dtype = "bfloat16";
  std::string device = "auto";
  int iters = 20;            // most timed launches per point (N = clamp(4 s / first launch, 5, iters))
  double warmup_ms = 2000;   // untimed dense launches per shape before timing (clocks and power settle)
  std::uint64_t seed = 0;
  std::string mask_dir;      // write each block mask there, in the format the Python baselines read
  bool flex = false;         // time FlexAttention on the identical masks (scripts/bench_attention_baselines.py)
  std::string baselines_script = "scripts/bench_attention_baselines.py";
  std::string json_out;      // also write the numbers as JSON
  // ARM's share of dense attention per step when each layer decides every r steps
  // (method.decide_every): its time per decision over r. 1 adds no column.
  int decide_every = 1;
};
// The block-sparse attention kernel (dense policy and block lists at each density) against
// at::scaled_dot_product_attention on the same inputs and, with --flex, FlexAttention on the same
// masks, in the same run on the same device; prints a table.
int bench_attention_command(const BenchAttentionCommand& command);

struct ExportParetoCommand {
  std::string db;
  std::string study;
  std::string format = "md";  // md | csv | latex | json
  std::string out;            // empty: standard output
  std::string plot;           // also write a scatter plot (PNG or SVG) here
  std::string quality;        // quality metric; empty: the search fitness or the first fidelity metric found
};
// Prints (or writes) the study's Pareto table and optionally plots it.
int export_pareto_command(const ExportParetoCommand& command);

struct ExportVideoCommand {
  std::string db;
  std::int64_t trial = 0;
  std::string out;               // directory; default trial-<ID>-video
  std::string base;              // where relative artifact paths start; default the database's directory
  double difference_gain = 4.0;  // the difference panel shows min(1, gain * |dense - method|)
};
// Writes dense | method | |difference| videos for each decoded generation of a trial.
int export_video_command(const ExportVideoCommand& command);

struct TrainCommand {
  std::string config_file;
  std::vector<std::string> overrides;
  std::string command_line;  // recorded in training.json
  int until = 0;             // > 0: stop (with a checkpoint) once this many steps are done
  std::string profile;       // non-empty: a Kineto trace of ten steps to this file
};
// Trains the embedded tiny vDiT (train.target=vdit) or the world's checker (train.target=checker);
// re-running the same command resumes from the output directory's checkpoint.
int train_command(const TrainCommand& command);

struct DbCommand {
  std::string action;  // ls | show
  std::string db;
  std::optional<std::string> study;
  std::optional<std::int64_t> trial;
};
int db_command(const DbCommand& command);

// Claims and runs WAITING trials of the study until none is left; returns how many failed.
// `job_of_key` names the output subdirectory of trials enqueued by this invocation.
int run_waiting_trials(results::Store& store, std::int64_t study_id, const std::filesystem::path& root,
                       const std::map<std::string, int>& job_of_key);

// Multi-process runs (parallel_session.h). A process with RANK > 0 in its environment is a
// follower rank: it serves rank 0's trials instead of parsing a command, until rank 0 says stop or
// goes away, and returns its exit status. Rank 0 stops the ranks it started once its command ends.
bool is_follower_rank();
int serve_parallel_trials();
void stop_parallel_ranks();

}  // namespace astraea::driver
