// The confusion matrix and the per-class score table (widgets.h).
#include "app/widgets.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "app/app.h"
#include "app/inspect.h"
#include "app/ui.h"

namespace app {

int draw_confusion(const core::Evaluation& ev, Texture& tex, float side, const int* selected) {
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
    int clicked = -1;
    if (selected) {
        const ImVec2 m1(m0.x + cell * 8, m0.y + cell * 8);
        ui::mark_rect("train.confusion", m0, m1);
        auto outline = [&](int k, ImU32 col, float thick) {
            const ImVec2 a(m0.x + cell * (k % 8), m0.y + cell * (k / 8));
            dl->AddRect(ImVec2(a.x + 1, a.y + 1), ImVec2(a.x + cell - 1, a.y + cell - 1), col, 0, 0, thick);
        };
        if (*selected >= 0 && *selected < 64) outline(*selected, IM_COL32(255, 255, 255, 255), 2.5f);
        if (ImGui::IsWindowHovered() && ImGui::IsMouseHoveringRect(m0, m1)) {
            const ImVec2 mp = ImGui::GetIO().MousePos;
            const int j = std::clamp((int)((mp.x - m0.x) / cell), 0, 7), i = std::clamp((int)((mp.y - m0.y) / cell), 0, 7);
            outline(i * 8 + j, IM_COL32(255, 255, 255, 140), 1.5f);
            const int n = ev.confusion[i][j];
            if (i == j) ImGui::SetTooltip("%d %s image%s predicted right.\nClick to see them.", n, core::kClassNames[i], n == 1 ? "" : "s");
            else ImGui::SetTooltip("%d %s image%s predicted as %s.\nClick to see them.", n, core::kClassNames[i], n == 1 ? "" : "s",
                                   core::kClassNames[j]);
            if (ImGui::IsMouseClicked(0)) clicked = i * 8 + j;
        }
    }
    ImGui::Dummy(ImVec2(side, cell * 8 + e * 1.3f));
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + side);
    ImGui::TextDisabled(selected ? "rows: true class, columns: predicted; color = share of the row; click a cell for its images"
                                 : "rows: true class, columns: predicted; color = share of the row");
    ImGui::PopTextWrapPos();
    return clicked;
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
}  // namespace

// A matrix whose column headings ("NEU") fit their cells, so that they do not run together.
float confusion_min_side() {
    float head = 0;
    for (int k = 0; k < core::kClasses; ++k) head = std::max(head, ImGui::CalcTextSize(core::kClassShortNames[k]).x);
    return ui::em() * 3.2f + core::kClasses * (head + ui::em() * 0.4f);
}

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

