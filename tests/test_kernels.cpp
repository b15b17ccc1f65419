// The nn kernels (kernels.h): each fast path (WASM SIMD in the WebAssembly build, vectorizable
// loops natively) against its plain scalar reference, on sizes that are not multiples of 4 or 8 so
// the vector tails run, with ties, zeros and negative zeros where they matter.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
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

TEST_CASE("kernels: bias add and bias gradient (column sums) equal the reference") {
    core::Rng rng(10);
    for (int C : {1, 3, 4, 7, 16, 21, 32, 37, 64}) {
        for (size_t rows : {1u, 5u, 63u}) {
            auto y = randn(rows * C, rng), b = randn(C, rng), y2 = y;
            k::add_bias(y.data(), rows, C, b.data());
            k::ref::add_bias(y2.data(), rows, C, b.data());
            CHECK_MESSAGE(y == y2, "C=" << C << " rows=" << rows);
            auto db = randn(C, rng), db2 = db;
            k::sum_rows(y.data(), rows, C, db.data());
            k::ref::sum_rows(y.data(), rows, C, db2.data());
            CHECK_MESSAGE(worst_rel(db, db2) < 1e-6, "C=" << C << " rows=" << rows);
        }
    }
}

TEST_CASE("kernels: batch-norm statistics and passes equal the reference") {
    core::Rng rng(12);
    for (int C : {1, 3, 4, 7, 8, 13, 16, 21, 64}) {
        for (size_t M : {1u, 6u, 197u}) {
            auto x = randn(M * C, rng, 3.0), g = randn(M * C, rng);
            for (auto& v : x) v += 2.f;  // a mean far from 0, as after a convolution
            auto mean = randn(C, rng), inv = randn(C, rng), k0 = randn(C, rng), k1 = randn(C, rng), k2 = randn(C, rng);
            for (auto& v : inv) v = std::abs(v) + 0.1f;
            std::vector<double> a(C, 0.5), b(C, 0.5), a2 = a, b2 = b;
            k::bn_sums(x.data(), M, C, a.data());
            k::ref::bn_sums(x.data(), M, C, a2.data());
            CHECK_MESSAGE(a == a2, "sums C=" << C << " M=" << M);
            k::bn_sqdev(x.data(), M, C, mean.data(), b.data());
            k::ref::bn_sqdev(x.data(), M, C, mean.data(), b2.data());
            CHECK_MESSAGE(b == b2, "sqdev C=" << C << " M=" << M);
            std::vector<float> y(M * C), y2(M * C);
            k::bn_affine(x.data(), M, C, k0.data(), k1.data(), y.data());
            k::ref::bn_affine(x.data(), M, C, k0.data(), k1.data(), y2.data());
            CHECK(worst_rel(y, y2) < 1e-6);
            k::bn_grad_sums(x.data(), g.data(), M, C, mean.data(), inv.data(), a.data(), b.data());
            k::ref::bn_grad_sums(x.data(), g.data(), M, C, mean.data(), inv.data(), a2.data(), b2.data());
            for (int c = 0; c < C; ++c) {
                CHECK(a[c] == a2[c]);
                CHECK(b[c] == doctest::Approx(b2[c]).epsilon(1e-9));  // natively FMA may round xh differently
            }
            k::bn_dx(x.data(), g.data(), M, C, mean.data(), k0.data(), k1.data(), k2.data(), y.data());
            k::ref::bn_dx(x.data(), g.data(), M, C, mean.data(), k0.data(), k1.data(), k2.data(), y2.data());
            CHECK_MESSAGE(worst_rel(y, y2) < 1e-5, "dx C=" << C << " M=" << M);
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

// A run must not depend on where malloc puts its buffers: with Eigen's fast square root (AVX-512:
// rsqrt plus a Newton step) the vectorized elements and the scalar ones before the first aligned
// element rounded differently, so the same seed gave different weights (CMakeLists.txt sets
// EIGEN_FAST_MATH=0).
TEST_CASE("kernels: the Adam update gives the same bits whatever the alignment of its arrays") {
    core::Rng rng(9);
    const size_t n = 301;
    const auto w0 = randn(n, rng), g = randn(n, rng, 0.1);
    std::vector<float> want;
    for (size_t off = 0; off < 16; ++off) {
        std::vector<float> w(n + 16), gg(n + 16), m(n + 16, 0.f), v(n + 16, 0.f);
        std::copy(w0.begin(), w0.end(), w.begin() + off);
        std::copy(g.begin(), g.end(), gg.begin() + off);
        for (int step = 0; step < 3; ++step)
            k::adam_update(w.data() + off, gg.data() + off, m.data() + off, v.data() + off, n, 0.9f, 0.999f, 1e-3f, 1e-8f, 1e-4f);
        std::vector<float> got(w.begin() + off, w.begin() + off + n);
        if (off == 0) want = got;
        CHECK_MESSAGE(got == want, "arrays offset by " << off << " floats");
    }
}

TEST_CASE("kernels: the optimizers flush subnormal state to 0 and keep NaN") {
    // A weight whose gradient stays 0 has its Adam m (and SGD velocity) decay into subnormals, which
    // x86 cores compute ~17x slower (kernels.h, flush_subnormal). Odd n: the SIMD lanes and the tail.
    const float tiny = std::numeric_limits<float>::min();
    for (size_t n : {1u, 7u, 37u}) {
        for (int use_ref = 0; use_ref < 2; ++use_ref) {
            std::vector<float> w(n, 0.5f), g(n, 0.f), m(n, 1.05f * tiny), v(n, 1.0005f * tiny);
            m[0] = -1.05f * tiny;
            auto adam = use_ref ? k::ref::adam_update : k::adam_update;
            adam(w.data(), g.data(), m.data(), v.data(), n, 0.9f, 0.999f, 1e-3f, 1e-8f, 0.f);
            for (size_t j = 0; j < n; ++j) {
                CHECK_MESSAGE(m[j] == 0.f, "m kept the subnormal " << m[j] << " (n=" << n << ", ref=" << use_ref << ")");
                CHECK_MESSAGE(v[j] == 0.f, "v kept the subnormal " << v[j]);
                CHECK(w[j] == 0.5f);
            }
            // a step from normal state stays as it was: 2 tiny * 0.9 is normal
            std::fill(m.begin(), m.end(), 2 * tiny);
            adam(w.data(), g.data(), m.data(), v.data(), n, 0.9f, 0.999f, 1e-3f, 1e-8f, 0.f);
            CHECK(m[n - 1] == 0.9f * (2 * tiny));
            // a NaN gradient still reaches the weight (the trainer's divergence check looks there)
            g[n - 1] = std::numeric_limits<float>::quiet_NaN();
            adam(w.data(), g.data(), m.data(), v.data(), n, 0.9f, 0.999f, 1e-3f, 1e-8f, 0.f);
            CHECK(std::isnan(w[n - 1]));
            CHECK(std::isnan(m[n - 1]));

            std::vector<float> u(n, 0.5f), vel(n, -1.05f * tiny), g0(n, 0.f);
            auto sgd = use_ref ? k::ref::sgd_update : k::sgd_update;
            sgd(u.data(), g0.data(), vel.data(), n, 0.01f, 0.9f, 0.f, use_ref == 1);
            for (size_t j = 0; j < n; ++j) CHECK_MESSAGE(vel[j] == 0.f, "velocity kept the subnormal " << vel[j]);
            g0[0] = std::numeric_limits<float>::quiet_NaN();
            sgd(u.data(), g0.data(), vel.data(), n, 0.01f, 0.9f, 0.f, false);
            CHECK(std::isnan(u[0]));
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

// Conv2D forward (im2col in runs + GEMM) against the convolution written out, on shapes whose
// windows overhang the padding on every side, odd channel counts and both strides.
#include "core/nn/layers.h"

TEST_CASE("kernels: conv2d forward equals the direct convolution (padding, strides, odd channels)") {
    using namespace core::nn;
    core::Rng rng(9);
    struct G { int H, W, Cin, Cout, k, stride; bool same; };
    for (G g : {G{5, 7, 3, 5, 3, 1, true}, G{6, 5, 5, 3, 3, 2, true}, G{7, 7, 2, 4, 5, 1, true}, G{8, 9, 3, 2, 5, 2, false},
                G{9, 6, 7, 9, 1, 1, true}, G{28, 28, 3, 8, 3, 1, true}}) {
        LayerSpec s;
        s.kind = LayerKind::conv2d;
        s.units = g.Cout, s.kernel = g.k, s.stride = g.stride, s.same = g.same;
        auto l = make_layer(s, {g.H, g.W, g.Cin}, 0);
        REQUIRE(l);
        Layer& conv = *l.value;
        conv.init(rng);
        auto ps = conv.params();
        for (auto& v : ps[1]->value) v = (float)rng.normal();  // nonzero biases
        const int N = 3;
        Tensor x, y;
        x.resize(N, {g.H, g.W, g.Cin});
        for (auto& v : x.v) v = (float)rng.normal();
        conv.forward(x, y, Context{});
        int Ho, Wo, pt, pl;
        conv_geometry(g.H, g.k, g.stride, g.same, Ho, pt);
        conv_geometry(g.W, g.k, g.stride, g.same, Wo, pl);
        REQUIRE(y.s == Shape{Ho, Wo, g.Cout});
        const std::vector<float>& Wt = ps[0]->value;  // (k, k, Cin, Cout)
        double worst = 0;
        for (int n = 0; n < N; ++n)
            for (int oy = 0; oy < Ho; ++oy)
                for (int ox = 0; ox < Wo; ++ox)
                    for (int co = 0; co < g.Cout; ++co) {
                        double acc = ps[1]->value[co];
                        for (int ky = 0; ky < g.k; ++ky)
                            for (int kx = 0; kx < g.k; ++kx) {
                                int iy = oy * g.stride - pt + ky, ix = ox * g.stride - pl + kx;
                                if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) continue;
                                for (int ci = 0; ci < g.Cin; ++ci)
                                    acc += (double)x.sample(n)[(iy * g.W + ix) * g.Cin + ci] *
                                           Wt[((size_t)(ky * g.k + kx) * g.Cin + ci) * g.Cout + co];
                            }
                        worst = std::max(worst, std::abs(acc - y.sample(n)[(oy * Wo + ox) * g.Cout + co]));
                    }
        CHECK_MESSAGE(worst < 1e-4, g.H << "x" << g.W << "x" << g.Cin << " k" << g.k << " s" << g.stride);
    }
}

// ---- inference epilogues and the Winograd convolution (issue 13, item 2) ----------------------
#include "core/nn/network.h"
#include "core/nn/direct.h"
#include "core/nn/winograd.h"

TEST_CASE("kernels: bias + ReLU and pool + bias + ReLU (inference epilogues) equal the reference") {
    core::Rng rng(11);
    struct G { int H, W, C, p; };
    for (G g : {G{4, 4, 1, 2}, G{5, 7, 3, 2}, G{6, 6, 5, 3}, G{9, 8, 13, 2}, G{7, 7, 9, 4}, G{28, 28, 32, 2}})
        for (int mode = 0; mode < 4; ++mode) {
            const bool relu = mode & 1, bias = mode & 2;
            const size_t nin = (size_t)g.H * g.W * g.C, nout = (size_t)(g.H / g.p) * (g.W / g.p) * g.C;
            auto x = randn(nin, rng), b = randn(g.C, rng);
            x[0] = NAN;
            std::vector<float> y(nout), yr(nout);
            k::pool_bias_act(x.data(), g.H, g.W, g.C, g.p, bias ? b.data() : nullptr, relu, y.data());
            k::ref::pool_bias_act(x.data(), g.H, g.W, g.C, g.p, bias ? b.data() : nullptr, relu, yr.data());
            for (size_t i = 0; i < nout; ++i)
                CHECK_MESSAGE((y[i] == yr[i] || (std::isnan(y[i]) && std::isnan(yr[i]))), g.H << "x" << g.W << "x" << g.C << " p" << g.p << " mode " << mode << " i " << i);
            auto z = x, zr = x;
            k::bias_act(z.data(), (size_t)g.H * g.W, g.C, bias ? b.data() : nullptr, relu);
            k::ref::bias_act(zr.data(), (size_t)g.H * g.W, g.C, bias ? b.data() : nullptr, relu);
            for (size_t i = 0; i < nin; ++i)
                CHECK_MESSAGE((z[i] == zr[i] || (std::isnan(z[i]) && std::isnan(zr[i]))), "C " << g.C << " mode " << mode << " i " << i);
        }
    // known values: window max 4 + bias -5 -> -1 -> ReLU 0; without ReLU -1
    const float x4[4] = {1, 4, 3, 2}, bm5 = -5.f;
    float out = 7.f;
    k::pool_bias_act(x4, 2, 2, 1, 2, &bm5, true, &out);
    CHECK(out == 0.f);
    k::pool_bias_act(x4, 2, 2, 1, 2, &bm5, false, &out);
    CHECK(out == -1.f);
}

TEST_CASE("winograd: F(2x2,3x3) and F(4x4,3x3) convolution with bias, ReLU and 2x2 pool equal the direct convolution on odd sizes") {
    namespace w = core::nn::winograd;
    core::Rng rng(12);
    struct G { int N, H, W, Cin, Cout; };
    // odd and even sides (partial tiles, pool dropping the last row/column), channel counts with and
    // without 4-lane tails, one pixel, and more tiles than one chunk (14x14 x 3 images: 147 tiles)
    double worst4 = 0;
    for (G g : {G{2, 5, 7, 3, 5}, G{1, 6, 6, 4, 8}, G{3, 7, 5, 9, 6}, G{3, 14, 14, 32, 64}, G{1, 1, 1, 5, 3}, G{2, 2, 3, 1, 1},
                G{1, 28, 28, 3, 32}, G{2, 9, 4, 13, 7}, G{1, 14, 14, 32, 64}, G{5, 7, 7, 11, 19}, G{2, 3, 10, 6, 9},
                G{1, 28, 28, 16, 16}})
        for (int mode = 0; mode < 8; ++mode) {
            const bool relu = mode & 1, pool = mode & 2, bias = mode & 4;
            if (pool && (g.H < 2 || g.W < 2)) continue;
            auto x = randn((size_t)g.N * g.H * g.W * g.Cin, rng);
            auto Wt = randn((size_t)9 * g.Cin * g.Cout, rng, 0.3), b = randn(g.Cout, rng);
            const int Ho = pool ? g.H / 2 : g.H, Wo = pool ? g.W / 2 : g.W;
            const size_t ny = (size_t)g.N * Ho * Wo * g.Cout;
            std::vector<float> U((size_t)16 * g.Cin * g.Cout), y(ny, 123.f), yr(ny), ws;
            w::transform_filters(Wt.data(), g.Cin, g.Cout, U.data());
            w::conv3x3(x.data(), g.N, g.H, g.W, g.Cin, U.data(), bias ? b.data() : nullptr, g.Cout, relu, pool, y.data(), ws);
            w::ref::conv3x3(x.data(), g.N, g.H, g.W, g.Cin, Wt.data(), bias ? b.data() : nullptr, g.Cout, relu, pool, yr.data());
            double worst = worst_rel(y, yr);
            CHECK_MESSAGE(worst < 2e-5 * std::sqrt(9.0 * g.Cin), g.N << "x" << g.H << "x" << g.W << "x" << g.Cin << "->" << g.Cout
                                                                    << " mode " << mode << " worst " << worst);
            // the packed path (its own tile kernel, chunks of 16 tiles), from the same scratch
            std::vector<float> Up(w::packed_size(g.Cin, g.Cout)), yp(ny + 1, 123.f);
            w::pack_filters(U.data(), g.Cin, g.Cout, Up.data());
            w::conv3x3_packed(x.data(), g.N, g.H, g.W, g.Cin, Up.data(), bias ? b.data() : nullptr, g.Cout, relu, pool, yp.data(), ws);
            CHECK(yp[ny] == 123.f);  // nothing written past the output
            yp.pop_back();
            worst = worst_rel(yp, yr);
            CHECK_MESSAGE(worst < 2e-5 * std::sqrt(9.0 * g.Cin), "packed " << g.N << "x" << g.H << "x" << g.W << "x" << g.Cin << "->"
                                                                           << g.Cout << " mode " << mode << " worst " << worst);
            // F(4x4,3x3), packed: 6x6 input tiles, partial output tiles on every side not a multiple of 4
            // (of 2 with the pool); the same bound (its worst is printed: ~5e-6 x sqrt(9 Cin) natively)
            std::vector<float> U4((size_t)36 * g.Cin * g.Cout), Up4(w::packed_size(g.Cin, g.Cout, 36)), y4(ny + 1, 123.f);
            w::transform_filters_f4(Wt.data(), g.Cin, g.Cout, U4.data());
            w::pack_filters(U4.data(), g.Cin, g.Cout, Up4.data(), 36);
            w::conv3x3_f4_packed(x.data(), g.N, g.H, g.W, g.Cin, Up4.data(), bias ? b.data() : nullptr, g.Cout, relu, pool, y4.data(), ws);
            CHECK(y4[ny] == 123.f);
            y4.pop_back();
            worst = worst_rel(y4, yr);
            worst4 = std::max(worst4, worst / std::sqrt(9.0 * g.Cin));
            CHECK_MESSAGE(worst < 2e-5 * std::sqrt(9.0 * g.Cin), "F(4x4) " << g.N << "x" << g.H << "x" << g.W << "x" << g.Cin << "->"
                                                                           << g.Cout << " mode " << mode << " worst " << worst);
        }
    MESSAGE("F(4x4,3x3) worst relative error / sqrt(9 Cin): " << worst4);
    // known values: a 3x3 box filter (all ones) on a 2x2 image of ones counts the neighbours: 4 each
    std::vector<float> ones(4, 1.f), box(9, 1.f), U(16), y(4), ws;
    w::transform_filters(box.data(), 1, 1, U.data());
    w::conv3x3(ones.data(), 1, 2, 2, 1, U.data(), nullptr, 1, false, false, y.data(), ws);
    CHECK(y == std::vector<float>{4, 4, 4, 4});
}

TEST_CASE("direct: 3x3 convolution from the bordered image with bias, ReLU and 2x2 pool equals the reference on odd sizes") {
    namespace d = core::nn::direct;
    core::Rng rng(13);
    struct G { int N, H, W, Cin, Cout; };
    // the cnn's conv1 (compile-time run of 9), other channel counts (run-time runs), output channels
    // that are not a multiple of the group of 8, odd sides (partial 4-pixel tiles, the pool dropping
    // a row and a column), one pixel
    for (G g : {G{2, 28, 28, 3, 32}, G{2, 5, 7, 3, 5}, G{1, 6, 6, 4, 8}, G{3, 7, 5, 1, 13}, G{1, 1, 1, 5, 3}, G{2, 2, 3, 2, 9},
                G{2, 9, 4, 7, 17}, G{1, 3, 3, 3, 1}})
        for (int mode = 0; mode < 8; ++mode) {
            const bool relu = mode & 1, pool = mode & 2, bias = mode & 4;
            if (pool && (g.H < 2 || g.W < 2)) continue;
            auto x = randn((size_t)g.N * g.H * g.W * g.Cin, rng);
            auto Wt = randn((size_t)9 * g.Cin * g.Cout, rng, 0.3), b = randn(g.Cout, rng);
            const int Ho = pool ? g.H / 2 : g.H, Wo = pool ? g.W / 2 : g.W;
            const size_t ny = (size_t)g.N * Ho * Wo * g.Cout;
            std::vector<float> Wp(d::packed_size(g.Cin, g.Cout)), y(ny + 1, 123.f), yr(ny), ws;
            d::pack_filters(Wt.data(), g.Cin, g.Cout, Wp.data());
            d::conv3x3(x.data(), g.N, g.H, g.W, g.Cin, Wp.data(), bias ? b.data() : nullptr, g.Cout, relu, pool, y.data(), ws);
            CHECK(y[ny] == 123.f);  // nothing written past the output
            y.pop_back();
            core::nn::winograd::ref::conv3x3(x.data(), g.N, g.H, g.W, g.Cin, Wt.data(), bias ? b.data() : nullptr, g.Cout, relu, pool,
                                            yr.data());
            double worst = worst_rel(y, yr);
            CHECK_MESSAGE(worst < 2e-5 * std::sqrt(9.0 * g.Cin), g.N << "x" << g.H << "x" << g.W << "x" << g.Cin << "->" << g.Cout
                                                                    << " mode " << mode << " worst " << worst);
        }
    // known values: a 3x3 box filter on a 2x2 image of ones counts the neighbours: 4 each; bias -5 and
    // ReLU give 0, pooled without ReLU -1
    std::vector<float> ones(4, 1.f), box(9, 1.f), Wp(d::packed_size(1, 1)), y(4), ws;
    d::pack_filters(box.data(), 1, 1, Wp.data());
    d::conv3x3(ones.data(), 1, 2, 2, 1, Wp.data(), nullptr, 1, false, false, y.data(), ws);
    CHECK(y == std::vector<float>{4, 4, 4, 4});
    const float bm5 = -5.f;
    d::conv3x3(ones.data(), 1, 2, 2, 1, Wp.data(), &bm5, 1, true, false, y.data(), ws);
    CHECK(y == std::vector<float>{0, 0, 0, 0});
    d::conv3x3(ones.data(), 1, 2, 2, 1, Wp.data(), &bm5, 1, false, true, y.data(), ws);
    CHECK(y[0] == -1.f);
}

TEST_CASE("network: inference (fused conv + ReLU + pool, Winograd, dense + ReLU) equals the training-free forward") {
    using namespace core::nn;
    auto L = [](LayerKind k, int units = 0, int pool = 2) {
        LayerSpec s;
        s.kind = k;
        s.units = units;
        s.pool = pool;
        return s;
    };
    LayerSpec s2 = L(LayerKind::conv2d, 6);
    s2.stride = 2;
    LayerSpec k5 = L(LayerKind::conv2d, 5);
    k5.kernel = 5;
    LayerSpec d = L(LayerKind::dropout);
    d.rate = 0.3f;
    struct Case { core::nn::Shape in; std::vector<LayerSpec> layers; };
    const std::vector<Case> cases = {
        // the reference cnn's pattern: conv (3 channels: im2col) relu pool, conv (Winograd) relu pool, dense relu, dense
        {{13, 11, 3}, {L(LayerKind::conv2d, 7), L(LayerKind::relu), L(LayerKind::maxpool2d), L(LayerKind::conv2d, 9),
                       L(LayerKind::relu), L(LayerKind::maxpool2d), L(LayerKind::flatten), L(LayerKind::dense, 10),
                       L(LayerKind::relu), d, L(LayerKind::dense, 3)}},
        // vgg6's: conv bn relu (nothing to fuse after the conv), pool 3 after a Winograd conv (im2col then)
        {{9, 10, 5}, {L(LayerKind::conv2d, 6), L(LayerKind::batchnorm), L(LayerKind::relu), L(LayerKind::conv2d, 4),
                      L(LayerKind::relu), L(LayerKind::maxpool2d, 0, 3), L(LayerKind::global_avg_pool), L(LayerKind::dense, 4)}},
        // stride 2 and 5x5 convolutions (im2col), a conv with pool but no ReLU, a pool on its own
        {{11, 9, 4}, {s2, L(LayerKind::maxpool2d), k5, L(LayerKind::relu), L(LayerKind::conv2d, 5), L(LayerKind::maxpool2d),
                      L(LayerKind::flatten), L(LayerKind::dense, 2)}},
    };
    core::Rng rng(13);
    for (size_t ci = 0; ci < cases.size(); ++ci) {
        auto net = Network::build(cases[ci].in, cases[ci].layers);
        REQUIRE(net);
        net.value.init(rng);
        for (Param* p : net.value.tensors())
            if (p->name == "b" || p->name == "beta" || p->name == "running_mean")
                for (auto& v : p->value) v = (float)(0.3 * rng.normal());
        Tensor x;
        x.resize(3, cases[ci].in);
        for (auto& v : x.v) v = (float)rng.normal();
        Tensor ref = net.value.forward(x, Context{});
        for (int rep = 0; rep < 2; ++rep) {  // twice: the cached Winograd filters are reused
            const Tensor& y = net.value.infer(x);
            REQUIRE(y.s == ref.s);
            REQUIRE(y.n == ref.n);
            CHECK_MESSAGE(worst_rel(y.v, ref.v) < 1e-4, "case " << ci);
        }
        // changed weights are seen (the transformed filters are not stale)
        for (Param* p : net.value.params())
            for (auto& v : p->value) v *= 0.5f;
        Tensor ref2 = net.value.forward(x, Context{});
        CHECK_MESSAGE(worst_rel(net.value.infer(x).v, ref2.v) < 1e-4, "case " << ci << " after a weight change");
    }
}
