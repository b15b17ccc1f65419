// Blocked GEMM after Goto & van de Geijn: pack a KC x NC panel of B and an MC x KC block of A into
// contiguous micro-panels, then a 4x8 micro-kernel keeps a 4x8 tile of C in eight 4-lane registers
// while it walks K. With WASM SIMD each k step is 2 loads, 4 splats, 8 multiplies and 8 adds; a
// full tile then goes to C with vector loads/adds/stores (stored without a load in the first k
// block unless accumulating, so C is not zero-filled first).
#include "core/gemm.h"

#include <Eigen/Core>
#include <algorithm>
#include <cstring>
#include <vector>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace core {
namespace {

constexpr int MR = 4, NR = 8;
constexpr int KC = 256, MC = 128, NC = 1024;

// Packs rows [i0, i0+mc) x cols [k0, k0+kc) of A into panels of MR rows: out[p][k][r], zero-padded.
void pack_a(const MatView& A, int i0, int mc, int k0, int kc, float* out) {
    for (int p = 0; p < mc; p += MR) {
        int rows = std::min(MR, mc - p);
        for (int k = 0; k < kc; ++k) {
            const float* col = A.data + (ptrdiff_t)(k0 + k) * A.cs;
            for (int r = 0; r < rows; ++r) out[r] = col[(ptrdiff_t)(i0 + p + r) * A.rs];
            for (int r = rows; r < MR; ++r) out[r] = 0.0f;
            out += MR;
        }
    }
}

// Packs rows [k0, k0+kc) x cols [j0, j0+nc) of B into panels of NR columns: out[p][k][c], zero-padded.
void pack_b(const MatView& B, int k0, int kc, int j0, int nc, float* out) {
    for (int p = 0; p < nc; p += NR) {
        int cols = std::min(NR, nc - p);
        for (int k = 0; k < kc; ++k) {
            const float* row = B.data + (ptrdiff_t)(k0 + k) * B.rs;
            if (B.cs == 1 && cols == NR) {
                std::memcpy(out, row + j0 + p, NR * sizeof(float));
            } else {
                for (int c = 0; c < cols; ++c) out[c] = row[(ptrdiff_t)(j0 + p + c) * B.cs];
                for (int c = cols; c < NR; ++c) out[c] = 0.0f;
            }
            out += NR;
        }
    }
}

// C tile (rows x cols of MR x NR, row stride ldc) = or += sum_k a[k][:] outer b[k][:]
void micro_kernel(int kc, const float* a, const float* b, float* c, ptrdiff_t ldc, int rows, int cols, bool overwrite) {
    alignas(16) float tile[MR * NR];
#if defined(__wasm_simd128__)
    v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    for (int k = 0; k < kc; ++k, a += MR, b += NR) {
        v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
        v128_t a0 = wasm_f32x4_splat(a[0]), a1 = wasm_f32x4_splat(a[1]);
        c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(a0, b0));
        c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(a0, b1));
        c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(a1, b0));
        c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(a1, b1));
        v128_t a2 = wasm_f32x4_splat(a[2]), a3 = wasm_f32x4_splat(a[3]);
        c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(a2, b0));
        c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(a2, b1));
        c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(a3, b0));
        c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(a3, b1));
    }
    if (rows == MR && cols == NR) {
        float *r0 = c, *r1 = c + ldc, *r2 = c + 2 * ldc, *r3 = c + 3 * ldc;
        if (!overwrite) {
            c00 = wasm_f32x4_add(c00, wasm_v128_load(r0)), c01 = wasm_f32x4_add(c01, wasm_v128_load(r0 + 4));
            c10 = wasm_f32x4_add(c10, wasm_v128_load(r1)), c11 = wasm_f32x4_add(c11, wasm_v128_load(r1 + 4));
            c20 = wasm_f32x4_add(c20, wasm_v128_load(r2)), c21 = wasm_f32x4_add(c21, wasm_v128_load(r2 + 4));
            c30 = wasm_f32x4_add(c30, wasm_v128_load(r3)), c31 = wasm_f32x4_add(c31, wasm_v128_load(r3 + 4));
        }
        wasm_v128_store(r0, c00), wasm_v128_store(r0 + 4, c01);
        wasm_v128_store(r1, c10), wasm_v128_store(r1 + 4, c11);
        wasm_v128_store(r2, c20), wasm_v128_store(r2 + 4, c21);
        wasm_v128_store(r3, c30), wasm_v128_store(r3 + 4, c31);
        return;
    }
    wasm_v128_store(tile + 0, c00); wasm_v128_store(tile + 4, c01);
    wasm_v128_store(tile + 8, c10); wasm_v128_store(tile + 12, c11);
    wasm_v128_store(tile + 16, c20); wasm_v128_store(tile + 20, c21);
    wasm_v128_store(tile + 24, c30); wasm_v128_store(tile + 28, c31);
