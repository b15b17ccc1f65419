// Native GEMM for CPUs with AVX-512 (built with -march=native on such a host): the same Goto/van de
// Geijn blocking as gemm_packed, with a 12x32 micro-kernel. A 12x32 tile of C lives in 24 of the 32
// zmm registers; each k step is 2 loads of B, 12 broadcast loads of A and 24 FMAs, so the two FMA
// ports, not the loads, set the pace (~165 GFLOP/s with its data in L1 on this machine, whose
// 512-bit FMA peak is 203). Why not Eigen: its AVX-512 kernel is 48x4 (12 accumulators, 7 loads per
// 12 FMAs) and reached 119-133 GFLOP/s on the fcnn's layers at batch 256 (OpenBLAS 0.3.21: 132),
// which left the fcnn's batch inference behind PyTorch's; this one reaches 141 (bench/bench_gemm.cpp).
// Partial tiles use AVX-512 masks, so there is no scalar edge code. The loops keep one A micro-panel
// (12 x KC, 12 KB) in L1 while the packed B block streams from L2.
// Without AVX-512 gemm_avx512 is gemm_eigen.
#include "core/gemm.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
// GCC 12's _mm512_undefined_ps (inside _mm512_unpacklo_ps and friends) reads itself on purpose and
// trips -Wuninitialized at -O1 (the sanitizer build): GCC bug 105593, fixed in GCC 13.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#endif

namespace core {

#if defined(__AVX512F__)
namespace {

constexpr int MR = 12, NR = 32;
constexpr int KC_MAX = 256, MC = 144, NC = 512;  // a B micro-panel (KC x NR) 32 KB, an A block (MC x KC) 144 KB

// In place: v[j] becomes column j of the 16x16 matrix whose rows were v[0..15].
inline void transpose16(__m512 v[16]) {
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) t[i] = _mm512_unpacklo_ps(v[i], v[i + 1]), t[i + 1] = _mm512_unpackhi_ps(v[i], v[i + 1]);
    auto lo = [](__m512 a, __m512 b) { return _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(a), _mm512_castps_pd(b))); };
    auto hi = [](__m512 a, __m512 b) { return _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(a), _mm512_castps_pd(b))); };
    for (int i = 0; i < 16; i += 4) {
        v[i] = lo(t[i], t[i + 2]), v[i + 1] = hi(t[i], t[i + 2]);
        v[i + 2] = lo(t[i + 1], t[i + 3]), v[i + 3] = hi(t[i + 1], t[i + 3]);
    }
    for (int i = 0; i < 4; ++i) {
        t[i] = _mm512_shuffle_f32x4(v[i], v[i + 4], 0x88), t[i + 4] = _mm512_shuffle_f32x4(v[i], v[i + 4], 0xdd);
        t[i + 8] = _mm512_shuffle_f32x4(v[i + 8], v[i + 12], 0x88), t[i + 12] = _mm512_shuffle_f32x4(v[i + 8], v[i + 12], 0xdd);
    }
    for (int i = 0; i < 4; ++i) {
        v[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88), v[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
        v[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88), v[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xdd);
    }
}

// Rows [i0, i0+mc) x cols [k0, k0+kc) of A into panels of MR rows, out[p][k][r], zero-padded.
void pack_a(const MatView& A, int i0, int mc, int k0, int kc, float* out) {
    for (int p = 0; p < mc; p += MR) {
        const int rows = std::min(MR, mc - p);
        const float* base = A.data + (ptrdiff_t)(i0 + p) * A.rs + (ptrdiff_t)k0 * A.cs;
        if (A.rs == 1 && rows == MR) {  // A stored transposed: each k is a contiguous run of rows
            for (int k = 0; k < kc; ++k, out += MR) std::memcpy(out, base + (ptrdiff_t)k * A.cs, MR * sizeof(float));
            continue;
        }
        int k = 0;
        if (A.cs == 1 && rows == MR) {  // row-major A: 16 k at a time, 12 rows through a 16x16 transpose
            __m512 v[16];
            for (; k + 16 <= kc; k += 16, out += 16 * MR) {
                for (int r = 0; r < MR; ++r) v[r] = _mm512_loadu_ps(base + (ptrdiff_t)r * A.rs + k);
                for (int r = MR; r < 16; ++r) v[r] = _mm512_setzero_ps();
                transpose16(v);
                for (int j = 0; j < 16; ++j) _mm512_mask_storeu_ps(out + j * MR, (__mmask16)0x0FFF, v[j]);
            }
        }
        for (; k < kc; ++k, out += MR) {
            const float* col = base + (ptrdiff_t)k * A.cs;
            for (int r = 0; r < rows; ++r) out[r] = col[(ptrdiff_t)r * A.rs];
            for (int r = rows; r < MR; ++r) out[r] = 0.0f;
        }
    }
}

