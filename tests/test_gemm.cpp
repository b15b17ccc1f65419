// GEMM: both implementations against a plain triple loop, over shapes that hit every edge of the
// blocking (partial micro-tiles, several K and M blocks) and every transpose combination.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <vector>

#include "core/gemm.h"
#include "core/rng.h"

using namespace core;

namespace {
void naive(int M, int N, int K, MatView A, MatView B, std::vector<double>& C) {
    C.assign((size_t)M * N, 0.0);
    for (int i = 0; i < M; ++i)
        for (int j = 0; j < N; ++j) {
            double s = 0;
            for (int k = 0; k < K; ++k) s += (double)A.data[i * A.rs + k * A.cs] * B.data[k * B.rs + j * B.cs];
            C[(size_t)i * N + j] = s;
        }
}
}  // namespace

TEST_CASE("gemm equals the triple loop for awkward shapes and all transposes") {
    Rng rng(11);
    // M < 4 with a row-major B takes the streaming path (one image through a dense layer)
    const int shapes[][3] = {{1, 1, 1}, {3, 5, 7}, {4, 8, 16}, {13, 17, 300}, {130, 9, 33}, {64, 500, 784}, {7, 1030, 5},
                             {1, 128, 3136}, {2, 13, 300}, {3, 8, 9}, {1, 45, 10}, {2, 70, 33},
                             // gemm_avx512: M past its 144-row block, K in 3 blocks with a 16-wide transpose tail, tiles of 8 and 4 rows
                             {150, 40, 517}, {29, 64, 16}, {290, 33, 260}, {5, 31, 47},
                             // gemm_avx512's half-width tiles (16 columns or fewer), alone and after a full one
                             {37, 16, 70}, {12, 48, 300}, {9, 112, 27}};
    for (auto& s : shapes) {
        int M = s[0], N = s[1], K = s[2];
        std::vector<float> a((size_t)M * K), b((size_t)K * N);
        for (float& v : a) v = (float)(rng.uniform() * 2 - 1);
        for (float& v : b) v = (float)(rng.uniform() * 2 - 1);
        for (int ta = 0; ta < 2; ++ta)
            for (int tb = 0; tb < 2; ++tb) {
                // the same logical A (M x K) stored row-major or as a transposed (K x M) array
                MatView A = ta ? MatView{a.data(), 1, M} : MatView{a.data(), K, 1};
                MatView B = tb ? MatView{b.data(), 1, K} : MatView{b.data(), N, 1};
                std::vector<double> want;
                naive(M, N, K, A, B, want);
                for (int impl = 0; impl < 3; ++impl) {
                    auto f = impl == 0 ? gemm_eigen : impl == 1 ? gemm_packed : gemm_avx512;
                    std::vector<float> c((size_t)M * N, 0.5f);
                    f(M, N, K, A, B, c.data(), N, true);
                    double worst = 0;
                    for (size_t i = 0; i < c.size(); ++i) worst = std::max(worst, std::abs(c[i] - 0.5 - want[i]));
                    CHECK_MESSAGE(worst < 1e-4 * std::sqrt((double)K), M << "x" << N << "x" << K << " ta=" << ta << " tb=" << tb << " impl=" << impl);
                    // overwrite: every element, since C is no longer zero-filled before the first k block
                    f(M, N, K, A, B, c.data(), N, false);
                    worst = 0;
                    for (size_t i = 0; i < c.size(); ++i) worst = std::max(worst, std::abs(c[i] - want[i]));
                    CHECK_MESSAGE(worst < 1e-4 * std::sqrt((double)K), M << "x" << N << "x" << K << " overwrite impl=" << impl);
                }
            }
    }
}

