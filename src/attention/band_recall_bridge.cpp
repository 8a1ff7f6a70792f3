#include "attention/band_recall_bridge.h"

#include "attention/kernel_bridge.h"

#include <ATen/ATen.h>

#if ASTRAEA_WITH_KERNELS
#include "kernels/band_recall.h"

#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <numeric>
#include <optional>
#include <utility>

namespace astraea::attention {

at::Tensor sampled_band_recall_reference(const at::Tensor& q, const at::Tensor& k, const at::Tensor& sample, std::int64_t half_width) {
  const at::Tensor index = sample.to(q.device(), at::kLong);
  const at::Tensor qs = q.index_select(2, index).to(at::kFloat);
  const at::Tensor ks = k.index_select(2, index).to(at::kFloat);
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(3)));
  const at::Tensor probs = at::softmax(at::matmul(qs, ks.transpose(-2, -1)) * scale, -1);
  const at::Tensor pos = at::arange(index.size(0), index.options());
  const at::Tensor in_band = (pos.unsqueeze(1) - pos.unsqueeze(0)).abs() <= half_width;
  return (probs * in_band).sum({-2, -1}) / probs.sum({-2, -1});
}

at::Tensor TokenProgression::positions(c10::Device device) const {
  return at::arange(start, start + count * step, step, at::TensorOptions().dtype(at::kLong).device(device));
}

namespace {

constexpr const char* kBandRecallWho = "sampled_band_recall";
#if ASTRAEA_WITH_KERNELS
namespace kern = astraea::kernels;
constexpr std::int64_t kVectorElements = 8;  // the kernel gathers rows in 16-byte pieces of bf16/fp16
#endif

// One sample as the band-recall launch takes it: listed positions, or (with `listed` undefined) a
// progression.
struct BandSample {
  at::Tensor listed;
  TokenProgression progression;
  std::int64_t size() const { return listed.defined() ? listed.size(0) : progression.count; }
  at::Tensor positions(c10::Device device) const { return listed.defined() ? listed : progression.positions(device); }
};

std::vector<BandSample> listed_samples(const std::vector<at::Tensor>& samples) {
  std::vector<BandSample> out;
  for (const at::Tensor& s : samples) {
    TORCH_CHECK(s.dim() == 1 && s.size(0) > 0, kBandRecallWho, ": a sample must be a non-empty 1-D tensor of positions; got ", s.sizes());
    out.push_back({s, {}});
  }
  return out;
}

std::vector<BandSample> progression_samples(const std::vector<TokenProgression>& samples, std::int64_t len) {
  std::vector<BandSample> out;
  for (const TokenProgression& s : samples) {
    TORCH_CHECK(s.count >= 1 && s.step >= 1 && s.start >= 0 && s.start + (s.count - 1) * s.step < len, kBandRecallWho,
                ": a progression sample needs count >= 1, step >= 1 and positions in [0, ", len, "); got start ", s.start, ", step ", s.step,
                ", count ", s.count);
    out.push_back({at::Tensor(), s});
  }
  return out;
}

// Checks the arguments of the band-recall entry points; true when the fused kernel can run.
bool band_recall_kernel_runs(const at::Tensor& q, const at::Tensor& k, const std::vector<BandSample>& samples,
                             const std::vector<std::int64_t>& half_widths) {
  TORCH_CHECK(q.dim() == 4 && k.sizes() == q.sizes(), kBandRecallWho, ": q and k must be [B, H, S, D] of one shape; got q ", q.sizes(), ", k ",
              k.sizes());
  TORCH_CHECK(!samples.empty() && samples.size() <= 2 && samples.size() == half_widths.size(), kBandRecallWho,
              ": takes one or two samples, each with a half width; got ", samples.size(), " samples and ", half_widths.size(), " widths");
  for (const std::int64_t w : half_widths) TORCH_CHECK(w >= 0, kBandRecallWho, ": half_width ", w, " < 0");
  return attention_kernels_available(q, k, k) && q.size(0) * q.size(1) <= 65535;
}

at::Tensor band_recalls_reference(const at::Tensor& q, const at::Tensor& k, const std::vector<BandSample>& samples,
                                  const std::vector<std::int64_t>& half_widths) {
  std::vector<at::Tensor> recalls;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    recalls.push_back(sampled_band_recall_reference(q, k, samples[i].positions(q.device()), half_widths[i]));
  }
  return at::stack(recalls);
}

#if ASTRAEA_WITH_KERNELS
// A launch of the fused kernel, its outputs still unset, with the tensors its pointers refer to.
struct BandRecallLaunch {
  kern::BandRecallParams params;
  at::Tensor q, k;
  std::vector<at::Tensor> positions;
};