namespace app {

ImU32 series_color(int i) {
    static const ImU32 c[] = {IM_COL32(46, 179, 189, 255), IM_COL32(236, 91, 102, 255), IM_COL32(240, 190, 70, 255),
                              IM_COL32(150, 120, 230, 255), IM_COL32(120, 200, 110, 255), IM_COL32(230, 130, 200, 255)};
    return c[((i % 6) + 6) % 6];
}

void draw_reliability(const char* title, const core::CalibrationReport& r, float side) {
    const float e = ui::em();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    ImGui::Text("%s", title);
    ImGui::TextDisabled("ECE %.4f, NLL %.4f", r.ece, r.nll);
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const ImVec2 a(p.x + e * 0.3f, p.y), b(a.x + side, a.y + side);  // the plot, y up
    auto at = [&](double x, double y) { return ImVec2(a.x + (float)x * side, b.y - (float)y * side); };
    dl->AddRectFilled(a, b, ImGui::GetColorU32(ImGuiCol_FrameBg));
    for (const core::ReliabilityBin& bin : r.bins) {
        if (bin.count == 0) continue;
        dl->AddRectFilled(at(bin.lo, 0), at(bin.hi, bin.accuracy), IM_COL32(46, 179, 189, 230));
        const double lo = std::min(bin.accuracy, bin.confidence), hi = std::max(bin.accuracy, bin.confidence);
        dl->AddRectFilled(at(bin.lo, lo), at(bin.hi, hi), IM_COL32(236, 91, 102, 150));
    }
    dl->AddLine(at(0, 0), at(1, 1), IM_COL32(200, 200, 200, 200), 1.5f);
    dl->AddRect(a, b, ImGui::GetColorU32(ImGuiCol_Border));
    ImGui::Dummy(ImVec2(side + e * 0.6f, side));
    if (ImGui::IsItemHovered()) {
        const double x = (ImGui::GetIO().MousePos.x - a.x) / side;
        for (const core::ReliabilityBin& bin : r.bins)
            if (x > bin.lo && x <= bin.hi)
                ImGui::SetTooltip("confidence %.2f-%.2f: %d images\nmean confidence %.4f\naccuracy %.4f", bin.lo, bin.hi,
                                  bin.count, bin.confidence, bin.accuracy);
    }
    ImGui::TextDisabled("confidence (x) vs accuracy");
}

void draw_coverage_curves(const std::vector<CoverageSeries>& series, ImVec2 size) {
    const float e = ui::em();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    double lo = 1.0, target = core::kDefaultTargetAccuracy;
    for (const CoverageSeries& s : series)
        for (const core::CoveragePoint& c : s.report->curve)
            if (c.coverage >= 0.5) lo = std::min(lo, c.accuracy);
    if (!series.empty()) target = series[0].report->target;
    lo = std::max(0.0, std::min(lo, target) - 0.005);
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const ImVec2 a(p.x + e * 2.8f, p.y), b(p.x + size.x, p.y + size.y);
    // x: coverage 0.5..1 (below half the images the curves sit at 1), y: accuracy lo..1
    auto at = [&](double x, double y) {
        return ImVec2(a.x + (float)((x - 0.5) / 0.5) * (b.x - a.x), b.y - (float)((y - lo) / (1.0 - lo)) * (b.y - a.y));
    };
    dl->AddRectFilled(a, b, ImGui::GetColorU32(ImGuiCol_FrameBg));
    for (float x = 0.5f; x < 1.0f; x += 0.02f) dl->AddLine(at(x, target), at(x + 0.01f, target), IM_COL32(220, 220, 220, 180));
    char t[32];
    std::snprintf(t, sizeof t, "%.3f", target);
    dl->AddText(ImVec2(p.x, at(0.5, target).y - e * 0.5f), ImGui::GetColorU32(ImGuiCol_TextDisabled), t);
    std::snprintf(t, sizeof t, "%.3f", lo);
    dl->AddText(ImVec2(p.x, b.y - e), ImGui::GetColorU32(ImGuiCol_TextDisabled), t);
    dl->PushClipRect(a, b, true);
    for (size_t i = 0; i < series.size(); ++i) {
        const core::CalibrationReport& r = *series[i].report;
        std::vector<ImVec2> pts;
        for (const core::CoveragePoint& c : r.curve) pts.push_back(at(c.coverage, c.accuracy));
        if (pts.size() > 1) dl->AddPolyline(pts.data(), (int)pts.size(), series_color((int)i), 0, 2.0f);
        dl->AddCircleFilled(at(r.at.coverage, r.at.accuracy), e * 0.3f, series_color((int)i));
    }
    dl->PopClipRect();
    dl->AddRect(a, b, ImGui::GetColorU32(ImGuiCol_Border));
    ImGui::Dummy(size);
    ImGui::TextDisabled("coverage 0.5 .. 1 (x): the most confident images first; dots: the unsure threshold");
    for (size_t i = 0; i < series.size(); ++i) {
        const core::CalibrationReport& r = *series[i].report;
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(series_color((int)i)), "%s", series[i].label.c_str());
        ImGui::SameLine();
        ImGui::TextDisabled("unsure below %.3f: coverage %.3f, ACC %.4f", r.threshold, r.at.coverage, r.at.accuracy);
    }
}

}  // namespace app
