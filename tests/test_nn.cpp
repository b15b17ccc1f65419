// The nn engine: hand-checkable forward values, every layer's backward against central
// differences, the loss, and the optimizer updates.
#include <doctest/doctest.h>

#include <cmath>

#include "core/nn/network.h"
#include "test_util.h"

using namespace core::nn;

namespace {

LayerSpec L(LayerKind k) {
    LayerSpec s;
    s.kind = k;
    return s;
}
LayerSpec conv(int filters, int k, int stride, bool same) {
    LayerSpec s = L(LayerKind::conv2d);
    s.units = filters;
    s.kernel = k;
    s.stride = stride;
    s.same = same;
    return s;
}
LayerSpec dense(int units) {
    LayerSpec s = L(LayerKind::dense);
    s.units = units;
    return s;
}

void randomize(std::vector<float>& v, core::Rng& rng, double sd = 1.0, double mean = 0.0) {
    for (auto& x : v) x = (float)(mean + sd * rng.normal());
}

// Loss = sum(y * r) for a fixed random r, so dL/dy = r. Compares backward's dx and parameter
// gradients with central differences at up to 40 entries each. Inputs are drawn from a wide
// normal so ReLU kinks and max-pool ties sit far from the probed points.
void check_layer_gradients(const LayerSpec& spec, Shape in, int N, bool training = true, int threads = 1) {
    core::Rng rng(42);
    auto made = testutil::layer(spec, in, rng, threads);
    Layer& layer = *made;
    for (Param* p : layer.params()) randomize(p->value, rng, 0.5, p->name == "gamma" ? 1.0 : 0.0);
    Tensor x, y, dx, r;
    x.resize(N, in);
    randomize(x.v, rng);
    r.resize(N, layer.out_shape());
    randomize(r.v, rng);
    Context ctx;
    ctx.training = training;
    core::Rng drop_rng(7);
    ctx.rng = &drop_rng;
    auto loss = [&]() {
        drop_rng.reseed(7);  // the same dropout mask on every evaluation
        Tensor out;
        layer.forward(x, out, ctx);
        double s = 0;
        for (size_t i = 0; i < out.size(); ++i) s += (double)out.v[i] * r.v[i];
        return s;
    };
    drop_rng.reseed(7);
    layer.forward(x, y, ctx);
    for (Param* p : layer.params()) std::fill(p->grad.begin(), p->grad.end(), 0.f);
    layer.backward(x, y, r, &dx);
    REQUIRE(dx.size() == x.size());

    auto probe = [&](std::vector<float>& values, const std::vector<float>& analytic, const std::string& what) {
        core::Rng pick(3);
        int count = (int)std::min<size_t>(40, values.size());
        double worst = 0;
        for (int t = 0; t < count; ++t) {
            size_t i = values.size() <= 40 ? (size_t)t : (size_t)pick.below(values.size());
            float keep = values[i];
            const float h = 1e-2f;
            values[i] = keep + h;
            double lp = loss();
            values[i] = keep - h;
            double lm = loss();
            values[i] = keep;
            double num = (lp - lm) / (2.0 * h);
            double err = std::fabs(num - analytic[i]) / std::max(1.0, std::fabs(num) + std::fabs(analytic[i]));
            worst = std::max(worst, err);
        }
        INFO(spec.str() << " " << what << " worst relative error " << worst);
        CHECK(worst < 2e-3);
    };
    probe(x.v, dx.v, "dx");
    for (Param* p : layer.params()) probe(p->value, p->grad, p->name);
    set_num_threads(2);
}

}  // namespace

TEST_CASE("dense: hand-checkable forward (weights 1, bias 0.5, input 0..3 -> 6.5)") {
    auto l = make_layer(dense(2), {1, 1, 4}, 0);
    REQUIRE(l.ok());
    auto ps = l.value->params();
    std::fill(ps[0]->value.begin(), ps[0]->value.end(), 1.f);
    std::fill(ps[1]->value.begin(), ps[1]->value.end(), 0.5f);
    Tensor x, y;
    x.resize(1, {1, 1, 4});
    x.v = {0, 1, 2, 3};
    l.value->forward(x, y, {});
    CHECK(y.v == std::vector<float>{6.5f, 6.5f});
}

