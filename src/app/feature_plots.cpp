// The Features tab's scatter plot and CSV export (feature_plots.h, app.h).
#include "app/feature_plots.h"

#include <algorithm>
#include <cstdio>

#include "app/ui.h"

namespace app {

std::string features_csv(const AppState& s) {
    const FeaturesState& f = s.features;
    const int F = (int)f.names.size(), N = s.data.view.size();
    if (!s.data.loaded || F == 0 || f.table_n < N || N == 0) return "";
    std::string out = "index,label,class";
    for (const std::string& n : f.names) out += "," + n;
    out += "\n";
    char b[40];
    for (int i = 0; i < N; ++i) {
        const int k = s.data.view.labels[i];
        out += std::to_string(i) + "," + std::to_string(k) + "," + core::kClassNames[k];
        for (int j = 0; j < F; ++j) {
            std::snprintf(b, sizeof b, ",%.9g", f.table[(size_t)i * F + j]);
            out += b;
        }
        out += "\n";
    }
    return out;
}

std::string save_features_csv(AppState& s) {
    if (!s.platform.save_text) return "this platform cannot save files";
    const std::string csv = features_csv(s);
    if (csv.empty()) return "the feature table is not computed yet";
    char name[64];
    std::snprintf(name, sizeof name, "bloodcell_features_L%d_d%d.csv", s.features.levels, s.features.distance);
    std::string where = s.platform.save_text(name, csv);
    if (where.empty()) {
        notify(s, LogEntry::Error, std::string("Could not save ") + name);
        return std::string("could not save ") + name;
    }
    notify(s, LogEntry::Info, "Saved the feature table to " + where);
    return "";
}

void scatter_plot(AppState& s, const FeaturesState& f, int F, ImVec2 size) {
    const float e = ui::em();
    const int N = f.table_n, fx = f.scatter_x, fy = f.scatter_y;
    ImVec2 p0 = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("##scatter", size);
    const bool hovered = ImGui::IsItemHovered();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(p0, ImVec2(p0.x + size.x, p0.y + size.y), ImGui::GetColorU32(ImGuiCol_FrameBg), e * 0.3f);
    if (N <= 0) return;
    double xlo = 1e300, xhi = -1e300, ylo = 1e300, yhi = -1e300;
    for (int i = 0; i < N; ++i) {
        const double x = f.table[(size_t)i * F + fx], y = f.table[(size_t)i * F + fy];
        xlo = std::min(xlo, x), xhi = std::max(xhi, x), ylo = std::min(ylo, y), yhi = std::max(yhi, y);
    }
    const bool mark = (int)f.current.size() == F;
    if (mark) {
        xlo = std::min(xlo, f.current[fx]), xhi = std::max(xhi, f.current[fx]);
        ylo = std::min(ylo, f.current[fy]), yhi = std::max(yhi, f.current[fy]);
    }
    if (xhi <= xlo) xhi = xlo + 1;
    if (yhi <= ylo) yhi = ylo + 1;
    const float left = p0.x + e * 4.2f, right = p0.x + size.x - e * 0.8f, top = p0.y + e * 0.6f, bottom = p0.y + size.y - e * 1.5f;
    auto X = [&](double v) { return left + (float)((v - xlo) / (xhi - xlo)) * (right - left); };
    auto Y = [&](double v) { return bottom - (float)((v - ylo) / (yhi - ylo)) * (bottom - top); };
    const float r = std::max(1.5f, e * 0.16f);
    int near = -1;
    float best = e * e * 0.36f;
    const ImVec2 m = ImGui::GetMousePos();
    for (int i = 0; i < N; ++i) {
        const float x = X(f.table[(size_t)i * F + fx]), y = Y(f.table[(size_t)i * F + fy]);
        dl->AddCircleFilled(ImVec2(x, y), r, class_color(s.data.view.labels[i], 0.55f), 8);
        const float d = (x - m.x) * (x - m.x) + (y - m.y) * (y - m.y);
        if (hovered && d < best) best = d, near = i;
    }
    if (mark) {
        const ImVec2 c(X(f.current[fx]), Y(f.current[fy]));
        dl->AddCircle(c, e * 0.55f, IM_COL32(255, 220, 90, 255), 16, 2.5f);
        dl->AddCircle(c, e * 0.55f + 2.5f, IM_COL32(0, 0, 0, 200), 16, 1.0f);
    }
    const ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    char b[64];
    for (int i = 0; i <= 2; ++i) {
        const double vx = xlo + (xhi - xlo) * i / 2, vy = ylo + (yhi - ylo) * i / 2;
        std::snprintf(b, sizeof b, "%.3g", vx);
        const float w = ImGui::CalcTextSize(b).x;
        dl->AddText(ImVec2(std::clamp(X(vx) - w / 2, left, right - w), bottom + e * 0.2f), dim, b);
        std::snprintf(b, sizeof b, "%.3g", vy);
        dl->AddText(ImVec2(p0.x + e * 0.3f, std::clamp(Y(vy) - e * 0.5f, top, bottom - e)), dim, b);
    }
    if (near >= 0) {
        const int k = s.data.view.labels[near];
        ImGui::SetTooltip("image %d, %s\n%s = %.4g\n%s = %.4g", near, core::kClassNames[k], f.names[fx].c_str(),
                          f.table[(size_t)near * F + fx], f.names[fy].c_str(), f.table[(size_t)near * F + fy]);
    } else if (hovered && mark) {
        ImGui::SetTooltip("ring: this image (%s = %.4g, %s = %.4g)", f.names[fx].c_str(), f.current[fx], f.names[fy].c_str(), f.current[fy]);
    }
}

}  // namespace app
