// What the last frame drew (inspect.h): cut text and named item rectangles.
#include "app/inspect.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "imgui_internal.h"

namespace app::ui {

namespace {
constexpr size_t kMaxCuts = 40;
std::vector<std::string> g_cuts, g_last_cuts;
std::vector<std::pair<std::string, ImVec4>> g_marks, g_last_marks;

void add(const std::string& what, float need, float room) {
    if (g_cuts.size() >= kMaxCuts) return;
    char b[64];
    std::snprintf(b, sizeof b, ": needs %.0f px, has %.0f px", need, room);
    std::string line = what + b;
    if (std::find(g_cuts.begin(), g_cuts.end(), line) == g_cuts.end()) g_cuts.push_back(line);
}

// The right (or bottom) edge of what a window shows of its own content: its inner clip rectangle
// before the parent's clipping (a child cut by its parent is the parent's finding).
float visible_max_x(const ImGuiWindow* w) {
    return std::floor(0.5f + w->InnerRect.Max.x - std::max(std::floor(w->WindowPadding.x * 0.5f), w->WindowBorderSize));
}
float visible_max_y(const ImGuiWindow* w) { return std::floor(0.5f + w->InnerRect.Max.y - w->WindowBorderSize); }

// child windows are named "parent/child_ID"
std::string window_name(const ImGuiWindow* w) { return w->Name; }

void scan_windows() {
    ImGuiContext& g = *GImGui;
    const ImGuiWindowFlags skip = ImGuiWindowFlags_Tooltip | ImGuiWindowFlags_Popup | ImGuiWindowFlags_ChildMenu;
    for (ImGuiWindow* w : g.Windows) {
        if (!w->Active || w->Hidden || w->SkipItems || (w->Flags & skip)) continue;
        if (!(w->Flags & ImGuiWindowFlags_HorizontalScrollbar))
            report_cut("window " + window_name(w) + " (content wider than shown)", w->DC.CursorMaxPos.x - w->Pos.x,
                       visible_max_x(w) - w->Pos.x);
        if (w->Flags & ImGuiWindowFlags_NoScrollbar)
            report_cut("window " + window_name(w) + " (content taller than shown)", w->DC.CursorMaxPos.y - w->Pos.y,
                       visible_max_y(w) - w->Pos.y);
    }
}

void scan_tables() {
    ImGuiContext& g = *GImGui;
    for (int n = 0; n < g.Tables.GetMapSize(); ++n) {
        ImGuiTable* t = g.Tables.TryGetMapData(n);
        if (!t || t->LastFrameActive != g.FrameCount || !t->OuterWindow || t->OuterWindow->SkipItems) continue;
        for (int c = 0; c < t->ColumnsCount; ++c) {
            const ImGuiTableColumn& col = t->Columns[c];
            if (!col.IsEnabled) continue;
            std::string what = std::string("table in ") + t->OuterWindow->Name + ", column '" + ImGui::TableGetColumnName(t, c) + "'";
            if (!col.IsVisibleX) {
                add(what + " (off screen)", col.MaxX - col.MinX, 0);
                continue;
            }
            const float room = col.ClipRect.Max.x - col.WorkMinX;
            report_cut(what, std::max(col.ContentMaxXFrozen, col.ContentMaxXUnfrozen) - col.WorkMinX, room);
            report_cut(what + " header", col.ContentMaxXHeadersIdeal - col.WorkMinX, room);
        }
    }
}
}  // namespace

void report_cut(const std::string& what, float need, float room) {
    if (need > room + 1.0f) add(what, need, room);
}

bool text_fits(const char* what, const char* text, float room) {
    const float need = ImGui::CalcTextSize(text, nullptr, true).x;
    if (need <= room + 1.0f) return true;
    add(std::string(what) + " '" + text + "'", need, room);
    return false;
}

bool button_fits(const char* label, float width) {
    if (width <= 0) return true;
    return text_fits("button", label, width - 2 * ImGui::GetStyle().FramePadding.x);
}

void mark_item(const char* name) {
    ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    g_marks.emplace_back(name, ImVec4(a.x, a.y, b.x - a.x, b.y - a.y));
}

void mark_rect(const char* name, ImVec2 a, ImVec2 b) { g_marks.emplace_back(name, ImVec4(a.x, a.y, b.x - a.x, b.y - a.y)); }

void inspect_begin_frame() {
    g_cuts.clear();
    g_marks.clear();
}

void inspect_end_frame() {
    scan_windows();
    scan_tables();
    g_last_cuts.swap(g_cuts);
    g_last_marks.swap(g_marks);
}

const std::vector<std::string>& cuts() { return g_last_cuts; }
const std::vector<std::pair<std::string, ImVec4>>& marks() { return g_last_marks; }

}  // namespace app::ui
