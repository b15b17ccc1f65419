// The frame: header, tabs (Classify, Data, Features, Train, Compare, Log), the open tab's panel, the
// status bar and the notice, laid out for the window's size (a phone gets smaller tabs, a status bar
// and header that leave parts out rather than print over each other). Leaves out: docking (Debian's
// ImGui 1.86 has no docking branch).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "app/app.h"
#include "app/inspect.h"
#include "app/run_control.h"
#include "app/shortcuts.h"
#include "app/ui.h"
#include "imgui.h"
#include "imgui_internal.h"

namespace app {

static void draw_header(AppState& s) {
    const float e = ui::em();
    ImGui::PushFont(s.font_big);
    // the logo: a red blood cell (a disc with a paler center)
    ImVec2 p = ImGui::GetCursorScreenPos();
    float r = ImGui::GetFontSize() * 0.36f;
    ImVec2 c(p.x + r, p.y + ImGui::GetFontSize() * 0.55f);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddCircleFilled(c, r, IM_COL32(236, 91, 102, 255), 32);
    dl->AddCircleFilled(c, r * 0.45f, IM_COL32(184, 50, 61, 255), 24);
    ImGui::Dummy(ImVec2(r * 2, r * 2));
    ImGui::SameLine(0, r * 0.8f);
    ImGui::TextUnformatted("bloodcell");
    ImGui::PopFont();
    // what is loaded on the right; the subtitle between when there is room, else it goes, and when
    // even the loaded files do not fit beside the name they get a line of their own
    std::string model = model_summary(s), data = s.data.loaded ? s.data.source : std::string("none");
    if (model == "none" && asset_state(s, ".bcm") == AssetState::Coming) model = "loading...";
    if (!s.data.loaded && asset_state(s, ".npz") == AssetState::Coming) data = "loading the teaching set...";
    const std::string right = "Model: " + model + "    Data: " + data;
    const char* subtitle = "Blood-cell classification, computed on your machine";
    const float x0 = ImGui::GetItemRectMax().x, xmax = ImGui::GetContentRegionMaxAbs().x, gap = e * 1.5f;
    const float wr = ImGui::CalcTextSize(right.c_str()).x, ws = ImGui::CalcTextSize(subtitle).x;
    const float y = ImGui::GetItemRectMin().y + e * 0.75f;
    if (x0 + gap + ws + gap + wr <= xmax) {
        ImGui::SameLine(0, gap);
        ImGui::SetCursorScreenPos(ImVec2(ImGui::GetCursorScreenPos().x, y));
        ImGui::TextDisabled("%s", subtitle);
    }
    if (x0 + gap + wr <= xmax) {
        ImGui::SameLine();
        ImGui::SetCursorScreenPos(ImVec2(xmax - wr, y));
        ImGui::TextDisabled("%s", right.c_str());
    } else {
        ui::wrapped(right.c_str(), true);
    }
}

// The status bar's height (separator, one line of text).
static float status_bar_height() { return ImGui::GetFrameHeightWithSpacing() + ImGui::GetStyle().ItemSpacing.y; }

// The notice: a window of its own over the bottom right of the panel, above the status bar, so that
// showing it moves nothing (a banner in the layout pushed the tabs down while it showed).
static void draw_notice(AppState& s) {
    s.layout.notice = ImVec4(0, 0, 0, 0);
    if (s.notice.text.empty() || s.stats.t > s.notice.until) return;
    const float e = ui::em();
    ImVec4 col = s.notice.level == LogEntry::Error ? ImVec4(0.45f, 0.12f, 0.14f, 0.97f)
               : s.notice.level == LogEntry::Warn  ? ImVec4(0.42f, 0.32f, 0.08f, 0.97f)
                                                   : ImVec4(0.10f, 0.32f, 0.30f, 0.97f);
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    const float w = std::min(vp->WorkSize.x - 2 * e, e * 42);
    ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x + vp->WorkSize.x - e, vp->WorkPos.y + vp->WorkSize.y - status_bar_height() - e * 0.5f),
                            ImGuiCond_Always, ImVec2(1, 1));
    const ImVec2 pad(e * 0.8f, e * 0.5f);
    const float close_w = ImGui::CalcTextSize("Close").x + ImGui::GetStyle().FramePadding.x * 2;
    const float wrap_w = w - 2 * pad.x - close_w - e * 0.6f;
    const float text_h = ImGui::CalcTextSize(s.notice.text.c_str(), nullptr, false, wrap_w).y;
    ImGui::SetNextWindowSize(ImVec2(w, std::max(text_h, ImGui::GetFrameHeight()) + 2 * pad.y));
    ImGui::PushStyleColor(ImGuiCol_WindowBg, col);
    ImGui::PushStyleColor(ImGuiCol_Border, ImVec4(1, 1, 1, 0.18f));
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, pad);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 1.0f);
    ImGui::Begin("##notice", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoFocusOnAppearing | ImGuiWindowFlags_NoNav);
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + wrap_w);
    ImGui::TextUnformatted(s.notice.text.c_str());
    ImGui::PopTextWrapPos();
    ImGui::SameLine(ImGui::GetWindowContentRegionMax().x - close_w);
    if (ImGui::SmallButton("Close")) s.notice.text.clear();
    ui::mark_item("notice.close");
    ImVec2 pos = ImGui::GetWindowPos(), size = ImGui::GetWindowSize();
    s.layout.notice = ImVec4(pos.x, pos.y, size.x, size.y);
    ImGui::End();
    ImGui::PopStyleVar(2);
    ImGui::PopStyleColor(2);
}

