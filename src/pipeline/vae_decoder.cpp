#include "pipeline/vae_decoder.h"

#include "core/error.h"

#include <torch/script.h>

#include <exception>
#include <string>
#include <utility>
#include <vector>

namespace astraea::pipeline {

at::Tensor pixel_space_frames(const at::Tensor& latents) {
  if (latents.dim() != 5 || latents.size(2) != 3) fail("pixel-space frames: latents must be [B, F, 3, H, W], got {}", c10::str(latents.sizes()));
  return ((latents.to(at::kCPU, at::kFloat) + 1.0) * 0.5).clamp(0.0, 1.0).permute({0, 1, 3, 4, 2}).contiguous();
}
namespace {

// Library messages span several lines (c10 ones may carry a C++ backtrace, and TorchScript
// interpreter failures a script traceback before the final "SomeError: message" line); errors
// here are one line, so keep that final line of a script traceback and join the rest.
std::string one_line(const std::exception& e) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
  std::string text = c10_error != nullptr ? c10_error->what_without_backtrace() : e.what();
  if (text.starts_with("The following operation failed in the TorchScript interpreter")) {
    const auto end = text.find_last_not_of(" \t\r\n");
    const auto newline = end == std::string::npos ? std::string::npos : text.rfind('\n', end);
    if (newline != std::string::npos) text = text.substr(newline + 1, end - newline);
  }
  std::string out;
  bool gap = false;
  for (const char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      gap = !out.empty();
      continue;
    }
    if (gap) out += ' ';
    gap = false;
    out += c;
  }
  return out;
}

}  // namespace

struct VaeDecoder::Impl {
  std::filesystem::path file;
  double scaling_factor = 1.0;
  c10::Device device = c10::kCPU;
  at::ScalarType dtype = at::kFloat;
  torch::jit::Module module;
};

VaeDecoder::VaeDecoder(const std::filesystem::path& file, double scaling_factor, c10::Device device) : impl_(std::make_unique<Impl>()) {
  impl_->file = file;
  impl_->scaling_factor = scaling_factor;
  impl_->device = device;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) fail("VAE decoder '{}': no such file", file.string());
  if (!std::filesystem::is_regular_file(file, ec)) fail("VAE decoder '{}': not a regular file", file.string());
  if (!(scaling_factor > 0.0)) fail("VAE decoder '{}': scaling_factor must be positive, got {}", file.string(), scaling_factor);
  try {
    impl_->module = torch::jit::load(file.string(), device);
  } catch (const std::exception& e) {
    fail("VAE decoder '{}': cannot load it as a TorchScript module onto {}: {}", file.string(), device.str(), one_line(e));
  }
  impl_->module.eval();
  for (const auto& parameter : impl_->module.parameters()) {
    impl_->device = parameter.device();
    impl_->dtype = parameter.scalar_type();
    break;
  }
}

VaeDecoder::~VaeDecoder() = default;
VaeDecoder::VaeDecoder(VaeDecoder&& other) noexcept = default;
VaeDecoder& VaeDecoder::operator=(VaeDecoder&& other) noexcept = default;

at::Tensor VaeDecoder::decode(const at::Tensor& latents) const {
  const auto& file = impl_->file;
  if (!latents.defined() || latents.dim() != 5) {
    fail("VAE decoder '{}': latents must be 5-D [B, F, C, H, W], got shape {}", file.string(),
         latents.defined() ? c10::str(latents.sizes()) : std::string("(undefined)"));
  }
  torch::NoGradGuard no_grad;
  const auto z = (latents.permute({0, 2, 1, 3, 4}) / impl_->scaling_factor).to(impl_->device, impl_->dtype);
  c10::IValue output;
  try {
    output = impl_->module.forward({z});
  } catch (const std::exception& e) {
    fail("VAE decoder '{}': forward failed on latents of shape {} ({}, {}): {}", file.string(), c10::str(z.sizes()), impl_->device.str(),
         c10::toString(impl_->dtype), one_line(e));
  }
  if (!output.isTensor()) fail("VAE decoder '{}': forward returned a {}, expected one tensor [B, C, F, H, W]", file.string(), output.tagKind());
  const auto video = output.toTensor();
  if (video.dim() != 5) {
    fail("VAE decoder '{}': forward returned shape {}, expected 5-D [B, C, F, H, W]", file.string(), c10::str(video.sizes()));
  }
  return (video.to(at::kFloat) / 2 + 0.5).clamp(0, 1).permute({0, 2, 3, 4, 1}).to(c10::kCPU).contiguous();
}

const std::filesystem::path& VaeDecoder::file() const { return impl_->file; }
double VaeDecoder::scaling_factor() const { return impl_->scaling_factor; }
c10::Device VaeDecoder::device() const { return impl_->device; }
at::ScalarType VaeDecoder::dtype() const { return impl_->dtype; }

}  // namespace astraea::pipeline
