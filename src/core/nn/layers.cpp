// Layer implementations. Convolutions are im2col + one Eigen GEMM per chunk of samples, the chunks
// split over threads by sample; backward recomputes im2col instead of caching it, which keeps the
// memory of a batch-64 vgg6 step small (the GEMMs dominate the time anyway).
#include "core/nn/layers.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/gemm.h"
#include "core/nn/direct.h"
#include "core/nn/kernels.h"
#include "core/nn/winograd.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace core::nn {

using MatR = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapR = Eigen::Map<MatR>;
using CMapR = Eigen::Map<const MatR>;
using RowV = Eigen::Map<Eigen::RowVectorXf>;
using CRowV = Eigen::Map<const Eigen::RowVectorXf>;

const char* layer_kind_name(LayerKind k) {
    switch (k) {
        case LayerKind::dense: return "dense";
        case LayerKind::conv2d: return "conv2d";
        case LayerKind::maxpool2d: return "maxpool2d";
        case LayerKind::global_avg_pool: return "gap";
        case LayerKind::relu: return "relu";
        case LayerKind::batchnorm: return "bn";
        case LayerKind::dropout: return "dropout";
        case LayerKind::flatten: return "flatten";
    }
    return "?";
}

std::string LayerSpec::str() const {
    std::string g = init == Init::glorot ? " glorot" : "";
    switch (kind) {
        case LayerKind::dense: return "dense " + std::to_string(units) + g;
        case LayerKind::conv2d:
            return "conv" + std::to_string(kernel) + "x" + std::to_string(kernel) + " " + std::to_string(units) +
                   (same ? " same" : " valid") + (stride != 1 ? " s" + std::to_string(stride) : "") + g;
        case LayerKind::maxpool2d: return "maxpool" + std::to_string(pool);
        case LayerKind::dropout: {
            char b[32];
            std::snprintf(b, sizeof b, "dropout %g", rate);
            return b;
        }
        default: return layer_kind_name(kind);
    }
}

void conv_geometry(int in, int k, int stride, bool same, int& out, int& pad_before) {
    if (same) {
        out = (in + stride - 1) / stride;
        int total = std::max((out - 1) * stride + k - in, 0);
        pad_before = total / 2;
    } else {
        out = in >= k ? (in - k) / stride + 1 : 0;
        pad_before = 0;
    }
}

int Layer::infer(const Tensor& x, Tensor& y, Layer* const*, int) {
    forward(x, y, Context{});
    return 1;
}

namespace {

// Whether two float arrays hold the same bits, a 32-bit word at a time (the C library's memcmp goes a
// byte at a time in WebAssembly: for the CNN's Winograd layers it cost more than a chunk of inference).
bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) return false;
    const size_t n = a.size();
    uint32_t diff = 0;
    for (size_t i = 0; i < n; i += 1024) {  // a block at a time: vectorized, and stops soon after a change
        const size_t e = std::min(n, i + 1024);
        for (size_t j = i; j < e; ++j) {
            uint32_t x, y;
            std::memcpy(&x, &a[j], 4);
            std::memcpy(&y, &b[j], 4);
            diff |= x ^ y;
        }
        if (diff) return false;
    }
    return true;
}

// The ReLU and max pool (in that order, each optional) that follow a layer: how many there are,
// and the pool's window (0: none).
int fusable_tail(Layer* const* next, int n_next, bool pool_too, bool& relu, int& pool) {
    int used = 0;
    relu = false;
    pool = 0;
    if (used < n_next && next[used]->kind() == LayerKind::relu) relu = true, ++used;
    if (pool_too && used < n_next && next[used]->kind() == LayerKind::maxpool2d) pool = next[used]->spec().pool, ++used;
    return used;
}

// C (M,N) = op(A) (M,K) * op(B) (K,N), or += when acc; all row-major and contiguous. ta: A is
// stored as its transpose (K,M); tb: B is stored as (N,K). core::gemm picks the implementation
// (Eigen natively, its own WASM SIMD kernel in WebAssembly).
void matmul(int M, int N, int K, const float* A, bool ta, const float* B, bool tb, float* C, bool acc) {
    MatView a = ta ? MatView{A, 1, M} : MatView{A, K, 1};
    MatView b = tb ? MatView{B, 1, K} : MatView{B, N, 1};
    gemm(M, N, K, a, b, C, N, acc);
}

// Work on the pool (parallel_for over samples or rows) only when it outweighs a call's cost
// (a few microseconds): at least this many floats touched, or this many multiply-adds.
constexpr size_t kParallelMinFloats = size_t(1) << 15;
constexpr double kParallelMinMacs = 1 << 19;

// f(n0, n1) over the samples [0, n): on the pool when `big`, else in one piece on this thread.
// Elementwise and per-sample work gives the same bits either way.
template <class F>
void over_samples(int n, bool big, F&& f) {
    if (!big) {
        f(0, n);
        return;
    }
    parallel_for(n, [&](int n0, int n1, int) { f(n0, n1); });
}