// The status bar: what is loaded and the log on the left, timings on the right; the parts that do
// not fit the window are left out, least useful first (never printed over each other).
static void draw_status_bar(AppState& s) {
    ImGui::Separator();
    const FrameStats& f = s.stats;
    const float e = ui::em(), sep = ImGui::CalcTextSize("|").x + e * 2;
    std::vector<std::string> left = {s.data.loaded ? std::to_string(s.data.view.size()) + " images in view" : "no data",
                                     "log: " + std::to_string(s.log.errors) + " errors, " + std::to_string(s.log.warnings) + " warnings"};
    std::string loading;
    for (auto& n : s.assets_pending) loading += (loading.empty() ? "loading " : ", ") + n;
    if (!loading.empty()) loading += " ...";
    char b[4][64];
    snprintf(b[0], sizeof b[0], "%s", s.platform.name.c_str());
    snprintf(b[1], sizeof b[1], "frame %.1f ms (%.0f fps)", f.frame_ms_avg, f.frame_ms_avg > 0 ? 1000.0 / f.frame_ms_avg : 0.0);
    snprintf(b[2], sizeof b[2], "UI %.1f ms", f.work_ms);
    snprintf(b[3], sizeof b[3], "train slice %.1f ms", f.slice_ms);
    std::vector<std::string> right(b, b + (BLOODCELL_HAVE_THREADS ? 3 : 4));
    auto width = [&](const std::vector<std::string>& v) {
        float w = 0;
        for (auto& t : v) w += ImGui::CalcTextSize(t.c_str()).x + (w > 0 ? sep : 0);
        return w;
    };
    const float avail = ImGui::GetContentRegionAvail().x;
    const float loading_w = loading.empty() ? 0 : ImGui::CalcTextSize(loading.c_str()).x + sep;
    while (!right.empty() && width(left) + loading_w + e * 2 + width(right) > avail) right.pop_back();
    while (left.size() > 1 && width(left) + loading_w > avail) left.pop_back();
    if (!loading.empty() && width(left) + loading_w > avail) loading.clear();
    auto row = [&](const std::vector<std::string>& v) {
        for (size_t i = 0; i < v.size(); ++i) {
            if (i) {
                ImGui::SameLine(0, e);
                ImGui::TextDisabled("|");
                ImGui::SameLine(0, e);
            }
            ImGui::TextDisabled("%s", v[i].c_str());
        }
    };
    row(left);
    if (!loading.empty()) {
        ImGui::SameLine(0, e);
        ImGui::TextDisabled("|");
        ImGui::SameLine(0, e);
        ImGui::TextColored(ImGui::GetStyle().Colors[ImGuiCol_PlotLinesHovered], "%s", loading.c_str());
    }
    if (right.empty()) return;
    ImGui::SameLine();
    ImGui::SetCursorScreenPos(ImVec2(ImGui::GetContentRegionMaxAbs().x - width(right), ImGui::GetCursorScreenPos().y));
    row(right);
}

