#include "core/simd_peak.h"

#include <algorithm>
#include <chrono>

#include "core/gemm.h"
#include "core/rng.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace core {
namespace {

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

#if defined(__wasm_simd128__)
using f4 = v128_t;
inline f4 mul(f4 a, f4 b) { return wasm_f32x4_mul(a, b); }
inline f4 add(f4 a, f4 b) { return wasm_f32x4_add(a, b); }
inline f4 load(const float* p) { return wasm_v128_load(p); }
inline void store(float* p, f4 v) { wasm_v128_store(p, v); }
#else
typedef float f4 __attribute__((vector_size(16)));
inline f4 mul(f4 a, f4 b) { return a * b; }
inline f4 add(f4 a, f4 b) { return a + b; }
inline f4 load(const float* p) {
    f4 v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}
inline void store(float* p, f4 v) { __builtin_memcpy(p, &v, sizeof v); }
#endif

// Two kernels of 4-lane mul and add with nothing else in their loops. `independent`: NP chains
// p = p * m and NA chains s = s + a side by side (one mul and one add = 8 FLOP; the chains hide each
// other's latency). `chained`: N chains acc = acc * m + a, the GEMM's own dependency (a product then
// a sum). m and a come from memory at run time (the compiler cannot fold them), m is just above 1
// so nothing overflows or goes denormal, and the sum is returned so nothing is dead.
template <int NP, int NA>
__attribute__((noinline)) float independent(long iters, const float* init, const float* mv, const float* av) {
    f4 p[NP], s[NA];
    for (int i = 0; i < NP; ++i) p[i] = load(init + 4 * (i % 4));
    for (int i = 0; i < NA; ++i) s[i] = load(init + 4 * (i % 4));
    const f4 m = load(mv), a = load(av);
    for (long it = 0; it < iters; ++it) {
        for (int i = 0; i < NP; ++i) p[i] = mul(p[i], m);
        for (int i = 0; i < NA; ++i) s[i] = add(s[i], a);
    }
    f4 t = p[0];
    for (int i = 1; i < NP; ++i) t = add(t, p[i]);
    for (int i = 0; i < NA; ++i) t = add(t, s[i]);
    alignas(16) float out[4];
    store(out, t);
    return out[0] + out[1] + out[2] + out[3];
}

template <int N>
__attribute__((noinline)) float chained(long iters, const float* init, const float* mv, const float* av) {
    f4 acc[N];
    for (int i = 0; i < N; ++i) acc[i] = load(init + 4 * (i % 4));
    const f4 m = load(mv), a = load(av);
    for (long it = 0; it < iters; ++it)
        for (int i = 0; i < N; ++i) acc[i] = add(mul(acc[i], m), a);
    f4 t = acc[0];
    for (int i = 1; i < N; ++i) t = add(t, acc[i]);
    alignas(16) float out[4];
    store(out, t);
    return out[0] + out[1] + out[2] + out[3];
}

// Best GFLOP/s of `kernel` (pairs mul+add pairs per iteration) over ~`seconds`. The kernel is called
// many times on short runs (~4096 iterations each) and timed in groups of calls: a WebAssembly engine
// first runs a function in its baseline compiler (V8's Liftoff, several times slower on SIMD) and
// swaps in the optimized code only for later calls, so one long call would measure the baseline.
template <class Kernel>
double best_gflops(Kernel kernel, int pairs, double seconds, volatile float& sink) {
    alignas(16) static float init[16], mv[4], av[4];
    for (int i = 0; i < 16; ++i) init[i] = 0.5f + 0.01f * i;
    for (int i = 0; i < 4; ++i) mv[i] = 1.0000001f, av[i] = 0.001f;
    const long iters = 4096;
    double best = 0;
    const double t_end = now_s() + seconds;
    do {
        long calls = 0;
        double t0 = now_s(), t;
        do {
            for (int c = 0; c < 16; ++c) sink = sink + kernel(iters, init, mv, av);
            calls += 16;
            t = now_s() - t0;
        } while (t < 0.01);
        best = std::max(best, 8.0 * pairs * iters * calls / t / 1e9);
    } while (now_s() < t_end);
    return best;
}

}  // namespace

double simd_peak_gflops(double seconds) {
    volatile float sink = 0;
    const double s = std::max(seconds, 0.04) / 4;
    double best = best_gflops(independent<6, 6>, 6, s, sink);
    best = std::max(best, best_gflops(independent<7, 7>, 7, s, sink));
    best = std::max(best, best_gflops(independent<8, 8>, 8, s, sink));
    best = std::max(best, best_gflops(chained<12>, 12, s, sink));
    return best;
}

const std::vector<GemmShape>& gemm_bench_shapes() {
    static const std::vector<GemmShape> shapes = {{512, 512, 512, "square"},
                                                  {64, 500, 784, "fcnn layer 1"},
                                                  {64, 500, 500, "fcnn layer 2"},
                                                  {50176, 32, 27, "cnn conv1 im2col"},
                                                  {12544, 64, 288, "cnn conv2 im2col"}};
    return shapes;
}

double gemm_shape_gflops(const GemmShape& s, double seconds) {
    std::vector<float> a((size_t)s.M * s.K), b((size_t)s.K * s.N), c((size_t)s.M * s.N);
    Rng rng(1);
    for (float& v : a) v = rng.uniformf();
    for (float& v : b) v = rng.uniformf();
    auto once = [&] { gemm(s.M, s.N, s.K, {a.data(), s.K, 1}, {b.data(), s.N, 1}, c.data(), s.N, false); };
    once();  // warm-up
    double best = 0;
    const double t_end = now_s() + seconds;
    do {
        int iters = 0;
        double t0 = now_s(), t;
        do {
            once();
            ++iters;
            t = now_s() - t0;
        } while (t < 0.05);
        best = std::max(best, 2.0 * s.M * s.N * s.K * iters / t / 1e9);
    } while (now_s() < t_end);
    return best;
}

}  // namespace core