// Short runs of floats (im2col copies 3..k*Cin floats at a time). In WebAssembly a memcpy or
// memset of a run-time size is a call into the C library, and conv1 (Cin = 3) made 450k of them
// per batch; these stay inline, 4 lanes at a time.
inline void copy_floats(float* __restrict d, const float* __restrict s, int n) {
#if defined(__wasm_simd128__)
    int i = 0;
    for (; i + 4 <= n; i += 4) wasm_v128_store(d + i, wasm_v128_load(s + i));
    if (n - i >= 2) d[i] = s[i], d[i + 1] = s[i + 1], i += 2;
    if (i < n) d[i] = s[i];
#else
    std::memcpy(d, s, sizeof(float) * n);
#endif
}
inline void zero_floats(float* d, int n) {
#if defined(__wasm_simd128__)
    int i = 0;
    for (; i + 4 <= n; i += 4) wasm_v128_store(d + i, wasm_f32x4_splat(0.f));
    if (n - i >= 2) d[i] = 0.f, d[i + 1] = 0.f, i += 2;
    if (i < n) d[i] = 0.f;
#else
    std::memset(d, 0, sizeof(float) * n);
#endif
}
inline void add_floats(float* __restrict d, const float* __restrict s, int n) {
    int i = 0;
#if defined(__wasm_simd128__)
    for (; i + 4 <= n; i += 4) wasm_v128_store(d + i, wasm_f32x4_add(wasm_v128_load(d + i), wasm_v128_load(s + i)));
#endif
    for (; i < n; ++i) d[i] += s[i];
}

void init_weights(std::vector<float>& w, Init init, int fan_in, int fan_out, Rng& rng) {
    if (init == Init::he) {
        double sd = std::sqrt(2.0 / fan_in);
        for (auto& v : w) v = (float)(sd * rng.normal());
    } else {
        double lim = std::sqrt(6.0 / (fan_in + fan_out));
        for (auto& v : w) v = (float)(lim * (2.0 * rng.uniform() - 1.0));
    }
}

// ---- [SECTION] Dense ------------------------------------------------------------------------
// x (N,F) -> y (N,U) = x W + b, W (F,U) row-major.
class Dense : public Layer {
public:
    Dense(const LayerSpec& s, Shape in) {
        spec_ = s;
        in_ = in;
        F_ = in.size();
        U_ = s.units;
        W_.name = "W";
        W_.decay = true;
        W_.value.assign((size_t)F_ * U_, 0.f);
        W_.grad.assign(W_.value.size(), 0.f);
        b_.name = "b";
        b_.value.assign(U_, 0.f);
        b_.grad.assign(U_, 0.f);
        flops_ = 2L * F_ * U_;
    }
    LayerKind kind() const override { return LayerKind::dense; }
    Shape out_shape() const override { return {1, 1, U_}; }
    std::vector<Param*> params() override { return {&W_, &b_}; }
    void init(Rng& rng) override {
        init_weights(W_.value, spec_.init, F_, U_, rng);
        std::fill(b_.value.begin(), b_.value.end(), 0.f);
    }
    // Rows (samples) split over the pool when the product is big enough (the cnn's dense 128).
    void forward(const Tensor& x, Tensor& y, const Context&) override {
        y.resize(x.n, out_shape());
        over_samples(x.n, big(x.n), [&](int n0, int n1) {
            matmul(n1 - n0, U_, F_, x.sample(n0), false, W_.value.data(), false, y.sample(n0), false);
            kernels::add_bias(y.sample(n0), n1 - n0, U_, b_.value.data());
        });
    }
    int infer(const Tensor& x, Tensor& y, Layer* const* next, int n_next) override {
        bool relu;
        int pool;
        const int used = fusable_tail(next, n_next, false, relu, pool);
        y.resize(x.n, out_shape());
        over_samples(x.n, big(x.n), [&](int n0, int n1) {
            matmul(n1 - n0, U_, F_, x.sample(n0), false, W_.value.data(), false, y.sample(n0), false);
            kernels::bias_act(y.sample(n0), n1 - n0, U_, b_.value.data(), relu);
        });
        return 1 + used;
    }
    // dW += x^T dy (F,U); db += sum_n dy; dx = dy W^T (N,F). When big, dW's rows (input features)
    // and dx's rows (samples) are split over the pool: every dW entry is still one sum over the batch.
    void backward(const Tensor& x, const Tensor&, const Tensor& dy, Tensor* dx) override {
        if (big(x.n)) {
            parallel_for(F_, [&](int f0, int f1, int) {
                gemm(f1 - f0, U_, x.n, MatView{x.data() + f0, 1, F_}, MatView{dy.data(), U_, 1}, W_.grad.data() + (size_t)f0 * U_,
                     U_, true);
            });
        } else {
            matmul(F_, U_, x.n, x.data(), true, dy.data(), false, W_.grad.data(), true);
        }
        kernels::sum_rows(dy.data(), x.n, U_, b_.grad.data());
        if (dx) {
            dx->resize(x.n, x.s);
            over_samples(x.n, big(x.n), [&](int n0, int n1) {
                matmul(n1 - n0, F_, U_, dy.sample(n0), false, W_.value.data(), true, dx->sample(n0), false);
            });
        }
    }

private:
    bool big(int n) const { return (double)n * F_ * U_ >= kParallelMinMacs; }
    int F_, U_;
    Param W_, b_;
};