TEST_CASE("conv2d: a 3x3 box filter with same padding counts the neighbours") {
    auto l = make_layer(conv(1, 3, 1, true), {4, 4, 1}, 0);
    REQUIRE(l.ok());
    auto ps = l.value->params();
    std::fill(ps[0]->value.begin(), ps[0]->value.end(), 1.f);
    CHECK(l.value->out_shape() == Shape{4, 4, 1});
    Tensor x, y;
    x.resize(1, {4, 4, 1});
    std::fill(x.v.begin(), x.v.end(), 1.f);
    l.value->forward(x, y, {});
    CHECK(y.v[0] == 4.f);   // corner
    CHECK(y.v[1] == 6.f);   // edge
    CHECK(y.v[5] == 9.f);   // interior
}

TEST_CASE("conv2d: geometry of same/valid and stride 2 (TensorFlow rules)") {
    int out, pad;
    conv_geometry(28, 3, 1, true, out, pad);
    CHECK((out == 28 && pad == 1));
    conv_geometry(28, 3, 2, true, out, pad);
    CHECK((out == 14 && pad == 0));  // total padding 1 goes after
    conv_geometry(7, 3, 2, true, out, pad);
    CHECK((out == 4 && pad == 1));
    conv_geometry(28, 5, 1, false, out, pad);
    CHECK((out == 24 && pad == 0));
    conv_geometry(28, 3, 2, false, out, pad);
    CHECK(out == 13);
}

TEST_CASE("conv2d: stride-2 same convolution picks the right pixels") {
    // 1x1 kernel with weight 1, stride 2: output is every other input pixel
    auto l = make_layer(conv(1, 1, 2, true), {4, 4, 1}, 0);
    REQUIRE(l.ok());
    l.value->params()[0]->value[0] = 1.f;
    Tensor x, y;
    x.resize(1, {4, 4, 1});
    for (int i = 0; i < 16; ++i) x.v[i] = (float)i;
    l.value->forward(x, y, {});
    CHECK(y.v == std::vector<float>{0, 2, 8, 10});
}

TEST_CASE("maxpool2d and global average pooling: known values") {
    auto mp = make_layer(L(LayerKind::maxpool2d), {2, 4, 1}, 0);
    REQUIRE(mp.ok());
    Tensor x, y;
    x.resize(1, {2, 4, 1});
    x.v = {1, 5, 2, 0, 3, 4, 7, 6};
    mp.value->forward(x, y, {});
    CHECK(y.v == std::vector<float>{5, 7});
    auto gap = make_layer(L(LayerKind::global_avg_pool), {2, 4, 1}, 0);
    gap.value->forward(x, y, {});
    CHECK(y.v == std::vector<float>{3.5f});
}

TEST_CASE("batchnorm: training normalizes per channel, inference uses running statistics") {
    auto bn = make_layer(L(LayerKind::batchnorm), {1, 1, 2}, 0);
    REQUIRE(bn.ok());
    Tensor x, y;
    x.resize(4, {1, 1, 2});
    x.v = {1, 10, 2, 20, 3, 30, 4, 40};
    Context train;
    train.training = true;
    bn.value->forward(x, y, train);
    double mean = 0, var = 0;
    for (int n = 0; n < 4; ++n) mean += y.v[n * 2 + 1] / 4.0;
    for (int n = 0; n < 4; ++n) var += (y.v[n * 2 + 1] - mean) * (y.v[n * 2 + 1] - mean) / 4.0;
    CHECK(mean == doctest::Approx(0).epsilon(1e-6));
    CHECK(var == doctest::Approx(1).epsilon(1e-4));
    auto bufs = bn.value->buffers();
    CHECK(bufs[0]->value[0] == doctest::Approx(0.25));                     // 0.1 * mean 2.5
    CHECK(bufs[1]->value[0] == doctest::Approx(0.9 + 0.1 * (5.0 / 3.0)));  // unbiased var 5/3
    bn.value->forward(x, y, Context{});
    CHECK(y.v[0] == doctest::Approx((1 - 0.25) / std::sqrt(bufs[1]->value[0] + 1e-5)).epsilon(1e-5));
}

