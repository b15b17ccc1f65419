// The confusion matrix and the per-class score table (widgets.h).
#include "app/widgets.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "app/app.h"
#include "app/inspect.h"
#include "app/ui.h"

namespace app {

void draw_confusion(const core::Evaluation& ev, Texture& tex, float side) {
    const float e = ui::em();
    std::vector<float> v(core::kClasses * core::kClasses, 0.f);
    for (int i = 0; i < core::kClasses; ++i) {
        int row = 0;
        for (int j = 0; j < core::kClasses; ++j) row += ev.confusion[i][j];
        for (int j = 0; j < core::kClasses; ++j) v[i * core::kClasses + j] = row ? (float)ev.confusion[i][j] / row : 0.f;
    }
    tex.upload_r32f(v.data(), core::kClasses, core::kClasses);
    ImVec2 p = ImGui::GetCursorScreenPos();
    const float lab = e * 3.2f, cell = (side - lab) / core::kClasses;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    ImVec2 m0(p.x + lab, p.y + e * 1.3f);
    HeatmapStyle hs;
    hs.cmap = kViridis;
    heatmap_draw(dl, tex, m0, ImVec2(m0.x + cell * 8, m0.y + cell * 8), hs);
    for (int k = 0; k < core::kClasses; ++k) {
        const char* n = core::kClassShortNames[k];
        ImVec2 ts = ImGui::CalcTextSize(n);
        dl->AddText(ImVec2(m0.x + cell * (k + 0.5f) - ts.x * 0.5f, p.y), class_color(k), n);
        dl->AddText(ImVec2(p.x, m0.y + cell * (k + 0.5f) - ts.y * 0.5f), class_color(k), n);
        ui::text_fits("confusion column heading", n, cell);  // wider: it merges with its neighbour
        ui::text_fits("confusion row heading", n, lab - e * 0.3f);
    }
    for (int i = 0; i < core::kClasses; ++i)
        for (int j = 0; j < core::kClasses; ++j) {
            char b[16];
            snprintf(b, sizeof b, "%d", ev.confusion[i][j]);
            // a count that does not fit its cell is drawn smaller (down to 55% of the font), never dropped
            ImFont* font = ImGui::GetFont();
            float size = ImGui::GetFontSize();
            ImVec2 ts = ImGui::CalcTextSize(b);
            if (ts.x > cell - 3) {
                float k = std::max(0.55f, (cell - 3) / ts.x);
                size *= k;
                ts = ImVec2(ts.x * k, ts.y * k);
                ui::report_cut(std::string("confusion count ") + b, ts.x, cell - 3);
            }
            ImU32 col = v[i * 8 + j] > 0.6f ? IM_COL32(20, 20, 30, 255) : IM_COL32(235, 235, 240, 255);
            dl->AddText(font, size, ImVec2(m0.x + cell * (j + 0.5f) - ts.x * 0.5f, m0.y + cell * (i + 0.5f) - ts.y * 0.5f), col, b);
        }
    ImGui::Dummy(ImVec2(side, cell * 8 + e * 1.3f));
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + side);
    ImGui::TextDisabled("rows: true class, columns: predicted; color = share of the row");
    ImGui::PopTextWrapPos();
}

namespace {
// the class column fits the longest name ("immature granulocyte"); the numbers share the rest
float class_name_w() {
    float w = 0;
    for (int k = 0; k < core::kClasses; ++k) w = std::max(w, ImGui::CalcTextSize(core::kClassNames[k]).x);
    return w;
}
float class_scores_w() {
    const float num_w = ImGui::CalcTextSize("precision").x;
    return class_name_w() + num_w * 3.1f + 10 * ImGui::GetStyle().CellPadding.x + 2;
}
// A matrix whose column headings ("NEU") fit their cells, so that they do not run together.
float confusion_min_side() {
    float head = 0;
    for (int k = 0; k < core::kClasses; ++k) head = std::max(head, ImGui::CalcTextSize(core::kClassShortNames[k]).x);
    return ui::em() * 3.2f + core::kClasses * (head + ui::em() * 0.4f);
}
}  // namespace

void draw_evaluation(const core::Evaluation* ev, Texture& tex, float w, float max_side, const char* what) {
    const float e = ui::em(), gap = e * 1.5f, table_w = class_scores_w(), min_side = confusion_min_side();
    const bool beside = w >= min_side + gap + table_w;
    const float side = std::min(w, beside ? std::clamp(w * 0.4f, min_side, std::max(min_side, std::min(max_side, w - gap - table_w)))
                                          : std::clamp(w, min_side, std::max(min_side, max_side)));
    char title[96];
    ImGui::BeginGroup();
    if (what) {
        std::snprintf(title, sizeof title, "Confusion matrix (%s)", what);
        ImGui::TextUnformatted(title);
    }
    if (ev) {
        draw_confusion(*ev, tex, side);
    } else {
        ImGui::Dummy(ImVec2(side, e * 2));
        ImGui::TextDisabled("after the first epoch");
    }
    ImGui::EndGroup();
    if (!ev) return;
    if (beside) ImGui::SameLine(0, gap);
    else ImGui::Spacing();
    ImGui::BeginGroup();
    if (what) {
        std::snprintf(title, sizeof title, "Per class (%s)", what);
        ImGui::TextUnformatted(title);
    }
    draw_class_scores(*ev);
    ImGui::Text("ACC %.3f   AUC %.3f   macro F1 %.3f", ev->acc, ev->auc, ev->macro_f1);
    ImGui::EndGroup();
}

void draw_class_scores(const core::Evaluation& ev) {
    float name_w = class_name_w(), num_w = ImGui::CalcTextSize("precision").x;
    if (ImGui::BeginTable("##scores", 5, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingFixedFit)) {
        ImGui::TableSetupColumn("class", ImGuiTableColumnFlags_WidthFixed, name_w);
        ImGui::TableSetupColumn("precision", ImGuiTableColumnFlags_WidthFixed, num_w);
        ImGui::TableSetupColumn("recall", ImGuiTableColumnFlags_WidthFixed, num_w * 0.75f);
        ImGui::TableSetupColumn("F1", ImGuiTableColumnFlags_WidthFixed, num_w * 0.75f);
        ImGui::TableSetupColumn("n", ImGuiTableColumnFlags_WidthFixed, num_w * 0.6f);
        ImGui::TableHeadersRow();
        for (int k = 0; k < core::kClasses; ++k) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextColored(class_color_v(k), "%s", core::kClassNames[k]);
            ImGui::TableNextColumn(); ImGui::Text("%.2f", ev.precision[k]);
            ImGui::TableNextColumn(); ImGui::Text("%.2f", ev.recall[k]);
            ImGui::TableNextColumn(); ImGui::Text("%.2f", ev.f1[k]);
            ImGui::TableNextColumn(); ImGui::TextDisabled("%d", ev.support[k]);
        }
        ImGui::EndTable();
    }
}

}  // namespace app
