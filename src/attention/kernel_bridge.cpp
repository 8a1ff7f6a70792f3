#include "attention/kernel_bridge.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#if ASTRAEA_WITH_KERNELS
#include "kernels/block_sparse_attention.h"
#include "kernels/qk_norm_rope.h"
#include "kernels/row_distance.h"
#include "kernels/row_permute.h"

#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <utility>

namespace astraea::attention {
namespace {

// Float32 score elements per reference chunk (B * H * rows * Skv): 256 MiB of scores.
constexpr std::int64_t kReferenceChunkElements = std::int64_t{1} << 26;
constexpr std::int64_t kVectorElements = 8;  // 16 bytes of bf16/fp16: the kernels' alignment unit

std::int64_t blocks_for(std::int64_t tokens) { return (tokens + kKernelBlockSize - 1) / kKernelBlockSize; }

void check_qkv(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const char* who) {
  TORCH_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4, who, ": q, k and v must be [B, H, S, D]; got q ", q.sizes(), ", k ", k.sizes(),
              ", v ", v.sizes());
  TORCH_CHECK(k.sizes() == v.sizes(), who, ": k ", k.sizes(), " and v ", v.sizes(), " must have the same shape");
  TORCH_CHECK(q.size(0) == k.size(0) && q.size(1) == k.size(1) && q.size(3) == k.size(3), who, ": q ", q.sizes(),
              " must match k ", k.sizes(), " in batch, heads and head dim");
  TORCH_CHECK(q.device() == k.device() && q.device() == v.device(), who, ": q, k and v must be on one device");
  TORCH_CHECK(q.scalar_type() == k.scalar_type() && q.scalar_type() == v.scalar_type(), who, ": q, k and v must share one dtype; got ",
              q.scalar_type(), ", ", k.scalar_type(), ", ", v.scalar_type());
}

// kv_num_blocks -> [B|1, H|1, Mq] int64 and kv_indices -> [B|1, H|1, Mq, W] int64 (a 1-D / 2-D mask
// is shared by every batch element and head).
std::pair<at::Tensor, at::Tensor> normalised_mask(const at::Tensor& num, const at::Tensor& idx, std::int64_t q_blocks, const char* who) {
  TORCH_CHECK(num.defined() == idx.defined(), who, ": kv_num_blocks and kv_indices must be given together");
  TORCH_CHECK(num.scalar_type() == at::kInt || num.scalar_type() == at::kLong, who, ": kv_num_blocks must be int32 or int64; got ",
              num.scalar_type());
  TORCH_CHECK(idx.scalar_type() == at::kInt || idx.scalar_type() == at::kLong, who, ": kv_indices must be int32 or int64; got ",
              idx.scalar_type());
  at::Tensor n = num.dim() == 1 ? num.view({1, 1, num.size(0)}) : num;
  at::Tensor i = idx.dim() == 2 ? idx.view({1, 1, idx.size(0), idx.size(1)}) : idx;
  TORCH_CHECK(n.dim() == 3 && n.size(2) == q_blocks, who, ": kv_num_blocks must be [B, H, ", q_blocks, "] (ceil(Sq / 128) query blocks); got ",
              num.sizes());
  TORCH_CHECK(i.dim() == 4 && i.size(2) == q_blocks && i.size(3) >= 1, who, ": kv_indices must be [B, H, ", q_blocks, ", W]; got ",
              idx.sizes());
  return {n, i};
}

// Bool [B, H, Mq, Nk]: which key blocks each query block keeps.
at::Tensor kept_blocks(const at::Tensor& num, const at::Tensor& idx, std::int64_t batch, std::int64_t heads, std::int64_t kv_blocks) {
  const at::Tensor n = num.to(at::kLong).expand({batch, heads, num.size(2)});
  const at::Tensor i = idx.to(at::kLong).expand({batch, heads, idx.size(2), idx.size(3)});
  const at::Tensor position = at::arange(i.size(3), i.options());
  const at::Tensor valid = (position < n.unsqueeze(-1)) & (i >= 0) & (i < kv_blocks);
  at::Tensor hits = at::zeros({batch, heads, i.size(2), kv_blocks}, i.options());
  hits.scatter_add_(3, i.clamp(0, kv_blocks - 1), valid.to(at::kLong));
  return hits > 0;
}

#if ASTRAEA_WITH_KERNELS
namespace kern = astraea::kernels;

// A 16-bit tensor the kernels can read in place: contiguous last dim, 16-byte aligned base and strides.
at::Tensor kernel_operand(const at::Tensor& x) {
  const bool aligned = x.stride(3) == 1 && reinterpret_cast<std::uintptr_t>(x.data_ptr()) % 16 == 0 &&
                       x.stride(0) % kVectorElements == 0 && x.stride(1) % kVectorElements == 0 && x.stride(2) % kVectorElements == 0 &&
                       x.stride(0) > 0 && x.stride(1) > 0 && x.stride(2) > 0;
  return aligned ? x : x.contiguous();
}

struct KernelCall {
  kern::BlockSparseAttentionParams params;
  at::Tensor q, k, v, out, lse, num, idx, rows;  // keep the operands alive until the launch
};

KernelCall prepare_call(const at::Tensor& q_in, const at::Tensor& k_in, const at::Tensor& v_in, std::int64_t q_len) {
  KernelCall c;
  c.q = kernel_operand(q_in);
  c.k = kernel_operand(k_in);
  c.v = kernel_operand(v_in);
  const std::int64_t batch = c.q.size(0), heads = c.q.size(1), dim = c.q.size(3);
  c.out = at::empty({batch, heads, q_len, dim}, c.q.options());
  c.lse = at::empty({batch, heads, q_len}, c.q.options().dtype(at::kFloat));
  auto& p = c.params;
  p.q = c.q.data_ptr();
  p.k = c.k.data_ptr();
  p.v = c.v.data_ptr();
  p.o = c.out.data_ptr();
  p.lse = c.lse.data_ptr<float>();
  p.dtype = c.q.scalar_type() == at::kHalf ? kern::AttentionDtype::kFp16 : kern::AttentionDtype::kBf16;
  p.batch = static_cast<int>(batch);
  p.heads = static_cast<int>(heads);
  p.q_len = static_cast<int>(q_len);
  p.kv_len = static_cast<int>(c.k.size(2));
  p.head_dim = static_cast<int>(dim);
  p.softmax_scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(dim)));
  p.q_batch_stride = c.q.stride(0), p.q_head_stride = c.q.stride(1), p.q_row_stride = c.q.stride(2);
  p.k_batch_stride = c.k.stride(0), p.k_head_stride = c.k.stride(1), p.k_row_stride = c.k.stride(2);
  p.v_batch_stride = c.v.stride(0), p.v_head_stride = c.v.stride(1), p.v_row_stride = c.v.stride(2);
  p.o_batch_stride = c.out.stride(0), p.o_head_stride = c.out.stride(1), p.o_row_stride = c.out.stride(2);
  return c;
}

