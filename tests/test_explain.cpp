// Gradient saliency (core/explain.h): the gradient against central differences of the network's
// inference-mode logits, batch norm on its running statistics, the parameter gradients untouched,
// the map's scaling, the refusals, and the overlay colours.
#include <doctest/doctest.h>

#include <cmath>

#include "core/dataset.h"
#include "core/explain.h"
#include "core/metrics.h"

using namespace core;

namespace {

void randomize(std::vector<float>& v, Rng& rng, double sd, double mean = 0.0) {
    for (auto& x : v) x = (float)(mean + sd * rng.normal());
}

// A small network with every kind of layer a shipped model has: conv, batch norm, ReLU, max pool,
// dropout, flatten, dense. Weights and batch-norm statistics are random and far from the identity,
// so a batch-norm that used the batch's own statistics would give other logits and gradients.
nn::Network small_net() {
    auto layers = parse_layers("conv3x3 4 same;bn;relu;maxpool2;dropout 0.5;flatten;dense 6;relu;dense 8");
    REQUIRE(layers.ok());
    auto net = nn::Network::build({6, 6, 3}, layers.value);
    REQUIRE_MESSAGE(net.ok(), net.error);
    Rng rng(3);
    net.value.init(rng);
    for (nn::Param* p : net.value.params()) randomize(p->value, rng, 0.6, p->name == "gamma" ? 1.0 : 0.0);
    for (nn::Param* p : net.value.buffers()) {
        if (p->name == "running_mean") randomize(p->value, rng, 0.5, 0.4);
        else for (float& v : p->value) v = (float)(0.5 + 2.0 * rng.uniform());
    }
    return std::move(net.value);
}

}  // namespace

TEST_CASE("explain: the input gradient matches central differences of the inference-mode logit") {
    nn::set_num_threads(1);
    nn::Network net = small_net();
    nn::Tensor x;
    x.resize(2, {6, 6, 3});
    Rng rng(11);
    randomize(x.v, rng, 1.0);
    // parameter gradients with values in them: the explanation must leave them as they are
    for (nn::Param* p : net.params()) randomize(p->grad, rng, 1.0);
    std::vector<std::vector<float>> grads_before, stats_before;
    for (nn::Param* p : net.params()) grads_before.push_back(p->grad);
    for (nn::Param* p : net.buffers()) stats_before.push_back(p->value);

    std::vector<int> cls = {-1, 5};  // sample 0: its top class; sample 1: class 5
    nn::Tensor logits, grad;
    input_gradient(net, x, cls, logits, grad);
    REQUIRE(grad.n == 2);
    REQUIRE(grad.s == nn::Shape{6, 6, 3});
    int top0 = 0;
    for (int k = 1; k < 8; ++k)
        if (logits.sample(0)[k] > logits.sample(0)[top0]) top0 = k;
    CHECK(cls[0] == top0);
    CHECK(cls[1] == 5);

    // f(x) = the explained logit of sample n, computed as predictions are (inference mode); with the
    // pattern of positive ReLU outputs, so that differences across a kink are left out
    nn::Context infer;
    auto logit = [&](int n, std::vector<bool>& on) {
        nn::Tensor one;
        one.resize(1, x.s);
        std::copy(x.sample(n), x.sample(n) + x.s.size(), one.data());
        double z = net.forward(one, infer).sample(0)[cls[n]];
        on.clear();
        for (int l = 0; l < net.layer_count(); ++l)
            if (net.layer(l).kind() == nn::LayerKind::relu)
                for (float v : net.activation(l + 1).v) on.push_back(v > 0);
        return z;
    };
    const float eps = 1e-3f;
    double largest = 0;
    for (float g : grad.v) largest = std::max(largest, (double)std::fabs(g));
    CHECK(largest > 0.05);  // a real gradient, not zeros matching zeros
    int compared = 0, kinks = 0;
    for (int n = 0; n < 2; ++n)
        for (int i = 0; i < x.s.size(); ++i) {
            float& v = x.sample(n)[i];
            const float keep = v;
            std::vector<bool> on_up, on_down;
            v = keep + eps;
            const double up = logit(n, on_up);
            v = keep - eps;
            const double down = logit(n, on_down);
            v = keep;
            if (on_up != on_down) {
                ++kinks;
                continue;
            }
            const double numeric = (up - down) / (2.0 * eps), analytic = grad.sample(n)[i];
            INFO("sample ", n, " input ", i, ": numeric ", numeric, ", analytic ", analytic);
            CHECK(std::fabs(numeric - analytic) <= 5e-3 * largest + 1e-2 * std::fabs(analytic));
            ++compared;
        }
    CHECK(kinks <= compared / 10);

    // the same logits as an inference forward of the batch; a training-mode forward differs, so the
    // check above tells the two apart
    const nn::Tensor& inf = net.forward(x, infer);
    for (size_t i = 0; i < inf.size(); ++i) CHECK(logits.v[i] == doctest::Approx(inf.v[i]).epsilon(1e-5));
    nn::Context train;
    train.training = true;
    nn::Tensor tr = net.forward(x, train);
    double diff = 0;
    for (size_t i = 0; i < tr.size(); ++i) diff = std::max(diff, (double)std::fabs(tr.v[i] - logits.v[i]));
    CHECK(diff > 1e-2);

    // parameter gradients as before the explanation (the training forward above does not touch them)
    std::vector<nn::Param*> ps = net.params();
    for (size_t i = 0; i < ps.size(); ++i) CHECK(ps[i]->grad == grads_before[i]);
}

