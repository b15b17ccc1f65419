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
size_t packed_size(int Cin, int Cout);  // floats of Up: 16 x ceil(Cout/8) groups of (Cin, 8)
void pack_filters(const float* U, int Cin, int Cout, float* Up);
void conv3x3_packed(const float* x, int N, int H, int W, int Cin, const float* Up, const float* b, int Cout, bool relu, bool pool,
                    float* y, std::vector<float>& ws);

namespace ref {
// The same function, as the direct convolution of W (3,3,Cin,Cout), in double accumulators.
void conv3x3(const float* x, int N, int H, int W, int Cin, const float* Wt, const float* b, int Cout, bool relu, bool pool,
             float* y);
}  // namespace ref

}  // namespace core::nn::winograd
