// The kernels of kernels.h. Each fast kernel follows its reference's operation order, so in
// WebAssembly (no fused multiply-add) most results are bit-identical; natively the compiler may
// contract a*b+c into FMA, which the tests' float tolerance allows.
//
// Why these exist (bloodcell profile, cnn batch 64, WebAssembly under Node, before): ReLU backward
// took 8 ms per step against 0.5 ms forward, because `y > 0 ? dy : 0` reads dy conditionally and
// so LLVM kept it scalar with a data-dependent branch; max pooling took 6 ms (3.5 + 7 ms natively)
// in a branchy argmax loop over one channel at a time.
#include "core/nn/kernels.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace core::nn::kernels {

// ---- [SECTION] reference (plain scalar) -----------------------------------------------------
namespace ref {

void relu_forward(const float* x, float* y, size_t n) {
    for (size_t i = 0; i < n; ++i) y[i] = x[i] > 0.f ? x[i] : 0.f;
}

void relu_backward(const float* y, const float* dy, float* dx, size_t n) {
    for (size_t i = 0; i < n; ++i) dx[i] = y[i] > 0.f ? dy[i] : 0.f;
}

void maxpool_forward(const float* x, int H, int W, int C, int p, float* y, int32_t* arg) {
    const int Ho = H / p, Wo = W / p;
    for (int oy = 0; oy < Ho; ++oy)
        for (int ox = 0; ox < Wo; ++ox)
            for (int c = 0; c < C; ++c) {
                int best = ((oy * p) * W + ox * p) * C + c;
                for (int dy = 0; dy < p; ++dy)
                    for (int dx = 0; dx < p; ++dx) {
                        int idx = ((oy * p + dy) * W + ox * p + dx) * C + c;
                        if (x[idx] > x[best]) best = idx;
                    }
                int o = (oy * Wo + ox) * C + c;
                y[o] = x[best];
                arg[o] = best;
            }
}

void maxpool_backward(const float* dy, const int32_t* arg, int H, int W, int C, int p, float* dx) {
    std::memset(dx, 0, sizeof(float) * (size_t)H * W * C);
    const int per = (H / p) * (W / p) * C;
    for (int o = 0; o < per; ++o) dx[arg[o]] += dy[o];
}

void add_bias(float* y, size_t rows, int C, const float* b) {
    for (size_t r = 0; r < rows; ++r)
        for (int c = 0; c < C; ++c) y[r * C + c] += b[c];
}

void sum_rows(const float* dy, size_t rows, int C, float* db) {
    for (size_t r = 0; r < rows; ++r)
        for (int c = 0; c < C; ++c) db[c] += dy[r * C + c];
}

void bias_act(float* y, size_t rows, int C, const float* b, bool relu) {
    for (size_t r = 0; r < rows; ++r)
        for (int c = 0; c < C; ++c) {
            float v = y[r * C + c] + (b ? b[c] : 0.f);
            y[r * C + c] = relu && !(v > 0.f) ? 0.f : v;
        }
}

void pool_bias_act(const float* x, int H, int W, int C, int p, const float* b, bool relu, float* y) {
    const int Ho = H / p, Wo = W / p;
    for (int oy = 0; oy < Ho; ++oy)
        for (int ox = 0; ox < Wo; ++ox)
            for (int c = 0; c < C; ++c) {
                float m = x[((oy * p) * W + ox * p) * C + c];
                for (int dy = 0; dy < p; ++dy)
                    for (int dx = 0; dx < p; ++dx) m = std::max(m, x[((oy * p + dy) * W + ox * p + dx) * C + c]);
                float v = m + (b ? b[c] : 0.f);
                y[(oy * Wo + ox) * C + c] = relu && !(v > 0.f) ? 0.f : v;
            }
}

void bn_sums(const float* x, size_t M, int C, double* sum) {
    for (size_t m = 0; m < M; ++m)
        for (int c = 0; c < C; ++c) sum[c] += x[m * C + c];
}

void bn_sqdev(const float* x, size_t M, int C, const float* mean, double* sq) {
    for (size_t m = 0; m < M; ++m)
        for (int c = 0; c < C; ++c) {
            double d = x[m * C + c] - mean[c];
            sq[c] += d * d;
        }
}

void bn_affine(const float* x, size_t M, int C, const float* scale, const float* shift, float* y) {
    for (size_t m = 0; m < M; ++m)
        for (int c = 0; c < C; ++c) y[m * C + c] = x[m * C + c] * scale[c] + shift[c];
}

void bn_grad_sums(const float* x, const float* g, size_t M, int C, const float* mean, const float* inv_std, double* sg,
                  double* sgx) {
    for (size_t m = 0; m < M; ++m)
        for (int c = 0; c < C; ++c) {
            double xh = (x[m * C + c] - mean[c]) * inv_std[c];
            sg[c] += g[m * C + c];
            sgx[c] += g[m * C + c] * xh;
        }
}

void bn_dx(const float* x, const float* g, size_t M, int C, const float* mean, const float* k0, const float* k1,
           const float* k2, float* dx) {
    for (size_t m = 0; m < M; ++m)
        for (int c = 0; c < C; ++c) dx[m * C + c] = k0[c] * g[m * C + c] - k1[c] - k2[c] * (x[m * C + c] - mean[c]);
}

double softmax_xent_row(const float* z, int K, int label, float* p, float* d, float scale) {
    double mx = z[0];
    for (int k = 1; k < K; ++k) mx = std::max(mx, (double)z[k]);
    double sum = 0;
    for (int k = 0; k < K; ++k) sum += std::exp((double)z[k] - mx);
    double lse = mx + std::log(sum);
    for (int k = 0; k < K; ++k) p[k] = (float)std::exp((double)z[k] - lse);
    if (d)
        for (int k = 0; k < K; ++k) d[k] = (float)((std::exp((double)z[k] - lse) - (k == label)) * scale);
    return lse - z[label];
}

void adam_update(float* w, const float* g, float* m, float* v, size_t n, float b1, float b2, float a, float eps,
                 float decay) {
    for (size_t j = 0; j < n; ++j) {
        m[j] = flush_subnormal(b1 * m[j] + (1 - b1) * g[j]);
        v[j] = flush_subnormal(b2 * v[j] + (1 - b2) * g[j] * g[j]);
        w[j] -= a * m[j] / (std::sqrt(v[j]) + eps) + decay * w[j];
    }
}

void sgd_update(float* w, const float* g, float* vel, size_t n, float lr, float mu, float wd, bool nesterov) {
    for (size_t j = 0; j < n; ++j) {
        float gj = g[j] + wd * w[j];
        vel[j] = flush_subnormal(mu * vel[j] + gj);
        w[j] -= lr * (nesterov ? gj + mu * vel[j] : vel[j]);
    }
}

}  // namespace ref

