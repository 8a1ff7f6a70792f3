#include "eval/mp4_writer.h"

#include "core/error.h"
#include "eval/frame_bytes.h"

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

extern char** environ;

namespace astraea::eval {

namespace {

constexpr const char* kFfmpeg = "ffmpeg";

// Removes the temporary raw-frames file however write_mp4 ends.
struct TemporaryFile {
  std::filesystem::path path;
  ~TemporaryFile() {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
};

int run_process(const std::filesystem::path& program, const std::vector<std::string>& arguments) {
  std::vector<char*> argv;
  argv.reserve(arguments.size() + 2);
  std::string program_name = program.string();
  argv.push_back(program_name.data());
  std::vector<std::string> owned = arguments;
  for (std::string& argument : owned) {
    argv.push_back(argument.data());
  }
  argv.push_back(nullptr);
  pid_t pid = 0;
  int spawned = posix_spawn(&pid, program_name.c_str(), nullptr, nullptr, argv.data(), environ);
  if (spawned != 0) {
    fail("cannot start {}: {}", program_name, std::strerror(spawned));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      fail("waiting for {} failed: {}", program_name, std::strerror(errno));
    }
  }
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  fail("{} was killed by signal {}", program_name, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

}  // namespace

std::optional<std::filesystem::path> find_ffmpeg() {
  const char* path_variable = std::getenv("PATH");
  if (path_variable == nullptr) {
    return std::nullopt;
  }
  std::stringstream directories(path_variable);
  std::string directory;
  while (std::getline(directories, directory, ':')) {
    if (directory.empty()) {
      continue;
    }
    std::filesystem::path candidate = std::filesystem::path(directory) / kFfmpeg;
    std::error_code error;
    if (std::filesystem::is_regular_file(candidate, error) && access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return std::nullopt;
}

bool ffmpeg_available() { return find_ffmpeg().has_value(); }

void write_mp4(const std::filesystem::path& path, const VideoView& video, const Mp4Options& options) {
  with_context(path.string(), [&] { check_video(video, "input"); });
  if (!(options.fps > 0.0)) {
    fail("{}: fps must be positive, got {}", path.string(), options.fps);
  }
  std::optional<std::filesystem::path> ffmpeg = find_ffmpeg();
  if (!ffmpeg) {
    fail("{}: cannot write MP4: ffmpeg is not on PATH", path.string());
  }
  TemporaryFile raw{std::filesystem::path(path.string() + fmt::format(".{}.rgb", getpid()))};
  {
    std::ofstream out(raw.path, std::ios::binary);
    if (!out) {
      fail("{}: cannot create the temporary file {}", path.string(), raw.path.string());
    }
    for (int t = 0; t < video.frames; ++t) {
      std::vector<std::uint8_t> rgb = frame_rgb_bytes(video, t);
      out.write(reinterpret_cast<const char*>(rgb.data()), static_cast<std::streamsize>(rgb.size()));
    }
    if (!out) {
      fail("{}: cannot write the temporary file {}", path.string(), raw.path.string());
    }
  }
  std::vector<std::string> arguments = {"-y",
                                        "-nostdin",
                                        "-loglevel",
                                        "error",
                                        "-f",
                                        "rawvideo",
                                        "-pix_fmt",
                                        "rgb24",
                                        "-s",
                                        fmt::format("{}x{}", video.width, video.height),
                                        "-r",
                                        fmt::format("{}", options.fps),
                                        "-i",
                                        raw.path.string(),
                                        "-vf",
                                        "pad=ceil(iw/2)*2:ceil(ih/2)*2",
                                        "-c:v",
                                        options.codec,
                                        "-pix_fmt",
                                        "yuv420p",
                                        "-crf",
                                        fmt::format("{}", options.crf),
                                        path.string()};
  int status = with_context(path.string(), [&] { return run_process(*ffmpeg, arguments); });
  if (status != 0) {
    fail("{}: ffmpeg exited with status {} (its messages are above)", path.string(), status);
  }
}

}  // namespace astraea::eval
