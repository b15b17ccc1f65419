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

// F(4x4,3x3): channels [c0, c1) of one 6x6 input tile, V[e][c] = (B^T d B)[e] for the 36 positions e, with
//   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1].
template <class T>
inline void bt6(const T* d, T* r) {  // r = B^T d for one column of 6 values (d and r strided by 1)
    const T four = splat<T>(4.f), five = splat<T>(5.f), two = splat<T>(2.f);
    r[0] = four * d[0] - five * d[2] + d[4];
    r[1] = (d[3] + d[4]) - four * (d[1] + d[2]);
    r[2] = (d[4] - d[3]) + four * (d[1] - d[2]);
    r[3] = (d[4] - d[2]) + two * (d[3] - d[1]);
    r[4] = (d[4] - d[2]) - two * (d[3] - d[1]);
    r[5] = four * d[1] - five * d[3] + d[5];
}
template <class T>
inline void input_tile6(const float* const* p, float* const* v, int c0, int c1) {
    constexpr int L = sizeof(T) / sizeof(float);
    for (int c = c0; c + L <= c1; c += L) {
        T d[6][6], t[6][6], col[6], r[6];
        for (int i = 0; i < 6; ++i)
            for (int j = 0; j < 6; ++j) d[i][j] = ld<T>(p[i * 6 + j] + c);
        for (int j = 0; j < 6; ++j) {  // columns: t = B^T d
            for (int i = 0; i < 6; ++i) col[i] = d[i][j];
            bt6(col, r);
            for (int i = 0; i < 6; ++i) t[i][j] = r[i];
        }
        for (int i = 0; i < 6; ++i) {  // rows: (B^T d) B
            bt6(t[i], r);
            for (int j = 0; j < 6; ++j) st<T>(v[i * 6 + j] + c, r[j]);
        }
    }
}

