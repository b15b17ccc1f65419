#include "core/predict.h"

#include <algorithm>

#include "core/clock.h"

namespace core {

void ChunkedPrediction::reset(const Dataset* d, int limit, bool with_tta, bool keep_single) {
    data = d;
    n = d ? (limit < 0 ? d->size() : std::min(limit, d->size())) : 0;
    pos = 0;
    tta = with_tta;
    probs.assign((size_t)n * kClasses, 0.f);
    raw.assign((size_t)n * kClasses, 0.f);
    if (keep_single && with_tta) raw_single.assign((size_t)n * kClasses, 0.f);
    else raw_single.clear();
    seconds = 0;
}

int ChunkedPrediction::step(Model& m, Budget b, int chunk) {
    const double t0 = now_ms();
    const int start = pos;
    chunk = std::max(1, chunk);
    while (pos < n) {
        int k = std::min(chunk, n - pos);
        if (b.images > 0) k = (int)std::min<long>(k, b.images - (pos - start));
        std::vector<float> single;
        std::vector<float> p = m.predict_raw(data->image(pos), k, tta, raw_single.empty() ? nullptr : &single);
        std::copy(p.begin(), p.end(), raw.begin() + (size_t)pos * kClasses);
        if (!raw_single.empty()) std::copy(single.begin(), single.end(), raw_single.begin() + (size_t)pos * kClasses);
        m.calibrate(p.data(), k, tta);
        std::copy(p.begin(), p.end(), probs.begin() + (size_t)pos * kClasses);
        pos += k;
        if (b.images > 0 && pos - start >= b.images) break;
        if (b.ms > 0 && now_ms() - t0 >= b.ms) break;
        if (b.images <= 0 && b.ms <= 0) break;  // no budget: one chunk
    }
    seconds += (now_ms() - t0) / 1000.0;
    return pos - start;
}

int prediction_chunk(const Model& m) {
    return (int)std::clamp(1e8 / std::max(1L, m.flops_per_image()), 1.0, 64.0);
}

}  // namespace core