// ---- [SECTION] ReLU -------------------------------------------------------------------------
void relu_forward(const float* x, float* y, size_t n) {
    size_t i = 0;
#if defined(__wasm_simd128__)
    // pmax(0, x) = 0 < x ? x : 0, the reference exactly (NaN and -0 give +0)
    const v128_t zero = wasm_f32x4_splat(0.f);
    for (; i + 8 <= n; i += 8) {
        wasm_v128_store(y + i, wasm_f32x4_pmax(zero, wasm_v128_load(x + i)));
        wasm_v128_store(y + i + 4, wasm_f32x4_pmax(zero, wasm_v128_load(x + i + 4)));
    }
    for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, wasm_f32x4_pmax(zero, wasm_v128_load(x + i)));
#endif
    for (; i < n; ++i) {
        float a = x[i];
        y[i] = a > 0.f ? a : 0.f;
    }
}

void relu_backward(const float* y, const float* dy, float* dx, size_t n) {
    size_t i = 0;
#if defined(__wasm_simd128__)
    const v128_t zero = wasm_f32x4_splat(0.f);
    for (; i + 8 <= n; i += 8) {
        v128_t m0 = wasm_f32x4_gt(wasm_v128_load(y + i), zero), m1 = wasm_f32x4_gt(wasm_v128_load(y + i + 4), zero);
        wasm_v128_store(dx + i, wasm_v128_and(wasm_v128_load(dy + i), m0));
        wasm_v128_store(dx + i + 4, wasm_v128_and(wasm_v128_load(dy + i + 4), m1));
    }
    for (; i + 4 <= n; i += 4)
        wasm_v128_store(dx + i, wasm_v128_and(wasm_v128_load(dy + i), wasm_f32x4_gt(wasm_v128_load(y + i), zero)));
#endif
    // dy is read unconditionally: a conditional read is what kept this loop scalar and branchy
    for (; i < n; ++i) {
        float g = dy[i];
        dx[i] = y[i] > 0.f ? g : 0.f;
    }
}

