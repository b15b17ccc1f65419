// Heat maps of "why did it say that" over the images they explain (explain_view.h).
#include "app/explain_view.h"

#include <cstdio>

#include "app/inspect.h"
#include "app/ui.h"
#include "core/explain.h"

namespace app {

void draw_heat(ImDrawList* dl, ImVec2 p0, ImVec2 p1, const float* map, int side) {
    const float cw = (p1.x - p0.x) / side, ch = (p1.y - p0.y) / side;
    for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x) {
            const core::HeatColor c = core::heat_color(map[y * side + x]);
            if (c.alpha < 0.02f) continue;
            dl->AddRectFilled(ImVec2(p0.x + x * cw, p0.y + y * ch), ImVec2(p0.x + (x + 1) * cw, p0.y + (y + 1) * ch),
                              IM_COL32(c.r, c.g, c.b, (int)(255 * c.alpha)));
        }
}

static uint64_t fnv(const uint8_t* p, size_t n, uint64_t h) {
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

bool classify_heat(AppState& s, int row) {
    ImageView* v = classify_view(s, row);
    StoredModel* m = s.models.active_model();
    if (!v) return false;
    if (!m || !m->model) {
        v->heat.clear();
        v->heat_error = "no model";
        v->heat_key = 0;
        return false;
    }
    const ReviewRow& r = s.classify.review.at(row);
    if ((int)r.input.size() != core::kImageBytes) return false;
    const uintptr_t id = (uintptr_t)m->model.get();
    const uint64_t key = fnv(r.input.data(), r.input.size(), 1469598103934665603ull ^ (uint64_t)id);
    if (key != v->heat_key) {
        v->heat_key = key;
        auto ex = core::explain(*m->model, r.input.data(), 1);
        if (ex) {
            v->heat = ex.value[0].map;
            v->heat_cls = ex.value[0].cls;
            v->heat_error.clear();
        } else {
            v->heat.clear();
            v->heat_cls = -1;
            v->heat_error = ex.error;
        }
    }
    return !v->heat.empty();
}

void heat_tooltip(core::Model& m, const core::Dataset& val, int index, int predicted) {
    // one explanation at a time, kept while the same image of the same model is hovered
    static struct {
        const core::Model* model = nullptr;
        int index = -1;
        double t = 0;
        std::vector<float> pred_map, true_map;
        std::string error;
    } cache;
    const int truth = val.labels[index];
    const double now = ImGui::GetTime();
    if (cache.model != &m || cache.index != index || now - cache.t > 1.0) {  // a live model changes as it trains
        const int classes[2] = {predicted, truth};
        std::vector<uint8_t> two(val.image(index), val.image(index) + core::kImageBytes);
        two.insert(two.end(), two.begin(), two.end());
        auto ex = core::explain(m, two.data(), 2, classes);
        cache.model = &m;
        cache.index = index;
        cache.t = now;
        cache.error = ex ? "" : ex.error;
        cache.pred_map = ex ? ex.value[0].map : std::vector<float>();
        cache.true_map = ex ? ex.value[1].map : std::vector<float>();
    }
    const float e = ui::em(), side = std::round(e * 7);
    ImGui::BeginTooltip();
    ImGui::Text("%s, predicted %s", core::kClassNames[truth], core::kClassNames[predicted]);
    if (!cache.error.empty()) {
        ImGui::TextDisabled("%s", cache.error.c_str());
        ImGui::EndTooltip();
        return;
    }
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const std::vector<float>* maps[2] = {&cache.pred_map, &cache.true_map};
    const int cls[2] = {predicted, truth};
    for (int k = 0; k < 2; ++k) {
        if (k) ImGui::SameLine(0, e);
        ImGui::BeginGroup();
        ImGui::Text("why %s", core::kClassShortNames[cls[k]]);  // one line each, so the two maps align
        const ImVec2 p = ImGui::GetCursorScreenPos();
        ImGui::Dummy(ImVec2(side, side));
        // the image itself as 28x28 blocks, then its heat map over it
        const uint8_t* rgb = val.image(index);
        const float c = side / core::kSide;
        for (int y = 0; y < core::kSide; ++y)
            for (int x = 0; x < core::kSide; ++x) {
                const uint8_t* q = rgb + (y * core::kSide + x) * 3;
                dl->AddRectFilled(ImVec2(p.x + x * c, p.y + y * c), ImVec2(p.x + (x + 1) * c, p.y + (y + 1) * c), IM_COL32(q[0], q[1], q[2], 255));
            }
        draw_heat(dl, p, ImVec2(p.x + side, p.y + side), maps[k]->data());
        if (k == 0) ui::mark_item("train.why");
        ImGui::EndGroup();
    }
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + side * 2 + e);
    ImGui::TextDisabled("Bright: the pixels that move the class's score most (its gradient).");
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
}

}  // namespace app