// The launch for these arguments, or nothing when q or k cannot be laid out for the kernel (the
// caller then runs the reference).
std::optional<BandRecallLaunch> plan_band_recalls(const at::Tensor& q, const at::Tensor& k, const std::vector<BandSample>& samples,
                                                  const std::vector<std::int64_t>& half_widths) {
  // The kernel gathers Q and K rows in 16-byte pieces; other layouts are made contiguous.
  const auto aligned = [](const at::Tensor& t, std::int64_t multiple) {
    return t.stride(3) == 1 && t.stride(0) % multiple == 0 && t.stride(1) % multiple == 0 && t.stride(2) % multiple == 0 &&
           reinterpret_cast<std::uintptr_t>(t.data_ptr()) % (multiple * 2) == 0;
  };
  BandRecallLaunch launch;
  launch.q = aligned(q, kVectorElements) ? q : q.contiguous();
  launch.k = aligned(k, kVectorElements) ? k : k.contiguous();
  // contiguous() keeps a misaligned storage offset; such views take the reference.
  if (!aligned(launch.q, kVectorElements) || !aligned(launch.k, kVectorElements)) return std::nullopt;
  kern::BandRecallParams& p = launch.params;
  p.q = launch.q.data_ptr(), p.k = launch.k.data_ptr();
  for (int i = 0; i < 3; ++i) p.q_strides[i] = launch.q.stride(i), p.k_strides[i] = launch.k.stride(i);
  p.batch = static_cast<int>(q.size(0)), p.heads = static_cast<int>(q.size(1)), p.len = q.size(2);
  p.head_dim = static_cast<int>(q.size(3));
  p.dtype = q.scalar_type() == at::kHalf ? kern::AttentionDtype::kFp16 : kern::AttentionDtype::kBf16;
  p.sample_count = static_cast<int>(samples.size());
  // One launch takes both samples listed or both as progressions: a mixed pair is listed.
  const bool listed = std::any_of(samples.begin(), samples.end(), [](const BandSample& s) { return s.listed.defined(); });
  for (std::size_t i = 0; i < samples.size(); ++i) {
    kern::BandRecallSample& out = p.samples[i];
    out.n = static_cast<int>(samples[i].size());
    out.half_width = half_widths[i];
    if (listed) {
      const at::Tensor s = samples[i].positions(q.device());
      launch.positions.push_back(s.device() == q.device() && s.scalar_type() == at::kLong && s.is_contiguous() ? s
                                                                                                             : s.to(q.device(), at::kLong).contiguous());
      out.positions = launch.positions.back().data_ptr<std::int64_t>();
    } else {
      out.start = samples[i].progression.start;
      out.step = samples[i].progression.step;
    }
  }
  return launch;
}

void run_band_recalls(const BandRecallLaunch& launch, cudaStream_t stream) {
  try {
    kern::band_recall(launch.params, stream);
  } catch (const std::exception& e) {
    TORCH_CHECK(false, kBandRecallWho, ": ", e.what());
  }
}

// Page-locked host memory mapped into every device's address space, grown as needed; one per
// thread, so that a kernel writes the means straight to the host and no copy is queued. Reuse is
// safe because each caller synchronises its stream before it reads or returns.
class MappedHostFloats {
 public:
  MappedHostFloats() = default;
  MappedHostFloats(const MappedHostFloats&) = delete;
  MappedHostFloats& operator=(const MappedHostFloats&) = delete;
  ~MappedHostFloats() {
    if (host_) cudaFreeHost(host_);  // at thread exit; an error here has no one to report to
  }

  // Host and device views of at least `count` floats.
  std::pair<float*, float*> reserve(std::int64_t count) {
    if (count > capacity_) {
      float* old = std::exchange(host_, nullptr);
      device_ = nullptr, capacity_ = 0;
      if (old) C10_CUDA_CHECK(cudaFreeHost(old));
      void* host = nullptr;
      C10_CUDA_CHECK(cudaHostAlloc(&host, static_cast<std::size_t>(count) * sizeof(float), cudaHostAllocMapped | cudaHostAllocPortable));
      host_ = static_cast<float*>(host);
      void* device = nullptr;
      C10_CUDA_CHECK(cudaHostGetDevicePointer(&device, host, 0));
      device_ = static_cast<float*>(device), capacity_ = count;
    }
    return {host_, device_};
  }

 private:
  float* host_ = nullptr;
  float* device_ = nullptr;
  std::int64_t capacity_ = 0;
};
#endif

