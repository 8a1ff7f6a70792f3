// The astraea command line: parses arguments with CLI11, dispatches to one function per
// subcommand, and turns any error into one line on stderr and a non-zero exit status.
#include "core/error.h"
#include "driver/commands.h"
#include "driver/environment.h"
#include "driver/exit_codes.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <exception>

namespace {

using namespace astraea::driver;

std::string default_db() {
  const char* env = std::getenv("ASTRAEA_DB");
  return env ? env : "astraea.db";
}

void print_version() {
  const auto env = capture_environment();
  fmt::print("astraea {} (commit {}{})\n  {}, LibTorch {}, CUDA {}, driver {}, GPU {}\n", ASTRAEA_VERSION, env.git_commit,
             env.git_dirty ? ", dirty" : "", env.compiler, env.torch_version, env.cuda_version, env.driver.empty() ? "none" : env.driver,
             env.gpu);
}

int dispatch(int argc, char** argv) {
  CLI::App app{"astraea: fast video diffusion transformers, and what the speed costs in quality"};
  bool version = false;
  app.add_flag("--version", version, "Print version and environment, then exit");
  app.require_subcommand(0, 1);

  RunCommand run;
  auto* run_app = app.add_subcommand("run", "Run one configuration as one trial");
  run_app->add_option("config", run.config_file, "Study config, e.g. experiments/quickstart.yaml");
  run_app->add_option("overrides", run.overrides, "Hydra-style overrides: key=value +key=value ~key group=option");
  run_app->add_flag("--cfg", run.print_config, "Print the resolved config and run nothing");
  run_app->add_option("--from-trial", run.from_trial, "Re-run the exact config of a recorded trial (config may then be omitted)");
  run.db = default_db();
  run_app->add_option("--db", run.db, "Database of --from-trial (default $ASTRAEA_DB or astraea.db)");

  SweepCommand sweep;
  auto* sweep_app = app.add_subcommand("sweep", "Run the cartesian product of the sweeps, one trial per job; re-running resumes");
  sweep_app->add_option("config", sweep.config_file, "Study config")->required();
  sweep_app->add_option("overrides", sweep.overrides, "Overrides; sweeps as a=1,2  choice(..)  range(..)  glob(..)");
  sweep_app->add_flag("-m,--multirun", sweep.multirun, "Expand sweeps into one job per combination");
  sweep_app->add_flag("--cfg", sweep.print_config, "Print the first job's resolved config and run nothing");

  SearchCommand search;
  auto* search_app = app.add_subcommand("search", "ASTRAEA's evolutionary budget search or NSGA-II; re-running resumes");
  search_app->add_option("config", search.config_file, "Search config, e.g. experiments/search_astraea.yaml")->required();
  search_app->add_option("overrides", search.overrides, "Overrides");
  search_app->add_option("--workers", search.workers, "Evaluator processes (one per GPU); 1 evaluates in this process")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  search_app->add_option("--resume", search.resume, "Continue this study (its name overrides study.name)");

  WorkerCommand worker;
  auto* worker_app = app.add_subcommand("worker", "An extra evaluator process (one per GPU): runs a study's waiting trials");
  worker_app->add_option("--db", worker.db, "Results database")->required();
  worker_app->add_option("--study", worker.study, "Study to work on")->required();
  worker_app->add_flag("--follow", worker.follow, "Keep waiting for new trials until the study's search has finished");

  auto* export_app = app.add_subcommand("export", "Export results");
  auto* pareto_app = export_app->add_subcommand("pareto", "Pareto table of a study");
  ExportParetoCommand pareto;
  pareto.db = default_db();
  pareto_app->add_option("--db", pareto.db, "Results database")->capture_default_str();
  pareto_app->add_option("--study", pareto.study, "Study")->required();
  pareto_app->add_option("--format", pareto.format, "md|csv|latex|json")->check(CLI::IsMember({"md", "csv", "latex", "json"}))->capture_default_str();
  pareto_app->add_option("--out", pareto.out, "Write the table to this file instead of standard output");
  pareto_app->add_option("--plot", pareto.plot, "Also write a latency/quality scatter with the front highlighted (.png or .svg)");
  pareto_app->add_option("--quality", pareto.quality, "Quality metric (default: the search fitness, else latent_rel_l2, latent_mse or psnr)");
  ExportVideoCommand video;
  video.db = default_db();
  auto* video_app = export_app->add_subcommand("video", "Side-by-side video of a trial: dense | method | |difference|");
  video_app->add_option("--db", video.db, "Results database")->capture_default_str();
  video_app->add_option("--trial", video.trial, "Trial id")->required();
  video_app->add_option("--out", video.out, "Output directory (default trial-<ID>-video)");
  video_app->add_option("--base", video.base, "Directory that relative artifact paths start from (default: the database's)");
  video_app->add_option("--gain", video.difference_gain, "Gain of the difference panel")->capture_default_str();
  export_app->require_subcommand(1);

  auto* bench_app = app.add_subcommand("bench", "Performance harness; prints a table");
  bench_app->require_subcommand(1);
  BenchModelCommand bench_model;
  bool no_generation = false;
  auto* bench_model_app = bench_app->add_subcommand("model", "Time one CFG forward of the transformer and one generation");
  bench_model_app->add_option("config", bench_model.config_file, "Config, e.g. experiments/bench/cogvideox_5b.yaml")->required();
  bench_model_app->add_option("overrides", bench_model.overrides, "Overrides");
  bench_model_app->add_option("--warmup", bench_model.warmup, "Untimed forwards first")->capture_default_str();
  bench_model_app->add_option("--repeats", bench_model.repeats, "Timed forwards (the median is reported)")->capture_default_str();
  bench_model_app->add_flag("--no-generation", no_generation, "Skip the full generation");
  bench_model_app->add_option("--json", bench_model.json_out, "Also write the numbers to this JSON file");
  BenchAttentionCommand bench_attention;
  auto* bench_attention_app = bench_app->add_subcommand("attention", "The block-sparse attention kernel against SDPA (cuDNN) and FlexAttention");
  bench_attention_app->add_option("--shape", bench_attention.shapes, "B,H,S,D (repeatable)")->capture_default_str();
  bench_attention_app->add_option("--density", bench_attention.densities, "Block densities, e.g. 1,0.5,0.25,0.1")->delimiter(',')->capture_default_str();
  bench_attention_app->add_option("--layout", bench_attention.layouts, "Video layouts text,frames,height,width for ARM's timing (repeatable)")
      ->capture_default_str();
  bench_attention_app->add_option("--dtype", bench_attention.dtype, "bfloat16 | float16 | float32")->capture_default_str();
  bench_attention_app->add_option("--device", bench_attention.device, "auto | cpu | cuda")->capture_default_str();
  bench_attention_app->add_option("--iters", bench_attention.iters, "Most timed launches per point")->capture_default_str();
  bench_attention_app->add_option("--warmup-ms", bench_attention.warmup_ms, "Untimed dense launches per shape, in ms")->capture_default_str();
  bench_attention_app->add_option("--seed", bench_attention.seed, "Seed of the inputs and masks")->capture_default_str();
  bench_attention_app->add_option("--mask-dir", bench_attention.mask_dir, "Write the block masks here (the Python baselines' format)");
  bench_attention_app->add_flag("--flex", bench_attention.flex, "Also time FlexAttention on the identical masks (CUDA; runs the baselines script)");
  bench_attention_app->add_option("--baselines-script", bench_attention.baselines_script, "The Python baselines script")->capture_default_str();
  bench_attention_app->add_option("--json", bench_attention.json_out, "Also write the numbers to this JSON file");
  bench_attention_app->add_option("--decide-every", bench_attention.decide_every,
                                  "Also give ARM's share of SDPA dense per step when layers decide every R steps (method.decide_every)")
      ->capture_default_str();
  BenchE2ECommand bench_e2e;
  auto* bench_e2e_app = bench_app->add_subcommand("e2e", "End-to-end latency over rank counts (parallel.gpus) and settings");
  bench_e2e_app->add_option("config", bench_e2e.config_file, "Config, e.g. experiments/bench/cogvideox_5b.yaml")->required();
  bench_e2e_app->add_option("overrides", bench_e2e.overrides, "Overrides; sweeps as a=1,2 give one point each");
  bench_e2e_app->add_option("--gpus", bench_e2e.gpus, "Rank counts, e.g. --gpus 1,2,4")->delimiter(',')->capture_default_str();
  bench_e2e_app->add_option("--json", bench_e2e.json_out, "Also write the numbers to this JSON file (after every point)");
  bench_e2e_app->add_flag("--resume", bench_e2e.resume, "Keep the points the --json file already holds from this build and config; measure the rest");

  TrainCommand train;
  auto* train_app = app.add_subcommand("train", "Train the embedded tiny model or the world's checker; re-running resumes");
  train_app->add_option("config", train.config_file, "Training config, e.g. experiments/train_tiny.yaml")->required();
  train_app->add_option("overrides", train.overrides, "Overrides, e.g. train.steps=2000 train.device=cpu");
  train_app->add_option("--until", train.until, "Stop with a checkpoint once this many steps are done (re-run to continue)")
      ->check(CLI::PositiveNumber);
  train_app->add_option("--profile", train.profile, "Write a Kineto trace (chrome://tracing) of ten steps after five warm-up steps");

  DbCommand db;
  db.db = default_db();
  auto* db_app = app.add_subcommand("db", "Inspect studies and trials");
  auto* ls_app = db_app->add_subcommand("ls", "List studies with trial counts");
  auto* show_app = db_app->add_subcommand("show", "Show a study's trials or one trial");
  for (auto* sub : {ls_app, show_app}) sub->add_option("--db", db.db, "Results database (default $ASTRAEA_DB or astraea.db)");
  show_app->add_option("--study", db.study, "Study name");
  show_app->add_option("--trial", db.trial, "Trial id");
  db_app->require_subcommand(1);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return app.exit(CLI::CallForHelp());
  } catch (const CLI::CallForAllHelp&) {
    return app.exit(CLI::CallForAllHelp());
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "astraea: error: %s (see 'astraea --help')\n", e.what());
    return kExitUsage;
  }
  if (version) {
    print_version();
    return kExitOk;
  }

  if (run_app->parsed()) {
    if (run.config_file.empty() && !run.from_trial) throw astraea::Error("run needs a config file or --from-trial ID", astraea::ErrorKind::kConfig);
    return run_command(run);
  }
  if (sweep_app->parsed()) return sweep_command(sweep);
  if (db_app->parsed()) {
    db.action = ls_app->parsed() ? "ls" : "show";
    return db_command(db);
  }
  if (search_app->parsed()) return search_command(search);
  if (worker_app->parsed()) return worker_command(worker);
  if (pareto_app->parsed()) return export_pareto_command(pareto);
  if (video_app->parsed()) return export_video_command(video);
  if (bench_model_app->parsed()) {
    bench_model.generation = !no_generation;
    return bench_model_command(bench_model);
  }
  if (bench_attention_app->parsed()) return bench_attention_command(bench_attention);
  if (bench_e2e_app->parsed()) return bench_e2e_command(bench_e2e);
  if (train_app->parsed()) {
    for (int i = 0; i < argc; ++i) train.command_line += (i ? " " : "") + std::string(argv[i]);
    return train_command(train);
  }
  std::fprintf(stderr, "%s", app.help().c_str());
  return kExitUsage;
}

}  // namespace

// Rank 0 of a multi-process run stops the ranks it started however its command ends.
struct StopParallelRanks {
  ~StopParallelRanks() { stop_parallel_ranks(); }
};

int main(int argc, char** argv) {
  try {
    if (is_follower_rank()) return serve_parallel_trials();
    const StopParallelRanks stop;
    return dispatch(argc, argv);
  } catch (const astraea::Error& e) {
    std::fprintf(stderr, "astraea: error: %s\n", e.what());
    return exit_code_for(e.kind());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "astraea: internal error: %s\n", e.what());
    return kExitFailure;
  }
}