#else
    std::fill(tile, tile + MR * NR, 0.0f);
    for (int k = 0; k < kc; ++k, a += MR, b += NR)
        for (int r = 0; r < MR; ++r)
            for (int q = 0; q < NR; ++q) tile[r * NR + q] += a[r] * b[q];
#endif
    for (int r = 0; r < rows; ++r)
        for (int q = 0; q < cols; ++q) {
            float& d = c[(ptrdiff_t)r * ldc + q];
            d = overwrite ? tile[r * NR + q] : d + tile[r * NR + q];
        }
}

}  // namespace

bool gemm_empty(int M, int N, int K, float* C, ptrdiff_t ldc, bool accumulate) {
    if (M <= 0 || N <= 0) return true;
    if (K > 0) return false;
    if (!accumulate)
        for (int i = 0; i < M; ++i) std::fill(C + (ptrdiff_t)i * ldc, C + (ptrdiff_t)i * ldc + N, 0.0f);
    return true;
}

void gemm_packed(int M, int N, int K, MatView A, MatView B, float* C, ptrdiff_t ldc, bool accumulate) {
    if (gemm_empty(M, N, K, C, ldc, accumulate)) return;
    // A few rows of A against a row-major B (a dense layer on one image): packing B would copy all of
    // it for one pass, so stream its rows instead, C_i += A(i,k) * B(k,:), vectorized along the row.
    if (M < MR && B.cs == 1) {
        for (int i = 0; i < M; ++i) {
            float* __restrict c = C + (ptrdiff_t)i * ldc;
            if (!accumulate) std::fill(c, c + N, 0.0f);
            int k = 0;
#if defined(__wasm_simd128__)
            // four rows of B per pass over c: a quarter of the loads and stores of c
            for (; k + 4 <= K; k += 4) {
                const float* a = A.data + (ptrdiff_t)i * A.rs + (ptrdiff_t)k * A.cs;
                const v128_t a0 = wasm_f32x4_splat(a[0]), a1 = wasm_f32x4_splat(a[A.cs]), a2 = wasm_f32x4_splat(a[2 * A.cs]),
                             a3 = wasm_f32x4_splat(a[3 * A.cs]);
                const float* __restrict b0 = B.data + (ptrdiff_t)k * B.rs;
                const float* __restrict b1 = b0 + B.rs;
                const float* __restrict b2 = b1 + B.rs;
                const float* __restrict b3 = b2 + B.rs;
                int j = 0;
                for (; j + 4 <= N; j += 4) {
                    v128_t s = wasm_f32x4_add(wasm_f32x4_mul(a0, wasm_v128_load(b0 + j)), wasm_f32x4_mul(a1, wasm_v128_load(b1 + j)));
                    s = wasm_f32x4_add(s, wasm_f32x4_add(wasm_f32x4_mul(a2, wasm_v128_load(b2 + j)), wasm_f32x4_mul(a3, wasm_v128_load(b3 + j))));
                    wasm_v128_store(c + j, wasm_f32x4_add(wasm_v128_load(c + j), s));
                }
                for (; j < N; ++j) c[j] += (a[0] * b0[j] + a[A.cs] * b1[j]) + (a[2 * A.cs] * b2[j] + a[3 * A.cs] * b3[j]);
            }
#endif
            for (; k < K; ++k) {
                const float a = A.data[(ptrdiff_t)i * A.rs + (ptrdiff_t)k * A.cs];
                const float* __restrict b = B.data + (ptrdiff_t)k * B.rs;
                int j = 0;
#if defined(__wasm_simd128__)
                const v128_t av = wasm_f32x4_splat(a);
                for (; j + 4 <= N; j += 4)
                    wasm_v128_store(c + j, wasm_f32x4_add(wasm_v128_load(c + j), wasm_f32x4_mul(av, wasm_v128_load(b + j))));
#endif
                for (; j < N; ++j) c[j] += a * b[j];
            }
        }
        return;
    }
    // Scratch reused across calls on this thread: packing buffers dominate small-matrix cost otherwise.
    thread_local std::vector<float> pa, pb;
    pa.resize((size_t)(MC + MR) * KC);
    pb.resize((size_t)(NC + NR) * KC);
    for (int j0 = 0; j0 < N; j0 += NC) {
        int nc = std::min(NC, N - j0);
        for (int k0 = 0; k0 < K; k0 += KC) {
            int kc = std::min(KC, K - k0);
            const bool overwrite = k0 == 0 && !accumulate;
            pack_b(B, k0, kc, j0, nc, pb.data());
            for (int i0 = 0; i0 < M; i0 += MC) {
                int mc = std::min(MC, M - i0);
                pack_a(A, i0, mc, k0, kc, pa.data());
                for (int jp = 0; jp < nc; jp += NR) {
                    int cols = std::min(NR, nc - jp);
                    const float* bp = pb.data() + (size_t)(jp / NR) * kc * NR;
                    for (int ip = 0; ip < mc; ip += MR) {
                        int rows = std::min(MR, mc - ip);
                        micro_kernel(kc, pa.data() + (size_t)(ip / MR) * kc * MR, bp, C + (ptrdiff_t)(i0 + ip) * ldc + j0 + jp,
                                     ldc, rows, cols, overwrite);
                    }
                }
            }
        }
    }
}

