// `bloodcell predict --explain OUT.png`: the picture of why the model predicted what it did (moved out
// of cli_learn.cpp, which check_layout.py keeps under 500 lines).
#include <cstdio>

#include "core/explain.h"
#include "core/image.h"
#include "platform/cli_canvas.h"
#include "platform/cli_learn.h"

namespace cli {

// predict --explain OUT.png: one row per classified image, each 28x28 pixel drawn 8x8: the model's
// input, the gradient saliency of the class it predicted (core/explain.h) and the two blended, under a
// caption. Width 3 x 224 + 2 x 10 + 2 x 10 = 712; height 30 + 258 per image.
core::Status write_explanations(const std::string& path, core::Model& model, const std::vector<const core::ClassifyResult*>& rows,
                                bool tta) {
    std::vector<uint8_t> inputs;
    std::vector<int> classes;
    for (const core::ClassifyResult* r : rows) {
        inputs.insert(inputs.end(), r->input.begin(), r->input.end());
        classes.push_back(r->top);
    }
    auto ex = core::explain(model, inputs.data(), (int)rows.size(), classes.data());
    if (!ex) return core::Status::error(ex.error);
    Canvas c(kExplainWidth, kExplainHeader + kExplainRow * (int)rows.size());
    c.text(kExplainGap, 8,
           std::string("left: the model's input; middle: the gradient of the predicted class's score per pixel (bright: ") +
               "moves it most" + (tta ? ", single view" : "") + "); right: both",
           1, 60);
    for (size_t i = 0; i < rows.size(); ++i) {
        const core::ClassifyResult& r = *rows[i];
        const core::Saliency& sal = ex.value[i];
        const int y = kExplainHeader + kExplainRow * (int)i;
        char cap[320];
        std::snprintf(cap, sizeof cap, "%s: %s (%.3f)", r.name.c_str(), core::kClassNames[r.top], r.probs[r.top]);
        c.text(kExplainGap, y + 2, cap, 2);
        std::vector<uint8_t> heat((size_t)core::kGrayPixels * 3);
        for (int p = 0; p < core::kGrayPixels; ++p) {
            const core::HeatColor h = core::heat_color(sal.map[p]);
            heat[(size_t)p * 3] = h.r, heat[(size_t)p * 3 + 1] = h.g, heat[(size_t)p * 3 + 2] = h.b;
        }
        const std::vector<uint8_t> blend = core::heat_overlay(r.input.data(), core::kSide, core::kSide, sal.map.data(), core::kSide, core::kSide);
        const int ty = y + kExplainCaption;
        c.image(kExplainGap, ty, r.input.data(), core::kSide, core::kSide, kExplainScale);
        c.image(2 * kExplainGap + kExplainTile, ty, heat.data(), core::kSide, core::kSide, kExplainScale);
        c.image(3 * kExplainGap + 2 * kExplainTile, ty, blend.data(), core::kSide, core::kSide, kExplainScale);
    }
    return write_png(path, c.px.data(), c.W, c.H);
}

}  // namespace cli