// Rows [k0, k0+kc) x cols [j0, j0+nc) of B into panels of NR columns, out[p][k][c], zero-padded.
void pack_b(const MatView& B, int k0, int kc, int j0, int nc, float* out) {
    for (int p = 0; p < nc; p += NR) {
        const int cols = std::min(NR, nc - p);
        const float* base = B.data + (ptrdiff_t)k0 * B.rs + (ptrdiff_t)(j0 + p) * B.cs;
        if (B.cs == 1) {
            const __mmask16 m0 = (__mmask16)(cols >= 16 ? 0xFFFF : (1u << cols) - 1);
            const __mmask16 m1 = (__mmask16)(cols >= 32 ? 0xFFFF : cols > 16 ? (1u << (cols - 16)) - 1 : 0);
            for (int k = 0; k < kc; ++k, out += NR) {
                const float* row = base + (ptrdiff_t)k * B.rs;
                _mm512_storeu_ps(out, _mm512_maskz_loadu_ps(m0, row));
                _mm512_storeu_ps(out + 16, _mm512_maskz_loadu_ps(m1, row + 16));
            }
            continue;
        }
        int k = 0;
        if (B.rs == 1) {  // B stored transposed (a layer's weights as W^T): 16 k x 16 columns at a time
            __m512 v[16];
            for (; k + 16 <= kc; k += 16, out += 16 * NR)
                for (int h = 0; h < NR; h += 16) {
                    for (int c = 0; c < 16; ++c)
                        v[c] = h + c < cols ? _mm512_loadu_ps(base + (ptrdiff_t)(h + c) * B.cs + k) : _mm512_setzero_ps();
                    transpose16(v);  // v[j]: row k + j of B, columns h .. h + 15
                    for (int j = 0; j < 16; ++j) _mm512_storeu_ps(out + j * NR + h, v[j]);
                }
        }
        for (; k < kc; ++k, out += NR) {
            const float* row = base + (ptrdiff_t)k * B.rs;
            for (int c = 0; c < cols; ++c) out[c] = row[(ptrdiff_t)c * B.cs];
            for (int c = cols; c < NR; ++c) out[c] = 0.0f;
        }
    }
}

// C tile (rows x cols of MR x NR) = or += sum_k a[k][:] outer b[k][:], computing R >= rows rows (a
// panel's last rows: a 64-row batch is 5 x 12 + 4, and 12 rows for 4 would waste 11% of the work).
// Wide: both 16-column halves of the panel; without it (cols <= 16: a layer of 16 filters, the 8 left
// of 40) only the first, as computing the zero half would double that tile's cost.
template <int R, bool Wide>
void micro_kernel(int kc, const float* __restrict a, const float* __restrict b, float* c, ptrdiff_t ldc, int rows, int cols,
                  bool overwrite) {
    const __mmask16 m0 = (__mmask16)(cols >= 16 ? 0xFFFF : (1u << cols) - 1);
    const __mmask16 m1 = (__mmask16)(cols >= 32 ? 0xFFFF : cols > 16 ? (1u << (cols - 16)) - 1 : 0);
    __m512 c0[R], c1[R];
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) c0[r] = c1[r] = _mm512_setzero_ps();
#pragma GCC unroll 4
    for (int k = 0; k < kc; ++k, a += MR, b += NR) {
        const __m512 b0 = _mm512_load_ps(b);
        if (Wide) {
            const __m512 b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 12
            for (int r = 0; r < R; ++r) {
                const __m512 ar = _mm512_set1_ps(a[r]);
                c0[r] = _mm512_fmadd_ps(ar, b0, c0[r]);
                c1[r] = _mm512_fmadd_ps(ar, b1, c1[r]);
            }
        } else {
#pragma GCC unroll 12
            for (int r = 0; r < R; ++r) c0[r] = _mm512_fmadd_ps(_mm512_set1_ps(a[r]), b0, c0[r]);
        }
    }
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
        if (r >= rows) break;
        float* d = c + (ptrdiff_t)r * ldc;
        if (!overwrite) {
            c0[r] = _mm512_add_ps(c0[r], _mm512_maskz_loadu_ps(m0, d));
            if (Wide) c1[r] = _mm512_add_ps(c1[r], _mm512_maskz_loadu_ps(m1, d + 16));
        }
        _mm512_mask_storeu_ps(d, m0, c0[r]);
        if (Wide) _mm512_mask_storeu_ps(d + 16, m1, c1[r]);
    }
}

