// Content hashing (SHA-256 through OpenSSL) for artifacts and cache keys.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace astraea {

// Lower-case hex SHA-256 of the bytes.
std::string sha256_hex(std::string_view bytes);

// Lower-case hex SHA-256 of a file's contents; throws astraea::Error naming the file on I/O failure.
std::string sha256_file_hex(const std::filesystem::path& path);

}  // namespace astraea
