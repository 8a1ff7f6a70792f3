#include "driver/environment.h"

#include <fmt/format.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>
#include <unistd.h>

#ifdef ASTRAEA_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

namespace astraea::driver {
namespace {

// Runs a shell command and returns its stdout with trailing whitespace removed ("" on failure).
std::string command_output(const std::string& command) {
  std::unique_ptr<FILE, decltype(&pclose)> pipe(popen(command.c_str(), "r"), &pclose);
  if (!pipe) return "";
  std::string out;
  std::array<char, 256> buffer{};
  while (fgets(buffer.data(), buffer.size(), pipe.get())) out += buffer.data();
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out;
}

std::string compiler_description() {
#if defined(__clang__)
  return fmt::format("clang {}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
  return fmt::format("gcc {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
  return "unknown";
#endif
}

std::string version_text(int packed) { return fmt::format("{}.{}", packed / 1000, (packed % 1000) / 10); }

void fill_cuda(results::EnvironmentRecord& env) {
#ifdef ASTRAEA_WITH_CUDA
  int runtime = 0;
  if (cudaRuntimeGetVersion(&runtime) == cudaSuccess) env.cuda_version = version_text(runtime);
  int driver = 0;
  if (cudaDriverGetVersion(&driver) == cudaSuccess && driver > 0) env.driver = version_text(driver);
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    cudaGetLastError();
    env.gpu = "none";
    return;
  }
  cudaDeviceProp properties{};
  if (cudaGetDeviceProperties(&properties, 0) == cudaSuccess) env.gpu = fmt::format("{} x{}", properties.name, devices);
#else
  env.cuda_version = "none";
  env.gpu = "none";
#endif
}

}  // namespace

results::EnvironmentRecord capture_environment() {
  results::EnvironmentRecord env;
  const std::string git = fmt::format("git -C '{}' ", ASTRAEA_SOURCE_DIR);
  env.git_commit = command_output(git + "rev-parse --verify --quiet HEAD 2>/dev/null");
  constexpr std::size_t kShaLength = 40;
  if (env.git_commit.size() != kShaLength) env.git_commit = "unknown";
  env.git_dirty = !command_output(git + "status --porcelain --untracked-files=no 2>/dev/null").empty();
  env.compiler = compiler_description();
  env.torch_version = ASTRAEA_TORCH_VERSION;
  fill_cuda(env);
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size()) == 0) env.host = host.data();
  return env;
}

}  // namespace astraea::driver