TEST_CASE("dropout: identity at inference, zero-or-scaled in training") {
    LayerSpec s = L(LayerKind::dropout);
    s.rate = 0.5f;
    auto d = make_layer(s, {1, 1, 1000}, 0);
    Tensor x, y;
    x.resize(1, {1, 1, 1000});
    std::fill(x.v.begin(), x.v.end(), 1.f);
    d.value->forward(x, y, Context{});
    CHECK(y.v == x.v);
    core::Rng rng(1);
    Context c{true, &rng};
    d.value->forward(x, y, c);
    int zeros = 0;
    for (float v : y.v) {
        CHECK((v == 0.f || v == 2.f));
        zeros += v == 0.f;
    }
    CHECK(zeros > 400);
    CHECK(zeros < 600);
}

TEST_CASE("gradient check: dense") { check_layer_gradients(dense(5), {1, 1, 7}, 3); }
TEST_CASE("gradient check: dense on a 2D input (implicit flatten)") { check_layer_gradients(dense(4), {3, 2, 2}, 2); }
TEST_CASE("gradient check: conv2d 3x3 same stride 1") { check_layer_gradients(conv(4, 3, 1, true), {6, 5, 3}, 2); }
TEST_CASE("gradient check: conv2d 3x3 same stride 2") { check_layer_gradients(conv(3, 3, 2, true), {7, 6, 2}, 2); }
TEST_CASE("gradient check: conv2d 5x5 valid stride 1") { check_layer_gradients(conv(2, 5, 1, false), {7, 7, 2}, 2); }
TEST_CASE("gradient check: conv2d 3x3 valid stride 2") { check_layer_gradients(conv(2, 3, 2, false), {8, 7, 3}, 2); }
TEST_CASE("gradient check: conv2d split over 2 threads") { check_layer_gradients(conv(4, 3, 1, true), {5, 5, 3}, 5, true, 2); }
TEST_CASE("gradient check: maxpool2d") { check_layer_gradients(L(LayerKind::maxpool2d), {6, 5, 3}, 2); }
TEST_CASE("gradient check: global average pool") { check_layer_gradients(L(LayerKind::global_avg_pool), {3, 4, 5}, 2); }
TEST_CASE("gradient check: relu") { check_layer_gradients(L(LayerKind::relu), {3, 3, 4}, 2); }
TEST_CASE("gradient check: batchnorm (training mode)") { check_layer_gradients(L(LayerKind::batchnorm), {3, 2, 4}, 3); }
TEST_CASE("gradient check: batchnorm (inference mode)") { check_layer_gradients(L(LayerKind::batchnorm), {2, 2, 3}, 2, false); }
TEST_CASE("gradient check: dropout") {
    LayerSpec s = L(LayerKind::dropout);
    s.rate = 0.3f;
    check_layer_gradients(s, {1, 1, 30}, 3);
}
TEST_CASE("gradient check: flatten") { check_layer_gradients(L(LayerKind::flatten), {2, 3, 2}, 2); }