// ---- [SECTION] MaxPool ----------------------------------------------------------------------
// Channels are innermost, so each window position is a contiguous run of C values: the kernels
// walk C in vectors and keep the running max and its index per lane (strict >, so the first max
// in window order wins, as in the reference).
void maxpool_forward(const float* x, int H, int W, int C, int p, float* y, int32_t* arg) {
    const int Ho = H / p, Wo = W / p;
    for (int oy = 0; oy < Ho; ++oy)
        for (int ox = 0; ox < Wo; ++ox) {
            const int base = ((oy * p) * W + ox * p) * C;
            float* __restrict yo = y + (size_t)(oy * Wo + ox) * C;
            int32_t* __restrict ao = arg + (size_t)(oy * Wo + ox) * C;
            int c = 0;
#if defined(__wasm_simd128__)
            const v128_t lane = wasm_i32x4_make(0, 1, 2, 3);
            for (; c + 4 <= C; c += 4) {
                v128_t best = wasm_v128_load(x + base + c);
                v128_t bi = wasm_i32x4_add(wasm_i32x4_splat(base + c), lane);
                for (int dy = 0; dy < p; ++dy)
                    for (int dx = (dy == 0); dx < p; ++dx) {
                        const int off = ((oy * p + dy) * W + ox * p + dx) * C + c;
                        v128_t v = wasm_v128_load(x + off);
                        v128_t m = wasm_f32x4_gt(v, best);
                        best = wasm_v128_bitselect(v, best, m);
                        bi = wasm_v128_bitselect(wasm_i32x4_add(wasm_i32x4_splat(off), lane), bi, m);
                    }
                wasm_v128_store(yo + c, best);
                wasm_v128_store(ao + c, bi);
            }
            const int c0 = c;
#else
            const int c0 = 0;
#endif
            const float* __restrict x0 = x + base;
            for (c = c0; c < C; ++c) {
                yo[c] = x0[c];
                ao[c] = base + c;
            }
            for (int dy = 0; dy < p; ++dy)
                for (int dx = (dy == 0); dx < p; ++dx) {
                    const int off = ((oy * p + dy) * W + ox * p + dx) * C;
                    const float* __restrict q = x + off;
                    for (c = c0; c < C; ++c) {
                        const float v = q[c], b = yo[c];
                        const bool gt = v > b;
                        yo[c] = gt ? v : b;
                        ao[c] = gt ? off + c : ao[c];
                    }
                }
        }
}