TEST_CASE("gemm writes only its M x N window of a wider C") {
    std::vector<float> a = {1, 2, 3, 4}, b = {1, 0, 0, 1};  // A 2x2, B identity
    for (auto f : {gemm_packed, gemm_avx512}) {
        std::vector<float> c(2 * 5, -1.0f);
        f(2, 2, 2, {a.data(), 2, 1}, {b.data(), 2, 1}, c.data(), 5, false);
        CHECK(c == std::vector<float>{1, 2, -1, -1, -1, 3, 4, -1, -1, -1});
    }
    // a 13 x 33 window (a full and a partial row panel, a full and a partial column panel) of C with
    // row stride 40: the 7 columns past it and everything around stay untouched
    Rng rng(3);
    const int M = 13, N = 33, K = 20, ldc = 40;
    std::vector<float> A((size_t)M * K), B((size_t)K * N);
    for (float& v : A) v = (float)rng.uniform();
    for (float& v : B) v = (float)rng.uniform();
    for (auto f : {gemm_packed, gemm_avx512}) {
        std::vector<float> c((size_t)(M + 1) * ldc, -3.0f);
        f(M, N, K, {A.data(), K, 1}, {B.data(), N, 1}, c.data(), ldc, true);
        for (int i = 0; i <= M; ++i)
            for (int j = 0; j < ldc; ++j) {
                double want = -3.0;
                if (i < M && j < N)
                    for (int k = 0; k < K; ++k) want += (double)A[(size_t)i * K + k] * B[(size_t)k * N + j];
                CHECK_MESSAGE(std::abs(c[(size_t)i * ldc + j] - want) < 1e-4, i << "," << j);
            }
    }
}

TEST_CASE("gemm on views that are neither row- nor column-contiguous (every other element), and on vectors") {
    Rng rng(5);
    for (auto& s : std::vector<std::array<int, 3>>{{5, 7, 9}, {1, 6, 4}, {6, 1, 4}, {3, 4, 1}}) {
        const int M = s[0], N = s[1], K = s[2];
        std::vector<float> a((size_t)M * K * 4), b((size_t)K * N * 4);
        for (float& v : a) v = (float)(rng.uniform() * 2 - 1);
        for (float& v : b) v = (float)(rng.uniform() * 2 - 1);
        for (int layout = 0; layout < 3; ++layout) {
            // 0: strided both ways; 1: A and B transposed arrays; 2: row-major
            MatView A = layout == 0 ? MatView{a.data(), 2 * 2 * K, 2} : layout == 1 ? MatView{a.data(), 1, M} : MatView{a.data(), K, 1};
            MatView B = layout == 0 ? MatView{b.data(), 2 * 2 * N, 2} : layout == 1 ? MatView{b.data(), 1, K} : MatView{b.data(), N, 1};
            std::vector<double> want;
            naive(M, N, K, A, B, want);
            for (int impl = 0; impl < 4; ++impl) {
                std::vector<float> c((size_t)M * N, 7.f);
                (impl == 0 ? gemm_eigen : impl == 1 ? gemm_packed : impl == 2 ? gemm_avx512 : gemm)(M, N, K, A, B, c.data(), N, false);
                double worst = 0;
                for (size_t i = 0; i < c.size(); ++i) worst = std::max(worst, std::abs(c[i] - want[i]));
                CHECK_MESSAGE(worst < 1e-5, M << "x" << N << "x" << K << " layout=" << layout << " impl=" << impl);
            }
        }
    }
}

TEST_CASE("gemm with K = 0 zeroes C (or leaves it when accumulating), and with M or N = 0 writes nothing") {
    for (auto f : {gemm_eigen, gemm_packed, gemm_avx512, gemm}) {
        std::vector<float> c(3 * 4, 5.f), none;
        f(3, 4, 0, {none.data(), 0, 1}, {none.data(), 4, 1}, c.data(), 4, true);
        CHECK(c == std::vector<float>(12, 5.f));
        f(3, 4, 0, {none.data(), 0, 1}, {none.data(), 4, 1}, c.data(), 4, false);
        CHECK(c == std::vector<float>(12, 0.f));
        std::vector<float> d(4, 2.f), a(6, 1.f);
        f(0, 4, 3, {a.data(), 3, 1}, {a.data(), 4, 1}, d.data(), 4, false);
        f(2, 0, 3, {a.data(), 3, 1}, {a.data(), 0, 1}, d.data(), 0, false);
        CHECK(d == std::vector<float>(4, 2.f));
    }
}