// ---- [SECTION] Conv2D -----------------------------------------------------------------------
// x (N,H,W,Cin) -> y (N,Ho,Wo,Cout). Per sample, im2col gives cols (P,K) with P = Ho*Wo output
// pixels and K = k*k*Cin in (ky,kx,ci) order; y = cols W + b with W (K,Cout) row-major, i.e.
// TensorFlow's HWIO kernel layout.
class Conv2D : public Layer {
public:
    Conv2D(const LayerSpec& s, Shape in) {
        spec_ = s;
        in_ = in;
        k_ = s.kernel;
        st_ = s.stride;
        Cin_ = in.c;
        Cout_ = s.units;
        conv_geometry(in.h, k_, st_, s.same, Ho_, pt_);
        conv_geometry(in.w, k_, st_, s.same, Wo_, pl_);
        K_ = k_ * k_ * Cin_;
        P_ = Ho_ * Wo_;
        W_.name = "W";
        W_.decay = true;
        W_.value.assign((size_t)K_ * Cout_, 0.f);
        W_.grad.assign(W_.value.size(), 0.f);
        b_.name = "b";
        b_.value.assign(Cout_, 0.f);
        b_.grad.assign(Cout_, 0.f);
        flops_ = 2L * P_ * K_ * Cout_;
        // ~1k GEMM rows per chunk keeps im2col buffers cache-resident: measured 2x faster than 4k
        chunk_ = std::max(1, 1024 / std::max(1, P_));
    }
    LayerKind kind() const override { return LayerKind::conv2d; }
    Shape out_shape() const override { return {Ho_, Wo_, Cout_}; }
    std::vector<Param*> params() override { return {&W_, &b_}; }
    void init(Rng& rng) override {
        init_weights(W_.value, spec_.init, K_, k_ * k_ * Cout_, rng);
        std::fill(b_.value.begin(), b_.value.end(), 0.f);
    }