void maxpool_backward(const float* dy, const int32_t* arg, int H, int W, int C, int p, float* dx) {
    const int Ho = H / p, Wo = W / p;
    // windows tile the input exactly unless rows/cols were dropped; those get zeros
    if (H % p || W % p) std::memset(dx, 0, sizeof(float) * (size_t)H * W * C);
    for (int oy = 0; oy < Ho; ++oy)
        for (int ox = 0; ox < Wo; ++ox) {
            const float* __restrict go = dy + (size_t)(oy * Wo + ox) * C;
            const int32_t* __restrict ao = arg + (size_t)(oy * Wo + ox) * C;
            for (int wy = 0; wy < p; ++wy)
                for (int wx = 0; wx < p; ++wx) {
                    const int off = ((oy * p + wy) * W + ox * p + wx) * C;
                    float* __restrict d = dx + off;
                    int c = 0;
#if defined(__wasm_simd128__)
                    const v128_t lane = wasm_i32x4_make(0, 1, 2, 3);
                    for (; c + 4 <= C; c += 4) {
                        v128_t m = wasm_i32x4_eq(wasm_v128_load(ao + c), wasm_i32x4_add(wasm_i32x4_splat(off + c), lane));
                        wasm_v128_store(d + c, wasm_v128_and(wasm_v128_load(go + c), m));
                    }
#endif
                    for (; c < C; ++c) {
                        const float g = go[c];
                        d[c] = ao[c] == off + c ? g : 0.f;
                    }
                }
        }
}

// ---- [SECTION] Bias -------------------------------------------------------------------------
// Eigen's rowwise()/colwise() forms of these ran scalar in WebAssembly: ~2 ms per cnn step each.
void add_bias(float* y, size_t rows, int C, const float* b) {
    for (size_t r = 0; r < rows; ++r) {
        float* __restrict yr = y + r * C;
        int c = 0;
#if defined(__wasm_simd128__)
        for (; c + 4 <= C; c += 4) wasm_v128_store(yr + c, wasm_f32x4_add(wasm_v128_load(yr + c), wasm_v128_load(b + c)));
#endif
        for (; c < C; ++c) yr[c] += b[c];
    }
}

void sum_rows(const float* dy, size_t rows, int C, float* db) {
    int c = 0;
#if defined(__wasm_simd128__)
    // 16 columns at a time in registers, over all rows
    for (; c + 16 <= C; c += 16) {
        v128_t s0 = wasm_v128_load(db + c), s1 = wasm_v128_load(db + c + 4), s2 = wasm_v128_load(db + c + 8),
               s3 = wasm_v128_load(db + c + 12);
        for (size_t r = 0; r < rows; ++r) {
            const float* g = dy + r * C + c;
            s0 = wasm_f32x4_add(s0, wasm_v128_load(g)), s1 = wasm_f32x4_add(s1, wasm_v128_load(g + 4));
            s2 = wasm_f32x4_add(s2, wasm_v128_load(g + 8)), s3 = wasm_f32x4_add(s3, wasm_v128_load(g + 12));
        }
        wasm_v128_store(db + c, s0), wasm_v128_store(db + c + 4, s1), wasm_v128_store(db + c + 8, s2),
            wasm_v128_store(db + c + 12, s3);
    }
    for (; c + 4 <= C; c += 4) {
        v128_t s0 = wasm_v128_load(db + c);
        for (size_t r = 0; r < rows; ++r) s0 = wasm_f32x4_add(s0, wasm_v128_load(dy + r * C + c));
        wasm_v128_store(db + c, s0);
    }
#endif
    if (c == C) return;
    float* __restrict d = db;
    for (size_t r = 0; r < rows; ++r)
        for (int q = c; q < C; ++q) d[q] += dy[r * C + q];
}

// ---- [SECTION] Inference epilogues ----------------------------------------------------------
// Channels innermost: 4 at a time (WASM SIMD, or the loops the compiler vectorizes natively), the
// window's rows walked in place.
void bias_act(float* y, size_t rows, int C, const float* b, bool relu) {
    for (size_t r = 0; r < rows; ++r) {
        float* __restrict yr = y + r * C;
        int c = 0;
#if defined(__wasm_simd128__)
        const v128_t zero = wasm_f32x4_splat(0.f);
        for (; c + 4 <= C; c += 4) {
            v128_t v = wasm_v128_load(yr + c);
            if (b) v = wasm_f32x4_add(v, wasm_v128_load(b + c));
            wasm_v128_store(yr + c, relu ? wasm_f32x4_pmax(zero, v) : v);
        }
#endif
        for (; c < C; ++c) {
            float v = yr[c] + (b ? b[c] : 0.f);
            yr[c] = relu && !(v > 0.f) ? 0.f : v;
        }
    }
}