// The tabs, all before the open tab's panel so that Tab goes through them first; returns the open tab.
// Narrow windows (a phone) get the body font and less padding, so that every name stays whole.
static int draw_tab_bar(AppState& s) {
    int open = -1;
    std::string labels[(int)Tab::Count];
    for (int i = 0; i < (int)Tab::Count; ++i) {
        labels[i] = kTabNames[i];
        if ((Tab)i == Tab::Log && s.log.errors > 0) labels[i] += " (" + std::to_string(s.log.errors) + ")";
    }
    const float avail = ImGui::GetContentRegionAvail().x, gap = ImGui::GetStyle().ItemInnerSpacing.x;
    auto text_w = [&](ImFont* font) {
        float w = 0;
        for (auto& l : labels) w += font->CalcTextSizeA(font->FontSize, FLT_MAX, 0, l.c_str()).x + gap;
        return w;
    };
    const float e = ui::em(), n = (float)Tab::Count;
    const bool roomy = text_w(s.font_title) + n * 2 * s.font_title->FontSize * 0.9f <= avail;
    // the padding that fits the body font (a phone), at least a few pixels
    const float pad = std::clamp((avail - text_w(s.font_body)) / (2 * n) - 0.5f, e * 0.2f, e * 0.6f);
    ImGui::PushFont(roomy ? s.font_title : s.font_body);
    ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, roomy ? ImVec2(ui::em() * 0.9f, ui::em() * 0.35f) : ImVec2(pad, e * 0.45f));
    // (too narrow even so: the tab bar scrolls rather than cutting names)
    const bool fit = roomy || text_w(s.font_body) + n * 2 * pad <= avail;
    if (ImGui::BeginTabBar("##tabs", fit ? ImGuiTabBarFlags_None : ImGuiTabBarFlags_FittingPolicyScroll)) {
        for (int i = 0; i < (int)Tab::Count; ++i) {
            ImGuiTabItemFlags fl = (s.request_tab == (Tab)i) ? ImGuiTabItemFlags_SetSelected : 0;
            std::string label = labels[i] + "###tab" + std::to_string(i);
            const bool selected = ImGui::BeginTabItem(label.c_str(), nullptr, fl);
            ImVec2 p0 = ImGui::GetItemRectMin(), sz = ImGui::GetItemRectSize();
            s.layout.tabs[i] = ImVec4(p0.x, p0.y, sz.x, sz.y);
            ui::text_fits("tab", label.c_str(), sz.x - 2 * ImGui::GetStyle().FramePadding.x);
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s (Ctrl+%d)", kTabNames[i], i + 1);
            if (selected) {
                open = i;
                ImGui::EndTabItem();
            }
        }
        ImGui::EndTabBar();
    }
    ImGui::PopStyleVar();
    ImGui::PopFont();
    return open;
}

static void draw_panel(AppState& s, Tab tab, float status_h) {
    ImGui::PushID((int)tab);  // each tab's panel keeps its own scroll and widget state
    // NavFlattened: the arrow keys and Tab reach the panel's items directly (else the panel as a
    // whole is one item that the keyboard focus frames)
    ImGui::BeginChild("##panel", ImVec2(0, -status_h), false, ImGuiWindowFlags_NavFlattened);
    switch (tab) {
        case Tab::Classify: draw_classify_panel(s); break;
        case Tab::Data: draw_data_panel(s); break;
        case Tab::Features: draw_features_panel(s); break;
        case Tab::Train: draw_train_panel(s); break;
        case Tab::Compare: draw_compare_panel(s); break;
        case Tab::Log: draw_log_panel(s); break;
        default: break;
    }
    ImGui::EndChild();
    ImGui::PopID();
}

void app_frame(AppState& s, double now) {
    auto t0 = std::chrono::steady_clock::now();
    double dt = now - s.stats.t;
    if (s.stats.frames > 0) {
        s.stats.frame_ms = dt * 1000.0;
        s.stats.frame_ms_avg = s.stats.frame_ms_avg == 0 ? s.stats.frame_ms : 0.95 * s.stats.frame_ms_avg + 0.05 * s.stats.frame_ms;
    }
    s.stats.t = now;
    s.stats.frames++;
    gfx_new_frame();
    if (std::string e = gfx_take_error(); !e.empty()) s.log.error(e);  // built while the last frame was drawn
    ui::inspect_begin_frame();
    handle_keyboard(s);

    auto tt = std::chrono::steady_clock::now();
    // a paced page trains between the frames it draws (app_background); the desktop trains on a
    // worker thread, and its frames give the tuning grid 20 ms each
    training_frame(s, s.pacing.enabled ? 0.0 : 20.0);
    double train_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - tt).count();
    session_frame(s);
    link_frame(s);  // the page's address follows the Train tab's settings

    ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(vp->WorkPos);
    ImGui::SetNextWindowSize(vp->WorkSize);
    // a phone keeps its few pixels for the content
    const bool phone = ui::narrow(vp->WorkSize.x, 40);
    if (phone) ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(ui::em() * 0.4f, ImGui::GetStyle().WindowPadding.y * 0.6f));
    // No background: the platform clears the screen to WindowBg already, and without a GPU (the
    // browser's SwiftShader) every full-screen layer of blended, textured pixels costs ~30 ms a frame.
    ImGui::Begin("##bloodcell", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoBackground);
    if (phone) ImGui::PopStyleVar();
    draw_header(s);
    const float status_h = status_bar_height();
    const int open = draw_tab_bar(s);
    if (open >= 0) {
        s.tab = (Tab)open;
        draw_panel(s, (Tab)open, status_h);
    }
    s.request_tab = Tab::Count;
    draw_status_bar(s);
    ImGui::End();
    draw_notice(s);
    // a held slider or button; a text field waiting for keys is not (its keys are input)
    s.stats.item_active = ImGui::IsAnyItemActive() && !ImGui::GetIO().WantTextInput;
    ui::inspect_end_frame();
    // UI time: the frame's own work without the training slice and background evaluation
    s.stats.work_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() - train_ms;
}

}  // namespace app