AttentionWithLse launch(KernelCall& c, const char* who) {
  const c10::cuda::CUDAGuard guard(c.q.device());
  try {
    kern::block_sparse_attention(c.params, c10::cuda::getCurrentCUDAStream(c.q.device().index()).stream());
  } catch (const std::exception& e) {
    TORCH_CHECK(false, who, ": ", e.what());
  }
  return {c.out, c.lse};
}
#endif

}  // namespace

namespace {

// Whether the sm_90a kernels run on this device for this element type (bf16 or fp16).
bool kernels_run_on(const c10::Device& device, at::ScalarType dtype) {
#if ASTRAEA_WITH_KERNELS
  if (!device.is_cuda() || (dtype != at::kBFloat16 && dtype != at::kHalf)) return false;
  const auto* props = at::cuda::getDeviceProperties(device.has_index() ? device.index() : c10::cuda::current_device());
  return props->major == 9 && props->minor == 0;
#else
  (void)device, (void)dtype;
  return false;
#endif
}

}  // namespace

bool attention_kernels_available(const c10::Device& device, at::ScalarType dtype, std::int64_t head_dim) {
  return (head_dim == 64 || head_dim == 96 || head_dim == 128) && kernels_run_on(device, dtype);
}

bool attention_kernels_available(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
  if (q.dim() != 4 || k.device() != q.device() || v.device() != q.device()) return false;
  if (k.scalar_type() != q.scalar_type() || v.scalar_type() != q.scalar_type()) return false;
  return attention_kernels_available(q.device(), q.scalar_type(), q.size(3));
}