void pool_bias_act(const float* x, int H, int W, int C, int p, const float* b, bool relu, float* y) {
    const int Ho = H / p, Wo = W / p;
    for (int oy = 0; oy < Ho; ++oy)
        for (int ox = 0; ox < Wo; ++ox) {
            const float* x0 = x + ((size_t)(oy * p) * W + ox * p) * C;
            float* __restrict yo = y + (size_t)(oy * Wo + ox) * C;
            int c = 0;
#if defined(__wasm_simd128__)
            const v128_t zero = wasm_f32x4_splat(0.f);
            for (; c + 4 <= C; c += 4) {
                v128_t m = wasm_v128_load(x0 + c);
                for (int dy = 0; dy < p; ++dy)
                    for (int dx = (dy == 0); dx < p; ++dx) m = wasm_f32x4_pmax(m, wasm_v128_load(x0 + ((size_t)dy * W + dx) * C + c));
                if (b) m = wasm_f32x4_add(m, wasm_v128_load(b + c));
                wasm_v128_store(yo + c, relu ? wasm_f32x4_pmax(zero, m) : m);
            }
#endif
            const int c0 = c;
            for (c = c0; c < C; ++c) yo[c] = x0[c];
            for (int dy = 0; dy < p; ++dy)
                for (int dx = (dy == 0); dx < p; ++dx) {
                    const float* __restrict q = x0 + ((size_t)dy * W + dx) * C;
                    for (c = c0; c < C; ++c) yo[c] = q[c] > yo[c] ? q[c] : yo[c];
                }
            for (c = c0; c < C; ++c) {
                float v = yo[c] + (b ? b[c] : 0.f);
                yo[c] = relu && !(v > 0.f) ? 0.f : v;
            }
        }
}

// ---- [SECTION] BatchNorm --------------------------------------------------------------------
// WebAssembly: 8 channels at a time with their double accumulators in registers (f64x2 pairs),
// walking the rows; the remaining channels (C not a multiple of 8) take the scalar loop.
// Natively the reference loops (the compiler vectorizes what it can).
#if defined(__wasm_simd128__)
namespace {
inline v128_t lo2(v128_t a) { return wasm_f64x2_promote_low_f32x4(a); }
inline v128_t hi2(v128_t a) { return wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(a, a, 2, 3, 2, 3)); }
}  // namespace
#endif

void bn_sums(const float* x, size_t M, int C, double* sum) {
    int c = 0;
#if defined(__wasm_simd128__)
    for (; c + 8 <= C; c += 8) {
        v128_t s0 = wasm_v128_load(sum + c), s1 = wasm_v128_load(sum + c + 2), s2 = wasm_v128_load(sum + c + 4),
               s3 = wasm_v128_load(sum + c + 6);  // continuing from the sums so far, in the reference's order
        for (size_t m = 0; m < M; ++m) {
            v128_t a = wasm_v128_load(x + m * C + c), b = wasm_v128_load(x + m * C + c + 4);
            s0 = wasm_f64x2_add(s0, lo2(a)), s1 = wasm_f64x2_add(s1, hi2(a));
            s2 = wasm_f64x2_add(s2, lo2(b)), s3 = wasm_f64x2_add(s3, hi2(b));
        }
        wasm_v128_store(sum + c, s0), wasm_v128_store(sum + c + 2, s1), wasm_v128_store(sum + c + 4, s2),
            wasm_v128_store(sum + c + 6, s3);
    }
#endif
    for (size_t m = 0; m < M && c < C; ++m)
        for (int q = c; q < C; ++q) sum[q] += x[m * C + q];
}

