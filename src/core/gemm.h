// Single-precision matrix multiply C = A * B (+ C), row-major C, A and B given by strides so that
// transposes cost nothing. Two implementations, chosen at compile time by `gemm`:
//  - natively, Eigen's GEMM (vectorized for the host's SSE/AVX/AVX-512);
//  - in WebAssembly, our blocked GEMM with a 4x8 WASM SIMD micro-kernel (Eigen 3.4 has no WASM
//    SIMD path and runs scalar there; see DESIGN.md toolchain fact 5).
// gemm_packed is always compiled (scalar micro-kernel without WASM SIMD) so native tests cover it.
#pragma once
#include <cstddef>

namespace core {

// A view of a matrix: element (i, j) at data[i * rs + j * cs].
struct MatView {
    const float* data;
    ptrdiff_t rs, cs;
};

// C (M x N, row stride ldc) = A (M x K) * B (K x N), or += when accumulate.
void gemm(int M, int N, int K, MatView A, MatView B, float* C, ptrdiff_t ldc, bool accumulate);
void gemm_packed(int M, int N, int K, MatView A, MatView B, float* C, ptrdiff_t ldc, bool accumulate);
void gemm_eigen(int M, int N, int K, MatView A, MatView B, float* C, ptrdiff_t ldc, bool accumulate);
// Natively on an AVX-512 host: our blocked GEMM with a 12x32 AVX-512 micro-kernel (gemm_avx512.cpp);
// elsewhere the same as gemm_eigen. have_gemm_avx512() says which.
void gemm_avx512(int M, int N, int K, MatView A, MatView B, float* C, ptrdiff_t ldc, bool accumulate);
bool have_gemm_avx512();

// The blocked implementations' shared start: true when there is nothing to multiply (M or N <= 0,
// or K <= 0, where C is zeroed unless accumulating).
bool gemm_empty(int M, int N, int K, float* C, ptrdiff_t ldc, bool accumulate);

// Which implementation `gemm` uses: "eigen", "avx512+eigen" or "wasm-simd128" (shown in the app and benchmarks).
const char* gemm_backend();

}  // namespace core
