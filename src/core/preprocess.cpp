// Normalization and numpy-exact grayscale. This file is compiled with -ffp-contract=off (see
// CMakeLists.txt): a fused multiply-add would round differently and move .5 ties.
#include "core/preprocess.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

namespace core {

void normalize(const uint8_t* src, float* dst, size_t n) {
    // the 256 quotients looked up: the same bits as dividing each byte (the division, unvectorized in
    // WebAssembly, took 0.9 ms of a 256-image CNN prediction's 38)
    static const struct Table {
        float v[256];
        Table() {
            for (int i = 0; i < 256; ++i) v[i] = (float)i / 255.0f;
        }
    } table;
    for (size_t i = 0; i < n; ++i) dst[i] = table.v[src[i]];
}

uint8_t gray_pixel(uint8_t r, uint8_t g, uint8_t b) {
    // numpy evaluates 0.299*R + 0.587*G + 0.114*B left to right in float64; rint rounds half to even.
    volatile double rg = 0.299 * (double)r + 0.587 * (double)g;  // volatile: no contraction across lines either
    double y = rg + 0.114 * (double)b;
    return (uint8_t)std::nearbyint(y);
}

// gray_pixel without a double per pixel. In exact arithmetic the grey value is v / 1000 with
// v = 299 R + 587 G + 114 B, an integer; numpy's double result is within 1e-12 of it, so it rounds to
// the same integer, (v + 500) / 1000, unless v / 1000 is exactly halfway (v = 1000 n + 500): there the
// double's last bit decides, and those pixels (about one in a thousand) are done again by gray_pixel.
// The quotient is taken in float, which holds v + 500 <= 255,500 exactly and errs by < 3e-5 on the
// product, less than the 0.0005 guard (an integer division of 32-bit lanes does not vectorize well).
// The first loop has no branch and vectorizes; the second only looks at the tie flags. Equal to
// gray_pixel on all 2^24 colours (tests/test_features.cpp). Why: the double version cost 0.17 ms of the
// fcnn's 2.8 ms batch of 256 natively (this one, normalized straight to float, ~0.04 ms).
// Out = uint8_t: the grey level; Out = float: the grey level / 255 (normalize's value).
template <class Out>
static void gray_run(const uint8_t* rgb, Out* gray, size_t n_pixels) {
    constexpr size_t kChunk = 1024;
    auto out = [](uint32_t g) {
        if constexpr (std::is_same<Out, float>::value) return (float)g / 255.0f;
        else return (uint8_t)g;
    };
    uint8_t tie[kChunk];
    for (size_t c0 = 0; c0 < n_pixels; c0 += kChunk) {
        const size_t n = std::min(kChunk, n_pixels - c0);
        const uint8_t* __restrict src = rgb + 3 * c0;
        Out* __restrict dst = gray + c0;
        unsigned any = 0;
        for (size_t i = 0; i < n; ++i) {
            const int32_t v = 299 * src[3 * i] + 587 * src[3 * i + 1] + 114 * src[3 * i + 2] + 500;
            const int32_t q = (int32_t)((float)v * 0.001f + 0.0005f);
            dst[i] = out((uint32_t)q);
            tie[i] = (uint8_t)(v == q * 1000);
            any |= tie[i];
        }
        if (!any) continue;
        for (const uint8_t* t = tie; (t = (const uint8_t*)std::memchr(t, 1, (size_t)(tie + n - t))) != nullptr; ++t) {
            const size_t i = (size_t)(t - tie);
            dst[i] = out(gray_pixel(src[3 * i], src[3 * i + 1], src[3 * i + 2]));
        }
    }
}

void grayscale(const uint8_t* rgb, uint8_t* gray, size_t n_pixels) { gray_run(rgb, gray, n_pixels); }
void grayscale_normalized(const uint8_t* rgb, float* gray, size_t n_pixels) { gray_run(rgb, gray, n_pixels); }

std::vector<uint8_t> grayscale(const std::vector<uint8_t>& rgb) {
    std::vector<uint8_t> g(rgb.size() / 3);
    grayscale(rgb.data(), g.data(), g.size());
    return g;
}

}  // namespace core
