// Benchmark: sgemm at the sizes that matter (512^3 and the FCNN/CNN layer shapes), our packed
// kernel against Eigen, in one run. Natively and in WebAssembly under Node:
//   build/bench_gemm      node --no-experimental-fetch build-wasm/bench_gemm.js
// Prints the 4-lane mul+add peak (core/simd_peak.h), then GFLOP/s per implementation, the ratio and
// the packed kernel's fraction of that peak; not a test.
#include <chrono>
#include <cstdio>
#include <vector>

#include "core/gemm.h"
#include "core/rng.h"
#include "core/simd_peak.h"

using namespace core;

static double seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

static double gflops(void (*f)(int, int, int, MatView, MatView, float*, ptrdiff_t, bool), int M, int N, int K,
                     const std::vector<float>& a, const std::vector<float>& b, std::vector<float>& c) {
    double best = 0;
    for (int rep = 0; rep < 5; ++rep) {
        int iters = 0;
        double t0 = seconds(), t;
        do {
            f(M, N, K, {a.data(), K, 1}, {b.data(), N, 1}, c.data(), N, false);
            ++iters;
            t = seconds() - t0;
        } while (t < 0.2);
        best = std::max(best, 2.0 * M * N * K * iters / t / 1e9);
    }
    return best;
}

int main() {
    std::printf("gemm backend in this build: %s\n", gemm_backend());
    const double peak = simd_peak_gflops(2.0);
    std::printf("4-lane mul+add peak: %.1f GFLOP/s\n", peak);
    std::printf("%-34s %12s %12s %8s %8s%s\n", "shape (M x N x K)", "packed GF/s", "eigen GF/s", "ratio", "of peak",
                have_gemm_avx512() ? "  avx512 GF/s  vs eigen" : "");
    Rng rng(1);
    // the bench page's shapes, and the fcnn's layers at the inference batch (256)
    std::vector<GemmShape> shapes = gemm_bench_shapes();
    shapes.push_back({256, 500, 784, "fcnn layer 1, b256"});
    shapes.push_back({256, 500, 500, "fcnn layer 2, b256"});
    for (const GemmShape& sh : shapes) {
        int M = sh.M, N = sh.N, K = sh.K;
        std::vector<float> a((size_t)M * K), b((size_t)K * N), c((size_t)M * N);
        for (float& v : a) v = rng.uniformf();
        for (float& v : b) v = rng.uniformf();
        double p = gflops(gemm_packed, M, N, K, a, b, c), e = gflops(gemm_eigen, M, N, K, a, b, c);
        char label[64];
        std::snprintf(label, sizeof label, "%d x %d x %d (%s)", M, N, K, sh.what);
        std::printf("%-34s %12.1f %12.1f %7.2fx %8.2f", label, p, e, p / e, p / peak);
        if (have_gemm_avx512()) {
            double x = gflops(gemm_avx512, M, N, K, a, b, c);
            std::printf("  %11.1f %7.2fx", x, x / e);
        }
        std::printf("\n");
    }
    return 0;
}
