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

void grayscale(const uint8_t* rgb, uint8_t* gray, size_t n_pixels) {
    for (size_t i = 0; i < n_pixels; ++i) gray[i] = gray_pixel(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
}

std::vector<uint8_t> grayscale(const std::vector<uint8_t>& rgb) {
    std::vector<uint8_t> g(rgb.size() / 3);
    grayscale(rgb.data(), g.data(), g.size());
    return g;
}

}  // namespace core
