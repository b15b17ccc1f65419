// Direct 3x3 inference convolution (direct.h). The tile kernel is the GEMM micro-kernel's shape (4 rows
// x 8 columns in eight 4-lane accumulators: per step 2 filter loads, 4 broadcasts, 8 multiplies and 8
// adds) with the im2col row of each of the 4 pixels read in place from the zero-bordered sample. It is
// written with the compiler's generic vector type: WASM SIMD in WebAssembly, SSE/AVX natively.
//
// Why (bloodcell profile --model cnn --infer, Node, one thread): the cnn's conv1 (28x28x3 -> 32, relu,
// pool) as Winograd took 16.3 ms of a 56.9 ms batch of 256 and 0.060 of 0.260 ms for one image.
#include "core/nn/direct.h"

#include <algorithm>
#include <cstring>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace core::nn::direct {
namespace {

typedef float f4 __attribute__((vector_size(16)));
constexpr int kGroup = 8;  // output channels per packed filter group (two 4-lane vectors)

inline f4 ld(const float* p) {
    f4 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
inline void st(float* p, f4 v) { std::memcpy(p, &v, sizeof v); }
inline f4 bc(float a) { return f4{a, a, a, a}; }
inline f4 vmax(f4 a, f4 b) {
#if defined(__wasm_simd128__)
    return (f4)wasm_f32x4_pmax((v128_t)a, (v128_t)b);
#else
    return a > b ? a : b;
#endif
}

// acc[2q + h] (pixel q, channel half h) = sum over the 3 window rows and the run of K3 = 3*Cin floats
// of each: p[q][ky * rs + j] * w[(ky * K3 + j) * 8 + 4h + lane]. K3C is K3 known at compile time (the
// RGB input: 9) or 0 (then K3 at run time).
template <int K3C>
inline void tile(const float* const* p, ptrdiff_t rs, int K3rt, const float* w, f4* acc) {
    const int K3 = K3C ? K3C : K3rt;
    f4 c00 = bc(0.f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    for (int ky = 0; ky < 3; ++ky) {
        const float *a0 = p[0] + ky * rs, *a1 = p[1] + ky * rs, *a2 = p[2] + ky * rs, *a3 = p[3] + ky * rs;
        const float* wk = w + (size_t)ky * K3 * kGroup;
        for (int j = 0; j < K3; ++j, wk += kGroup) {
            const f4 b0 = ld(wk), b1 = ld(wk + 4);
            f4 x = bc(a0[j]);
            c00 += x * b0;
            c01 += x * b1;
            x = bc(a1[j]);
            c10 += x * b0;
            c11 += x * b1;
            x = bc(a2[j]);
            c20 += x * b0;
            c21 += x * b1;
            x = bc(a3[j]);
            c30 += x * b0;
            c31 += x * b1;
        }
    }
    acc[0] = c00, acc[1] = c01, acc[2] = c10, acc[3] = c11, acc[4] = c20, acc[5] = c21, acc[6] = c30, acc[7] = c31;
}

// out[0..n) = act(v[0..n) + b): n = 8 channels, or fewer for the last group (through a staging copy).
inline void store8(float* out, f4 v0, f4 v1, const float* bg, int n, bool relu) {
    if (bg && n == kGroup) {
        v0 += ld(bg);
        v1 += ld(bg + 4);
    } else if (bg) {
        alignas(16) float bb[kGroup] = {0, 0, 0, 0, 0, 0, 0, 0};
        std::copy(bg, bg + n, bb);
        v0 += ld(bb);
        v1 += ld(bb + 4);
    }
    if (relu) {
        v0 = vmax(v0, bc(0.f));
        v1 = vmax(v1, bc(0.f));
    }
    if (n == kGroup) {
        st(out, v0);
        st(out + 4, v1);
        return;
    }
    alignas(16) float t[kGroup];
    st(t, v0);
    st(t + 4, v1);
    std::copy(t, t + n, out);
}

template <int K3C>
void run(const float* pad, int H, int W, int Cin, const float* Wp, const float* b, int Cout, bool relu, bool pool, float* y) {
    const ptrdiff_t rs = (ptrdiff_t)(W + 2) * Cin;
    const int K3 = 3 * Cin, groups = (Cout + kGroup - 1) / kGroup;
    const size_t gsize = (size_t)9 * Cin * kGroup;
    f4 acc[8];
    auto at = [&](int oy, int ox) { return pad + (oy * rs + (ptrdiff_t)ox * Cin); };  // window's top-left
    if (pool) {
        const int Ho = H / 2, Wo = W / 2;
        for (int oy = 0; oy < Ho; ++oy)
            for (int ox = 0; ox < Wo; ++ox) {
                const float* p[4] = {at(2 * oy, 2 * ox), at(2 * oy, 2 * ox + 1), at(2 * oy + 1, 2 * ox), at(2 * oy + 1, 2 * ox + 1)};
                float* out = y + ((size_t)oy * Wo + ox) * Cout;
                for (int g = 0; g < groups; ++g) {
                    tile<K3C>(p, rs, K3, Wp + g * gsize, acc);
                    const int n = std::min(kGroup, Cout - g * kGroup);
                    store8(out + g * kGroup, vmax(vmax(acc[0], acc[2]), vmax(acc[4], acc[6])),
                           vmax(vmax(acc[1], acc[3]), vmax(acc[5], acc[7])), b ? b + g * kGroup : nullptr, n, relu);
                }
            }
        return;
    }
    const int P = H * W;
    for (int i0 = 0; i0 < P; i0 += 4) {
        const int np = std::min(4, P - i0);
        const float* p[4];
        for (int q = 0; q < 4; ++q) {
            const int i = i0 + std::min(q, np - 1);  // a partial tile repeats its last pixel (not stored)
            p[q] = at(i / W, i % W);
        }
        for (int g = 0; g < groups; ++g) {
            tile<K3C>(p, rs, K3, Wp + g * gsize, acc);
            const int n = std::min(kGroup, Cout - g * kGroup);
            for (int q = 0; q < np; ++q)
                store8(y + (size_t)(i0 + q) * Cout + g * kGroup, acc[2 * q], acc[2 * q + 1], b ? b + g * kGroup : nullptr, n, relu);
        }
    }
}

}  // namespace

size_t packed_size(int Cin, int Cout) { return (size_t)((Cout + kGroup - 1) / kGroup) * 9 * Cin * kGroup; }

void pack_filters(const float* W, int Cin, int Cout, float* Wp) {
    const int K = 9 * Cin, groups = (Cout + kGroup - 1) / kGroup;
    for (int g = 0; g < groups; ++g)
        for (int k = 0; k < K; ++k)
            for (int j = 0; j < kGroup; ++j) {
                const int co = g * kGroup + j;
                Wp[((size_t)g * K + k) * kGroup + j] = co < Cout ? W[(size_t)k * Cout + co] : 0.f;
            }
}

void conv3x3(const float* x, int N, int H, int W, int Cin, const float* Wp, const float* b, int Cout, bool relu, bool pool,
             float* y, std::vector<float>& ws) {
    if (N <= 0 || H <= 0 || W <= 0 || Cin <= 0 || Cout <= 0 || (pool && (H < 2 || W < 2))) return;
    const int Ho = pool ? H / 2 : H, Wo = pool ? W / 2 : W;
    const size_t row = (size_t)(W + 2) * Cin;
    ws.assign((H + 2) * row, 0.f);  // the border stays zero: only the interior is written below
    for (int n = 0; n < N; ++n) {
        const float* xs = x + (size_t)n * H * W * Cin;
        for (int iy = 0; iy < H; ++iy) std::memcpy(ws.data() + (iy + 1) * row + Cin, xs + (size_t)iy * W * Cin, sizeof(float) * W * Cin);
        float* ys = y + (size_t)n * Ho * Wo * Cout;
        if (Cin == 3) run<9>(ws.data(), H, W, Cin, Wp, b, Cout, relu, pool, ys);
        else run<0>(ws.data(), H, W, Cin, Wp, b, Cout, relu, pool, ys);
    }
}

}  // namespace core::nn::direct
