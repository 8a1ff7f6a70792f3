// Thin inline-PTX wrappers for the sm_90a features the attention kernels use: mbarriers, TMA tile
// loads, wgmma synchronisation and shared-memory descriptors, register reallocation.
#pragma once

#include <cuda.h>

#include <cstdint>

namespace astraea::kernels::ptx {

__device__ inline std::uint32_t smem_address(const void* pointer) {
  return static_cast<std::uint32_t>(__cvta_generic_to_shared(pointer));
}

// ---- mbarrier -------------------------------------------------------------------------------

__device__ inline void mbarrier_init(std::uint32_t barrier, std::uint32_t arrivals) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(barrier), "r"(arrivals));
}

// Makes barrier initialisation visible to the async proxy (TMA completes on these barriers).
__device__ inline void fence_barrier_init() { asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory"); }

__device__ inline void mbarrier_arrive(std::uint32_t barrier) {
  asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(barrier) : "memory");
}

__device__ inline void mbarrier_arrive_expect_tx(std::uint32_t barrier, std::uint32_t bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(barrier), "r"(bytes) : "memory");
}

// Blocks until the barrier's phase with parity `parity` has completed.
__device__ inline void mbarrier_wait(std::uint32_t barrier, std::uint32_t parity) {
  asm volatile(
      "{\n"
      ".reg .pred done;\n"
      "WAIT_%=:\n"
      "mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1;\n"
      "@!done bra WAIT_%=;\n"
      "}\n" ::"r"(barrier),
      "r"(parity)
      : "memory");
}

// The same wait for threads with nothing else to do: between polls the thread sleeps for about
// `sleep_ns`, so that it takes no issue slots from the warps that compute.
__device__ inline void mbarrier_wait_sleeping(std::uint32_t barrier, std::uint32_t parity, unsigned sleep_ns) {
  std::uint32_t done = 0;
  for (;;) {
    asm volatile(
        "{\n"
        ".reg .pred p;\n"
        "mbarrier.test_wait.parity.shared::cta.b64 p, [%1], %2;\n"
        "selp.u32 %0, 1, 0, p;\n"
        "}\n"
        : "=r"(done)
        : "r"(barrier), "r"(parity)
        : "memory");
    if (done) return;
    __nanosleep(sleep_ns);
  }
}

// ---- TMA ------------------------------------------------------------------------------------

__device__ inline void prefetch_tensor_map(const CUtensorMap* map) {
  asm volatile("prefetch.tensormap [%0];\n" ::"l"(reinterpret_cast<std::uint64_t>(map)) : "memory");
}

// Loads the box at coordinates (c0 innermost .. c3) of a 4-D tensor map into shared memory;
// completion is signalled on `barrier` as transaction bytes.
__device__ inline void tma_load_4d(std::uint32_t dst, const CUtensorMap* map, std::uint32_t barrier, int c0, int c1, int c2,
                                   int c3) {
  asm volatile(
      "cp.async.bulk.tensor.4d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%3, %4, %5, %6}], [%2];\n" ::"r"(dst),
      "l"(reinterpret_cast<std::uint64_t>(map)), "r"(barrier), "r"(c0), "r"(c1), "r"(c2), "r"(c3)
      : "memory");
}

// ---- cp.async (row gathers that TMA cannot express) ------------------------------------------

// Copies 16 bytes from global to shared memory asynchronously (cached in L2 only).
__device__ inline void cp_async_16(std::uint32_t dst, const void* src) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(dst), "l"(src) : "memory");
}

// Waits for every cp.async this thread issued.
__device__ inline void cp_async_wait_all() { asm volatile("cp.async.wait_all;\n" ::: "memory"); }

// Closes this thread's group of cp.async copies issued since the last commit.
__device__ inline void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }

// Waits until at most `Pending` of this thread's committed groups are still in flight.
template <int Pending>
__device__ inline void cp_async_wait_group() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(Pending) : "memory");
}

__device__ inline void st_shared_zero_16(std::uint32_t dst) {
  asm volatile("st.shared.v4.u32 [%0], {%1, %1, %1, %1};\n" ::"r"(dst), "r"(0u) : "memory");
}

// Makes this thread's ordinary shared-memory writes visible to the async proxy (wgmma, TMA).
__device__ inline void fence_proxy_async_shared() { asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory"); }

// ---- wgmma ----------------------------------------------------------------------------------

__device__ inline void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ inline void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
template <int kPending>
__device__ inline void wgmma_wait() {
  asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(kPending) : "memory");
}

// Keeps the compiler from moving reads or writes of `r` across an asynchronous wgmma.
__device__ inline void fence_operand(float& r) { asm volatile("" : "+f"(r)::"memory"); }
__device__ inline void fence_operand(std::uint32_t& r) { asm volatile("" : "+r"(r)::"memory"); }

// Byte offset of 16-byte piece `vector` of row `row` in a shared-memory region of `rows` rows,
// laid out as TMA writes and wgmma reads a K-major operand: each row cut into chunks of
// `swizzle_bytes` (128 or 64), a chunk's rows one after another, and inside every 8-row atom the
// pieces XORed with the row's place in it (byte bits [4, 7) or [4, 6) with bits [7, 10) or [7, 9)).
__host__ __device__ constexpr std::uint32_t swizzled_piece_offset(int swizzle_bytes, int rows, int row, int vector) {
  const int pieces_per_chunk_row = swizzle_bytes / 16;
  const auto logical = static_cast<std::uint32_t>(row * swizzle_bytes + (vector % pieces_per_chunk_row) * 16);
  const std::uint32_t physical = logical ^ (((logical >> 7) & static_cast<std::uint32_t>(pieces_per_chunk_row - 1)) << 4);
  return static_cast<std::uint32_t>((vector / pieces_per_chunk_row) * rows * swizzle_bytes) + physical;
}

// Shared-memory matrix descriptor: start address, leading and stride byte offsets, swizzle code
// (1 = 128-byte, 2 = 64-byte).
__device__ inline std::uint64_t matrix_descriptor(std::uint32_t address, std::uint32_t leading_bytes, std::uint32_t stride_bytes,
                                                  int swizzle_code) {
  return static_cast<std::uint64_t>((address & 0x3FFFF) >> 4) |
         (static_cast<std::uint64_t>((leading_bytes >> 4) & 0x3FFF) << 16) |
         (static_cast<std::uint64_t>((stride_bytes >> 4) & 0x3FFF) << 32) | (static_cast<std::uint64_t>(swizzle_code) << 62);
}

// ---- registers and math ---------------------------------------------------------------------

template <int kRegisters>
__device__ inline void register_alloc() {
  asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;\n" ::"n"(kRegisters));
}
template <int kRegisters>
__device__ inline void register_dealloc() {
  asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;\n" ::"n"(kRegisters));
}

__device__ inline float exp2_approx(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
}

}  // namespace astraea::kernels::ptx