    void forward(const Tensor& x, Tensor& y, const Context&) override {
        y.resize(x.n, out_shape());
        ensure_workspace();
        parallel_for(x.n, [&](int n0, int n1, int t) {
            std::vector<float>& cols = ws_[t];
            for (int s0 = n0; s0 < n1; s0 += chunk_) {
                int s1 = std::min(n1, s0 + chunk_), rows = (s1 - s0) * P_;
                cols.resize((size_t)rows * K_);
                for (int i = s0; i < s1; ++i) im2col(x.sample(i), cols.data() + (size_t)(i - s0) * P_ * K_);
                matmul(rows, Cout_, K_, cols.data(), false, W_.value.data(), false, y.sample(s0), false);
                kernels::add_bias(y.sample(s0), rows, Cout_, b_.value.data());
            }
        });
    }
    // Inference with the following ReLU and max pool fused: for 3x3 stride-1 same convolutions (pool 2
    // or none) the direct kernel with fewer than kDirectMaxCin input channels, else Winograd (F(4x4,3x3)
    // in WebAssembly, F(2x2,3x3) natively)
    // with at least kWinogradMinCin; otherwise im2col +
    // GEMM per chunk and the bias, ReLU and pool in one pass over the chunk's output.
    int infer(const Tensor& x, Tensor& y, Layer* const* next, int n_next) override {
        bool relu;
        int pool;
        const int used = fusable_tail(next, n_next, true, relu, pool);
        const Shape out = pool ? Shape{Ho_ / pool, Wo_ / pool, Cout_} : out_shape();
        y.resize(x.n, out);
        ensure_workspace();
        const float* b = b_.value.data();
        const bool same3x3 = k_ == 3 && st_ == 1 && spec_.same && (pool == 0 || pool == 2);
        if (same3x3 && Cin_ < kDirectMaxCin) {
            if (!same_bits(Usrc_, W_.value)) {
                Usrc_ = W_.value;  // the weights changed since the filters were packed
                U_.resize(direct::packed_size(Cin_, Cout_));
                direct::pack_filters(W_.value.data(), Cin_, Cout_, U_.data());
            }
            parallel_for(x.n, [&](int n0, int n1, int t) {
                direct::conv3x3(x.sample(n0), n1 - n0, in_.h, in_.w, Cin_, U_.data(), b, Cout_, relu, pool == 2, y.sample(n0),
                                ws_[t]);
            });
            return 1 + used;
        }
        if (same3x3 && Cin_ >= kWinogradMinCin) {
            if (!same_bits(Usrc_, W_.value)) {
                Usrc_ = W_.value;  // the weights changed since the filters were transformed
                const int E = kWinogradF4 ? 36 : 16;
                U_.resize((size_t)E * Cin_ * Cout_);
                if (kWinogradF4) winograd::transform_filters_f4(W_.value.data(), Cin_, Cout_, U_.data());
                else winograd::transform_filters(W_.value.data(), Cin_, Cout_, U_.data());
                if (kWinogradPacked) {
                    std::vector<float> up(winograd::packed_size(Cin_, Cout_, E));
                    winograd::pack_filters(U_.data(), Cin_, Cout_, up.data(), E);
                    U_.swap(up);
                }
            }
            parallel_for(x.n, [&](int n0, int n1, int t) {
                if (kWinogradF4)
                    winograd::conv3x3_f4_packed(x.sample(n0), n1 - n0, in_.h, in_.w, Cin_, U_.data(), b, Cout_, relu, pool == 2,
                                                y.sample(n0), ws_[t]);
                else if (kWinogradPacked)
                    winograd::conv3x3_packed(x.sample(n0), n1 - n0, in_.h, in_.w, Cin_, U_.data(), b, Cout_, relu, pool == 2,
                                             y.sample(n0), ws_[t]);
                else
                    winograd::conv3x3(x.sample(n0), n1 - n0, in_.h, in_.w, Cin_, U_.data(), b, Cout_, relu, pool == 2, y.sample(n0),
                                      ws_[t]);
            });
            return 1 + used;
        }
        parallel_for(x.n, [&](int n0, int n1, int t) {
            std::vector<float>& cols = ws_[t];
            std::vector<float>& full = part_[t];
            for (int s0 = n0; s0 < n1; s0 += chunk_) {
                int s1 = std::min(n1, s0 + chunk_), rows = (s1 - s0) * P_;
                cols.resize((size_t)rows * K_);
                for (int i = s0; i < s1; ++i) im2col(x.sample(i), cols.data() + (size_t)(i - s0) * P_ * K_);
                if (!pool) {
                    matmul(rows, Cout_, K_, cols.data(), false, W_.value.data(), false, y.sample(s0), false);
                    kernels::bias_act(y.sample(s0), rows, Cout_, b, relu);
                    continue;
                }
                full.resize((size_t)rows * Cout_);
                matmul(rows, Cout_, K_, cols.data(), false, W_.value.data(), false, full.data(), false);
                for (int i = s0; i < s1; ++i)
                    kernels::pool_bias_act(full.data() + (size_t)(i - s0) * P_ * Cout_, Ho_, Wo_, Cout_, pool, b, relu, y.sample(i));
            }
        });
        return 1 + used;
    }
    // Fewer input channels than kDirectMaxCin: the direct convolution (direct.h); else fewer than
    // kWinogradMinCin: im2col + GEMM. In WebAssembly Winograd paid even on the cnn's RGB input (K = 3
    // GEMMs; conv1 + ReLU + pool 41.2 -> 27.8 ms per 256 images under Node), and the direct kernel
    // pays more (see direct.cpp).
    // kWinogradPacked: winograd::conv3x3_packed (its own 4x8 tile kernel) instead of 16 core::gemm
    // calls per chunk; natively Eigen's wider (AVX) GEMM is kept.
    // kWinogradF4: F(4x4,3x3) (winograd::conv3x3_f4_packed) instead of F(2x2,3x3).
#if defined(__wasm_simd128__)
    static constexpr int kDirectMaxCin = 8;
    static constexpr int kWinogradMinCin = 1;
    static constexpr bool kWinogradPacked = true;
    static constexpr bool kWinogradF4 = true;
#else
    static constexpr int kDirectMaxCin = 0;
    static constexpr int kWinogradMinCin = 4;
    static constexpr bool kWinogradPacked = false;
    static constexpr bool kWinogradF4 = false;
#endif
    // dW += cols^T dy (K,Cout); db += column sums of dy; dcols = dy W^T (P,K) -> col2im -> dx.
    // Each thread sums into its own dW/db slice, then the slices are added in thread order.
    void backward(const Tensor& x, const Tensor&, const Tensor& dy, Tensor* dx) override {
        ensure_workspace();
        if (dx) dx->resize(x.n, x.s);
        int parts = parallel_for(x.n, [&](int n0, int n1, int t) {
            std::vector<float>& cols = ws_[t];
            std::vector<float>& g = part_[t];
            g.assign((size_t)K_ * Cout_ + Cout_, 0.f);
            for (int s0 = n0; s0 < n1; s0 += chunk_) {
                int s1 = std::min(n1, s0 + chunk_), rows = (s1 - s0) * P_;
                cols.resize((size_t)rows * K_);
                for (int i = s0; i < s1; ++i) im2col(x.sample(i), cols.data() + (size_t)(i - s0) * P_ * K_);
                matmul(K_, Cout_, rows, cols.data(), true, dy.sample(s0), false, g.data(), true);
                kernels::sum_rows(dy.sample(s0), rows, Cout_, g.data() + (size_t)K_ * Cout_);
                if (dx) {
                    matmul(rows, K_, Cout_, dy.sample(s0), false, W_.value.data(), true, cols.data(), false);
                    for (int i = s0; i < s1; ++i) col2im(cols.data() + (size_t)(i - s0) * P_ * K_, dx->sample(i));
                }
            }
        });
        for (int t = 0; t < parts; ++t) {
            const float* g = part_[t].data();
            for (size_t i = 0; i < W_.grad.size(); ++i) W_.grad[i] += g[i];
            for (int c = 0; c < Cout_; ++c) b_.grad[c] += g[(size_t)K_ * Cout_ + c];
        }
    }

private:
    void ensure_workspace() {
        size_t t = (size_t)max_parts();
        if (ws_.size() < t) ws_.resize(t);
        if (part_.size() < t) part_.resize(t);
    }
    // The input columns [kx_lo, kx_hi) of a window row starting at output column ox lie inside the
    // image; their pixels are contiguous in x (for any stride), so each window row is one run of
    // (kx_hi - kx_lo) * Cin floats.
    void kx_range(int ox, int& lo, int& hi) const {
        const int ix0 = ox * st_ - pl_;
        lo = std::max(0, -ix0);
        hi = std::min(k_, in_.w - ix0);
        if (hi < lo) hi = lo;
    }
    // one sample (H,W,Cin) -> cols (P,K); zeros where the window hangs over the padding
    void im2col(const float* x, float* cols) const {
        const int H = in_.h, Wd = in_.w, run = k_ * Cin_;
        for (int oy = 0; oy < Ho_; ++oy)
            for (int ox = 0; ox < Wo_; ++ox) {
                float* row = cols + (size_t)(oy * Wo_ + ox) * K_;
                int lo, hi;
                kx_range(ox, lo, hi);
                for (int ky = 0; ky < k_; ++ky) {
                    int iy = oy * st_ - pt_ + ky;
                    float* dst = row + ky * run;
                    if (iy < 0 || iy >= H) {
                        zero_floats(dst, run);
                        continue;
                    }
                    zero_floats(dst, lo * Cin_);
                    copy_floats(dst + lo * Cin_, x + ((size_t)iy * Wd + ox * st_ - pl_ + lo) * Cin_, (hi - lo) * Cin_);
                    zero_floats(dst + hi * Cin_, (k_ - hi) * Cin_);
                }
            }
    }
    // the adjoint of im2col: dx (H,W,Cin) = sum of dcols entries that read each input pixel
    void col2im(const float* cols, float* dx) const {
        const int H = in_.h, Wd = in_.w, run = k_ * Cin_;
        std::memset(dx, 0, sizeof(float) * in_.size());
        for (int oy = 0; oy < Ho_; ++oy)
            for (int ox = 0; ox < Wo_; ++ox) {
                const float* row = cols + (size_t)(oy * Wo_ + ox) * K_;
                int lo, hi;
                kx_range(ox, lo, hi);
                for (int ky = 0; ky < k_; ++ky) {
                    int iy = oy * st_ - pt_ + ky;
                    if (iy < 0 || iy >= H) continue;
                    add_floats(dx + ((size_t)iy * Wd + ox * st_ - pl_ + lo) * Cin_, row + ky * run + lo * Cin_,
                               (hi - lo) * Cin_);
                }
            }
    }

