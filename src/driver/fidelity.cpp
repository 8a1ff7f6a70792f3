#include "driver/fidelity.h"

#include "core/error.h"
#include "eval/quality_proxy.h"
#include "eval/registry.h"
#include "eval/video.h"

#include <ATen/ATen.h>

#include <cmath>
#include <numeric>

namespace astraea::driver {
namespace {

eval::Video to_video(const at::Tensor& frames) {
  if (frames.dim() != 5 || frames.size(0) != 1) fail("fidelity: frames must be [1, F, H, W, C], got {}", c10::str(frames.sizes()));
  const auto f = frames[0].to(at::kCPU, at::kFloat).contiguous();
  std::vector<float> samples(f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
  return eval::Video(std::move(samples), static_cast<int>(f.size(0)), static_cast<int>(f.size(1)), static_cast<int>(f.size(2)),
                     static_cast<int>(f.size(3)));
}

}  // namespace

void FidelityAccumulator::add_latents(const at::Tensor& output, const at::Tensor& reference) {
  if (!output.sizes().equals(reference.sizes())) {
    fail("fidelity: latents {} and dense reference {} differ in shape", c10::str(output.sizes()), c10::str(reference.sizes()));
  }
  const auto x = output.to(at::kCPU, at::kDouble).flatten();
  const auto r = reference.to(at::kCPU, at::kDouble).flatten();
  const auto diff = x - r;
  values_["latent_mse"].push_back(diff.pow(2).mean().item<double>());
  values_["latent_rel_l2"].push_back((diff.norm() / r.norm()).item<double>());
  values_["latent_cosine"].push_back((x.dot(r) / (x.norm() * r.norm())).item<double>());
}

void FidelityAccumulator::add_frames(const at::Tensor& output, const at::Tensor& reference) {
  const auto out = to_video(output);
  const auto ref = to_video(reference);
  for (const auto& m : eval::evaluate_metrics({"psnr", "ssim"}, out, ref)) values_[m.name].push_back(m.value);
  if (out.frames() >= 3) {
    const double method = eval::quality_proxy(out, features_).score;
    const double dense = eval::quality_proxy(ref, features_).score;
    values_["quality_proxy"].push_back(method);
    const double delta = eval::quality_proxy_delta_percent(method, dense);
    values_["quality_proxy_delta_pct"].push_back(delta);
    // How far from dense in either direction: what "within 1% of dense" bounds.
    values_["quality_proxy_abs_delta_pct"].push_back(std::abs(delta));
  }
}

std::vector<results::Metric> FidelityAccumulator::metrics() const {
  std::vector<results::Metric> out;
  for (const auto& [name, values] : values_) {
    out.push_back({name, 0, std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size())});
  }
  return out;
}

}  // namespace astraea::driver
