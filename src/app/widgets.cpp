// The confusion matrix and the per-class score table (widgets.h).
#include "app/widgets.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "app/app.h"
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
            }
            ImU32 col = v[i * 8 + j] > 0.6f ? IM_COL32(20, 20, 30, 255) : IM_COL32(235, 235, 240, 255);
            dl->AddText(font, size, ImVec2(m0.x + cell * (j + 0.5f) - ts.x * 0.5f, m0.y + cell * (i + 0.5f) - ts.y * 0.5f), col, b);
        }
    ImGui::Dummy(ImVec2(side, cell * 8 + e * 1.3f));
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + side);
    ImGui::TextDisabled("rows: true class, columns: predicted; color = share of the row");
    ImGui::PopTextWrapPos();
}

void draw_class_scores(const core::Evaluation& ev) {
    // the class column fits the longest name ("immature granulocyte"); the numbers share the rest
    float name_w = 0, num_w = ImGui::CalcTextSize("precision").x;
    for (int k = 0; k < core::kClasses; ++k) name_w = std::max(name_w, ImGui::CalcTextSize(core::kClassNames[k]).x);
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