TEST_CASE("explain: a model's saliency is the gradient of its top class, mapped to 28x28 in 0..1") {
    nn::set_num_threads(1);
    auto layers = parse_layers("conv3x3 4 same;bn;relu;maxpool2;conv3x3 4 same;relu;gap;dense 8");
    REQUIRE(layers.ok());
    ModelSpec spec;
    spec.name = "small";
    spec.layers = layers.value;
    auto made = Model::create(spec, 5);
    REQUIRE(made.ok());
    Model& m = made.value;
    std::vector<uint8_t> images(2 * kImageBytes);
    Rng rng(9);
    for (auto& b : images) b = (uint8_t)rng.below(256);
    const std::vector<float> raw = m.predict_raw(images.data(), 2);
    std::vector<float> running_before;
    for (nn::Param* p : m.network().buffers()) running_before.insert(running_before.end(), p->value.begin(), p->value.end());

    auto ex = explain(m, images.data(), 2);
    REQUIRE_MESSAGE(ex.ok(), ex.error);
    REQUIRE(ex.value.size() == 2);
    for (int i = 0; i < 2; ++i) {
        const Saliency& s = ex.value[i];
        CHECK(s.cls == s.top);
        CHECK(s.top == argmax(&raw[(size_t)i * kClasses], kClasses));
        for (int k = 0; k < kClasses; ++k) CHECK(s.probs[k] == doctest::Approx(raw[(size_t)i * kClasses + k]).epsilon(1e-5));
        REQUIRE(s.grad.size() == (size_t)kImageBytes);
        REQUIRE(s.map.size() == (size_t)kGrayPixels);
        CHECK(s.clip > 0);
        float hi = 0;
        for (float v : s.map) {
            CHECK(v >= 0.f);
            CHECK(v <= 1.f);
            hi = std::max(hi, v);
        }
        CHECK(hi == 1.f);
        // each map pixel is the largest |gradient| over R, G, B scaled by the clip
        for (int p : {0, 100, 407, 783}) {
            float g = 0;
            for (int c = 0; c < 3; ++c) g = std::max(g, std::fabs(s.grad[(size_t)p * 3 + c]));
            CHECK(s.map[p] == doctest::Approx(std::min(1.f, g / s.clip)));
        }
    }
    // explaining another class changes the gradient; the running statistics stay as they were
    const int other = (ex.value[0].top + 1) % kClasses;
    const int cls[2] = {other, -1};
    auto ex2 = explain(m, images.data(), 2, cls);
    REQUIRE(ex2.ok());
    CHECK(ex2.value[0].cls == other);
    CHECK(ex2.value[0].top == ex.value[0].top);
    CHECK(ex2.value[0].grad != ex.value[0].grad);
    CHECK(ex2.value[1].grad == ex.value[1].grad);
    std::vector<float> running_after;
    for (nn::Param* p : m.network().buffers()) running_after.insert(running_after.end(), p->value.begin(), p->value.end());
    CHECK(running_after == running_before);
}

