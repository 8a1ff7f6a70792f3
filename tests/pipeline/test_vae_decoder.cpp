// VaeDecoder on the traced stand-in decoder of scripts/make_vae_fixture.py: frames against the
// ones Python computed from the same module and latents, and the one-line errors.
#include "core/error.h"
#include "model/safetensors_file.h"
#include "pipeline/vae_decoder.h"
#include "support/catch.h"
#include "support/temp_dir.h"

#include <ATen/ATen.h>

#include <functional>
#include <string>

using namespace astraea;

namespace {

const std::filesystem::path kModule = "tests/fixtures/tiny_vae.pt";
const std::filesystem::path kIo = "tests/fixtures/tiny_vae_io.safetensors";
constexpr double kTolerance = 1e-6;

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const astraea::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("VAE decoder reproduces the Python decode of the traced module", "[pipeline][vae]") {
  const model::SafetensorsFile io(kIo);
  const double scaling_factor = std::stod(io.metadata().at("scaling_factor"));
  CHECK(scaling_factor == 0.7);
  const pipeline::VaeDecoder decoder(kModule, scaling_factor, c10::kCPU);
  CHECK(decoder.dtype() == at::kFloat);
  CHECK(decoder.device() == c10::Device(c10::kCPU));
  CHECK(decoder.scaling_factor() == scaling_factor);

  const auto expected = io.tensor("frames");
  const auto frames = decoder.decode(io.tensor("latents"));
  REQUIRE(frames.sizes() == expected.sizes());
  CHECK(frames.sizes() == at::IntArrayRef{1, 2, 16, 16, 3});
  CHECK(frames.scalar_type() == at::kFloat);
  CHECK(frames.device().is_cpu());
  CHECK(frames.is_contiguous());
  CHECK(frames.min().item<float>() >= 0.0F);
  CHECK(frames.max().item<float>() <= 1.0F);
  CHECK((frames - expected).abs().max().item<double>() <= kTolerance);
}

TEST_CASE("VAE decoder clamps to [0, 1] and casts double latents to the module dtype", "[pipeline][vae]") {
  const model::SafetensorsFile io(kIo);
  const pipeline::VaeDecoder decoder(kModule, 0.7, c10::kCPU);
  const auto frames = decoder.decode(io.tensor("latents").to(at::kDouble) * 1000);
  CHECK(frames.scalar_type() == at::kFloat);
  CHECK(frames.min().item<float>() >= 0.0F);
  CHECK(frames.max().item<float>() <= 1.0F);
}

TEST_CASE("VAE decoder errors name the file on one line", "[pipeline][vae]") {
  SECTION("missing file") {
    const auto message = error_of([] { pipeline::VaeDecoder("tests/fixtures/no_such_vae.pt", 0.7, c10::kCPU); });
    CHECK(message.find("tests/fixtures/no_such_vae.pt") != std::string::npos);
    CHECK(message.find("no such file") != std::string::npos);
  }
  SECTION("not a TorchScript file") {
    testing::TempDir dir;
    const auto file = dir.write("garbage.pt", "not a zip archive\n");
    const auto message = error_of([&] { pipeline::VaeDecoder(file, 0.7, c10::kCPU); });
    CHECK(message.find(file.string()) != std::string::npos);
    CHECK(message.find("TorchScript") != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
  }
  SECTION("non-positive scaling factor") {
    const auto message = error_of([] { pipeline::VaeDecoder(kModule, 0.0, c10::kCPU); });
    CHECK(message.find("scaling_factor") != std::string::npos);
  }
  SECTION("latents that are not 5-D") {
    const pipeline::VaeDecoder decoder(kModule, 0.7, c10::kCPU);
    const auto message = error_of([&] { decoder.decode(at::zeros({2, 4, 8, 8})); });
    CHECK(message.find(kModule.string()) != std::string::npos);
    CHECK(message.find("5-D") != std::string::npos);
    CHECK(message.find("[2, 4, 8, 8]") != std::string::npos);
  }
  SECTION("latents the module rejects") {
    const pipeline::VaeDecoder decoder(kModule, 0.7, c10::kCPU);
    const auto message = error_of([&] { decoder.decode(at::zeros({1, 2, 5, 8, 8})); });
    CHECK(message.find(kModule.string()) != std::string::npos);
    CHECK(message.find("forward failed") != std::string::npos);
    CHECK(message.find("[1, 5, 2, 8, 8]") != std::string::npos);
    CHECK(message.find("channels") != std::string::npos);
    CHECK(message.find("Traceback") == std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
  }
}
