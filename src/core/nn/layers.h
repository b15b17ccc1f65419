// Layers of the nn engine, each with its forward and backward side by side (llm.c style).
// Shapes: N batch, H/W spatial, C channels (Cin/Cout for convolutions), F = H*W*C flattened,
// U dense units, K = kh*kw*Cin (im2col row length). Tensors are N,H,W,C (see tensor.h).
// Contract: backward(x, y, dy, dx) is called right after forward(x, y) on the same batch; it
// ADDS parameter gradients into Param::grad (the optimizer zeroes them) and writes dx unless
// dx is null (the first layer needs no input gradient).
// Leaves out: groups/dilation, padding other than same/valid, average pooling windows.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/nn/tensor.h"
#include "core/result.h"
#include "core/rng.h"

namespace core::nn {

enum class LayerKind { dense = 0, conv2d, maxpool2d, global_avg_pool, relu, batchnorm, dropout, flatten };
const char* layer_kind_name(LayerKind k);

enum class Init { he = 0, glorot = 1 };

// A layer as the model spec (and a model file) records it. Unused fields stay at their defaults.
struct LayerSpec {
    LayerKind kind = LayerKind::relu;
    int units = 0;        // dense: output units U; conv2d: output channels Cout
    int kernel = 3;       // conv2d: k (square k x k)
    int stride = 1;       // conv2d: 1 or 2
    bool same = true;     // conv2d: same (TF rules) or valid padding
    int pool = 2;         // maxpool2d: window = stride = pool
    float rate = 0.5f;    // dropout: probability of zeroing an activation
    Init init = Init::he; // dense/conv2d weight init: He normal (before ReLU) or Glorot uniform
    std::string str() const;  // "conv3x3 32 same", "dense 8 glorot", "bn", "relu", ...
};

// One trainable tensor and its gradient, same length. `decay` marks weights that weight decay
// applies to (not biases or batch-norm scales/shifts).
struct Param {
    std::string name;
    std::vector<float> value, grad;
    bool decay = false;
};

// What a forward pass needs besides its input: training mode (batch-norm batch statistics,
// dropout on) and the random stream for dropout masks.
struct Context {
    bool training = false;
    Rng* rng = nullptr;
    // Share of a training batch's statistics in batch norm's running ones: 0.1 as in PyTorch; the
    // weight-averaging pass that recomputes them (train.h, swa) gives batch k of n its cumulative share.
    double bn_momentum = 0.1;
};

class Layer {
public:
    virtual ~Layer() = default;
    virtual LayerKind kind() const = 0;
    virtual Shape out_shape() const = 0;
    virtual void forward(const Tensor& x, Tensor& y, const Context& ctx) = 0;
    virtual void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) = 0;
    // Inference forward (batch norm on running statistics, dropout off, nothing kept for backward),
    // fusing the layers that follow where this layer can: a convolution takes a following ReLU and
    // max pool into its epilogue (a 3x3 stride-1 same convolution runs as Winograd F(2x2,3x3) natively
    // and F(4x4,3x3) in WebAssembly, or in
    // WebAssembly with few input channels as a direct convolution from the image), a
    // dense layer its ReLU. next[0..n_next) are the layers after this one. Returns how many layers
    // it ran (1 + the fused ones); y gets the output of the last of them.
    virtual int infer(const Tensor& x, Tensor& y, Layer* const* next, int n_next);
    virtual std::vector<Param*> params() { return {}; }
    // Non-trained state that a model file must keep (batch-norm running mean and variance).
    virtual std::vector<Param*> buffers() { return {}; }
    // params() then buffers(): everything a model file stores and a weight snapshot copies.
    std::vector<Param*> tensors() {
        std::vector<Param*> v = params(), b = buffers();
        v.insert(v.end(), b.begin(), b.end());
        return v;
    }
    virtual void init(Rng& rng) {}
    long flops_per_sample() const { return flops_; }  // multiply-adds x 2, forward
    Shape in_shape() const { return in_; }
    LayerSpec spec() const { return spec_; }

protected:
    Shape in_;
    LayerSpec spec_;
    long flops_ = 0;
};

// The shape rules of a layer, without building it: what it makes of input shape `in` (per sample)
// and how many floats its tensors() hold (weights, biases, batch-norm scales and statistics), or
// why it cannot be built; errors name the layer and both shapes, e.g.
// "layer 3 (maxpool2d 2): input 1x1x64 is smaller than the 2x2 window". make_layer follows it, and
// so does the model file's check of a file's size against its architecture (before allocating).
struct LayerPlan {
    Shape out;
    int64_t floats = 0;
};
Result<LayerPlan> plan_layer(const LayerSpec& spec, Shape in, int index);

// Builds a layer for input shape `in` (per sample); fails as plan_layer does.
Result<std::unique_ptr<Layer>> make_layer(const LayerSpec& spec, Shape in, int index);

// Convolution output size and padding before (TensorFlow rules for same padding).
void conv_geometry(int in, int k, int stride, bool same, int& out, int& pad_before);

}  // namespace core::nn
