#include "core/cutmix.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace core {

std::vector<CutBox> cutmix_batch(uint8_t* images, int n, int side, int channels, float* targets, int classes, float p,
                                 Rng& rng) {
    std::vector<CutBox> boxes((size_t)std::max(n, 0));
    if (n < 2 || !(p > 0.f)) return boxes;
    for (int i = 0; i < n; ++i) {
        CutBox& b = boxes[i];
        if (rng.uniform() >= p) continue;
        b.partner = (int)rng.below((uint64_t)n - 1);
        if (b.partner >= i) ++b.partner;  // uniform over the others
        const double lambda = rng.uniform();
        const int cut = (int)std::lround(side * std::sqrt(lambda));
        const int cx = (int)rng.below((uint64_t)side), cy = (int)rng.below((uint64_t)side);
        b.x0 = std::clamp(cx - cut / 2, 0, side);
        b.x1 = std::clamp(cx - cut / 2 + cut, 0, side);
        b.y0 = std::clamp(cy - cut / 2, 0, side);
        b.y1 = std::clamp(cy - cut / 2 + cut, 0, side);
        b.area = (float)((b.x1 - b.x0) * (b.y1 - b.y0)) / (float)(side * side);
        if (b.area <= 0.f) b = CutBox{};
    }
    // the pastes and the mixes read every partner as it was: copies of the batch first
    const size_t image_bytes = (size_t)side * side * channels;
    std::vector<uint8_t> src(images, images + (size_t)n * image_bytes);
    std::vector<float> t0(targets, targets + (size_t)n * classes);
    for (int i = 0; i < n; ++i) {
        const CutBox& b = boxes[i];
        if (b.partner < 0) continue;
        const uint8_t* from = src.data() + (size_t)b.partner * image_bytes;
        uint8_t* to = images + (size_t)i * image_bytes;
        const size_t row = (size_t)(b.x1 - b.x0) * channels;
        for (int y = b.y0; y < b.y1; ++y) {
            const size_t at = ((size_t)y * side + b.x0) * channels;
            std::memcpy(to + at, from + at, row);
        }
        const float* own = t0.data() + (size_t)i * classes;
        const float* other = t0.data() + (size_t)b.partner * classes;
        float* t = targets + (size_t)i * classes;
        for (int k = 0; k < classes; ++k) t[k] = (1.f - b.area) * own[k] + b.area * other[k];
    }
    return boxes;
}

}  // namespace core
