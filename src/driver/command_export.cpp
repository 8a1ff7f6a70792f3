#include "core/error.h"
#include "driver/commands.h"
#include "driver/pareto_formats.h"
#include "driver/pareto_table.h"
#include "results/store.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace astraea::driver {
namespace {

// The virtualenv's python (matplotlib lives there), else python3 from PATH.
std::string python() {
  if (const char* env = std::getenv("ASTRAEA_PYTHON")) return env;
  const auto venv = std::filesystem::path(ASTRAEA_SOURCE_DIR) / ".venv" / "bin" / "python3";
  return std::filesystem::exists(venv) ? venv.string() : "python3";
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) fail(ErrorKind::kStorage, "cannot write {}", path.string());
}

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char ch : s) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return q + "'";
}

}  // namespace

int export_pareto_command(const ExportParetoCommand& command) {
  results::StoreOptions options;
  options.read_only = true;
  options.create_if_missing = false;
  results::Store store(command.db, options);
  const auto study = store.find_study(command.study);
  if (!study) fail(ErrorKind::kConfig, "{}: no study named '{}' (see 'astraea db ls')", command.db, command.study);
  const auto table = build_pareto_table(store, study->id, command.quality);
  const auto text = render_pareto_table(table, command.format);
  if (command.out.empty()) {
    fmt::print("{}", text);
  } else {
    write_text(command.out, text);
    fmt::print("export pareto: wrote {} ({} rows)\n", command.out, table.rows.size());
  }
  if (!command.plot.empty()) {
    const auto json_file = std::filesystem::temp_directory_path() / fmt::format("astraea_pareto_{}.json", getpid());
    write_text(json_file, render_pareto_table(table, "json"));
    const auto script = std::filesystem::path(ASTRAEA_SOURCE_DIR) / "scripts" / "plot_pareto.py";
    const auto cmd = fmt::format("{} {} {} {}", quoted(python()), quoted(script.string()), quoted(json_file.string()), quoted(command.plot));
    const int status = std::system(cmd.c_str());
    std::filesystem::remove(json_file);
    if (status != 0) fail("export pareto: the plot script failed ({}); is matplotlib installed in .venv (scripts/setup.sh)?", cmd);
    fmt::print("export pareto: wrote {}\n", command.plot);
  }
  return 0;
}

}  // namespace astraea::driver
