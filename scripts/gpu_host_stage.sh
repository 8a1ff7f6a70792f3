#!/usr/bin/env bash
# Run here, before a GPU-host build: the GPU host has no package registry and lacks some of our
# dependencies, so this copies Debian's headers, CMake package files and libraries for them into
# .gpu/prefix (git-ignored), laid out as an install prefix that CMake can search.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup.sh"
prefix="$root/.gpu/prefix"
rm -rf "$prefix"
mkdir -p "$prefix/include" "$prefix/lib/cmake" "$prefix/share/cmake" "$prefix/lib/x86_64-linux-gnu"
multiarch=/usr/lib/x86_64-linux-gnu
# Header-only libraries with their CMake package files.
cp -r /usr/include/CLI /usr/include/nlohmann "$prefix/include/"
cp -r /usr/share/cmake/CLI11 /usr/share/cmake/nlohmann_json "$prefix/share/cmake/"
# fmt: headers, the shared library and its package files (which find the library relative to themselves).
cp -r /usr/include/fmt "$prefix/include/"
cp -r "$multiarch/cmake/fmt" "$prefix/lib/x86_64-linux-gnu/cmake_fmt"
mkdir -p "$prefix/lib/x86_64-linux-gnu/cmake" && mv "$prefix/lib/x86_64-linux-gnu/cmake_fmt" "$prefix/lib/x86_64-linux-gnu/cmake/fmt"
cp -a "$multiarch"/libfmt.so* "$prefix/lib/x86_64-linux-gnu/"
# SQLite and OpenSSL headers; the host has the runtime libraries.
cp /usr/include/sqlite3.h /usr/include/sqlite3ext.h "$prefix/include/"
cp -r /usr/include/openssl "$prefix/include/"
cp -r /usr/include/x86_64-linux-gnu/openssl "$prefix/include/openssl_arch"
cp -r "$prefix/include/openssl_arch/." "$prefix/include/openssl/" && rm -rf "$prefix/include/openssl_arch"
# libpng (with zlib, which CMake's FindPNG requires) and giflib for eval/'s image writers: headers
# dereferenced out of Debian's libpng16/ symlinks, and Debian's shared libraries with their
# .so links, since the host may have only the .so.N runtime files.
cp -L /usr/include/png.h /usr/include/pngconf.h /usr/include/pnglibconf.h /usr/include/gif_lib.h \
  /usr/include/zlib.h /usr/include/zconf.h "$prefix/include/"
cp -a "$multiarch"/libpng16.so* "$multiarch"/libpng.so "$multiarch"/libgif.so* "$prefix/lib/x86_64-linux-gnu/"
cp -L "$multiarch/libz.so" "$prefix/lib/x86_64-linux-gnu/libz.so"
# Gloo's headers, which LibTorch's ProcessGroupGloo header includes (the library is inside LibTorch).
cp -r /usr/include/gloo "$prefix/include/"
du -sh "$prefix"
