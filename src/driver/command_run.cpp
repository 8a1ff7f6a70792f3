#include "config/yaml_tree.h"
#include "core/error.h"
#include "driver/commands.h"
#include "driver/jobs.h"
#include "driver/output_tree.h"

#include <fmt/format.h>

namespace astraea::driver {

int run_command(const RunCommand& command) {
  const JobRequest request{command.config_file, command.overrides, /*multirun=*/false};
  if (command.print_config) {
    fmt::print("{}", config::to_yaml_text(compose_first(request).root));
    return 0;
  }
  const auto jobs = prepare_jobs(request);
  const Job& job = jobs.front();
  const auto dir = make_output_dir(".", /*multirun=*/false);
  write_job_files(dir, job.config_yaml, job.overrides);
  fmt::print("config for study '{}' resolved and written to {}\n", job.options.study.name, dir.string());
  not_built("run", "generating a video needs the CogVideoX model and the generation pipeline");
}

}  // namespace astraea::driver
