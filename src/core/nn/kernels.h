// Element-wise and small kernels of the nn engine: ReLU, max pooling, softmax cross-entropy and
// the optimizer updates. Two implementations of each, chosen at compile time:
//  - in WebAssembly (__wasm_simd128__), wasm_simd128.h intrinsics over 4 lanes with a scalar tail;
//  - natively, plain loops written so the compiler vectorizes them (AVX-512 with -march=native),
//    or Eigen arrays where a loop would not vectorize (sqrt under -fmath-errno).
// `ref` holds the plain scalar definitions the fast kernels are tested against (tests/test_kernels.cpp).
// Layouts: N,H,W,C tensors, one sample at a time for pooling; all pointers distinct unless noted.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace core::nn::kernels {

// y = x > 0 ? x : 0 (NaN -> 0). y may equal x.
void relu_forward(const float* x, float* y, size_t n);
// dx = y > 0 ? dy : 0, y the forward output. dx may equal dy.
void relu_backward(const float* y, const float* dy, float* dx, size_t n);

// One sample x (H,W,C) -> y (H/p, W/p, C): the max of each p x p window (stride p; rows/cols past
// a multiple of p are dropped) and arg = the index within x of the first max in window order
// (row by row), as the scalar loop finds it.
void maxpool_forward(const float* x, int H, int W, int C, int p, float* y, int32_t* arg);
// dx (H,W,C) = dy routed to the arg positions, zero elsewhere (dx is overwritten).
void maxpool_backward(const float* dy, const int32_t* arg, int H, int W, int C, int p, float* dx);

// Bias of a convolution or dense layer over rows x C activations (C innermost):
// y[r][c] += b[c]; and its gradient db[c] += sum_r dy[r][c] (summed in row order, in float).
void add_bias(float* y, size_t rows, int C, const float* b);
void sum_rows(const float* dy, size_t rows, int C, float* db);

// Inference epilogues (no argmax, nothing kept for backward). bias_act: y[r][c] = act(y[r][c] + b[c]);
// pool_bias_act: one sample x (H,W,C) -> y (H/p, W/p, C) = act(max of each p x p window + b[c]).
// act is ReLU when relu, else the identity; b may be null (no bias). max(x) + b = max(x + b) and
// ReLU is monotone, so a convolution's bias and ReLU can follow its pooling.
void bias_act(float* y, size_t rows, int C, const float* b, bool relu);
void pool_bias_act(const float* x, int H, int W, int C, int p, const float* b, bool relu, float* y);

// Batch norm over M positions x C channels (C innermost); per-channel sums in double, in row
// order (so the fast path gives the reference's sums exactly).
// sum[c] += x; sq[c] += double(x - mean[c])^2; y = x * scale[c] + shift[c].
void bn_sums(const float* x, size_t M, int C, double* sum);
void bn_sqdev(const float* x, size_t M, int C, const float* mean, double* sq);
void bn_affine(const float* x, size_t M, int C, const float* scale, const float* shift, float* y);
// With xh = (x - mean) * inv_std: sg[c] += g; sgx[c] += g * xh. Then dx = k0 g - k1 - k2 (x - mean).
void bn_grad_sums(const float* x, const float* g, size_t M, int C, const float* mean, const float* inv_std, double* sg,
                  double* sgx);
void bn_dx(const float* x, const float* g, size_t M, int C, const float* mean, const float* k0, const float* k1,
           const float* k2, float* dx);

// One row of softmax cross-entropy: p = softmax(z) over K classes; if d, d = (p - onehot(label)) *
// scale. Returns -log p[label] (double; max subtracted first).
double softmax_xent_row(const float* z, int K, int label, float* p, float* d, float scale);

// x, or 0 when x is subnormal (|x| below the smallest normal float). The optimizers keep their state
// (Adam's m and v, SGD's velocity) out of the subnormal range: a weight whose gradient stays 0 (a dead
// ReLU unit) has its m decay by b1 each step into subnormals within ~800 steps, and x86 cores
// (natively, and WebAssembly, which may not flush them) then take a microcode assist per operation:
// an Adam step over 647k such values took 9.4 ms instead of 0.55 ms. Flushing changes an update by
// less than 1e-30 relative to the step size.
inline float flush_subnormal(float x) { return std::fabs(x) < std::numeric_limits<float>::min() ? 0.f : x; }

// Adam with the bias correction folded into a (step size) and eps, plus decoupled decay:
// m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2 (each flushed, flush_subnormal); w -= a m / (sqrt(v) + eps) + decay w.
void adam_update(float* w, const float* g, float* m, float* v, size_t n, float b1, float b2, float a, float eps,
                 float decay);
// SGD with momentum and L2: g' = g + wd w; vel = mu vel + g' (flushed, flush_subnormal);
// w -= lr (nesterov ? g' + mu vel : vel).
void sgd_update(float* w, const float* g, float* vel, size_t n, float lr, float mu, float wd, bool nesterov);

namespace ref {
void relu_forward(const float* x, float* y, size_t n);
void relu_backward(const float* y, const float* dy, float* dx, size_t n);
void maxpool_forward(const float* x, int H, int W, int C, int p, float* y, int32_t* arg);
void maxpool_backward(const float* dy, const int32_t* arg, int H, int W, int C, int p, float* dx);
void add_bias(float* y, size_t rows, int C, const float* b);
void sum_rows(const float* dy, size_t rows, int C, float* db);
void bias_act(float* y, size_t rows, int C, const float* b, bool relu);
void pool_bias_act(const float* x, int H, int W, int C, int p, const float* b, bool relu, float* y);
void bn_sums(const float* x, size_t M, int C, double* sum);
void bn_sqdev(const float* x, size_t M, int C, const float* mean, double* sq);
void bn_affine(const float* x, size_t M, int C, const float* scale, const float* shift, float* y);
void bn_grad_sums(const float* x, const float* g, size_t M, int C, const float* mean, const float* inv_std, double* sg,
                  double* sgx);
void bn_dx(const float* x, const float* g, size_t M, int C, const float* mean, const float* k0, const float* k1,
           const float* k2, float* dx);
double softmax_xent_row(const float* z, int K, int label, float* p, float* d, float scale);
void adam_update(float* w, const float* g, float* m, float* v, size_t n, float b1, float b2, float a, float eps,
                 float decay);
void sgd_update(float* w, const float* g, float* vel, size_t n, float lr, float mu, float wd, bool nesterov);
}  // namespace ref

}  // namespace core::nn::kernels