TEST_CASE("softmax cross-entropy: known value and gradient") {
    Tensor z, p, dz;
    z.resize(2, {1, 1, 3});
    z.v = {0, 0, 0, 1000, 0, 0};  // uniform; and a huge logit that must not overflow
    int labels[2] = {1, 0};
    double loss = softmax_cross_entropy(z, labels, p, &dz);
    CHECK(loss == doctest::Approx(std::log(3.0) / 2));
    CHECK(p.v[0] == doctest::Approx(1.0 / 3));
    CHECK(p.v[3] == doctest::Approx(1.0));
    CHECK(dz.v[1] == doctest::Approx((1.0 / 3 - 1) / 2));
    CHECK(dz.v[0] == doctest::Approx((1.0 / 3) / 2));
    // central differences on random logits
    core::Rng rng(5);
    z.resize(3, {1, 1, 4});
    for (auto& v : z.v) v = (float)rng.normal();
    int lab[3] = {0, 3, 2};
    softmax_cross_entropy(z, lab, p, &dz);
    for (size_t i = 0; i < z.size(); ++i) {
        float keep = z.v[i];
        z.v[i] = keep + 1e-2f;
        double lp = softmax_cross_entropy(z, lab, p, nullptr);
        z.v[i] = keep - 1e-2f;
        double lm = softmax_cross_entropy(z, lab, p, nullptr);
        z.v[i] = keep;
        CHECK(dz.v[i] == doctest::Approx((lp - lm) / 2e-2).epsilon(1e-3));
    }
}

TEST_CASE("soft-target cross-entropy: one-hot equals the hard loss, a known value, the gradient numerically") {
    Tensor z, p, dz, p2, dz2;
    core::Rng rng(11);
    z.resize(3, {1, 1, 4});
    for (auto& v : z.v) v = (float)rng.normal();
    int lab[3] = {2, 0, 3};
    std::vector<float> onehot(12, 0.f);
    for (int n = 0; n < 3; ++n) onehot[n * 4 + lab[n]] = 1.f;
    double hard = softmax_cross_entropy(z, lab, p, &dz);
    double soft = softmax_cross_entropy_soft(z, onehot.data(), p2, &dz2);
    CHECK(soft == doctest::Approx(hard).epsilon(1e-6));
    for (size_t i = 0; i < z.size(); ++i) {
        CHECK(p2.v[i] == doctest::Approx(p.v[i]).epsilon(1e-6));
        CHECK(dz2.v[i] == doctest::Approx(dz.v[i]).epsilon(1e-5));
    }
    // uniform logits against targets (0.5, 0.5, 0, 0): loss = log 4, gradient (1/4 - t) / N
    Tensor u;
    u.resize(1, {1, 1, 4});
    u.v = {3, 3, 3, 3};
    float half[4] = {0.5f, 0.5f, 0.f, 0.f};
    CHECK(softmax_cross_entropy_soft(u, half, p, &dz) == doctest::Approx(std::log(4.0)));
    CHECK(dz.v[0] == doctest::Approx(-0.25));
    CHECK(dz.v[3] == doctest::Approx(0.25));
    // central differences with soft targets (rows summing to 1)
    std::vector<float> t(12);
    for (int n = 0; n < 3; ++n) {
        float sum = 0;
        for (int k = 0; k < 4; ++k) sum += t[n * 4 + k] = (float)rng.uniform() + 0.05f;
        for (int k = 0; k < 4; ++k) t[n * 4 + k] /= sum;
    }
    softmax_cross_entropy_soft(z, t.data(), p, &dz);
    for (size_t i = 0; i < z.size(); ++i) {
        float keep = z.v[i];
        z.v[i] = keep + 1e-2f;
        double lp = softmax_cross_entropy_soft(z, t.data(), p, nullptr);
        z.v[i] = keep - 1e-2f;
        double lm = softmax_cross_entropy_soft(z, t.data(), p, nullptr);
        z.v[i] = keep;
        CHECK(dz.v[i] == doctest::Approx((lp - lm) / 2e-2).epsilon(1e-3));
    }
}

