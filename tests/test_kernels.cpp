// The nn kernels (kernels.h): each fast path (WASM SIMD in the WebAssembly build, vectorizable
// loops natively) against its plain scalar reference, on sizes that are not multiples of 4 or 8 so
// the vector tails run, with ties, zeros and negative zeros where they matter.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/nn/kernels.h"
#include "core/rng.h"

namespace k = core::nn::kernels;

namespace {

std::vector<float> randn(size_t n, core::Rng& rng, double sd = 1.0) {
    std::vector<float> v(n);
    for (auto& x : v) x = (float)(sd * rng.normal());
    return v;
}

double worst_rel(const std::vector<float>& a, const std::vector<float>& b) {
    double w = 0;
    for (size_t i = 0; i < a.size(); ++i) w = std::max(w, std::abs((double)a[i] - b[i]) / (1.0 + std::abs((double)b[i])));
    return w;
}

}  // namespace

TEST_CASE("kernels: ReLU forward and backward equal the reference on odd sizes") {
    core::Rng rng(5);
    for (size_t n : {1u, 3u, 4u, 7u, 9u, 31u, 1001u}) {
        auto x = randn(n, rng), dy = randn(n, rng);
        x[0] = 0.f;
        if (n > 1) x[1] = -0.f;
        if (n > 2) x[2] = NAN;
        std::vector<float> y(n), yr(n), dx(n), dxr(n);
        k::relu_forward(x.data(), y.data(), n);
        k::ref::relu_forward(x.data(), yr.data(), n);
        k::relu_backward(yr.data(), dy.data(), dx.data(), n);
        k::ref::relu_backward(yr.data(), dy.data(), dxr.data(), n);
        for (size_t i = 0; i < n; ++i) {
            CHECK_MESSAGE(y[i] == yr[i], "n=" << n << " i=" << i);
            CHECK(!std::signbit(y[i]));
            CHECK_MESSAGE(dx[i] == dxr[i], "n=" << n << " i=" << i);
        }
        // in place, as a layer may run it
        k::relu_forward(x.data(), x.data(), n);
        CHECK(x == y);
    }
}

TEST_CASE("kernels: max pooling forward and backward equal the reference, tails and ties included") {
    core::Rng rng(6);
    struct G { int H, W, C, p; };
    for (G g : {G{4, 4, 1, 2}, G{5, 7, 3, 2}, G{6, 6, 5, 3}, G{28, 28, 32, 2}, G{9, 8, 13, 2}, G{7, 7, 9, 4}}) {
        const size_t nin = (size_t)g.H * g.W * g.C, nout = (size_t)(g.H / g.p) * (g.W / g.p) * g.C;
        for (int ties = 0; ties < 2; ++ties) {
            auto x = randn(nin, rng);
            if (ties)  // few distinct values: many windows hold their max twice
                for (auto& v : x) v = std::round(v);
            std::vector<float> y(nout), yr(nout);
            std::vector<int32_t> a(nout), ar(nout);
            k::maxpool_forward(x.data(), g.H, g.W, g.C, g.p, y.data(), a.data());
            k::ref::maxpool_forward(x.data(), g.H, g.W, g.C, g.p, yr.data(), ar.data());
            CHECK_MESSAGE(y == yr, g.H << "x" << g.W << "x" << g.C << " p" << g.p << " ties=" << ties);
            CHECK_MESSAGE(a == ar, g.H << "x" << g.W << "x" << g.C << " p" << g.p << " ties=" << ties);
            auto dy = randn(nout, rng);
            std::vector<float> dx(nin, 7.f), dxr(nin);
            k::maxpool_backward(dy.data(), ar.data(), g.H, g.W, g.C, g.p, dx.data());
            k::ref::maxpool_backward(dy.data(), ar.data(), g.H, g.W, g.C, g.p, dxr.data());
            CHECK_MESSAGE(dx == dxr, g.H << "x" << g.W << "x" << g.C << " p" << g.p);
        }
    }
}

TEST_CASE("kernels: softmax cross-entropy row equals the reference") {
    core::Rng rng(7);
    for (int K : {1, 2, 3, 5, 8, 11}) {
        for (int rep = 0; rep < 4; ++rep) {
            auto z = randn(K, rng, rep == 3 ? 30.0 : 2.0);  // rep 3: large logits, exp near under/overflow
            int label = (int)rng.below(K);
            std::vector<float> p(K), pr(K), d(K), dr(K);
            double l = k::softmax_xent_row(z.data(), K, label, p.data(), d.data(), 1.f / 64);
            double lr = k::ref::softmax_xent_row(z.data(), K, label, pr.data(), dr.data(), 1.f / 64);
            CHECK(l == doctest::Approx(lr).epsilon(1e-6));
            CHECK_MESSAGE(worst_rel(p, pr) < 1e-6, "K=" << K);
            CHECK_MESSAGE(worst_rel(d, dr) < 1e-6, "K=" << K);
            double s = 0;
            for (float v : p) s += v;
            CHECK(s == doctest::Approx(1.0).epsilon(1e-5));
            // without a gradient
            std::vector<float> p2(K);
            CHECK(k::softmax_xent_row(z.data(), K, label, p2.data(), nullptr, 1.f) == l);
            CHECK(p2 == p);
        }
    }
}

TEST_CASE("kernels: Adam and SGD updates equal the reference over several steps") {
    core::Rng rng(8);
    for (size_t n : {1u, 5u, 8u, 13u, 2049u, 4103u}) {
        auto w = randn(n, rng), w2 = w;
        std::vector<float> m(n, 0.f), v(n, 0.f), m2 = m, v2 = v;
        for (int step = 0; step < 5; ++step) {
            auto g = randn(n, rng, 0.1);
            k::adam_update(w.data(), g.data(), m.data(), v.data(), n, 0.9f, 0.999f, 1e-3f, 1e-8f, step % 2 ? 1e-4f : 0.f);
            k::ref::adam_update(w2.data(), g.data(), m2.data(), v2.data(), n, 0.9f, 0.999f, 1e-3f, 1e-8f,
                                step % 2 ? 1e-4f : 0.f);
        }
        CHECK_MESSAGE(worst_rel(w, w2) < 1e-6, "adam n=" << n);
        CHECK(worst_rel(m, m2) < 1e-6);
        CHECK(worst_rel(v, v2) < 1e-6);
        for (int nesterov = 0; nesterov < 2; ++nesterov) {
            auto u = randn(n, rng), u2 = u;
            std::vector<float> vel(n, 0.f), vel2 = vel;
            for (int step = 0; step < 5; ++step) {
                auto g = randn(n, rng, 0.1);
                k::sgd_update(u.data(), g.data(), vel.data(), n, 0.05f, 0.9f, 5e-4f, nesterov);
                k::ref::sgd_update(u2.data(), g.data(), vel2.data(), n, 0.05f, 0.9f, 5e-4f, nesterov);
            }
            CHECK_MESSAGE(worst_rel(u, u2) < 1e-6, "sgd n=" << n << " nesterov=" << nesterov);
            CHECK(worst_rel(vel, vel2) < 1e-6);
        }
    }
}
