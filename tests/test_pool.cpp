// nn::parallel_for on its pool of threads: every index covered exactly once, part t always the same
// range whoever runs it, parts taken by whichever thread is free, nested calls, two callers at once,
// thread limits, errors, stopping and restarting; and the layers that split their work over it.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>
#if BLOODCELL_HAVE_THREADS
#include <chrono>
#include <thread>
#endif

#include "core/nn/network.h"
#include "core/nn/tensor.h"
#include "core/rng.h"
#include "test_util.h"

using namespace core::nn;

namespace {

// one part with one thread (or n = 1), else two per thread, at most n
int expected_parts(int n, int threads) { return n <= 0 ? 0 : threads <= 1 ? 1 : std::min(2 * threads, n); }

// One call: every index exactly once, slice t = [n*t/p, n*(t+1)/p), returns p. Empty string if fine.
std::string check_call(int n, int threads) {
    std::vector<std::atomic<int>> hits((size_t)std::max(n, 1));
    for (auto& h : hits) h.store(0);
    std::vector<std::atomic<int>> seen_t(64);
    for (auto& s : seen_t) s.store(0);
    std::atomic<int> bad_slice{0};
    const int p = parallel_for(n, [&](int b, int e, int t) {
        const int pp = expected_parts(n, threads);
        if (t < 0 || t >= pp || b != (int)((long long)n * t / pp) || e != (int)((long long)n * (t + 1) / pp)) bad_slice++;
        else seen_t[t]++;
        for (int i = b; i < e; ++i) hits[i]++;
    });
    if (p != expected_parts(n, threads)) return "parts " + std::to_string(p);
    if (bad_slice.load()) return "a slice is not the expected range";
    for (int i = 0; i < n; ++i)
        if (hits[i].load() != 1) return "index " + std::to_string(i) + " hit " + std::to_string(hits[i].load()) + " times";
    for (int t = 0; t < p; ++t)
        if (seen_t[t].load() != 1) return "slice " + std::to_string(t) + " ran " + std::to_string(seen_t[t].load()) + " times";
    return "";
}

}  // namespace

TEST_CASE("parallel_for: every index once, slices fixed by n and the thread count (1..5 threads)") {
    const int saved = num_threads();
    for (int threads = 1; threads <= 5; ++threads) {
        set_num_threads(threads);
#if !BLOODCELL_HAVE_THREADS
        const int want = 1;  // no threads in this build: num_threads() stays 1
#else
        const int want = threads;
#endif
        for (int n : {0, 1, 2, 3, 4, 5, 7, 8, 13, 31, 64, 100, 255, 256, 1000, 4097}) {
            std::string err = check_call(n, want);
            INFO("threads " << threads << ", n " << n);
            CHECK(err == "");
        }
        // many small calls back to back (the layers of a batch): the pool's wake-up path each time
        int failures = 0;
        for (int rep = 0; rep < 2000; ++rep) failures += check_call(1 + rep % 17, want) != "";
        CHECK(failures == 0);
    }
    set_num_threads(saved);
}

TEST_CASE("parallel_for: a thread limit caps the parts; the results of a reduction do not depend on timing") {
    const int saved = num_threads();
    set_num_threads(4);
    set_thread_limit(1);
    CHECK(parallel_for(100, [](int, int, int) {}) == 1);
    set_thread_limit(2);
    CHECK(parallel_for(100, [](int, int, int) {}) == expected_parts(100, std::min(2, num_threads())));
    CHECK(max_parts() == expected_parts(1000, num_threads()));
    set_thread_limit(0);
    // per-slice float sums added in slice order: the same bits on every run
    std::vector<float> x(10007);
    for (size_t i = 0; i < x.size(); ++i) x[i] = 1.0f / (1.0f + (float)i);
    auto reduce = [&]() {
        std::vector<float> part((size_t)max_parts(), 0.f);
        int p = parallel_for((int)x.size(), [&](int b, int e, int t) {
            float s = 0;
            for (int i = b; i < e; ++i) s += x[i];
            part[t] = s;
        });
        float s = 0;
        for (int t = 0; t < p; ++t) s += part[t];
        return s;
    };
    const float first = reduce();
    for (int rep = 0; rep < 200; ++rep) CHECK(reduce() == first);
    set_num_threads(saved);
}

TEST_CASE("parallel_for: a call inside a slice runs its own slices on that thread, all of them once") {
    const int saved = num_threads();
    for (int threads : {2, 3}) {
        set_num_threads(threads);
        const int outer_n = 6, inner_n = 50;
        std::vector<std::atomic<int>> hits((size_t)outer_n * inner_n);
        for (auto& h : hits) h.store(0);
        std::atomic<int> inner_parts{0};
        parallel_for(outer_n, [&](int b, int e, int) {
            for (int o = b; o < e; ++o) {
                int p = parallel_for(inner_n, [&](int ib, int ie, int) {
                    for (int i = ib; i < ie; ++i) hits[(size_t)o * inner_n + i]++;
                });
                inner_parts.store(p);
            }
        });
        int wrong = 0;
        for (auto& h : hits) wrong += h.load() != 1;
        CHECK(wrong == 0);
        // the same parts as a call from outside (1 without threads)
        CHECK(inner_parts.load() == expected_parts(inner_n, num_threads()));
    }
    set_num_threads(saved);
}

