// The arithmetic limit the GEMM is measured against (issue 13, item 5): the peak rate of 4-lane
// float multiply + add on this machine, and the GEMM shapes the networks run, each timed through
// `gemm`. In WebAssembly the peak is WASM SIMD f32x4.mul + f32x4.add (relaxed SIMD's fused
// multiply-add is not usable with Debian's toolchain, DESIGN.md toolchain fact 9), so a GEMM's
// GFLOP/s divided by it is the share of the WASM SIMD limit it reaches. Natively the same code is
// 4-lane SSE/AVX mul + add (the compiler may fuse it), a lower bound of the host's peak, not its peak.
// Benchmarks only (bloodcell bench --gemm, bench/bench_gemm.cpp); nothing here is used to compute.
#pragma once
#include <vector>

namespace core {

// Best GFLOP/s of 4-lane multiply + add (8 FLOP per mul and add) over a few loops of independent
// chains (see simd_peak.cpp; the best counts), about `seconds` in all.
double simd_peak_gflops(double seconds);

struct GemmShape {
    int M, N, K;
    const char* what;
};
// The square reference case and the shapes the FCNN (batch 64) and the reference CNN's convolutions
// (batch 64, im2col) multiply.
const std::vector<GemmShape>& gemm_bench_shapes();

// Best GFLOP/s of gemm (the build's implementation) on one shape, random operands, over ~`seconds`.
double gemm_shape_gflops(const GemmShape& s, double seconds);

}  // namespace core