void bn_sqdev(const float* x, size_t M, int C, const float* mean, double* sq) {
    int c = 0;
#if defined(__wasm_simd128__)
    for (; c + 8 <= C; c += 8) {
        const v128_t ma = wasm_v128_load(mean + c), mb = wasm_v128_load(mean + c + 4);
        v128_t s0 = wasm_v128_load(sq + c), s1 = wasm_v128_load(sq + c + 2), s2 = wasm_v128_load(sq + c + 4),
               s3 = wasm_v128_load(sq + c + 6);
        for (size_t m = 0; m < M; ++m) {
            v128_t a = wasm_f32x4_sub(wasm_v128_load(x + m * C + c), ma);  // float, as the reference
            v128_t b = wasm_f32x4_sub(wasm_v128_load(x + m * C + c + 4), mb);
            v128_t d0 = lo2(a), d1 = hi2(a), d2 = lo2(b), d3 = hi2(b);
            s0 = wasm_f64x2_add(s0, wasm_f64x2_mul(d0, d0)), s1 = wasm_f64x2_add(s1, wasm_f64x2_mul(d1, d1));
            s2 = wasm_f64x2_add(s2, wasm_f64x2_mul(d2, d2)), s3 = wasm_f64x2_add(s3, wasm_f64x2_mul(d3, d3));
        }
        wasm_v128_store(sq + c, s0), wasm_v128_store(sq + c + 2, s1), wasm_v128_store(sq + c + 4, s2),
            wasm_v128_store(sq + c + 6, s3);
    }
#endif
    for (size_t m = 0; m < M && c < C; ++m)
        for (int q = c; q < C; ++q) {
            double d = x[m * C + q] - mean[q];
            sq[q] += d * d;
        }
}

void bn_affine(const float* x, size_t M, int C, const float* scale, const float* shift, float* y) {
    for (size_t m = 0; m < M; ++m) {
        const float* __restrict a = x + m * C;
        float* __restrict b = y + m * C;
        int c = 0;
#if defined(__wasm_simd128__)
        for (; c + 4 <= C; c += 4)
            wasm_v128_store(b + c, wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(a + c), wasm_v128_load(scale + c)),
                                                  wasm_v128_load(shift + c)));
#endif
        for (; c < C; ++c) b[c] = a[c] * scale[c] + shift[c];
    }
}

void bn_grad_sums(const float* x, const float* g, size_t M, int C, const float* mean, const float* inv_std, double* sg,
                  double* sgx) {
    int c = 0;
#if defined(__wasm_simd128__)
    for (; c + 4 <= C; c += 4) {
        const v128_t mv = wasm_v128_load(mean + c), iv = wasm_v128_load(inv_std + c);
        v128_t g0 = wasm_v128_load(sg + c), g1 = wasm_v128_load(sg + c + 2), x0 = wasm_v128_load(sgx + c),
               x1 = wasm_v128_load(sgx + c + 2);
        for (size_t m = 0; m < M; ++m) {
            v128_t xh = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(x + m * C + c), mv), iv);  // float, as the reference
            v128_t gv = wasm_v128_load(g + m * C + c);
            v128_t gl = lo2(gv), gh = hi2(gv);
            g0 = wasm_f64x2_add(g0, gl), g1 = wasm_f64x2_add(g1, gh);
            x0 = wasm_f64x2_add(x0, wasm_f64x2_mul(gl, lo2(xh))), x1 = wasm_f64x2_add(x1, wasm_f64x2_mul(gh, hi2(xh)));
        }
        wasm_v128_store(sg + c, g0), wasm_v128_store(sg + c + 2, g1), wasm_v128_store(sgx + c, x0),
            wasm_v128_store(sgx + c + 2, x1);
    }
#endif
    for (size_t m = 0; m < M && c < C; ++m)
        for (int q = c; q < C; ++q) {
            double xh = (x[m * C + q] - mean[q]) * inv_std[q];
            sg[q] += g[m * C + q];
            sgx[q] += g[m * C + q] * xh;
        }
}