#if BLOODCELL_HAVE_THREADS
TEST_CASE("parallel_for: two threads calling at once both finish, every index once (no deadlock)") {
    const int saved = num_threads();
    set_num_threads(2);
    std::atomic<int> failures{0};
    auto caller = [&](int seed) {
        for (int rep = 0; rep < 3000; ++rep) {
            const int n = 1 + (rep * 7 + seed) % 300;
            std::vector<int> hits((size_t)n, 0);  // slices are disjoint: plain ints suffice
            int p = parallel_for(n, [&](int b, int e, int) {
                for (int i = b; i < e; ++i) hits[i]++;
            });
            bool ok = p == expected_parts(n, 2);
            for (int h : hits) ok = ok && h == 1;
            if (!ok) failures++;
        }
    };
    std::thread a(caller, 1), b(caller, 2);
    caller(3);
    a.join();
    b.join();
    CHECK(failures.load() == 0);
    set_num_threads(saved);
}

#if !defined(__EMSCRIPTEN__)  // (the WebAssembly builds do not catch exceptions)
TEST_CASE("parallel_for: an exception in a part comes out after the running parts end; the pool goes on") {
    const int saved = num_threads();
    set_num_threads(2);
    const int parts = expected_parts(8, 2);
    for (int bad : {0, parts - 1}) {  // the first part (the caller's, likely) or one a pool thread may take
        std::atomic<int> running{0}, ended{0};
        CHECK_THROWS_AS(parallel_for(8, [&](int, int, int t) {
                            ++running;
                            for (volatile int i = 0; i < 200000; ++i) {
                            }
                            --running;
                            if (t == bad) throw std::runtime_error("part " + std::to_string(t));
                            ended++;
                        }),
                        std::runtime_error);
        CHECK(running.load() == 0);  // nothing still running when the call returned
        CHECK(ended.load() <= parts - 1);
    }
    CHECK(check_call(1000, 2) == "");  // and the pool works on
    set_num_threads(saved);
}
#endif

TEST_CASE("parallel_for: stop_threads ends the pool, the next call makes it again") {
    const int saved = num_threads();
    set_num_threads(3);
    stop_threads();  // (earlier cases may have grown it to 4 helpers)
    CHECK(start_threads() == 2);
    CHECK(check_call(100, 3) == "");
    stop_threads();
    CHECK(check_call(100, 3) == "");  // made again
    // two parts that each wait for the other to start: they can only finish on two threads at once
    std::atomic<int> started{0}, other_threads{0};
    std::atomic<bool> met{true};
    const auto me = std::this_thread::get_id();
    parallel_for(2, [&](int, int, int) {
        other_threads += std::this_thread::get_id() != me;
        ++started;
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (started.load() < 2)
            if (std::chrono::steady_clock::now() > give_up) {
                met = false;
                break;
            }
    });
    CHECK(met.load());
    CHECK(other_threads.load() == 1);
    set_num_threads(saved);
}
#endif

// ---- the layers that use the pool -----------------------------------------------------------------

namespace {
struct LayerRun {
    std::vector<float> y, dx, grads;
};
LayerRun run_layer(const LayerSpec& spec, Shape in, int N, int threads) {
    core::Rng rng(11);
    auto layer = testutil::layer(spec, in, rng, threads);
    Layer& l = *layer;
    Tensor x, y, dy, dx;
    x.resize(N, in);
    for (auto& v : x.v) v = (float)rng.normal();
    Context ctx;
    ctx.training = true;
    l.forward(x, y, ctx);
    dy.resize(N, l.out_shape());
    for (auto& v : dy.v) v = (float)rng.normal();
    for (Param* p : l.params()) std::fill(p->grad.begin(), p->grad.end(), 0.f);
    l.backward(x, y, dy, &dx);
    LayerRun r{y.v, dx.v, {}};
    for (Param* p : l.params()) r.grads.insert(r.grads.end(), p->grad.begin(), p->grad.end());
    return r;
}
double worst_rel(const std::vector<float>& a, const std::vector<float>& b) {
    REQUIRE(a.size() == b.size());
    double w = 0;
    for (size_t i = 0; i < a.size(); ++i) w = std::max(w, std::fabs((double)a[i] - b[i]) / std::max(1.0, std::fabs((double)a[i])));
    return w;
}
}  // namespace

TEST_CASE("layers on the pool: relu and max pool give the one-thread bits; dense is the same bits every run") {
    const int saved = num_threads();
    LayerSpec relu;
    relu.kind = LayerKind::relu;
    LayerSpec pool;
    pool.kind = LayerKind::maxpool2d;
    pool.pool = 2;
    for (const LayerSpec& s : {relu, pool}) {
        LayerRun one = run_layer(s, {28, 28, 32}, 16, 1), two = run_layer(s, {28, 28, 32}, 16, 2);
        INFO(s.str());
        CHECK(one.y == two.y);
        CHECK(one.dx == two.dx);
    }
    LayerSpec dense;
    dense.kind = LayerKind::dense;
    dense.units = 128;
    // 64 x 3136 x 128: the cnn's dense layer, big enough for the pool (rows of y and dx, rows of dW)
    LayerRun one = run_layer(dense, {7, 7, 64}, 64, 1), two = run_layer(dense, {7, 7, 64}, 64, 2),
             again = run_layer(dense, {7, 7, 64}, 64, 2);
    CHECK(two.y == again.y);
    CHECK(two.dx == again.dx);
    CHECK(two.grads == again.grads);
    CHECK(worst_rel(one.y, two.y) < 1e-5);
    CHECK(worst_rel(one.dx, two.dx) < 1e-5);
    CHECK(worst_rel(one.grads, two.grads) < 1e-5);
    set_num_threads(saved);
}