template <bool Wide>
void tile_rows(int kc, const float* a, const float* b, float* c, ptrdiff_t ldc, int rows, int cols, bool overwrite) {
    if (rows > 8) micro_kernel<12, Wide>(kc, a, b, c, ldc, rows, cols, overwrite);
    else if (rows > 4) micro_kernel<8, Wide>(kc, a, b, c, ldc, rows, cols, overwrite);
    else micro_kernel<4, Wide>(kc, a, b, c, ldc, rows, cols, overwrite);
}

void tile(int kc, const float* a, const float* b, float* c, ptrdiff_t ldc, int rows, int cols, bool overwrite) {
    if (cols > 16) tile_rows<true>(kc, a, b, c, ldc, rows, cols, overwrite);
    else tile_rows<false>(kc, a, b, c, ldc, rows, cols, overwrite);
}

}  // namespace

void gemm_avx512(int M, int N, int K, MatView A, MatView B, float* C, ptrdiff_t ldc, bool accumulate) {
    if (gemm_empty(M, N, K, C, ldc, accumulate)) return;
    // K in equal blocks of at most KC_MAX (784 = 4 x 196, not 3 x 256 + 16)
    const int kblocks = (K + KC_MAX - 1) / KC_MAX;
    const int KC = (K + kblocks - 1) / kblocks;
    // scratch reused across calls on this thread, 64-byte aligned for the B panel's loads
    // (sized for the largest KC once: growing them per call would zero-fill the new part each time)
    thread_local std::vector<float> pa_buf((size_t)(MC + MR) * KC_MAX + 16), pb_buf((size_t)(NC + NR) * KC_MAX + 16);
    auto align = [](float* p) { return (float*)(((uintptr_t)p + 63) & ~(uintptr_t)63); };
    float* pa = align(pa_buf.data());
    float* pb = align(pb_buf.data());
    for (int j0 = 0; j0 < N; j0 += NC) {
        const int nc = std::min(NC, N - j0);
        for (int k0 = 0; k0 < K; k0 += KC) {
            const int kc = std::min(KC, K - k0);
            const bool overwrite = k0 == 0 && !accumulate;
            pack_b(B, k0, kc, j0, nc, pb);
            for (int i0 = 0; i0 < M; i0 += MC) {
                const int mc = std::min(MC, M - i0);
                pack_a(A, i0, mc, k0, kc, pa);
                for (int ip = 0; ip < mc; ip += MR)
                    for (int jp = 0; jp < nc; jp += NR)
                        tile(kc, pa + (size_t)(ip / MR) * kc * MR, pb + (size_t)(jp / NR) * kc * NR, C + (ptrdiff_t)(i0 + ip) * ldc + j0 + jp,
                             ldc, std::min(MR, mc - ip), std::min(NR, nc - jp), overwrite);
            }
        }
    }
}

bool have_gemm_avx512() { return true; }

#else

void gemm_avx512(int M, int N, int K, MatView A, MatView B, float* C, ptrdiff_t ldc, bool accumulate) {
    gemm_eigen(M, N, K, A, B, C, ldc, accumulate);
}

bool have_gemm_avx512() { return false; }

#endif

}  // namespace core