AttentionWithLse block_sparse_attention_reference(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& kv_num_blocks,
                                                  const at::Tensor& kv_indices) {
  constexpr const char* kWho = "block_sparse_attention_reference";
  check_qkv(q, k, v, kWho);
  const std::int64_t batch = q.size(0), heads = q.size(1), q_len = q.size(2), kv_len = k.size(2);
  const std::int64_t q_blocks = blocks_for(q_len), kv_blocks = blocks_for(kv_len);
  if (!kv_num_blocks.defined() && !kv_indices.defined()) return attention_with_lse(q, k, v);
  const auto [num, idx] = normalised_mask(kv_num_blocks.to(q.device()), kv_indices.to(q.device()), q_blocks, kWho);
  const at::Tensor kept = kept_blocks(num, idx, batch, heads, kv_blocks);  // [B, H, Mq, Nk]
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(3)));
  const at::Tensor kt = k.to(at::kFloat).transpose(-2, -1);
  const at::Tensor vf = v.to(at::kFloat);
  at::Tensor out = at::empty(q.sizes(), q.options());
  at::Tensor lse = at::empty({batch, heads, q_len}, q.options().dtype(at::kFloat));
  const std::int64_t per_block = std::max<std::int64_t>(1, batch * heads * kKernelBlockSize * kv_len);
  const std::int64_t chunk = std::max<std::int64_t>(1, kReferenceChunkElements / per_block);
  for (std::int64_t b0 = 0; b0 < q_blocks; b0 += chunk) {
    const std::int64_t b1 = std::min(q_blocks, b0 + chunk);
    const std::int64_t r0 = b0 * kKernelBlockSize, r1 = std::min(q_len, b1 * kKernelBlockSize);
    const at::Tensor mask = kept.slice(2, b0, b1)
                                .repeat_interleave(kKernelBlockSize, 2)
                                .slice(2, 0, r1 - r0)
                                .repeat_interleave(kKernelBlockSize, 3)
                                .slice(3, 0, kv_len);  // [B, H, rows, Skv]
    at::Tensor scores = at::matmul(q.slice(2, r0, r1).to(at::kFloat), kt).mul_(scale).masked_fill_(mask.logical_not(), -INFINITY);
    const at::Tensor row_lse = at::logsumexp(scores, -1, /*keepdim=*/true);
    const at::Tensor shift = row_lse.masked_fill(at::isinf(row_lse), 0.0);  // empty rows: every probability 0
    out.slice(2, r0, r1).copy_(at::matmul(scores.sub_(shift).exp_(), vf));
    lse.slice(2, r0, r1).copy_(row_lse.squeeze(-1));
  }
  return {out, lse};
}

AttentionWithLse block_sparse_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& kv_num_blocks,
                                        const at::Tensor& kv_indices) {
  constexpr const char* kWho = "block_sparse_attention";
  check_qkv(q, k, v, kWho);
  const bool dense = !kv_num_blocks.defined() && !kv_indices.defined();
  if (q.size(2) == 0) return {at::empty(q.sizes(), q.options()), at::empty({q.size(0), q.size(1), 0}, q.options().dtype(at::kFloat))};
  if (!attention_kernels_available(q, k, v)) {
    return dense ? fused_attention_with_lse(q, k, v) : block_sparse_attention_reference(q, k, v, kv_num_blocks, kv_indices);
  }
#if ASTRAEA_WITH_KERNELS
  KernelCall c = prepare_call(q, k, v, q.size(2));
  if (!dense) {
    const auto [num, idx] = normalised_mask(kv_num_blocks, kv_indices, blocks_for(q.size(2)), kWho);
    TORCH_CHECK(num.device() == q.device() && idx.device() == q.device(), kWho, ": kv_num_blocks and kv_indices must be on q's device ",
                q.device());
    TORCH_CHECK((num.size(0) == 1 || num.size(0) == q.size(0)) && (num.size(1) == 1 || num.size(1) == q.size(1)), kWho,
                ": kv_num_blocks ", num.sizes(), " does not broadcast over batch ", q.size(0), " and heads ", q.size(1));
    TORCH_CHECK((idx.size(0) == 1 || idx.size(0) == q.size(0)) && (idx.size(1) == 1 || idx.size(1) == q.size(1)), kWho, ": kv_indices ",
                idx.sizes(), " does not broadcast over batch ", q.size(0), " and heads ", q.size(1));
    c.num = num.to(at::kInt).contiguous();
    c.idx = idx.to(at::kInt).contiguous();
    auto& p = c.params;
    p.kv_num_blocks = c.num.data_ptr<std::int32_t>();
    p.kv_indices = c.idx.data_ptr<std::int32_t>();
    p.num_batch_stride = c.num.size(0) == 1 ? 0 : c.num.stride(0);
    p.num_head_stride = c.num.size(1) == 1 ? 0 : c.num.stride(1);
    p.idx_batch_stride = c.idx.size(0) == 1 ? 0 : c.idx.stride(0);
    p.idx_head_stride = c.idx.size(1) == 1 ? 0 : c.idx.stride(1);
    p.idx_row_stride = c.idx.stride(2);
  }
  return launch(c, kWho);
#else
  TORCH_CHECK(false, kWho, ": built without the CUDA kernels");
#endif
}

