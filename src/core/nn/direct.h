// Inference convolution 3x3, stride 1, same padding, computed directly from the image: each sample is
// copied once into a zero-bordered (H+2, W+2, Cin) buffer, and a register tile of 4 output pixels x 8
// output channels walks the 3 window rows (each 3*Cin contiguous floats of that buffer) against the
// filters packed 8 channels at a time. So there is no im2col matrix and no packing per call: for a
// layer with few input channels (the cnn's RGB conv1, K = 27) the Winograd transforms and K = 3
// GEMMs cost more than the arithmetic they save, and im2col copies 27 floats per output pixel.
// With the 2x2 max pool, the 4 pixels of a tile are the pool's window, so the tile's max, bias and
// ReLU go straight to the pooled output (the full-size output is never written).
// Layouts: x (N,H,W,Cin), weights (3,3,Cin,Cout) (HWIO, the Conv2D layer's), y (N,Ho,Wo,Cout) with
// Ho,Wo = H,W, or H/2,W/2 (rounded down) with the pool. The reference is winograd::ref::conv3x3.
#pragma once
#include <cstddef>
#include <vector>

namespace core::nn::direct {

// Floats of the packed filters: ceil(Cout/8) groups of (9*Cin, 8), zero-padded past Cout.
size_t packed_size(int Cin, int Cout);
// Wp = the filters W (3,3,Cin,Cout) in groups of 8 output channels: Wp[g][k][j] = W[k][8g+j].
void pack_filters(const float* W, int Cin, int Cout, float* Wp);

// y = act(conv3x3_same(x, W) + b) [max-pooled 2x2], with Wp = pack_filters(W). ws is scratch (reused
// across calls). b may be null.
void conv3x3(const float* x, int N, int H, int W, int Cin, const float* Wp, const float* b, int Cout, bool relu, bool pool,
             float* y, std::vector<float>& ws);

}  // namespace core::nn::direct