namespace {
using MatR = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatC = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;

// Hands f a plain (unstrided) map of the view that Eigen's GEMM reads in place: row-major when the
// view is a contiguous row-major array, column-major when it is a contiguous transposed one. Other
// strides are copied into a row-major matrix first (Eigen would copy them anyway). Plain maps, not
// OuterStride<> ones: Eigen is up to 1.5x slower on the latter for the thin im2col products (K = 27).
template <class F>
void with_map(const MatView& v, int rows, int cols, F&& f) {
    if ((v.cs == 1 || cols == 1) && (v.rs == cols || rows == 1)) {
        f(Eigen::Map<const MatR>(v.data, rows, cols));
    } else if ((v.rs == 1 || rows == 1) && (v.cs == rows || cols == 1)) {
        f(Eigen::Map<const MatC>(v.data, rows, cols));
    } else {
        using Stride = Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>;
        MatR copy = Eigen::Map<const MatR, 0, Stride>(v.data, rows, cols, Stride(v.rs, v.cs));
        f(Eigen::Map<const MatR>(copy.data(), rows, cols));
    }
}
}  // namespace

void gemm_eigen(int M, int N, int K, MatView A, MatView B, float* C, ptrdiff_t ldc, bool accumulate) {
    // C is written through a plain map too: a window of a wider C goes through a temporary
    MatR window;
    float* out = C;
    if (ldc != N) {
        window.resize(M, N);
        out = window.data();
    }
    Eigen::Map<MatR> c(out, M, N);
    if (!accumulate || ldc != N) c.setZero();  // "c = a * b" does the same inside Eigen; one product per layout
    with_map(A, M, K, [&](const auto& a) { with_map(B, K, N, [&](const auto& b) { c.noalias() += a * b; }); });
    if (ldc != N) {
        Eigen::Map<MatR, 0, Eigen::OuterStride<>> dst(C, M, N, Eigen::OuterStride<>(ldc));
        if (accumulate) dst += window;
        else dst = window;
    }
}

// The one place that decides which GEMM this build runs (gemm and gemm_backend both ask it).
#if defined(__wasm_simd128__)
constexpr bool kPackedGemm = true;
#else
constexpr bool kPackedGemm = false;
#endif

// Natively on an AVX-512 host, gemm_avx512 where it measured faster than Eigen (bench/bench_gemm.cpp:
// 1.05-1.37x on the fcnn and cnn shapes): B with contiguous rows or columns, and at least 4 rows of A
// (fewer is a matrix-vector product, which Eigen does without packing).
void gemm(int M, int N, int K, MatView A, MatView B, float* C, ptrdiff_t ldc, bool accumulate) {
    if (kPackedGemm) gemm_packed(M, N, K, A, B, C, ldc, accumulate);
    else if (have_gemm_avx512() && M >= 4 && (B.cs == 1 || B.rs == 1)) gemm_avx512(M, N, K, A, B, C, ldc, accumulate);
    else gemm_eigen(M, N, K, A, B, C, ldc, accumulate);
}

const char* gemm_backend() { return kPackedGemm ? "wasm-simd128" : have_gemm_avx512() ? "avx512+eigen" : "eigen"; }

}  // namespace core
