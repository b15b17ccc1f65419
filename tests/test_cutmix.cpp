// CutMix on a batch (core/cutmix.h): the pasted rectangle holds the partner's pixels as they were,
// everything else is untouched, and the target is mixed by the rectangle's exact share.
#include <doctest/doctest.h>

#include <vector>

#include "core/cutmix.h"

namespace {
constexpr int kSide = 28, kC = 3, kBytes = kSide * kSide * kC, kK = 8;

std::vector<uint8_t> random_images(int n, uint64_t seed) {
    core::Rng r(seed);
    std::vector<uint8_t> v((size_t)n * kBytes);
    for (auto& b : v) b = (uint8_t)r.below(256);
    return v;
}
std::vector<float> onehots(int n) {
    std::vector<float> t((size_t)n * kK, 0.f);
    for (int i = 0; i < n; ++i) t[(size_t)i * kK + i % kK] = 1.f;
    return t;
}
}  // namespace

TEST_CASE("cutmix: p = 1 pastes a rectangle of another image, as it was, and mixes the targets by its area") {
    const int n = 6;
    const std::vector<uint8_t> before = random_images(n, 11);
    const std::vector<float> t_before = onehots(n);
    std::vector<uint8_t> img = before;
    std::vector<float> t = t_before;
    core::Rng rng(5);
    const auto boxes = core::cutmix_batch(img.data(), n, kSide, kC, t.data(), kK, 1.f, rng);
    REQUIRE(boxes.size() == (size_t)n);
    int pasted = 0;
    for (int i = 0; i < n; ++i) {
        const core::CutBox& b = boxes[i];
        if (b.partner < 0) continue;  // a zero-area draw leaves the image alone
        ++pasted;
        CHECK(b.partner != i);
        CHECK(b.partner < n);
        CHECK(0 <= b.x0);
        CHECK(b.x0 < b.x1);
        CHECK(b.x1 <= kSide);
        CHECK(0 <= b.y0);
        CHECK(b.y0 < b.y1);
        CHECK(b.y1 <= kSide);
        CHECK(b.area == doctest::Approx((double)(b.x1 - b.x0) * (b.y1 - b.y0) / (kSide * kSide)));
        int wrong = 0;
        for (int y = 0; y < kSide; ++y)
            for (int x = 0; x < kSide; ++x) {
                const bool inside = x >= b.x0 && x < b.x1 && y >= b.y0 && y < b.y1;
                const int from = inside ? b.partner : i;
                for (int c = 0; c < kC; ++c)
                    wrong += img[(size_t)i * kBytes + (y * kSide + x) * kC + c] != before[(size_t)from * kBytes + (y * kSide + x) * kC + c];
            }
        CHECK(wrong == 0);
        double sum = 0;
        for (int k = 0; k < kK; ++k) {
            const double want = (1 - b.area) * t_before[(size_t)i * kK + k] + b.area * t_before[(size_t)b.partner * kK + k];
            CHECK(t[(size_t)i * kK + k] == doctest::Approx(want));
            sum += t[(size_t)i * kK + k];
        }
        CHECK(sum == doctest::Approx(1.0));
    }
    CHECK(pasted >= n - 1);
}

TEST_CASE("cutmix: p = 0 or a batch of one changes nothing and draws nothing") {
    std::vector<uint8_t> img = random_images(4, 2);
    const std::vector<uint8_t> before = img;
    std::vector<float> t = onehots(4);
    const std::vector<float> t_before = t;
    core::Rng rng(9), fresh(9);
    for (auto [n, p] : {std::pair{4, 0.f}, std::pair{1, 1.f}}) {
        const auto boxes = core::cutmix_batch(img.data(), n, kSide, kC, t.data(), kK, p, rng);
        for (const auto& b : boxes) CHECK(b.partner == -1);
    }
    CHECK(img == before);
    CHECK(t == t_before);
    CHECK(rng.next_u64() == fresh.next_u64());
}

TEST_CASE("cutmix: about a share p of the images get a rectangle; partners and areas spread as drawn") {
    const int n = 64, rounds = 40;
    std::vector<uint8_t> img = random_images(n, 3);
    std::vector<float> t = onehots(n);
    core::Rng rng(21);
    int pasted = 0, total = 0;
    double area = 0;
    std::vector<int> partner_count(n, 0);
    for (int r = 0; r < rounds; ++r) {
        for (const auto& b : core::cutmix_batch(img.data(), n, kSide, kC, t.data(), kK, 0.5f, rng)) {
            ++total;
            if (b.partner < 0) continue;
            ++pasted;
            area += b.area;
            partner_count[b.partner]++;
        }
    }
    const double share = (double)pasted / total;
    CHECK(share > 0.45);
    CHECK(share < 0.55);
    // lambda ~ U(0, 1) before clipping to the image: the mean kept share is below 0.5, above 0.25
    CHECK(area / pasted > 0.25);
    CHECK(area / pasted < 0.5);
    int unused = 0;
    for (int c : partner_count) unused += c == 0;
    CHECK(unused == 0);  // ~20 draws per image on average: every image is someone's partner
}
