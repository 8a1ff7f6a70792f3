#include "attention/rainfusion_masks.h"

#include <ATen/ATen.h>

#include <cmath>
#include <vector>

namespace astraea::attention {
namespace {

void check_layout(const VideoLayout& layout) {
  TORCH_CHECK(layout.text_tokens >= 0 && layout.frames >= 1 && layout.height >= 1 && layout.width >= 1,
              "rainfusion: bad video layout (text ", layout.text_tokens, ", T ", layout.frames, ", H ", layout.height, ", W ",
              layout.width, ")");
}

// Per-token description of the joint sequence in frame-major order.
struct TokenCoordinates {
  std::vector<std::int64_t> frame_major;  // index among the banded video tokens, frame-major order
  std::vector<bool> dense;                // text or sink token
  std::vector<bool> checker;              // on the textural checkerboard
  std::int64_t banded = 0;                // N', the video tokens outside the sink
};

TokenCoordinates coordinates(const VideoLayout& layout, int stride, bool first_frame_sink) {
  const std::int64_t s = layout.total_tokens();
  const std::int64_t p_count = layout.frame_tokens();
  const int sink_frames = first_frame_sink ? 1 : 0;
  const std::int64_t banded_frames = layout.frames - sink_frames;
  TokenCoordinates c;
  c.frame_major.assign(s, 0);
  c.dense.assign(s, true);
  c.checker.assign(s, false);
  c.banded = banded_frames * p_count;
  for (int t = 0; t < layout.frames; ++t) {
    for (int h = 0; h < layout.height; ++h) {
      for (int w = 0; w < layout.width; ++w) {
        const std::int64_t p = static_cast<std::int64_t>(h) * layout.width + w;
        const std::int64_t i = layout.text_tokens + t * p_count + p;
        c.checker[i] = ((h - w) % stride + stride) % stride == 0;
        if (t < sink_frames) continue;
        const std::int64_t tb = t - sink_frames;
        c.dense[i] = false;
        c.frame_major[i] = tb * p_count + p;
      }
    }
  }
  return c;
}

at::Tensor to_tensor(const std::vector<std::int64_t>& v) { return at::tensor(v, at::kLong); }

at::Tensor to_tensor(const std::vector<bool>& v) {
  std::vector<std::int64_t> ints(v.begin(), v.end());
  return at::tensor(ints, at::kLong).to(at::kBool);
}

// Rows `rows` of the band |index[i] - index[j]| <= half_width.
at::Tensor band(const at::Tensor& index, const at::Tensor& rows, std::int64_t half_width) {
  return (index.index_select(0, rows).unsqueeze(1) - index.unsqueeze(0)).abs() <= half_width;
}

}  // namespace

double bandwidth_for_sparsity(double sparsity) {
  TORCH_CHECK(sparsity >= 0.0 && sparsity <= 1.0, "rainfusion: sparsity ", sparsity, " is outside [0, 1]");
  return 1.0 - std::sqrt(sparsity);
}

int textural_stride_for_sparsity(double sparsity) {
  TORCH_CHECK(sparsity >= 0.0 && sparsity < 1.0, "rainfusion: sparsity ", sparsity, " must be in [0, 1)");
  return std::max(2, static_cast<int>(std::lround(1.0 / (1.0 - sparsity))));
}

std::int64_t band_half_width(std::int64_t n, double sparsity, int block_size) {
  TORCH_CHECK(block_size >= 1, "rainfusion: block_size ", block_size, " must be positive");
  const double b = bandwidth_for_sparsity(sparsity);
  if (b >= 1.0) return n;
  const auto blocks = static_cast<std::int64_t>(std::floor(b * static_cast<double>(n) / block_size));
  return std::max<std::int64_t>(blocks, 1) * block_size;
}

at::Tensor frame_to_token_major(const VideoLayout& layout) {
  check_layout(layout);
  const std::int64_t p_count = layout.frame_tokens();
  std::vector<std::int64_t> perm(layout.total_tokens());
  for (std::int64_t i = 0; i < layout.text_tokens; ++i) perm[i] = i;
  for (std::int64_t p = 0; p < p_count; ++p) {
    for (std::int64_t t = 0; t < layout.frames; ++t) perm[layout.text_tokens + p * layout.frames + t] = layout.text_tokens + t * p_count + p;
  }
  return to_tensor(perm);
}

at::Tensor token_to_frame_major(const VideoLayout& layout) { return at::argsort(frame_to_token_major(layout)); }

at::Tensor to_token_major(const at::Tensor& x, const VideoLayout& layout) {
  TORCH_CHECK(x.dim() == 4 && x.size(2) == layout.total_tokens(), "to_token_major: x must be [B, h, ", layout.total_tokens(),
              ", d]; got ", x.sizes());
  return x.index_select(2, frame_to_token_major(layout).to(x.device()));
}

at::Tensor to_frame_major(const at::Tensor& x, const VideoLayout& layout) {
  TORCH_CHECK(x.dim() == 4 && x.size(2) == layout.total_tokens(), "to_frame_major: x must be [B, h, ", layout.total_tokens(),
              ", d]; got ", x.sizes());
  return x.index_select(2, token_to_frame_major(layout).to(x.device()));
}

at::Tensor pattern_mask(HeadPattern pattern, const VideoLayout& layout, double sparsity, int block_size, int textural_stride,
                        bool first_frame_sink, TokenOrder temporal_order) {
  check_layout(layout);
  return pattern_mask_rows(pattern, layout, sparsity, block_size, textural_stride, first_frame_sink, temporal_order,
                           at::arange(layout.total_tokens(), at::kLong));
}

at::Tensor pattern_mask_rows(HeadPattern pattern, const VideoLayout& layout, double sparsity, int block_size, int textural_stride,
                             bool first_frame_sink, TokenOrder temporal_order, const at::Tensor& rows) {
  check_layout(layout);
  TORCH_CHECK(textural_stride >= 1, "rainfusion: textural_stride ", textural_stride, " must be positive");
  TORCH_CHECK(rows.dim() == 1 && rows.scalar_type() == at::kLong, "rainfusion: rows must be a 1-D int64 tensor; got ", rows.sizes(), " ",
              rows.scalar_type());
  const at::Tensor index = rows.cpu();
  const TokenCoordinates c = coordinates(layout, textural_stride, first_frame_sink);
  const at::Tensor dense = to_tensor(c.dense);
  const at::Tensor always = dense.index_select(0, index).unsqueeze(1) | dense.unsqueeze(0);
  switch (pattern) {
    case HeadPattern::kSpatial:
      return band(to_tensor(c.frame_major), index, band_half_width(c.banded, sparsity, block_size)) | always;
    case HeadPattern::kTemporal: {
      // Band over each token's position in the band order; the dense tokens sit in front of it
      // and are covered by `always`.
      const at::Tensor position = inverse_permutation(band_order(layout, temporal_order, block_size, first_frame_sink));
      return band(position, index, band_half_width(c.banded, sparsity, block_size)) | always;
    }
    case HeadPattern::kTextural: {
      const at::Tensor keep_key = dense | to_tensor(c.checker);
      return keep_key.unsqueeze(0).expand({index.size(0), layout.total_tokens()}).clone();
    }
  }
  TORCH_CHECK(false, "rainfusion: unknown head pattern ", static_cast<std::int64_t>(pattern));
}

double mask_density(const at::Tensor& mask) {
  TORCH_CHECK(mask.numel() > 0, "mask_density: mask is empty");
  return mask.to(at::kDouble).mean().item<double>();
}

BlockMask to_block_mask(const at::Tensor& mask, int block_size) {
  TORCH_CHECK(mask.dim() == 2 && mask.scalar_type() == at::kBool, "to_block_mask: mask must be a 2-D bool tensor; got ", mask.sizes(),
              " ", mask.scalar_type());
  TORCH_CHECK(block_size >= 1, "to_block_mask: block_size ", block_size, " must be positive");
  const std::int64_t mq = (mask.size(0) + block_size - 1) / block_size;
  const std::int64_t nk = (mask.size(1) + block_size - 1) / block_size;
  const at::Tensor padded = at::constant_pad_nd(mask.to(at::kByte), {0, nk * block_size - mask.size(1), 0, mq * block_size - mask.size(0)}, 0);
  const at::Tensor kept = padded.view({mq, block_size, nk, block_size}).amax({1, 3});
  BlockMask out;
  out.block_size = block_size;
  out.kv_num_blocks = kept.sum(1).to(at::kInt);
  out.kv_indices = std::get<1>(at::sort(kept, /*stable=*/true, /*dim=*/1, /*descending=*/true)).to(at::kInt);
  return out;
}

}  // namespace astraea::attention
