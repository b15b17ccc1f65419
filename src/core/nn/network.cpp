// Sequential network plumbing, softmax cross-entropy and the optimizer updates.
#include "core/nn/network.h"

#include <algorithm>
#include <cmath>

#include "core/nn/kernels.h"

namespace core::nn {

Result<Network> Network::build(Shape input, const std::vector<LayerSpec>& layers) {
    Network net;
    net.input_ = input;
    Shape s = input;
    for (size_t i = 0; i < layers.size(); ++i) {
        auto l = make_layer(layers[i], s, (int)i);
        if (!l) return Result<Network>::fail(l.error);
        s = l.value->out_shape();
        net.layers_.push_back(std::move(l.value));
    }
    if (layers.empty()) return Result<Network>::fail("network has no layers");
    net.acts_.resize(layers.size() + 1);
    net.grads_.resize(layers.size() + 1);
    return Result<Network>::of(std::move(net));
}

void Network::init(Rng& rng) {
    for (auto& l : layers_) l->init(rng);
}

Shape Network::out_shape() const { return layers_.empty() ? input_ : layers_.back()->out_shape(); }

const Tensor& Network::forward(const Tensor& x, const Context& ctx) {
    acts_[0] = x;  // a copy: backward needs the input and the caller may reuse its buffer
    for (size_t i = 0; i < layers_.size(); ++i) layers_[i]->forward(acts_[i], acts_[i + 1], ctx);
    return acts_.back();
}

const Tensor& Network::infer(const Tensor& x) { return infer_impl(x, nullptr); }
const Tensor& Network::infer(Tensor&& x) { return infer_impl(x, &x); }

const Tensor& Network::infer_impl(const Tensor& x, Tensor* take) {
    std::vector<Layer*> raw(layers_.size());
    for (size_t i = 0; i < layers_.size(); ++i) raw[i] = layers_[i].get();
    int cur = -1;  // -1: x, else infer_buf_[cur]
    for (size_t i = 0; i < raw.size();) {
        Layer& l = *raw[i];
        if (l.kind() == LayerKind::flatten || l.kind() == LayerKind::dropout) {
            // the identity at inference (flatten: the same floats, another shape)
            if (cur < 0) {
                if (take) std::swap(infer_buf_[0], *take);
                else infer_buf_[0] = x;
                cur = 0;
            }
            infer_buf_[cur].s = l.out_shape();
            ++i;
            continue;
        }
        const int dst = cur == 0 ? 1 : 0;
        i += l.infer(cur < 0 ? x : infer_buf_[cur], infer_buf_[dst], raw.data() + i + 1, (int)(raw.size() - i - 1));
        cur = dst;
    }
    if (cur < 0) infer_buf_[cur = 0] = x;
    return infer_buf_[cur];
}

void Network::backward(const Tensor& dout) {
    grads_.back() = dout;
    // Layers before the first one with parameters need no gradient: stop there, and do not ask that
    // layer for d(input) (for the fcnn that skips a 64x500x784 GEMM per batch, ~14% of its step).
    size_t first = 0;
    while (first < layers_.size() && layers_[first]->params().empty()) ++first;
    for (size_t i = layers_.size(); i-- > first;)
        layers_[i]->backward(acts_[i], acts_[i + 1], grads_[i + 1], i > first ? &grads_[i] : nullptr);
}

void Network::backward_to_input(const Tensor& dout, Tensor& dx) {
    grads_.back() = dout;
    for (size_t i = layers_.size(); i-- > 0;) layers_[i]->backward(acts_[i], acts_[i + 1], grads_[i + 1], &grads_[i]);
    dx = grads_[0];
}

void Network::zero_grad() {
    for (Param* p : params()) std::fill(p->grad.begin(), p->grad.end(), 0.f);
}

std::vector<Param*> Network::params() {
    std::vector<Param*> out;
    for (auto& l : layers_)
        for (Param* p : l->params()) out.push_back(p);
    return out;
}

std::vector<Param*> Network::buffers() {
    std::vector<Param*> out;
    for (auto& l : layers_)
        for (Param* p : l->buffers()) out.push_back(p);
    return out;
}

std::vector<Param*> Network::tensors() {
    std::vector<Param*> out = params(), b = buffers();
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

size_t Network::param_count() {
    size_t n = 0;
    for (Param* p : params()) n += p->value.size();
    return n;
}

long Network::flops_per_sample() const {
    long f = 0;
    for (auto& l : layers_) f += l->flops_per_sample();
    return f;
}

void softmax(const float* z, int K, float* p) {
    double mx = z[0];
    for (int k = 1; k < K; ++k) mx = std::max(mx, (double)z[k]);
    double sum = 0;
    for (int k = 0; k < K; ++k) sum += std::exp((double)z[k] - mx);
    for (int k = 0; k < K; ++k) p[k] = (float)(std::exp((double)z[k] - mx) / sum);
}

double softmax_cross_entropy(const Tensor& logits, const int* labels, Tensor& probs, Tensor* dlogits) {
    const int N = logits.n, K = logits.s.size();
    probs.resize(N, logits.s);
    if (dlogits) dlogits->resize(N, logits.s);
    double loss = 0;
    const float scale = N ? 1.0f / N : 0.f;
    for (int n = 0; n < N; ++n)
        loss += kernels::softmax_xent_row(logits.sample(n), K, labels[n], probs.sample(n),
                                          dlogits ? dlogits->sample(n) : nullptr, scale);
    return N ? loss / N : 0.0;
}

double softmax_cross_entropy_soft(const Tensor& logits, const float* targets, Tensor& probs, Tensor* dlogits) {
    const int N = logits.n, K = logits.s.size();
    probs.resize(N, logits.s);
    if (dlogits) dlogits->resize(N, logits.s);
    double loss = 0;
    const double scale = N ? 1.0 / N : 0.0;
    for (int n = 0; n < N; ++n) {
        const float* z = logits.sample(n);
        const float* t = targets + (size_t)n * K;
        float* p = probs.sample(n);
        double mx = z[0];
        for (int k = 1; k < K; ++k) mx = std::max(mx, (double)z[k]);
        double sum = 0;
        for (int k = 0; k < K; ++k) sum += std::exp((double)z[k] - mx);
        const double lse = mx + std::log(sum);
        for (int k = 0; k < K; ++k) {
            const double lp = (double)z[k] - lse;
            p[k] = (float)std::exp(lp);
            loss -= (double)t[k] * lp;
            if (dlogits) dlogits->sample(n)[k] = (float)((std::exp(lp) - (double)t[k]) * scale);
        }
    }
    return N ? loss / N : 0.0;
}

void Optimizer::step(const std::vector<Param*>& params, float lr) {
    if (m_.size() != params.size()) {
        m_.assign(params.size(), {});
        v_.assign(params.size(), {});
        for (size_t i = 0; i < params.size(); ++i) {
            m_[i].assign(params[i]->value.size(), 0.f);
            if (cfg_.kind == OptimizerKind::adam) v_[i].assign(params[i]->value.size(), 0.f);
        }
    }
    ++t_;
    if (cfg_.kind == OptimizerKind::adam) {
        // bias-corrected step size folded into one scalar, as in the Adam paper's last paragraph
        const double bc1 = 1.0 - std::pow((double)cfg_.beta1, (double)t_);
        const double bc2 = 1.0 - std::pow((double)cfg_.beta2, (double)t_);
        const float a = (float)(lr * std::sqrt(bc2) / bc1);
        const float eps = (float)(cfg_.eps * std::sqrt(bc2));
        const float b1 = cfg_.beta1, b2 = cfg_.beta2;
        for (size_t i = 0; i < params.size(); ++i) {
            Param& p = *params[i];
            const float decay = p.decay ? lr * cfg_.weight_decay : 0.f;
            // a large tensor in blocks of 16 on the pool (elementwise: the same bits on any thread)
            const size_t n = p.value.size(), blocks = (n + 15) / 16;
            auto update = [&](int b0, int b1_, int) {
                const size_t j0 = (size_t)b0 * 16, j1 = std::min(n, (size_t)b1_ * 16);
                kernels::adam_update(p.value.data() + j0, p.grad.data() + j0, m_[i].data() + j0, v_[i].data() + j0, j1 - j0,
                                     b1, b2, a, eps, decay);
            };
            if (n >= (size_t(1) << 15)) parallel_for((int)blocks, update);
            else update(0, (int)blocks, 0);
        }
    } else {
        for (size_t i = 0; i < params.size(); ++i) {
            Param& p = *params[i];
            const float wd = p.decay ? cfg_.weight_decay : 0.f;
            kernels::sgd_update(p.value.data(), p.grad.data(), m_[i].data(), p.value.size(), lr, cfg_.momentum, wd,
                                cfg_.nesterov);
        }
    }
}

}  // namespace core::nn