    int k_, st_, Cin_, Cout_, Ho_, Wo_, pt_, pl_, K_, P_, chunk_;
    Param W_, b_;
    std::vector<std::vector<float>> ws_, part_;
    std::vector<float> U_, Usrc_;  // Winograd-transformed filters, and the weights they were made from
};

// ---- [SECTION] MaxPool2D --------------------------------------------------------------------
// x (N,H,W,C) -> y (N,H/p,W/p,C), window p x p, stride p (rows/cols past a multiple of p dropped).
class MaxPool2D : public Layer {
public:
    MaxPool2D(const LayerSpec& s, Shape in) {
        spec_ = s;
        in_ = in;
        p_ = s.pool;
        out_ = {in.h / p_, in.w / p_, in.c};
    }
    LayerKind kind() const override { return LayerKind::maxpool2d; }
    Shape out_shape() const override { return out_; }
    void forward(const Tensor& x, Tensor& y, const Context&) override {
        y.resize(x.n, out_);
        arg_.resize(y.size());
        const int per = out_.size();
        parallel_for(x.n, [&](int n0, int n1, int) {
            for (int n = n0; n < n1; ++n)
                kernels::maxpool_forward(x.sample(n), in_.h, in_.w, in_.c, p_, y.sample(n), arg_.data() + (size_t)n * per);
        });
    }
    int infer(const Tensor& x, Tensor& y, Layer* const*, int) override {
        y.resize(x.n, out_);
        parallel_for(x.n, [&](int n0, int n1, int) {
            for (int n = n0; n < n1; ++n) kernels::pool_bias_act(x.sample(n), in_.h, in_.w, in_.c, p_, nullptr, false, y.sample(n));
        });
        return 1;
    }
    // the gradient flows only to the max of each window (first max on ties)
    void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override {
        if (!dx) return;
        dx->resize(x.n, in_);
        const int per = out_.size();
        over_samples(x.n, dx->size() >= kParallelMinFloats, [&](int n0, int n1) {
            for (int n = n0; n < n1; ++n)
                kernels::maxpool_backward(dy.sample(n), arg_.data() + (size_t)n * per, in_.h, in_.w, in_.c, p_, dx->sample(n));
        });
    }

private:
    int p_;
    Shape out_;
    std::vector<int32_t> arg_;  // per output element, the input index (within its sample) of the max
};

