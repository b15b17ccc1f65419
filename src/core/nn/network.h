// A sequential network (layers applied in order), softmax cross-entropy with sparse labels, and the
// optimizers (Adam with decoupled weight decay, SGD with momentum).
// Shapes: logits and probabilities are (N,K) with K classes; labels are N ints in 0..K-1.
#pragma once
#include <memory>
#include <vector>

#include "core/nn/layers.h"

namespace core::nn {

// ---- [SECTION] Network ----------------------------------------------------------------------
class Network {
public:
    // Builds the layers for a per-sample input shape; errors name the failing layer.
    static Result<Network> build(Shape input, const std::vector<LayerSpec>& layers);
    Network() = default;
    Network(Network&&) = default;
    Network& operator=(Network&&) = default;

    void init(Rng& rng);  // He/Glorot weights, zero biases, BN to identity
    // Runs the layers; returns the output (N, out_shape()). Activations stay cached for backward.
    const Tensor& forward(const Tensor& x, const Context& ctx);
    // Inference: the output (N, out_shape()) of the layers in inference mode, with fusions (see
    // Layer::infer) and two buffers in turn instead of every activation kept (backward cannot follow).
    const Tensor& infer(const Tensor& x);
    // The same, allowed to take x's storage (x is left valid but unspecified): a network that starts
    // with flatten then starts without a copy of its input.
    const Tensor& infer(Tensor&& x);
    // Back-propagates d(loss)/d(output) (N, out_shape()); ADDS into every Param::grad.
    void backward(const Tensor& dout);
    // Back-propagates dout through every layer down to the input: writes d(loss)/d(input) (the
    // shape of the last forward's input) to dx. Also ADDS into every Param::grad, as backward does.
    void backward_to_input(const Tensor& dout, Tensor& dx);
    void zero_grad();

    std::vector<Param*> params();   // trainable, in layer order
    std::vector<Param*> buffers();  // BN running statistics, in layer order
    std::vector<Param*> tensors();  // params() then buffers(): the whole state of the weights
    size_t param_count();
    long flops_per_sample() const;  // forward multiply-adds x 2
    Shape input_shape() const { return input_; }
    Shape out_shape() const;
    int layer_count() const { return (int)layers_.size(); }
    Layer& layer(int i) { return *layers_[i]; }
    const Tensor& activation(int i) const { return acts_[i]; }  // 0 = input, i = after layer i-1

private:
    const Tensor& infer_impl(const Tensor& x, Tensor* take);
    Shape input_;
    std::vector<std::unique_ptr<Layer>> layers_;
    std::vector<Tensor> acts_, grads_;
    Tensor infer_buf_[2];
};

// ---- [SECTION] Loss -------------------------------------------------------------------------
// Mean softmax cross-entropy over the batch: loss = -1/N sum_n log softmax(logits_n)[label_n].
// Writes probs (N,K) and, if dlogits is given, d(loss)/d(logits) = (probs - onehot) / N.
// Computed with the max subtracted for numerical stability, in double.
double softmax_cross_entropy(const Tensor& logits, const int* labels, Tensor& probs, Tensor* dlogits);
// The same with soft targets (N,K rows that each sum to 1: smoothed labels, a teacher's
// probabilities): loss = -1/N sum_n sum_k t_nk log softmax(logits_n)_k, and
// d(loss)/d(logits) = (probs - targets) / N. With one-hot targets it equals the above.
double softmax_cross_entropy_soft(const Tensor& logits, const float* targets, Tensor& probs, Tensor* dlogits);
void softmax(const float* logits, int K, float* probs);

// ---- [SECTION] Optimizers -------------------------------------------------------------------
enum class OptimizerKind { adam = 0, sgd = 1 };

struct OptimizerConfig {
    OptimizerKind kind = OptimizerKind::adam;
    float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;  // Adam (Kingma & Ba 2015)
    float momentum = 0.9f;                            // SGD: v = mu v + g; w -= lr v
    bool nesterov = false;
    // Adam: decoupled weight decay (AdamW, Loshchilov & Hutter 2019): w -= lr * wd * w.
    // SGD: L2, wd * w added to the gradient. Applies only to Param::decay tensors.
    float weight_decay = 0.f;
};

class Optimizer {
public:
    Optimizer() = default;
    explicit Optimizer(OptimizerConfig c) : cfg_(c) {}
    // One update of every param with its current gradient at learning rate lr.
    void step(const std::vector<Param*>& params, float lr);

private:
    OptimizerConfig cfg_;
    long t_ = 0;
    std::vector<std::vector<float>> m_, v_;  // per param: Adam moments / SGD velocity (m_)
};

}  // namespace core::nn
