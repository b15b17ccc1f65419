// Winograd F(2x2,3x3) inference convolution (winograd.h). With B, G, A the F(2,3) matrices
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1],
//   A^T = [1 1 1 0; 0 1 -1 -1],
// an output tile is Y = A^T [(G g G^T) . (B^T d B)] A for the 4x4 input tile d at (2ty-1, 2tx-1).
// Tiles are done in chunks of kTiles: transform the chunk's inputs into V (16, tiles, Cin), 16 GEMMs
// M_e = V_e U_e, then the output transform with bias, ReLU and pool. The transforms work on 4
// channels at a time through the compiler's generic vector type (WASM SIMD in WebAssembly,
// SSE/AVX natively) with a scalar tail for channel counts that are not multiples of 4.
//
// Why (bloodcell profile --model cnn, Node, batch 64, forward): the reference cnn's second
// convolution (14x14x32 -> 64, 7.2 of its 9.4 MFLOP per image) took 25 ms of a 41 ms forward.
// conv3x3_packed (the WebAssembly path): the 16 products by tile4x8 on filters packed once, V read in
// place, and Cin = 32 as a compile-time trip count; in the profile of a batch of 256 (--infer, Node)
// the whole cnn went 50.1 -> 46.7 ms with 32 tiles per chunk, and conv2 29.9 / ~29.5 / 25.9 / 25.7 /
// 25.2 ms with 64 / 32 / 16 / 12 / 8 (16 kept: within noise of 8, fewer passes over the filters).
#include "core/nn/winograd.h"

#include <algorithm>
#include <cstring>

#include "core/gemm.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace core::nn::winograd {
namespace {

typedef float f4 __attribute__((vector_size(16)));

template <class T>
inline T ld(const float* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}
template <class T>
inline void st(float* p, T v) {
    std::memcpy(p, &v, sizeof(T));
}
template <class T>
inline T splat(float a) {
    return T{} + a;
}
inline float vmax(float a, float b) { return a > b ? a : b; }
inline f4 vmax(f4 a, f4 b) {
#if defined(__wasm_simd128__)
    return (f4)wasm_f32x4_pmax((v128_t)a, (v128_t)b);
#else
    return a > b ? a : b;  // element-wise select (GCC and clang vector extensions)
#endif
}

constexpr int kTiles = 96;  // tiles per chunk: V and M of a chunk stay in L2 for the cnn's conv2

// Channels [c0, c1) of one input tile, in steps of T (4 lanes or 1): V[e][c] for the 16 positions e.
template <class T>
inline void input_tile(const float* const* p, float* const* v, int c0, int c1) {
    constexpr int L = sizeof(T) / sizeof(float);
    for (int c = c0; c + L <= c1; c += L) {
        T d[4][4], t[4][4];
        for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 4; ++j) d[i][j] = ld<T>(p[i * 4 + j] + c);
        for (int j = 0; j < 4; ++j) {
            t[0][j] = d[0][j] - d[2][j];
            t[1][j] = d[1][j] + d[2][j];
            t[2][j] = d[2][j] - d[1][j];
            t[3][j] = d[1][j] - d[3][j];
        }
        for (int i = 0; i < 4; ++i) {
            st<T>(v[i * 4 + 0] + c, t[i][0] - t[i][2]);
            st<T>(v[i * 4 + 1] + c, t[i][1] + t[i][2]);
            st<T>(v[i * 4 + 2] + c, t[i][2] - t[i][1]);
            st<T>(v[i * 4 + 3] + c, t[i][1] - t[i][3]);
        }
    }
}

// Channels [c0, c1) of one output tile from m[e] (16 rows): the 2x2 outputs + bias, ReLU, and either
// their max (pool: one value to out[0]) or each of them to out[a*2+b] when out[a*2+b] is not null.
template <class T>
inline void output_tile(const float* const* m, const float* b, bool relu, bool pool, float* const* out, int c0, int c1) {
    constexpr int L = sizeof(T) / sizeof(float);
    const T zero = splat<T>(0.f);
    for (int c = c0; c + L <= c1; c += L) {
        T s[4], r[4];
        for (int j = 0; j < 4; ++j) {
            T m0 = ld<T>(m[j] + c), m1 = ld<T>(m[4 + j] + c), m2 = ld<T>(m[8 + j] + c), m3 = ld<T>(m[12 + j] + c);
            s[j] = m0 + m1 + m2;
            r[j] = m1 - m2 - m3;
        }
        T y[4] = {s[0] + s[1] + s[2], s[1] - s[2] - s[3], r[0] + r[1] + r[2], r[1] - r[2] - r[3]};
        const T bv = b ? ld<T>(b + c) : zero;
        if (pool) {
            T v = vmax(vmax(y[0], y[1]), vmax(y[2], y[3])) + bv;
            st<T>(out[0] + c, relu ? vmax(v, zero) : v);
        } else {
            for (int q = 0; q < 4; ++q)
                if (out[q]) {
                    T v = y[q] + bv;
                    st<T>(out[q] + c, relu ? vmax(v, zero) : v);
                }
        }
    }
}