// F(4x4,3x3): channels [c0, c1) of one output tile from m[e] (36 rows): Y = A^T m A with
//   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1],
// + bias, ReLU, and either the 2x2 max of each quarter (pool: out[a*2+b] for the pooled (a, b)) or each
// of the 16 outputs to out[a*4+b]; a null out[] is outside the image and not written.
template <class T>
inline void at6(const T* m, T* o) {
    const T two = splat<T>(2.f), four = splat<T>(4.f), eight = splat<T>(8.f);
    const T s12 = m[1] + m[2], d12 = m[1] - m[2], s34 = m[3] + m[4], d34 = m[3] - m[4];
    o[0] = m[0] + s12 + s34;
    o[1] = d12 + two * d34;
    o[2] = s12 + four * s34;
    o[3] = d12 + eight * d34 + m[5];
}
template <class T>
inline void output_tile6(const float* const* m, const float* b, bool relu, bool pool, float* const* out, int c0, int c1) {
    constexpr int L = sizeof(T) / sizeof(float);
    const T zero = splat<T>(0.f);
    for (int c = c0; c + L <= c1; c += L) {
        T t[4][6], col[6], r[4], y[4][4];
        for (int j = 0; j < 6; ++j) {
            for (int i = 0; i < 6; ++i) col[i] = ld<T>(m[i * 6 + j] + c);
            at6(col, r);
            for (int i = 0; i < 4; ++i) t[i][j] = r[i];
        }
        for (int i = 0; i < 4; ++i) at6(t[i], y[i]);
        const T bv = b ? ld<T>(b + c) : zero;
        if (pool) {
            for (int a = 0; a < 2; ++a)
                for (int q = 0; q < 2; ++q)
                    if (float* o = out[a * 2 + q]) {
                        T v = vmax(vmax(y[2 * a][2 * q], y[2 * a][2 * q + 1]), vmax(y[2 * a + 1][2 * q], y[2 * a + 1][2 * q + 1])) + bv;
                        st<T>(o + c, relu ? vmax(v, zero) : v);
                    }
        } else {
            for (int a = 0; a < 4; ++a)
                for (int q = 0; q < 4; ++q)
                    if (float* o = out[a * 4 + q]) {
                        T v = y[a][q] + bv;
                        st<T>(o + c, relu ? vmax(v, zero) : v);
                    }
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
constexpr int kPackedTilesF4 = 8;  // F(4x4,3x3): each tile has 36 positions, 2.25x the F(2x2) tile's

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

// One chunk of tiles [t0, t0 + tc) of the batch: the input transform into V (E, tc, Cin), the E
// products into M (E, tc, ldm) by `products`, then the output transform with bias, ReLU and pool.
// TM is the output tile's side (2: F(2x2,3x3), E = 16; 4: F(4x4,3x3), E = 36); with the pool an output
// tile holds (TM/2)^2 pooled values.
template <int TM, class Products>
void run_chunk(const float* x, int H, int W, int Cin, const float* b, int Cout, bool relu, bool pool, float* y, long t0, int tc,
               float* V, float* M, int ldm, const float* zeros, Products&& products) {
    constexpr int A = TM + 2, E = A * A, PM = TM / 2;
    const int Ho = pool ? H / 2 : H, Wo = pool ? W / 2 : W;
    const int om = pool ? PM : TM;  // outputs per tile side, in y's units
    const int tw = (Wo + om - 1) / om, per = ((Ho + om - 1) / om) * tw;
    for (int t = 0; t < tc; ++t) {
        const long idx = t0 + t;
        const int n = (int)(idx / per), r = (int)(idx % per), ty = r / tw, tx = r % tw;
        const float* p[E];
        float* v[E];
        for (int i = 0; i < A; ++i)
            for (int j = 0; j < A; ++j) {
                const int iy = TM * ty - 1 + i, ix = TM * tx - 1 + j;
                p[i * A + j] = (iy >= 0 && iy < H && ix >= 0 && ix < W) ? x + (((size_t)n * H + iy) * W + ix) * Cin : zeros;
                v[i * A + j] = V + ((size_t)(i * A + j) * tc + t) * Cin;
            }
        const int c4 = Cin / 4 * 4;
        if (TM == 2) {
            input_tile<f4>(p, v, 0, c4);
            input_tile<float>(p, v, c4, Cin);
        } else {
            input_tile6<f4>(p, v, 0, c4);
            input_tile6<float>(p, v, c4, Cin);
        }
    }
    products();
    for (int t = 0; t < tc; ++t) {
        const long idx = t0 + t;
        const int n = (int)(idx / per), r = (int)(idx % per), ty = r / tw, tx = r % tw;
        const float* m[E];
        for (int e = 0; e < E; ++e) m[e] = M + ((size_t)e * tc + t) * ldm;
        float* out[TM * TM] = {};
        for (int a = 0; a < om; ++a)
            for (int c = 0; c < om; ++c) {
                const int oy = om * ty + a, ox = om * tx + c;
                if (oy < Ho && ox < Wo) out[a * om + c] = y + (((size_t)n * Ho + oy) * Wo + ox) * Cout;
            }
        const int c4 = Cout / 4 * 4;
        if (TM == 2) {
            output_tile<f4>(m, b, relu, pool, out, 0, c4);
            output_tile<float>(m, b, relu, pool, out, c4, Cout);
        } else {
            output_tile6<f4>(m, b, relu, pool, out, 0, c4);
            output_tile6<float>(m, b, relu, pool, out, c4, Cout);
        }
    }
}

// Tiles in the batch for output tiles of side TM (pooled: TM/2 values a side).
inline long tile_count(int N, int H, int W, bool pool, int TM) {
    const int Ho = pool ? H / 2 : H, Wo = pool ? W / 2 : W, om = pool ? TM / 2 : TM;
    return (long)N * ((Ho + om - 1) / om) * ((Wo + om - 1) / om);
}

// The E products of the packed paths for one chunk: M_e (tc x ldm) = V_e (tc x Cin) Up_e, by the 4x8 tile
// kernel over groups of 8 filter columns.
inline void packed_products(int E, const float* V, int tc, int Cin, const float* Up, int G, float* M, int ldm) {
    const int tq = (tc + 3) / 4 * 4;
    for (int e = 0; e < E; ++e) {
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
    const long total = tile_count(N, H, W, pool, 2);
    if (N <= 0 || total <= 0 || Cin <= 0 || Cout <= 0) return;
    const int chunk = (int)std::min<long>(kTiles, total);
    ws.resize((size_t)16 * chunk * (Cin + Cout) + Cin);
    float* V = ws.data();
    float* M = V + (size_t)16 * chunk * Cin;
    float* zeros = M + (size_t)16 * chunk * Cout;
    std::fill(zeros, zeros + Cin, 0.f);
    for (long t0 = 0; t0 < total; t0 += chunk) {
        const int tc = (int)std::min<long>(chunk, total - t0);
        // the 16 products, each a (tc x Cin) x (Cin x Cout) GEMM
        run_chunk<2>(x, H, W, Cin, b, Cout, relu, pool, y, t0, tc, V, M, Cout, zeros, [&] {
            for (int e = 0; e < 16; ++e)
                gemm(tc, Cout, Cin, MatView{V + (size_t)e * tc * Cin, Cin, 1}, MatView{U + (size_t)e * Cin * Cout, Cout, 1},
                     M + (size_t)e * tc * Cout, Cout, false);
        });
    }
}

size_t packed_size(int Cin, int Cout, int positions) {
    return (size_t)positions * ((Cout + kGroup - 1) / kGroup) * Cin * kGroup;
}

void pack_filters(const float* U, int Cin, int Cout, float* Up, int positions) {
    const int G = (Cout + kGroup - 1) / kGroup;
    for (int e = 0; e < positions; ++e)
        for (int g = 0; g < G; ++g)
            for (int ci = 0; ci < Cin; ++ci)
                for (int j = 0; j < kGroup; ++j) {
                    const int co = g * kGroup + j;
                    Up[(((size_t)e * G + g) * Cin + ci) * kGroup + j] = co < Cout ? U[((size_t)e * Cin + ci) * Cout + co] : 0.f;
                }
}

namespace {
// The packed paths: chunks of `chunk` tiles, the E products by packed_products.
template <int TM>
void conv3x3_packed_tm(const float* x, int N, int H, int W, int Cin, const float* Up, const float* b, int Cout, bool relu,
                       bool pool, float* y, std::vector<float>& ws, int chunk_tiles) {
    constexpr int E = (TM + 2) * (TM + 2);
    const long total = tile_count(N, H, W, pool, TM);
    if (N <= 0 || total <= 0 || Cin <= 0 || Cout <= 0) return;
    const int chunk = (int)std::min<long>(chunk_tiles, total);
    const int G = (Cout + kGroup - 1) / kGroup, ldm = G * kGroup;
    // rows of V and M rounded up to whole 4-row tiles (what the spare rows hold only reaches unused rows of M)
    const int rows = (chunk + 3) / 4 * 4;
    ws.resize((size_t)E * rows * (Cin + ldm) + Cin);
    float* V = ws.data();
    float* M = V + (size_t)E * rows * Cin;
    float* zeros = M + (size_t)E * rows * ldm;
    std::fill(zeros, zeros + Cin, 0.f);
    for (long t0 = 0; t0 < total; t0 += chunk) {
        const int tc = (int)std::min<long>(chunk, total - t0);
        // V is laid out with a row stride of Cin and tc rows per position e; the tile kernel reads 4 rows
        // at a time, so with tc not a multiple of 4 the last tile of position e reads the first rows of
        // e + 1 (or the zero rows after the last): harmless, their products land in unused rows of M.
        run_chunk<TM>(x, H, W, Cin, b, Cout, relu, pool, y, t0, tc, V, M, ldm, zeros,
                      [&] { packed_products(E, V, tc, Cin, Up, G, M, ldm); });
    }
}
}  // namespace

void conv3x3_packed(const float* x, int N, int H, int W, int Cin, const float* Up, const float* b, int Cout, bool relu, bool pool,
                    float* y, std::vector<float>& ws) {
    conv3x3_packed_tm<2>(x, N, H, W, Cin, Up, b, Cout, relu, pool, y, ws, kPackedTiles);
}

void transform_filters_f4(const float* W, int Cin, int Cout, float* U) {
    const size_t plane = (size_t)Cin * Cout;
    auto g6 = [](const double* g, double* u) {  // u = G g for one column of 3 values
        u[0] = g[0] / 4;
        u[1] = -(g[0] + g[1] + g[2]) / 6;
        u[2] = -(g[0] - g[1] + g[2]) / 6;
        u[3] = g[0] / 24 + g[1] / 12 + g[2] / 6;
        u[4] = g[0] / 24 - g[1] / 12 + g[2] / 6;
        u[5] = g[2];
    };
    for (int ci = 0; ci < Cin; ++ci)
        for (int co = 0; co < Cout; ++co) {
            double g[3][3], t[6][3], col[3], r[6];
            for (int ky = 0; ky < 3; ++ky)
                for (int kx = 0; kx < 3; ++kx) g[ky][kx] = W[((size_t)(ky * 3 + kx) * Cin + ci) * Cout + co];
            for (int k = 0; k < 3; ++k) {  // columns: G g
                for (int i = 0; i < 3; ++i) col[i] = g[i][k];
                g6(col, r);
                for (int i = 0; i < 6; ++i) t[i][k] = r[i];
            }
            for (int i = 0; i < 6; ++i) {  // rows: (G g) G^T
                g6(t[i], r);
                for (int j = 0; j < 6; ++j) U[(size_t)(i * 6 + j) * plane + (size_t)ci * Cout + co] = (float)r[j];
            }
        }
}

void conv3x3_f4_packed(const float* x, int N, int H, int W, int Cin, const float* Up, const float* b, int Cout, bool relu, bool pool,
                       float* y, std::vector<float>& ws) {
    conv3x3_packed_tm<4>(x, N, H, W, Cin, Up, b, Cout, relu, pool, y, ws, kPackedTilesF4);
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
