// Inference convolution 3x3, stride 1, same padding, by Winograd's minimal filtering F(2x2,3x3)
// (Lavin & Gray 2016): each 2x2 block of outputs comes from a 4x4 input tile through 16
// element-wise products per (input, output) channel pair instead of 36 multiply-adds, i.e. 2.25x
// less arithmetic. The 16 products over all tiles are 16 GEMMs (tiles x Cin) x (Cin x Cout) through
// core::gemm; the input and output transforms are additions only (the filter transform's 1/2 is
// exact in binary), so the result is the direct convolution up to float rounding.
// The bias, an optional ReLU and an optional 2x2 max pool (stride 2, the pool's window = one output
// tile) are fused into the output transform, so the convolution's full-size output is never written.
// Layouts: x (N,H,W,Cin), weights (3,3,Cin,Cout) (HWIO, the Conv2D layer's), y (N,Ho,Wo,Cout) with
// Ho,Wo = H,W, or H/2,W/2 (rounded down) with the pool.
// `ref` is the direct convolution written out in scalar loops, which the tests compare against.
#pragma once
#include <cstddef>
#include <vector>

namespace core::nn::winograd {

// U (16, Cin, Cout) = G g G^T for each 3x3 filter g of W (3,3,Cin,Cout).
void transform_filters(const float* W, int Cin, int Cout, float* U);

// y = act(conv3x3_same(x, W) + b) [max-pooled 2x2], with U = transform_filters(W). ws is scratch
// (reused across calls). b may be null.
void conv3x3(const float* x, int N, int H, int W, int Cin, const float* U, const float* b, int Cout, bool relu, bool pool,
             float* y, std::vector<float>& ws);

// The same convolution with the 16 products done by a 4x8 register-tile kernel on filters packed 8
// output channels at a time (Up = pack_filters(U)) and V read in place, in chunks of 16 tiles, instead
// of 16 core::gemm calls per chunk that each pack both operands (in WebAssembly that packing and the
// C stores of K = Cin steps were a large part of the cnn's conv2: see winograd.cpp).
// positions: 16 for U of transform_filters, 36 for U of transform_filters_f4.
size_t packed_size(int Cin, int Cout, int positions = 16);  // floats of Up: positions x ceil(Cout/8) groups of (Cin, 8)
void pack_filters(const float* U, int Cin, int Cout, float* Up, int positions = 16);
void conv3x3_packed(const float* x, int N, int H, int W, int Cin, const float* Up, const float* b, int Cout, bool relu, bool pool,
                    float* y, std::vector<float>& ws);

// Winograd F(4x4,3x3): each 4x4 block of outputs from a 6x6 input tile through 36 products per channel
// pair instead of 144 multiply-adds (4x less arithmetic; F(2x2) is 2.25x). Interpolation points 0, +-1,
// +-2 (Lavin & Gray's matrices in winograd.cpp); the transforms multiply by 2, 4, 5 and 8 and the filter
// transform by 1/4, 1/6, 1/12, 1/24 (computed in double), so the result differs from the direct
// convolution by a few float roundings more than F(2x2)'s. With the pool an output tile holds 2x2
// pooled values. U (36, Cin, Cout); Up = pack_filters(U, Cin, Cout, Up, 36).
void transform_filters_f4(const float* W, int Cin, int Cout, float* U);
void conv3x3_f4_packed(const float* x, int N, int H, int W, int Cin, const float* Up, const float* b, int Cout, bool relu, bool pool,
                       float* y, std::vector<float>& ws);

namespace ref {
// The same function, as the direct convolution of W (3,3,Cin,Cout), in double accumulators.
void conv3x3(const float* x, int N, int H, int W, int Cin, const float* Wt, const float* b, int Cout, bool relu, bool pool,
             float* y);
}  // namespace ref

}  // namespace core::nn::winograd