constexpr int kGroup = 8;        // output channels per packed filter group (two 4-lane vectors)
constexpr int kPackedTiles = 16;  // tiles per chunk of the packed path: V and M of a chunk stay in L1/L2

inline f4 bc(float a) { return f4{a, a, a, a}; }

// m[q][0..8) (4 rows of M, row stride ldm) = sum_k v[q][k] * up[k][0..8) for the 4 rows v[q] = v0 + q*K
// of V: the GEMM micro-kernel's 4x8 register tile, A read in place (its rows are L1-resident) and B a
// packed group of 8 filter columns.
template <int KC>
inline void tile4x8(const float* v0, int Krt, const float* up, float* m, int ldm) {
    const int K = KC ? KC : Krt;
    const float *a0 = v0, *a1 = v0 + K, *a2 = v0 + 2 * K, *a3 = v0 + 3 * K;
    f4 c00 = bc(0.f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    for (int k = 0; k < K; ++k, up += kGroup) {
        const f4 b0 = ld<f4>(up), b1 = ld<f4>(up + 4);
        f4 x = bc(a0[k]);
        c00 += x * b0;
        c01 += x * b1;
        x = bc(a1[k]);
        c10 += x * b0;
        c11 += x * b1;
        x = bc(a2[k]);
        c20 += x * b0;
        c21 += x * b1;
        x = bc(a3[k]);
        c30 += x * b0;
        c31 += x * b1;
    }
    st<f4>(m, c00), st<f4>(m + 4, c01);
    st<f4>(m + ldm, c10), st<f4>(m + ldm + 4, c11);
    st<f4>(m + 2 * ldm, c20), st<f4>(m + 2 * ldm + 4, c21);
    st<f4>(m + 3 * ldm, c30), st<f4>(m + 3 * ldm + 4, c31);
}

// One chunk of tiles [t0, t0 + tc) of the batch: the input transform into V (16, tc, Cin), the 16
// products into M (16, tc, ldm) by `products`, then the output transform with bias, ReLU and pool.
template <class Products>
void run_chunk(const float* x, int H, int W, int Cin, const float* b, int Cout, bool relu, bool pool, float* y, long t0, int tc,
               float* V, float* M, int ldm, const float* zeros, Products&& products) {
    const int th = pool ? H / 2 : (H + 1) / 2, tw = pool ? W / 2 : (W + 1) / 2, per = th * tw;
    const int Ho = pool ? H / 2 : H, Wo = pool ? W / 2 : W;
    for (int t = 0; t < tc; ++t) {
        const long idx = t0 + t;
        const int n = (int)(idx / per), r = (int)(idx % per), ty = r / tw, tx = r % tw;
        const float* p[16];
        float* v[16];
        for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 4; ++j) {
                const int iy = 2 * ty - 1 + i, ix = 2 * tx - 1 + j;
                p[i * 4 + j] = (iy >= 0 && iy < H && ix >= 0 && ix < W) ? x + (((size_t)n * H + iy) * W + ix) * Cin : zeros;
                v[i * 4 + j] = V + ((size_t)(i * 4 + j) * tc + t) * Cin;
            }
        const int c4 = Cin / 4 * 4;
        input_tile<f4>(p, v, 0, c4);
        input_tile<float>(p, v, c4, Cin);
    }
    products();
    for (int t = 0; t < tc; ++t) {
        const long idx = t0 + t;
        const int n = (int)(idx / per), r = (int)(idx % per), ty = r / tw, tx = r % tw;
        const float* m[16];
        for (int e = 0; e < 16; ++e) m[e] = M + ((size_t)e * tc + t) * ldm;
        float* out[4] = {nullptr, nullptr, nullptr, nullptr};
        if (pool) {
            out[0] = y + (((size_t)n * Ho + ty) * Wo + tx) * Cout;
        } else {
            for (int a = 0; a < 2; ++a)
                for (int c = 0; c < 2; ++c) {
                    const int oy = 2 * ty + a, ox = 2 * tx + c;
                    if (oy < Ho && ox < Wo) out[a * 2 + c] = y + (((size_t)n * Ho + oy) * Wo + ox) * Cout;
                }
        }
        const int c4 = Cout / 4 * 4;
        output_tile<f4>(m, b, relu, pool, out, 0, c4);
        output_tile<float>(m, b, relu, pool, out, c4, Cout);
    }
}

}  // namespace

