// Gradient saliency (explain.h).
#include "core/explain.h"

#include <algorithm>
#include <cmath>

#include "core/dataset.h"
#include "core/metrics.h"

namespace core {

void input_gradient(nn::Network& net, const nn::Tensor& x, std::vector<int>& cls, nn::Tensor& logits, nn::Tensor& grad) {
    nn::Context ctx;  // inference: batch norm on its running statistics, no dropout
    logits = net.forward(x, ctx);
    const int K = logits.s.size();
    cls.resize(x.n, -1);
    nn::Tensor dout;
    dout.resize(x.n, logits.s);
    dout.zero();
    for (int i = 0; i < x.n; ++i) {
        if (cls[i] < 0 || cls[i] >= K) cls[i] = argmax(logits.sample(i), K);
        dout.sample(i)[cls[i]] = 1.f;
    }
    // backward adds into the parameter gradients: keep them as they were (a model being trained in
    // this thread must not see the explanation's gradients)
    std::vector<nn::Param*> ps = net.params();
    std::vector<std::vector<float>> kept(ps.size());
    for (size_t i = 0; i < ps.size(); ++i) kept[i] = ps[i]->grad;
    net.backward_to_input(dout, grad);
    for (size_t i = 0; i < ps.size(); ++i) ps[i]->grad.swap(kept[i]);
}

std::vector<float> saliency_map(const float* grad, int pixels, int channels, float* clip) {
    std::vector<float> m(pixels, 0.f);
    for (int p = 0; p < pixels; ++p)
        for (int c = 0; c < channels; ++c) m[p] = std::max(m[p], std::fabs(grad[(size_t)p * channels + c]));
    std::vector<float> sorted = m;
    const size_t k = (size_t)std::floor(0.99 * (pixels - 1));
    std::nth_element(sorted.begin(), sorted.begin() + k, sorted.end());
    float q = pixels > 0 ? sorted[k] : 0.f;
    if (!(q > 0)) q = pixels > 0 ? *std::max_element(m.begin(), m.end()) : 0.f;  // a sparse map: scale by its max
    for (float& v : m) v = q > 0 ? std::min(1.f, v / q) : 0.f;
    if (clip) *clip = q;
    return m;
}

Result<std::vector<Saliency>> explain(Model& m, const uint8_t* images, int n, const int* classes) {
    using R = Result<std::vector<Saliency>>;
    if (m.spec().family != Family::nn)
        return R::fail("explain: " + m.spec().name +
                       " works on intensity and GLCM features, not on pixels; heat maps need a network (fcnn, cnn, vgg6)");
    for (int i = 0; classes && i < n; ++i)
        if (classes[i] < -1 || classes[i] >= kClasses)
            return R::fail("explain: class " + std::to_string(classes[i]) + " is out of range 0.." + std::to_string(kClasses - 1));
    std::vector<Saliency> out(std::max(0, n));
    const nn::Shape s = m.spec().input_shape();
    const int B = 32;
    nn::Tensor x, logits, grad;
    for (int b0 = 0; b0 < n; b0 += B) {
        const int nb = std::min(B, n - b0);
        images_to_tensor(images + (size_t)b0 * kImageBytes, nb, m.spec().input, x);
        std::vector<int> cls(nb, -1);
        for (int i = 0; classes && i < nb; ++i) cls[i] = classes[b0 + i];
        input_gradient(m.network(), x, cls, logits, grad);
        for (int i = 0; i < nb; ++i) {
            Saliency& r = out[b0 + i];
            r.cls = cls[i];
            r.top = argmax(logits.sample(i), kClasses);
            r.probs.resize(kClasses);
            nn::softmax(logits.sample(i), kClasses, r.probs.data());
            r.grad.assign(grad.sample(i), grad.sample(i) + s.size());
            r.map = saliency_map(r.grad.data(), s.h * s.w, s.c, &r.clip);
        }
    }
    return R::of(std::move(out));
}

HeatColor heat_color(float t) {
    t = std::clamp(std::isfinite(t) ? t : 0.f, 0.f, 1.f);
    auto ch = [](float v) { return (uint8_t)std::lround(255.f * std::clamp(v, 0.f, 1.f)); };
    // black -> red -> yellow -> white over thirds of the range, opaque from about two thirds up
    return {ch(3.f * t), ch(3.f * t - 1.f), ch(3.f * t - 2.f), 0.85f * std::min(1.f, 1.5f * t)};
}

std::vector<uint8_t> heat_overlay(const uint8_t* rgb, int w, int h, const float* map, int mw, int mh) {
    std::vector<uint8_t> out((size_t)std::max(0, w) * std::max(0, h) * 3);
    for (int y = 0; y < h; ++y) {
        const int my = std::min(mh - 1, (int)((int64_t)y * mh / h));
        for (int x = 0; x < w; ++x) {
            const int mx = std::min(mw - 1, (int)((int64_t)x * mw / w));
            const HeatColor c = heat_color(map[(size_t)my * mw + mx]);
            const uint8_t* p = rgb + ((size_t)y * w + x) * 3;
            uint8_t* o = out.data() + ((size_t)y * w + x) * 3;
            const uint8_t col[3] = {c.r, c.g, c.b};
            for (int k = 0; k < 3; ++k) o[k] = (uint8_t)std::lround((1.f - c.alpha) * p[k] + c.alpha * col[k]);
        }
    }
    return out;
}

}  // namespace core