void bn_dx(const float* x, const float* g, size_t M, int C, const float* mean, const float* k0, const float* k1,
           const float* k2, float* dx) {
    for (size_t m = 0; m < M; ++m) {
        const float* __restrict a = x + m * C;
        const float* __restrict gr = g + m * C;
        float* __restrict d = dx + m * C;
        int c = 0;
#if defined(__wasm_simd128__)
        for (; c + 4 <= C; c += 4) {
            v128_t t = wasm_f32x4_sub(wasm_f32x4_mul(wasm_v128_load(k0 + c), wasm_v128_load(gr + c)), wasm_v128_load(k1 + c));
            v128_t u = wasm_f32x4_mul(wasm_v128_load(k2 + c), wasm_f32x4_sub(wasm_v128_load(a + c), wasm_v128_load(mean + c)));
            wasm_v128_store(d + c, wasm_f32x4_sub(t, u));
        }
#endif
        for (; c < C; ++c) d[c] = k0[c] * gr[c] - k1[c] - k2[c] * (a[c] - mean[c]);
    }
}

// ---- [SECTION] Softmax cross-entropy --------------------------------------------------------
// One exp per class instead of the reference's three; the max, the scaling and the gradient in
// vectors. (At K = 8 the whole loss is ~0.02 ms of a 60 ms cnn step: kept simple.)
double softmax_xent_row(const float* z, int K, int label, float* p, float* d, float scale) {
    float mx = z[0];
    for (int k = 1; k < K; ++k) mx = z[k] > mx ? z[k] : mx;
    double sum = 0;
    for (int k = 0; k < K; ++k) {
        double e = std::exp((double)z[k] - mx);
        sum += e;
        p[k] = (float)e;
    }
    const double lse = mx + std::log(sum);
    const float inv = (float)(1.0 / sum);
    int k = 0;
#if defined(__wasm_simd128__)
    const v128_t vinv = wasm_f32x4_splat(inv), vs = wasm_f32x4_splat(scale);
    for (; k + 4 <= K; k += 4) {
        v128_t pk = wasm_f32x4_mul(wasm_v128_load(p + k), vinv);
        wasm_v128_store(p + k, pk);
        if (d) {
            v128_t hot = wasm_f32x4_convert_i32x4(wasm_i32x4_eq(wasm_i32x4_add(wasm_i32x4_splat(k), wasm_i32x4_make(0, 1, 2, 3)),
                                                                 wasm_i32x4_splat(label)));  // -1 or 0
            wasm_v128_store(d + k, wasm_f32x4_mul(wasm_f32x4_add(pk, hot), vs));
        }
    }
#endif
    for (; k < K; ++k) {
        p[k] *= inv;
        if (d) d[k] = (p[k] - (k == label ? 1.f : 0.f)) * scale;
    }
    return lse - z[label];
}