void transform_filters(const float* W, int Cin, int Cout, float* U) {
    const size_t plane = (size_t)Cin * Cout;
    for (int ci = 0; ci < Cin; ++ci)
        for (int co = 0; co < Cout; ++co) {
            float g[3][3], gg[4][3];
            for (int ky = 0; ky < 3; ++ky)
                for (int kx = 0; kx < 3; ++kx) g[ky][kx] = W[((size_t)(ky * 3 + kx) * Cin + ci) * Cout + co];
            for (int k = 0; k < 3; ++k) {
                gg[0][k] = g[0][k];
                gg[1][k] = 0.5f * (g[0][k] + g[1][k] + g[2][k]);
                gg[2][k] = 0.5f * (g[0][k] - g[1][k] + g[2][k]);
                gg[3][k] = g[2][k];
            }
            for (int i = 0; i < 4; ++i) {
                const float a = gg[i][0], b = gg[i][1], c = gg[i][2];
                const float u[4] = {a, 0.5f * (a + b + c), 0.5f * (a - b + c), c};
                for (int j = 0; j < 4; ++j) U[(size_t)(i * 4 + j) * plane + (size_t)ci * Cout + co] = u[j];
            }
        }
}

void conv3x3(const float* x, int N, int H, int W, int Cin, const float* U, const float* b, int Cout, bool relu, bool pool,
             float* y, std::vector<float>& ws) {
    const int th = pool ? H / 2 : (H + 1) / 2, tw = pool ? W / 2 : (W + 1) / 2, per = th * tw;
    if (N <= 0 || per <= 0 || Cin <= 0 || Cout <= 0) return;
    const long total = (long)N * per;
    const int chunk = (int)std::min<long>(kTiles, total);
    ws.resize((size_t)16 * chunk * (Cin + Cout) + Cin);
    float* V = ws.data();
    float* M = V + (size_t)16 * chunk * Cin;
    float* zeros = M + (size_t)16 * chunk * Cout;
    std::fill(zeros, zeros + Cin, 0.f);
    for (long t0 = 0; t0 < total; t0 += chunk) {
        const int tc = (int)std::min<long>(chunk, total - t0);
        // the 16 products, each a (tc x Cin) x (Cin x Cout) GEMM
        run_chunk(x, H, W, Cin, b, Cout, relu, pool, y, t0, tc, V, M, Cout, zeros, [&] {
            for (int e = 0; e < 16; ++e)
                gemm(tc, Cout, Cin, MatView{V + (size_t)e * tc * Cin, Cin, 1}, MatView{U + (size_t)e * Cin * Cout, Cout, 1},
                     M + (size_t)e * tc * Cout, Cout, false);
        });
    }
}

size_t packed_size(int Cin, int Cout) { return (size_t)16 * ((Cout + kGroup - 1) / kGroup) * Cin * kGroup; }

void pack_filters(const float* U, int Cin, int Cout, float* Up) {
    const int G = (Cout + kGroup - 1) / kGroup;
    for (int e = 0; e < 16; ++e)
        for (int g = 0; g < G; ++g)
            for (int ci = 0; ci < Cin; ++ci)
                for (int j = 0; j < kGroup; ++j) {
                    const int co = g * kGroup + j;
                    Up[(((size_t)e * G + g) * Cin + ci) * kGroup + j] = co < Cout ? U[((size_t)e * Cin + ci) * Cout + co] : 0.f;
                }
}