// ---- [SECTION] GlobalAvgPool ----------------------------------------------------------------
// x (N,H,W,C) -> y (N,1,1,C), the mean over H*W.
class GlobalAvgPool : public Layer {
public:
    GlobalAvgPool(const LayerSpec& s, Shape in) {
        spec_ = s;
        in_ = in;
    }
    LayerKind kind() const override { return LayerKind::global_avg_pool; }
    Shape out_shape() const override { return {1, 1, in_.c}; }
    void forward(const Tensor& x, Tensor& y, const Context&) override {
        y.resize(x.n, out_shape());
        const int P = in_.h * in_.w, C = in_.c;
        for (int n = 0; n < x.n; ++n) {
            CMapR X(x.sample(n), P, C);
            RowV(y.sample(n), C) = X.colwise().sum() / (float)P;
        }
    }
    // dx[n,h,w,c] = dy[n,c] / (H*W)
    void backward(const Tensor& x, const Tensor&, const Tensor& dy, Tensor* dx) override {
        if (!dx) return;
        dx->resize(x.n, in_);
        const int P = in_.h * in_.w, C = in_.c;
        for (int n = 0; n < x.n; ++n) {
            MapR D(dx->sample(n), P, C);
            D.rowwise() = CRowV(dy.sample(n), C) / (float)P;
        }
    }
};

// ---- [SECTION] ReLU -------------------------------------------------------------------------
class Relu : public Layer {
public:
    Relu(const LayerSpec& s, Shape in) {
        spec_ = s;
        in_ = in;
    }
    LayerKind kind() const override { return LayerKind::relu; }
    Shape out_shape() const override { return in_; }
    void forward(const Tensor& x, Tensor& y, const Context&) override {
        y.resize(x.n, in_);
        const size_t per = in_.size();
        over_samples(x.n, x.size() >= kParallelMinFloats, [&](int n0, int n1) {
            kernels::relu_forward(x.sample(n0), y.sample(n0), (n1 - n0) * per);
        });
    }
    // dx = dy where the output was positive (the subgradient at 0 is taken as 0)
    void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override {
        if (!dx) return;
        dx->resize(x.n, in_);
        const size_t per = in_.size();
        over_samples(x.n, x.size() >= kParallelMinFloats, [&](int n0, int n1) {
            kernels::relu_backward(y.sample(n0), dy.sample(n0), dx->sample(n0), (n1 - n0) * per);
        });
    }
};