// ---- [SECTION] Optimizers -------------------------------------------------------------------
void adam_update(float* w, const float* g, float* m, float* v, size_t n, float b1, float b2, float a, float eps,
                 float decay) {
#if defined(__wasm_simd128__)
    const v128_t B1 = wasm_f32x4_splat(b1), B1c = wasm_f32x4_splat(1 - b1), B2 = wasm_f32x4_splat(b2),
                 B2c = wasm_f32x4_splat(1 - b2), A = wasm_f32x4_splat(a), E = wasm_f32x4_splat(eps),
                 D = wasm_f32x4_splat(decay), TINY = wasm_f32x4_splat(std::numeric_limits<float>::min());
    size_t j = 0;
    for (; j + 4 <= n; j += 4) {
        v128_t G = wasm_v128_load(g + j);
        v128_t M = wasm_f32x4_add(wasm_f32x4_mul(B1, wasm_v128_load(m + j)), wasm_f32x4_mul(B1c, G));
        v128_t V = wasm_f32x4_add(wasm_f32x4_mul(B2, wasm_v128_load(v + j)), wasm_f32x4_mul(wasm_f32x4_mul(B2c, G), G));
        M = wasm_v128_andnot(M, wasm_f32x4_lt(wasm_f32x4_abs(M), TINY));  // subnormal -> 0, NaN kept (flush_subnormal)
        V = wasm_v128_andnot(V, wasm_f32x4_lt(V, TINY));
        v128_t Wt = wasm_v128_load(w + j);
        v128_t step = wasm_f32x4_div(wasm_f32x4_mul(A, M), wasm_f32x4_add(wasm_f32x4_sqrt(V), E));
        wasm_v128_store(w + j, wasm_f32x4_sub(Wt, wasm_f32x4_add(step, wasm_f32x4_mul(D, Wt))));
        wasm_v128_store(m + j, M);
        wasm_v128_store(v + j, V);
    }
    ref::adam_update(w + j, g + j, m + j, v + j, n - j, b1, b2, a, eps, decay);
#else
    // A plain loop the compiler vectorizes: natively this file is built with -fno-math-errno
    // (CMakeLists.txt), so sqrt is the vector instruction (correctly rounded, the same bits). Eigen's
    // array sqrt, used here before, is scalar under EIGEN_FAST_MATH=0: the update then took 1.9 ms per
    // step over the fcnn's 647k weights, 45% of a training step on one thread.
    float* __restrict W = w;
    float* __restrict M = m;
    float* __restrict V = v;
    const float* __restrict G = g;
    const float tiny = std::numeric_limits<float>::min();
    for (size_t j = 0; j < n; ++j) {
        float mj = b1 * M[j] + (1 - b1) * G[j];
        mj = std::fabs(mj) < tiny ? 0.f : mj;  // subnormal -> 0, NaN kept (flush_subnormal)
        float vj = b2 * V[j] + ((1 - b2) * G[j]) * G[j];
        vj = vj < tiny ? 0.f : vj;
        M[j] = mj;
        V[j] = vj;
        W[j] -= a * mj / (std::sqrt(vj) + eps) + decay * W[j];
    }
#endif
}

void sgd_update(float* w, const float* g, float* vel, size_t n, float lr, float mu, float wd, bool nesterov) {
    size_t j = 0;
#if defined(__wasm_simd128__)
    const v128_t LR = wasm_f32x4_splat(lr), MU = wasm_f32x4_splat(mu), WD = wasm_f32x4_splat(wd),
                 TINY = wasm_f32x4_splat(std::numeric_limits<float>::min());
    for (; j + 4 <= n; j += 4) {
        v128_t Wt = wasm_v128_load(w + j);
        v128_t G = wasm_f32x4_add(wasm_v128_load(g + j), wasm_f32x4_mul(WD, Wt));
        v128_t Vl = wasm_f32x4_add(wasm_f32x4_mul(MU, wasm_v128_load(vel + j)), G);
        Vl = wasm_v128_andnot(Vl, wasm_f32x4_lt(wasm_f32x4_abs(Vl), TINY));
        wasm_v128_store(vel + j, Vl);
        v128_t step = nesterov ? wasm_f32x4_add(G, wasm_f32x4_mul(MU, Vl)) : Vl;
        wasm_v128_store(w + j, wasm_f32x4_sub(Wt, wasm_f32x4_mul(LR, step)));
    }
#endif
    float* __restrict W = w;
    const float* __restrict G = g;
    float* __restrict Vl = vel;
    if (nesterov) {
        for (; j < n; ++j) {
            float gj = G[j] + wd * W[j];
            Vl[j] = flush_subnormal(mu * Vl[j] + gj);
            W[j] -= lr * (gj + mu * Vl[j]);
        }
    } else {
        for (; j < n; ++j) {
            float gj = G[j] + wd * W[j];
            Vl[j] = flush_subnormal(mu * Vl[j] + gj);
            W[j] -= lr * Vl[j];
        }
    }
}

}  // namespace core::nn::kernels