void conv3x3_packed(const float* x, int N, int H, int W, int Cin, const float* Up, const float* b, int Cout, bool relu, bool pool,
                    float* y, std::vector<float>& ws) {
    const int th = pool ? H / 2 : (H + 1) / 2, tw = pool ? W / 2 : (W + 1) / 2, per = th * tw;
    if (N <= 0 || per <= 0 || Cin <= 0 || Cout <= 0) return;
    const long total = (long)N * per;
    const int chunk = (int)std::min<long>(kPackedTiles, total);
    const int G = (Cout + kGroup - 1) / kGroup, ldm = G * kGroup;
    // rows of V and M rounded up to whole 4-row tiles (what the spare rows hold only reaches unused rows of M)
    const int rows = (chunk + 3) / 4 * 4;
    ws.resize((size_t)16 * rows * (Cin + ldm) + Cin);
    float* V = ws.data();
    float* M = V + (size_t)16 * rows * Cin;
    float* zeros = M + (size_t)16 * rows * ldm;
    std::fill(zeros, zeros + Cin, 0.f);
    for (long t0 = 0; t0 < total; t0 += chunk) {
        const int tc = (int)std::min<long>(chunk, total - t0), tq = (tc + 3) / 4 * 4;
        // V is laid out with a row stride of Cin and tc rows per position e; the tile kernel reads 4 rows
        // at a time, so with tc not a multiple of 4 the last tile of position e reads the first rows of
        // e + 1 (or the zero rows after the last): harmless, their products land in unused rows of M.
        run_chunk(x, H, W, Cin, b, Cout, relu, pool, y, t0, tc, V, M, ldm, zeros, [&] {
            for (int e = 0; e < 16; ++e) {
                const float* Ve = V + (size_t)e * tc * Cin;
                float* Me = M + (size_t)e * tc * ldm;
                for (int g = 0; g < G; ++g) {
                    const float* Ug = Up + ((size_t)e * G + g) * Cin * kGroup;
                    for (int t = 0; t < tq; t += 4) {
                        const float* v = Ve + (size_t)t * Cin;
                        float* m = Me + (size_t)t * ldm + g * kGroup;
                        if (Cin == 32) tile4x8<32>(v, Cin, Ug, m, ldm);  // the cnn's conv2: a fixed trip count
                        else tile4x8<0>(v, Cin, Ug, m, ldm);
                    }
                }
            }
        });
    }
}

namespace ref {
void conv3x3(const float* x, int N, int H, int W, int Cin, const float* Wt, const float* b, int Cout, bool relu, bool pool,
             float* y) {
    std::vector<float> full((size_t)H * W * Cout);
    const int Ho = pool ? H / 2 : H, Wo = pool ? W / 2 : W;
    for (int n = 0; n < N; ++n) {
        const float* xs = x + (size_t)n * H * W * Cin;
        for (int oy = 0; oy < H; ++oy)
            for (int ox = 0; ox < W; ++ox)
                for (int co = 0; co < Cout; ++co) {
                    double acc = b ? b[co] : 0.0;
                    for (int ky = 0; ky < 3; ++ky)
                        for (int kx = 0; kx < 3; ++kx) {
                            const int iy = oy - 1 + ky, ix = ox - 1 + kx;
                            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                            for (int ci = 0; ci < Cin; ++ci)
                                acc += (double)xs[((size_t)iy * W + ix) * Cin + ci] * Wt[((size_t)(ky * 3 + kx) * Cin + ci) * Cout + co];
                        }
                    float v = (float)acc;
                    full[((size_t)oy * W + ox) * Cout + co] = relu && !(v > 0.f) ? 0.f : v;
                }
        float* ys = y + (size_t)n * Ho * Wo * Cout;
        for (int oy = 0; oy < Ho; ++oy)
            for (int ox = 0; ox < Wo; ++ox)
                for (int co = 0; co < Cout; ++co) {
                    float v;
                    if (pool) {
                        v = full[((size_t)(2 * oy) * W + 2 * ox) * Cout + co];
                        for (int a = 0; a < 2; ++a)
                            for (int c = 0; c < 2; ++c) v = std::max(v, full[((size_t)(2 * oy + a) * W + 2 * ox + c) * Cout + co]);
                    } else {
                        v = full[((size_t)oy * W + ox) * Cout + co];
                    }
                    ys[((size_t)oy * Wo + ox) * Cout + co] = v;
                }
    }
}
}  // namespace ref

}  // namespace core::nn::winograd
