#include "kernels/tensor_map.h"

#include <cuda_runtime_api.h>
#include <cudaTypedefs.h>

#include <stdexcept>
#include <string>

namespace astraea::kernels {
namespace {

constexpr int kElementBytes = 2;  // bf16 / fp16 tiles only
constexpr int kDriverVersionForEncode = 12000;

PFN_cuTensorMapEncodeTiled_v12000 encode_function() {
  static const PFN_cuTensorMapEncodeTiled_v12000 function = [] {
    void* pointer = nullptr;
    cudaDriverEntryPointQueryResult found{};
    const cudaError_t status =
        cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &pointer, kDriverVersionForEncode, cudaEnableDefault, &found);
    if (status != cudaSuccess || found != cudaDriverEntryPointSuccess || pointer == nullptr) {
      throw std::runtime_error("make_tile_map: cuTensorMapEncodeTiled is not available from the driver");
    }
    return reinterpret_cast<PFN_cuTensorMapEncodeTiled_v12000>(pointer);
  }();
  return function;
}

}  // namespace

CUtensorMap make_tile_map(CUtensorMapDataType dtype, const void* base, int batch, int heads, int rows, int cols,
                          std::int64_t batch_stride, std::int64_t head_stride, std::int64_t row_stride, const TileMapShape& shape) {
  constexpr std::int64_t kAlign = 16;
  if (reinterpret_cast<std::uintptr_t>(base) % kAlign != 0) throw std::invalid_argument("make_tile_map: base pointer is not 16-byte aligned");
  for (const std::int64_t stride : {batch_stride, head_stride, row_stride}) {
    if ((stride * kElementBytes) % kAlign != 0 || stride <= 0) {
      throw std::invalid_argument("make_tile_map: strides must be positive multiples of 16 bytes, got " + std::to_string(stride) + " elements");
    }
  }
  const cuuint64_t dims[4] = {static_cast<cuuint64_t>(cols), static_cast<cuuint64_t>(rows), static_cast<cuuint64_t>(heads),
                              static_cast<cuuint64_t>(batch)};
  const cuuint64_t strides[3] = {static_cast<cuuint64_t>(row_stride * kElementBytes), static_cast<cuuint64_t>(head_stride * kElementBytes),
                                 static_cast<cuuint64_t>(batch_stride * kElementBytes)};
  const cuuint32_t box[4] = {static_cast<cuuint32_t>(shape.box_cols), static_cast<cuuint32_t>(shape.box_rows), 1, 1};
  const cuuint32_t element_strides[4] = {1, 1, 1, 1};
  const CUtensorMapSwizzle swizzle = shape.swizzle_bytes == 128 ? CU_TENSOR_MAP_SWIZZLE_128B : CU_TENSOR_MAP_SWIZZLE_64B;
  CUtensorMap map{};
  const CUresult result = encode_function()(&map, dtype, 4, const_cast<void*>(base), dims, strides, box, element_strides,
                                            CU_TENSOR_MAP_INTERLEAVE_NONE, swizzle, CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
                                            CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  if (result != CUDA_SUCCESS) throw std::runtime_error("make_tile_map: cuTensorMapEncodeTiled failed with CUresult " + std::to_string(result));
  return map;
}

}  // namespace astraea::kernels