AttentionWithLse row_subset_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& rows) {
  constexpr const char* kWho = "row_subset_attention";
  check_qkv(q, k, v, kWho);
  if (!rows.defined()) return block_sparse_attention(q, k, v, at::Tensor(), at::Tensor());
  TORCH_CHECK(rows.dim() == 2 && rows.size(0) == q.size(0), kWho, ": rows must be [B, n] with B = ", q.size(0), "; got ", rows.sizes());
  TORCH_CHECK(rows.scalar_type() == at::kLong || rows.scalar_type() == at::kInt, kWho, ": rows must be int64 or int32; got ",
              rows.scalar_type());
  const std::int64_t n = rows.size(1);
  const bool gather = q.size(2) == k.size(2);
  TORCH_CHECK(gather || q.size(2) == n, kWho, ": q has ", q.size(2), " rows: either every row (", k.size(2), ", like k) or the ", n,
              " selected ones");
  if (!gather || n == 0) return block_sparse_attention(q.slice(2, 0, n), k, v, at::Tensor(), at::Tensor());  // n == 0: empty result
  if (!attention_kernels_available(q, k, v)) {
    const at::Tensor index = rows.to(q.device(), at::kLong);
    const at::Tensor selected = q.gather(2, index.view({q.size(0), 1, n, 1}).expand({q.size(0), q.size(1), n, q.size(3)}));
    return fused_attention_with_lse(selected, k, v);
  }
#if ASTRAEA_WITH_KERNELS
  TORCH_CHECK(rows.device() == q.device(), kWho, ": rows must be on q's device ", q.device(), "; got ", rows.device());
  KernelCall c = prepare_call(q, k, v, n);
  c.rows = rows.to(at::kInt).contiguous();
  auto& p = c.params;
  p.q_rows = c.rows.data_ptr<std::int32_t>();
  p.q_rows_batch_stride = c.rows.stride(0);
  p.q_source_len = static_cast<int>(q.size(2));
  return launch(c, kWho);
#else
  TORCH_CHECK(false, kWho, ": built without the CUDA kernels");
#endif
}

at::Tensor row_distance(const at::Tensor& a, const at::Tensor& b) {
  TORCH_CHECK(a.dim() == 3 && a.sizes() == b.sizes() && a.scalar_type() == b.scalar_type() && a.device() == b.device(),
              "row_distance: a and b must be [B, N, D] of one shape, dtype and device; got ", a.sizes(), " ", a.scalar_type(), " and ", b.sizes(),
              " ", b.scalar_type());
  const auto reference = [&] { return (a.to(at::kFloat) - b.to(at::kFloat)).norm(2, -1); };
  if (a.stride(2) != 1 || b.stride(2) != 1 || !kernels_run_on(a.device(), a.scalar_type())) return reference();
#if ASTRAEA_WITH_KERNELS
  at::Tensor out = at::empty({a.size(0), a.size(1)}, a.options().dtype(at::kFloat));
  kern::RowDistanceParams p;
  p.a = a.data_ptr(), p.b = b.data_ptr();
  p.a_strides[0] = a.stride(0), p.a_strides[1] = a.stride(1), p.b_strides[0] = b.stride(0), p.b_strides[1] = b.stride(1);
  p.out = out.data_ptr<float>();
  p.batch = static_cast<int>(a.size(0)), p.rows = static_cast<int>(a.size(1)), p.dim = static_cast<int>(a.size(2));
  p.dtype = a.scalar_type() == at::kHalf ? kern::AttentionDtype::kFp16 : kern::AttentionDtype::kBf16;
  if (!kern::row_distance_supported(p)) return reference();
  const c10::cuda::CUDAGuard guard(a.device());
  try {
    kern::row_distance(p, c10::cuda::getCurrentCUDAStream(a.device().index()).stream());
  } catch (const std::exception& e) {
    TORCH_CHECK(false, "row_distance: ", e.what());
  }
  return out;
#else
  return reference();
#endif
}