// ---- [SECTION] BatchNorm --------------------------------------------------------------------
// Per channel over the M = N*H*W positions (Ioffe & Szegedy 2015): training uses the batch mean
// and biased variance and updates running statistics the way PyTorch does (momentum 0.1 unless
// the context says otherwise, unbiased variance); inference uses the running statistics. eps = 1e-5.
class BatchNorm : public Layer {
public:
    BatchNorm(const LayerSpec& s, Shape in) {
        spec_ = s;
        in_ = in;
        const int C = in.c;
        gamma_ = {"gamma", std::vector<float>(C, 1.f), std::vector<float>(C, 0.f), false};
        beta_ = {"beta", std::vector<float>(C, 0.f), std::vector<float>(C, 0.f), false};
        rmean_ = {"running_mean", std::vector<float>(C, 0.f), {}, false};
        rvar_ = {"running_var", std::vector<float>(C, 1.f), {}, false};
    }
    LayerKind kind() const override { return LayerKind::batchnorm; }
    Shape out_shape() const override { return in_; }
    std::vector<Param*> params() override { return {&gamma_, &beta_}; }
    std::vector<Param*> buffers() override { return {&rmean_, &rvar_}; }
    void init(Rng&) override {
        std::fill(gamma_.value.begin(), gamma_.value.end(), 1.f);
        std::fill(beta_.value.begin(), beta_.value.end(), 0.f);
        std::fill(rmean_.value.begin(), rmean_.value.end(), 0.f);
        std::fill(rvar_.value.begin(), rvar_.value.end(), 1.f);
    }
    void forward(const Tensor& x, Tensor& y, const Context& ctx) override {
        const int C = in_.c;
        const size_t M = (size_t)x.n * in_.h * in_.w;
        y.resize(x.n, in_);
        std::vector<float> scale(C), shift(C);
        if (ctx.training) {
            std::vector<double> sum(C, 0.0), sq(C, 0.0);
            kernels::bn_sums(x.data(), M, C, sum.data());
            mean_.resize(C);
            for (int c = 0; c < C; ++c) mean_[c] = (float)(sum[c] / M);
            kernels::bn_sqdev(x.data(), M, C, mean_.data(), sq.data());
            inv_std_.resize(C);
            for (int c = 0; c < C; ++c) {
                double var = sq[c] / M;
                inv_std_[c] = (float)(1.0 / std::sqrt(var + 1e-5));
                double unbiased = M > 1 ? sq[c] / (M - 1) : var;
                const double m = ctx.bn_momentum;  // 1 - 0.1 is exactly 0.9 in double
                rmean_.value[c] = (float)((1.0 - m) * rmean_.value[c] + m * mean_[c]);
                rvar_.value[c] = (float)((1.0 - m) * rvar_.value[c] + m * unbiased);
                scale[c] = gamma_.value[c] * inv_std_[c];
                shift[c] = beta_.value[c] - mean_[c] * scale[c];
            }
        } else {
            mean_ = rmean_.value;
            inv_std_.resize(C);
            for (int c = 0; c < C; ++c) {
                inv_std_[c] = (float)(1.0 / std::sqrt((double)rvar_.value[c] + 1e-5));
                scale[c] = gamma_.value[c] * inv_std_[c];
                shift[c] = beta_.value[c] - rmean_.value[c] * scale[c];
            }
        }
        training_ = ctx.training;
        kernels::bn_affine(x.data(), M, C, scale.data(), shift.data(), y.data());
    }
    // With xhat = (x - mean) * inv_std and g = dy * gamma:
    // dx = inv_std * (g - mean_M(g) - xhat * mean_M(g * xhat)); dgamma = sum dy*xhat; dbeta = sum dy.
    // After an inference-mode forward the statistics are constants: dx = inv_std * g.
    void backward(const Tensor& x, const Tensor&, const Tensor& dy, Tensor* dx) override {
        const int C = in_.c;
        const size_t M = (size_t)x.n * in_.h * in_.w;
        std::vector<double> sg(C, 0.0), sgx(C, 0.0);
        kernels::bn_grad_sums(x.data(), dy.data(), M, C, mean_.data(), inv_std_.data(), sg.data(), sgx.data());
        for (int c = 0; c < C; ++c) {
            gamma_.grad[c] += (float)sgx[c];
            beta_.grad[c] += (float)sg[c];
        }
        if (!dx) return;
        dx->resize(x.n, in_);
        std::vector<float> k0(C), k1(C), k2(C);
        for (int c = 0; c < C; ++c) {
            double gm = gamma_.value[c] * inv_std_[c];
            k0[c] = (float)gm;
            k1[c] = training_ ? (float)(gm * sg[c] / M) : 0.f;
            k2[c] = training_ ? (float)(gm * sgx[c] / M * inv_std_[c]) : 0.f;
        }
        kernels::bn_dx(x.data(), dy.data(), M, C, mean_.data(), k0.data(), k1.data(), k2.data(), dx->data());
    }

private:
    Param gamma_, beta_, rmean_, rvar_;
    std::vector<float> mean_, inv_std_;  // used by the last forward, for backward
    bool training_ = false;
};

// ---- [SECTION] Dropout ----------------------------------------------------------------------
// Inverted dropout: in training each activation is zeroed with probability rate and the rest are
// scaled by 1/(1-rate), so inference is the identity.
class Dropout : public Layer {
public:
    Dropout(const LayerSpec& s, Shape in) {
        spec_ = s;
        in_ = in;
    }
    LayerKind kind() const override { return LayerKind::dropout; }
    Shape out_shape() const override { return in_; }
    void forward(const Tensor& x, Tensor& y, const Context& ctx) override {
        y.resize(x.n, in_);
        if (!ctx.training || spec_.rate <= 0.f || !ctx.rng) {
            mask_.assign(x.size(), 1.f);
            y.v = x.v;
            return;
        }
        const float keep = 1.f - spec_.rate, scale = 1.f / keep;
        mask_.resize(x.size());
        for (size_t i = 0; i < x.size(); ++i) {
            mask_[i] = ctx.rng->uniformf() < keep ? scale : 0.f;
            y.v[i] = x.v[i] * mask_[i];
        }
    }
    void backward(const Tensor& x, const Tensor&, const Tensor& dy, Tensor* dx) override {
        if (!dx) return;
        dx->resize(x.n, in_);
        for (size_t i = 0; i < x.size(); ++i) dx->v[i] = dy.v[i] * mask_[i];
    }

private:
    std::vector<float> mask_;
};

