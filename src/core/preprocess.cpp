// Normalization and numpy-exact grayscale. This file is compiled with -ffp-contract=off (see
// CMakeLists.txt): a fused multiply-add would round differently and move .5 ties.
#include "core/preprocess.h"

#include <cmath>

namespace core {

void normalize(const uint8_t* src, float* dst, size_t n) {
    for (size_t i = 0; i < n; ++i) dst[i] = (float)src[i] / 255.0f;
}

uint8_t gray_pixel(uint8_t r, uint8_t g, uint8_t b) {
    // numpy evaluates 0.299*R + 0.587*G + 0.114*B left to right in float64; rint rounds half to even.
    volatile double rg = 0.299 * (double)r + 0.587 * (double)g;  // volatile: no contraction across lines either
    double y = rg + 0.114 * (double)b;
    return (uint8_t)std::nearbyint(y);
}

// gray_pixel's arithmetic without its volatile and its call, so the loop vectorizes: the same double
// operations in the same order (this file is compiled without contraction), and half-to-even rounding
// by adding and subtracting 2^52, which for 0 <= y < 2^51 in the default rounding mode is exactly
// nearbyint. Equal to gray_pixel on all 2^24 colours (tests/test_features.cpp). Why: the volatile
// store and the nearbyint call per pixel cost ~6 us per 28x28 image, a third of the fcnn's inference.
void grayscale(const uint8_t* rgb, uint8_t* gray, size_t n_pixels) {
    const double round = 4503599627370496.0;  // 2^52
    for (size_t i = 0; i < n_pixels; ++i) {
        const double rg = 0.299 * (double)rgb[3 * i] + 0.587 * (double)rgb[3 * i + 1];
        const double y = rg + 0.114 * (double)rgb[3 * i + 2];
        gray[i] = (uint8_t)(int)((y + round) - round);
    }
}

std::vector<uint8_t> grayscale(const std::vector<uint8_t>& rgb) {
    std::vector<uint8_t> g(rgb.size() / 3);
    grayscale(rgb.data(), g.data(), g.size());
    return g;
}

}  // namespace core