TEST_CASE("explain: the fcnn's map is its gray input's gradient") {
    auto spec = model_spec("fcnn", [] { ModelOptions o; o.hidden = 16; return o; }());
    REQUIRE(spec.ok());
    auto m = Model::create(spec.value, 2);
    REQUIRE(m.ok());
    std::vector<uint8_t> img(kImageBytes, 120);
    for (int i = 0; i < kImageBytes; ++i) img[i] = (uint8_t)((i * 37) % 256);
    auto ex = explain(m.value, img.data(), 1);
    REQUIRE(ex.ok());
    CHECK(ex.value[0].grad.size() == (size_t)kGrayPixels);
    CHECK(ex.value[0].map.size() == (size_t)kGrayPixels);
    CHECK(ex.value[0].map[0] == doctest::Approx(std::min(1.f, std::fabs(ex.value[0].grad[0]) / ex.value[0].clip)));
}

TEST_CASE("explain: feature models and classes out of range are refused") {
    auto spec = model_spec("logreg");
    REQUIRE(spec.ok());
    auto m = Model::create(spec.value, 1);
    REQUIRE(m.ok());
    std::vector<uint8_t> img(kImageBytes, 100);
    auto ex = explain(m.value, img.data(), 1);
    CHECK_FALSE(ex.ok());
    CHECK(ex.error == "explain: logreg works on intensity and GLCM features, not on pixels; heat maps need a network (fcnn, cnn, vgg6)");

    auto net = parse_layers("conv3x3 2 same;relu;gap;dense 8");
    REQUIRE(net.ok());
    ModelSpec small;
    small.name = "tiny";
    small.layers = net.value;
    auto t = Model::create(small, 1);
    REQUIRE(t.ok());
    const int bad = 8;
    auto r = explain(t.value, img.data(), 1, &bad);
    CHECK_FALSE(r.ok());
    CHECK(r.error == "explain: class 8 is out of range 0..7");
}

TEST_CASE("explain: the map is scaled by its 99th percentile and clipped to 1") {
    // 100 pixels x 2 channels: pixel p has gradients (p, -p/2), so its largest magnitude is p
    std::vector<float> g(200);
    for (int p = 0; p < 100; ++p) g[2 * p] = (float)p, g[2 * p + 1] = -p / 2.f;
    float clip = 0;
    std::vector<float> m = saliency_map(g.data(), 100, 2, &clip);
    CHECK(clip == 98.f);  // the value at index floor(0.99 * 99) = 98 of the sorted magnitudes
    CHECK(m[49] == doctest::Approx(0.5f));
    CHECK(m[98] == 1.f);
    CHECK(m[99] == 1.f);  // above the percentile: clipped
    CHECK(m[0] == 0.f);
    // a gradient that is zero almost everywhere is scaled by its maximum, not divided by zero
    std::vector<float> sparse(100, 0.f);
    sparse[7] = -4.f;
    m = saliency_map(sparse.data(), 100, 1, &clip);
    CHECK(clip == 4.f);
    CHECK(m[7] == 1.f);
    CHECK(m[8] == 0.f);
    std::vector<float> zero(100, 0.f);
    m = saliency_map(zero.data(), 100, 1, &clip);
    CHECK(clip == 0.f);
    CHECK(m[0] == 0.f);
}

TEST_CASE("explain: heat colours and the overlay") {
    CHECK(heat_color(0.f).alpha == 0.f);
    const HeatColor top = heat_color(1.f);
    CHECK(top.r == 255);
    CHECK(top.g == 255);
    CHECK(top.b == 255);
    CHECK(top.alpha == doctest::Approx(0.85f));
    const HeatColor mid = heat_color(1.f / 3.f);
    CHECK(mid.r == 255);
    CHECK(mid.g == 0);
    CHECK(heat_color(NAN).alpha == 0.f);
    // a 4x2 image under a 2x1 map: the left half untouched (0), the right half blended with white
    const uint8_t rgb[4 * 2 * 3] = {10, 20, 30, 10, 20, 30, 100, 100, 100, 0, 0, 0, 10, 20, 30, 10, 20, 30, 100, 100, 100, 0, 0, 0};
    const float map[2] = {0.f, 1.f};
    std::vector<uint8_t> o = heat_overlay(rgb, 4, 2, map, 2, 1);
    REQUIRE(o.size() == 24);
    CHECK(o[0] == 10);
    CHECK(o[5] == 30);
    CHECK(o[6] == (uint8_t)std::lround(0.15f * 100 + 0.85f * 255));
    CHECK(o[9] == (uint8_t)std::lround(0.85f * 255));
    CHECK(o[21] == (uint8_t)std::lround(0.85f * 255));
}
