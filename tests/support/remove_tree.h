// Removes a directory tree with POSIX nftw. Test binaries that link LibTorch must not call
// std::filesystem::remove_all: libtorch.so exports its own copy, which crashes, and on some
// toolchains that copy wins symbol resolution whatever the link order.
#pragma once

#include <ftw.h>
#include <stdio.h>

#include <filesystem>

namespace astraea::testing {

inline void remove_tree(const std::filesystem::path& root) {
  constexpr int kOpenDescriptors = 16;
  nftw(
      root.c_str(), [](const char* path, const struct stat*, int, struct FTW*) { return ::remove(path); }, kOpenDescriptors,
      FTW_DEPTH | FTW_PHYS);
}

}  // namespace astraea::testing