namespace {

void check_permute(const std::vector<at::Tensor>& xs, const at::Tensor& order, const at::Tensor& permuted) {
  TORCH_CHECK(!xs.empty() && xs.size() <= 3, "permute_rows: takes 1 to 3 tensors; got ", xs.size());
  const at::Tensor& x = xs.front();
  for (const auto& y : xs) {
    TORCH_CHECK(y.dim() == 3 && y.sizes() == x.sizes() && y.scalar_type() == x.scalar_type() && y.device() == x.device(),
                "permute_rows: tensors must be [BH, S, D] of one shape, dtype and device; got ", x.sizes(), " and ", y.sizes());
  }
  TORCH_CHECK(order.dim() == 1 && order.size(0) == x.size(1) && (order.scalar_type() == at::kLong || order.scalar_type() == at::kInt),
              "permute_rows: order must be int64/int32 [", x.size(1), "]; got ", order.scalar_type(), " ", order.sizes());
  TORCH_CHECK(!permuted.defined() || (permuted.dim() == 1 && permuted.size(0) == x.size(0)), "permute_rows: permuted must be [", x.size(0),
              "]; got ", permuted.sizes());
}

}  // namespace

std::vector<at::Tensor> permute_rows_reference(const std::vector<at::Tensor>& xs, const at::Tensor& order, const at::Tensor& permuted) {
  check_permute(xs, order, permuted);
  const at::Tensor index = order.to(xs.front().device(), at::kLong);
  const at::Tensor slices = permuted.defined() ? permuted.to(at::kBool).nonzero().flatten().to(xs.front().device()) : at::Tensor();
  std::vector<at::Tensor> ys;
  for (const auto& x : xs) {
    if (!slices.defined()) {
      ys.push_back(x.index_select(1, index));
      continue;
    }
    at::Tensor y = x.clone();
    if (slices.numel() > 0) y.index_copy_(0, slices, x.index_select(0, slices).index_select(1, index));
    ys.push_back(y);
  }
  return ys;
}

std::vector<at::Tensor> permute_rows(const std::vector<at::Tensor>& xs, const at::Tensor& order, const at::Tensor& permuted) {
  check_permute(xs, order, permuted);
  const at::Tensor& x = xs.front();
  // The kernel copies 16-byte pieces of contiguous rows, one grid row per slice (at most 65535).
  const bool fits = std::all_of(xs.begin(), xs.end(), [](const at::Tensor& y) {
    return y.is_contiguous() && reinterpret_cast<std::uintptr_t>(y.data_ptr()) % (kVectorElements * 2) == 0;
  });
  if (!fits || !kernels_run_on(x.device(), x.scalar_type()) || x.size(2) % kVectorElements != 0 || x.numel() == 0 || x.size(0) > 65535) {
    return permute_rows_reference(xs, order, permuted);
  }
#if ASTRAEA_WITH_KERNELS
  const at::Tensor order32 = order.to(x.device(), at::kInt).contiguous();
  const at::Tensor flags = permuted.defined() ? permuted.to(x.device(), at::kByte).contiguous() : at::Tensor();
  kern::RowPermuteParams p;
  std::vector<at::Tensor> ys;
  for (std::size_t t = 0; t < xs.size(); ++t) {
    ys.push_back(at::empty_like(xs[t]));
    p.in[t] = xs[t].data_ptr();
    p.out[t] = ys.back().data_ptr();
  }
  p.tensors = static_cast<int>(xs.size());
  p.slices = x.size(0), p.rows = x.size(1);
  p.in_slice_stride = p.out_slice_stride = x.size(1) * x.size(2);
  p.in_row_stride = p.out_row_stride = x.size(2);
  p.order = order32.data_ptr<std::int32_t>();
  p.permuted = flags.defined() ? flags.data_ptr<std::uint8_t>() : nullptr;
  p.head_dim = static_cast<int>(x.size(2));
  p.element_bytes = static_cast<int>(x.element_size());
  const c10::cuda::CUDAGuard guard(x.device());
  try {
    kern::row_permute(p, c10::cuda::getCurrentCUDAStream(x.device().index()).stream());
  } catch (const std::exception& e) {
    TORCH_CHECK(false, "permute_rows: ", e.what());
  }
  return ys;
#else
  return permute_rows_reference(xs, order, permuted);
#endif
}

bool qk_norm_rope_available(const at::Tensor& x, std::int64_t head_dim) {
  return !at::GradMode::is_enabled() && x.dim() == 3 && x.stride(2) == 1 && attention_kernels_available(x.device(), x.scalar_type(), head_dim);
}

