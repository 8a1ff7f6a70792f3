// SHA-256 against the FIPS 180-2 test vectors.
#include "core/hash.h"
#include "core/error.h"
#include "support/catch.h"
#include "support/temp_dir.h"

TEST_CASE("sha256 of the standard test vectors", "[core][hash]") {
  CHECK(astraea::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(astraea::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(astraea::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("sha256 of a file equals that of its bytes", "[core][hash]") {
  astraea::testing::TempDir dir;
  std::string big(200000, 'x');
  const auto file = dir.write("data.bin", big);
  CHECK(astraea::sha256_file_hex(file) == astraea::sha256_hex(big));
  REQUIRE_THROWS_AS(astraea::sha256_file_hex(dir.path() / "missing"), astraea::Error);
}