// ---- [SECTION] Flatten ----------------------------------------------------------------------
// (N,H,W,C) -> (N,1,1,H*W*C), the same bytes (HWC order).
class Flatten : public Layer {
public:
    Flatten(const LayerSpec& s, Shape in) {
        spec_ = s;
        in_ = in;
    }
    LayerKind kind() const override { return LayerKind::flatten; }
    Shape out_shape() const override { return {1, 1, in_.size()}; }
    void forward(const Tensor& x, Tensor& y, const Context&) override {
        y.resize(x.n, out_shape());
        y.v = x.v;
    }
    void backward(const Tensor& x, const Tensor&, const Tensor& dy, Tensor* dx) override {
        if (!dx) return;
        dx->resize(x.n, in_);
        dx->v = dy.v;
    }
};

}  // namespace

Result<LayerPlan> plan_layer(const LayerSpec& s, Shape in, int index) {
    using R = Result<LayerPlan>;
    std::string where = "layer " + std::to_string(index) + " (" + s.str() + "): ";
    if (in.h <= 0 || in.w <= 0 || in.c <= 0) return R::fail(where + "empty input " + in.str());
    LayerPlan p{in, 0};
    switch (s.kind) {
        case LayerKind::dense:
            if (s.units < 1 || s.units > 65536) return R::fail(where + "units must be in 1..65536");
            if ((int64_t)in.size() * s.units > 50000000) return R::fail(where + "too many weights for input " + in.str());
            p.out = {1, 1, s.units};
            p.floats = (int64_t)in.size() * s.units + s.units;
            break;
        case LayerKind::conv2d: {
            if (s.units < 1 || s.units > 4096) return R::fail(where + "filters must be in 1..4096");
            if (s.kernel < 1 || s.kernel > 11) return R::fail(where + "kernel must be in 1..11");
            if (s.stride != 1 && s.stride != 2) return R::fail(where + "stride must be 1 or 2");
            int ho, wo, pad;
            conv_geometry(in.h, s.kernel, s.stride, s.same, ho, pad);
            conv_geometry(in.w, s.kernel, s.stride, s.same, wo, pad);
            if (ho < 1 || wo < 1) return R::fail(where + "input " + in.str() + " is smaller than the kernel");
            p.out = {ho, wo, s.units};
            p.floats = (int64_t)s.kernel * s.kernel * in.c * s.units + s.units;
            break;
        }
        case LayerKind::maxpool2d:
            if (s.pool < 2 || s.pool > 8) return R::fail(where + "pool must be in 2..8");
            if (in.h < s.pool || in.w < s.pool)
                return R::fail(where + "input " + in.str() + " is smaller than the " + std::to_string(s.pool) + "x" +
                               std::to_string(s.pool) + " window");
            p.out = {in.h / s.pool, in.w / s.pool, in.c};
            break;
        case LayerKind::global_avg_pool: p.out = {1, 1, in.c}; break;
        case LayerKind::relu: break;
        case LayerKind::batchnorm: p.floats = 4 * (int64_t)in.c; break;  // gamma, beta, running mean and variance
        case LayerKind::dropout:
            if (!(s.rate >= 0.f && s.rate < 1.f)) return R::fail(where + "rate must be in [0, 1)");
            break;
        case LayerKind::flatten: p.out = {1, 1, in.size()}; break;
        default: return R::fail(where + "unknown layer kind");
    }
    return R::of(p);
}

Result<std::unique_ptr<Layer>> make_layer(const LayerSpec& s, Shape in, int index) {
    using R = Result<std::unique_ptr<Layer>>;
    auto plan = plan_layer(s, in, index);
    if (!plan) return R::fail(plan.error);
    std::unique_ptr<Layer> l;
    switch (s.kind) {
        case LayerKind::dense: l.reset(new Dense(s, in)); break;
        case LayerKind::conv2d: l.reset(new Conv2D(s, in)); break;
        case LayerKind::maxpool2d: l.reset(new MaxPool2D(s, in)); break;
        case LayerKind::global_avg_pool: l.reset(new GlobalAvgPool(s, in)); break;
        case LayerKind::relu: l.reset(new Relu(s, in)); break;
        case LayerKind::batchnorm: l.reset(new BatchNorm(s, in)); break;
        case LayerKind::dropout: l.reset(new Dropout(s, in)); break;
        case LayerKind::flatten: l.reset(new Flatten(s, in)); break;
    }
    return R::of(std::move(l));
}

}  // namespace core::nn