TEST_CASE("network: end-to-end gradient of a small CNN with the loss") {
    std::vector<LayerSpec> spec = {conv(3, 3, 1, true), L(LayerKind::batchnorm), L(LayerKind::relu),
                                   L(LayerKind::maxpool2d), conv(4, 3, 2, true), L(LayerKind::relu),
                                   L(LayerKind::global_avg_pool), dense(3)};
    auto net = Network::build({6, 6, 2}, spec);
    REQUIRE(net.ok());
    core::Rng rng(9);
    net.value.init(rng);
    Tensor x, p, dz;
    x.resize(4, {6, 6, 2});
    for (auto& v : x.v) v = (float)rng.normal();
    int lab[4] = {0, 1, 2, 1};
    Context ctx{true, nullptr};
    auto loss = [&]() { return softmax_cross_entropy(net.value.forward(x, ctx), lab, p, nullptr); };
    softmax_cross_entropy(net.value.forward(x, ctx), lab, p, &dz);
    net.value.zero_grad();
    net.value.backward(dz);
    for (Param* prm : net.value.params()) {
        for (size_t i = 0; i < prm->value.size(); i += 7) {
            float keep = prm->value[i];
            prm->value[i] = keep + 1e-3f;
            double lp = loss();
            prm->value[i] = keep - 1e-3f;
            double lm = loss();
            prm->value[i] = keep;
            double num = (lp - lm) / 2e-3;
            INFO(prm->name << "[" << i << "] numeric " << num << " analytic " << prm->grad[i]);
            CHECK(std::fabs(num - prm->grad[i]) < 2e-3 * std::max(1.0, std::fabs(num)));
        }
    }
}

TEST_CASE("network: build errors name the layer and the shapes") {
    LayerSpec pool = L(LayerKind::maxpool2d);
    auto r = Network::build({3, 3, 1}, {pool, pool});
    REQUIRE(!r.ok());
    CHECK(r.error == "layer 1 (maxpool2): input 1x1x1 is smaller than the 2x2 window");
    LayerSpec c = conv(4, 3, 3, true);
    r = Network::build({8, 8, 1}, {c});
    CHECK(r.error == "layer 0 (conv3x3 4 same s3): stride must be 1 or 2");
}

TEST_CASE("optimizers: Adam's first step moves each weight by lr against its gradient sign; SGD momentum") {
    Param p{"W", {1.f, -2.f}, {0.5f, -3.f}, true};
    Optimizer adam;
    adam.step({&p}, 0.1f);
    CHECK(p.value[0] == doctest::Approx(0.9).epsilon(1e-5));
    CHECK(p.value[1] == doctest::Approx(-1.9).epsilon(1e-5));
    OptimizerConfig c;
    c.kind = OptimizerKind::sgd;
    c.momentum = 0.9f;
    Optimizer sgd(c);
    Param q{"W", {1.f}, {1.f}, true};
    sgd.step({&q}, 0.1f);  // v = 1, w = 0.9
    sgd.step({&q}, 0.1f);  // v = 1.9, w = 0.71
    CHECK(q.value[0] == doctest::Approx(0.71));
    OptimizerConfig wd;
    wd.weight_decay = 0.5f;
    Optimizer adamw(wd);
    Param r{"W", {2.f}, {0.f}, true};
    adamw.step({&r}, 0.1f);  // zero gradient: only the decoupled decay, 2 - 0.1*0.5*2
    CHECK(r.value[0] == doctest::Approx(1.9));
}

TEST_CASE("tensors(): every layer's params, then its buffers; the network's: all params, then all buffers") {
    LayerSpec conv, bn, dense;
    conv.kind = LayerKind::conv2d;
    conv.units = 4;
    bn.kind = LayerKind::batchnorm;
    dense.kind = LayerKind::dense;
    dense.units = 8;
    auto net = Network::build({6, 6, 3}, {conv, bn, dense});
    REQUIRE_MESSAGE(net.ok(), net.error);
    Network& n = net.value;
    std::vector<std::string> names;
    for (Param* p : n.layer(1).tensors()) names.push_back(p->name);
    CHECK(names == std::vector<std::string>{"gamma", "beta", "running_mean", "running_var"});
    std::vector<Param*> want = n.params(), b = n.buffers();
    want.insert(want.end(), b.begin(), b.end());
    CHECK(n.tensors() == want);
    CHECK(n.tensors().size() == 8);  // conv W b, bn gamma beta, dense W b, then bn's two statistics
    CHECK(n.tensors()[6] == b[0]);
}