at::Tensor qk_norm_rope(const at::Tensor& x, std::int64_t heads, const at::Tensor& weight, const at::Tensor& bias, double eps,
                        std::int64_t text_tokens, const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& table_rows) {
  constexpr const char* kWho = "qk_norm_rope";
  TORCH_CHECK(x.dim() == 3 && heads > 0 && x.size(2) % heads == 0, kWho, ": x must be [B, S, H * D] with ", heads, " heads; got ", x.sizes());
  const std::int64_t batch = x.size(0), seq = x.size(1), dim = x.size(2) / heads;
  TORCH_CHECK(qk_norm_rope_available(x, dim), kWho, ": the fused kernel cannot run on ", x.device(), " ", x.scalar_type(), " head dim ", dim,
              " (or autograd is on); check qk_norm_rope_available first");
  TORCH_CHECK(text_tokens >= 0 && text_tokens <= seq, kWho, ": ", text_tokens, " text tokens of ", seq, " rows");
  TORCH_CHECK(cos.defined() == sin.defined(), kWho, ": cos and sin come together");
#if ASTRAEA_WITH_KERNELS
  const c10::cuda::CUDAGuard guard(x.device());
  auto as_vector = [&](const at::Tensor& t, const char* name) {
    if (!t.defined()) return t;
    TORCH_CHECK(t.numel() == dim, kWho, ": ", name, " must hold ", dim, " values; got ", t.sizes());
    return t.to(x.device(), x.scalar_type()).to(at::kFloat).contiguous();
  };
  const at::Tensor w = as_vector(weight, "weight"), b = as_vector(bias, "bias");
  at::Tensor c, s, rows;
  if (cos.defined()) {
    TORCH_CHECK(cos.dim() == 2 && cos.size(1) == dim && sin.sizes() == cos.sizes(), kWho, ": cos and sin must be [N, ", dim, "]; got ",
                cos.sizes(), " and ", sin.sizes());
    c = cos.to(x.device(), at::kFloat).contiguous();
    s = sin.to(x.device(), at::kFloat).contiguous();
    if (table_rows.defined()) {
      TORCH_CHECK(table_rows.dim() == 2 && table_rows.size(0) == batch && table_rows.size(1) == seq - text_tokens, kWho,
                  ": table_rows must be [", batch, ", ", seq - text_tokens, "]; got ", table_rows.sizes());
      rows = table_rows.to(x.device(), at::kLong).contiguous();
    } else {
      TORCH_CHECK(c.size(0) >= seq - text_tokens, kWho, ": ", seq - text_tokens, " video rows need as many table rows; got ", c.size(0));
    }
  }
  at::Tensor out = at::empty({batch, heads, seq, dim}, x.options());
  kern::QkNormRopeParams p;
  p.x = x.data_ptr();
  p.out = out.data_ptr();
  p.x_strides[0] = x.stride(0), p.x_strides[1] = x.stride(1);
  p.out_strides[0] = out.stride(0), p.out_strides[1] = out.stride(1), p.out_strides[2] = out.stride(2);
  p.weight = w.defined() ? w.data_ptr<float>() : nullptr;
  p.bias = b.defined() ? b.data_ptr<float>() : nullptr;
  p.eps = static_cast<float>(eps);
  p.cos = c.defined() ? c.data_ptr<float>() : nullptr;
  p.sin = s.defined() ? s.data_ptr<float>() : nullptr;
  p.table_rows = rows.defined() ? rows.data_ptr<std::int64_t>() : nullptr;
  p.table_rows_stride = rows.defined() ? rows.stride(0) : 0;
  p.batch = static_cast<int>(batch), p.seq = static_cast<int>(seq), p.heads = static_cast<int>(heads), p.head_dim = static_cast<int>(dim);
  p.text_tokens = static_cast<int>(text_tokens);
  p.dtype = x.scalar_type() == at::kHalf ? kern::AttentionDtype::kFp16 : kern::AttentionDtype::kBf16;
  try {
    kern::qk_norm_rope(p, c10::cuda::getCurrentCUDAStream(x.device().index()).stream());
  } catch (const std::exception& e) {
    TORCH_CHECK(false, kWho, ": ", e.what());
  }
  return out;
#else
  (void)batch, (void)weight, (void)bias, (void)eps, (void)table_rows;
  TORCH_CHECK(false, kWho, ": built without the CUDA kernels");
#endif
}

}  // namespace astraea::attention