// The kernel adds each row's recall / n into its slice's mean on the device, so only
// [samples, B, H] is written.
at::Tensor band_recalls(const at::Tensor& q, const at::Tensor& k, const std::vector<BandSample>& samples,
                        const std::vector<std::int64_t>& half_widths) {
  if (!band_recall_kernel_runs(q, k, samples, half_widths)) return band_recalls_reference(q, k, samples, half_widths);
#if ASTRAEA_WITH_KERNELS
  const c10::cuda::CUDAGuard guard(q.device());
  std::optional<BandRecallLaunch> launch = plan_band_recalls(q, k, samples, half_widths);
  if (!launch) return band_recalls_reference(q, k, samples, half_widths);
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream(q.device().index()).stream();
  const at::Tensor means = at::empty({static_cast<std::int64_t>(samples.size()), q.size(0), q.size(1)}, q.options().dtype(at::kFloat));
  C10_CUDA_CHECK(cudaMemsetAsync(means.data_ptr(), 0, static_cast<std::size_t>(means.numel()) * sizeof(float), stream));
  for (std::size_t i = 0; i < samples.size(); ++i) {
    launch->params.samples[i].slice_mean = means.data_ptr<float>() + static_cast<std::int64_t>(i) * q.size(0) * q.size(1);
  }
  run_band_recalls(*launch, stream);
  return means;
#else
  TORCH_CHECK(false, kBandRecallWho, ": built without the CUDA kernels");
#endif
}

// The kernel's blocks store their shares of the means in mapped host memory; after one stream
// synchronisation the host adds each slice's shares. No memset, no copy, and the sums are the
// same from run to run.
at::Tensor band_recalls_on_host(const at::Tensor& q, const at::Tensor& k, const std::vector<BandSample>& samples,
                                const std::vector<std::int64_t>& half_widths) {
  const auto to_host = [](const at::Tensor& t) { return t.to(at::kFloat).cpu().contiguous(); };
  if (!band_recall_kernel_runs(q, k, samples, half_widths)) return to_host(band_recalls_reference(q, k, samples, half_widths));
#if ASTRAEA_WITH_KERNELS
  const c10::cuda::CUDAGuard guard(q.device());
  std::optional<BandRecallLaunch> launch = plan_band_recalls(q, k, samples, half_widths);
  if (!launch) return to_host(band_recalls_reference(q, k, samples, half_widths));
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream(q.device().index()).stream();
  // Sample after sample, [B * H, row blocks] shares each.
  const std::int64_t bh = q.size(0) * q.size(1);
  std::vector<std::int64_t> first_share{0};
  for (std::size_t i = 0; i < samples.size(); ++i) {
    first_share.push_back(first_share.back() + bh * kern::band_recall_row_blocks(launch->params.samples[i].n));
  }
  thread_local MappedHostFloats mapped;
  const auto [host, device] = mapped.reserve(first_share.back());
  for (std::size_t i = 0; i < samples.size(); ++i) launch->params.samples[i].block_means = device + first_share[i];
  try {
    run_band_recalls(*launch, stream);
  } catch (...) {
    // The launch may have been queued before an error surfaced: the buffer is not reused or freed
    // while the kernel can still write to it.
    (void)cudaStreamSynchronize(stream);
    throw;
  }
  C10_CUDA_CHECK(cudaStreamSynchronize(stream));
  at::Tensor out = at::empty({static_cast<std::int64_t>(samples.size()), q.size(0), q.size(1)}, at::kFloat);
  float* means = out.mutable_data_ptr<float>();
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const std::int64_t blocks = (first_share[i + 1] - first_share[i]) / bh;
    for (const float* share = host + first_share[i]; share < host + first_share[i + 1]; share += blocks) {
      *means++ = std::accumulate(share, share + blocks, 0.f);
    }
  }
  return out;
#else
  TORCH_CHECK(false, kBandRecallWho, ": built without the CUDA kernels");
#endif
}

}  // namespace

at::Tensor sampled_band_recalls(const at::Tensor& q, const at::Tensor& k, const std::vector<at::Tensor>& samples,
                                const std::vector<std::int64_t>& half_widths) {
  return band_recalls(q, k, listed_samples(samples), half_widths);
}

at::Tensor sampled_band_recalls_on_host(const at::Tensor& q, const at::Tensor& k, const std::vector<at::Tensor>& samples,
                                        const std::vector<std::int64_t>& half_widths) {
  return band_recalls_on_host(q, k, listed_samples(samples), half_widths);
}

at::Tensor sampled_band_recalls_on_host(const at::Tensor& q, const at::Tensor& k, const std::vector<TokenProgression>& samples,
                                        const std::vector<std::int64_t>& half_widths) {
  TORCH_CHECK(q.dim() == 4, kBandRecallWho, ": q must be [B, H, S, D]; got ", q.sizes());
  return band_recalls_on_host(q, k, progression_samples(samples, q.size(2)), half_widths);
}

at::Tensor sampled_band_recall(const at::Tensor& q, const at::Tensor& k, const at::Tensor& sample, std::int64_t half_width) {
  return sampled_band_recalls(q, k, {sample}, {half_width})[0];
}

}  // namespace astraea::attention
