// Drawing helpers (see ui.h).
#include "app/ui.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>

#include "app/app.h"
#include "app/inspect.h"
#include "core/dataset.h"
#include "imgui_internal.h"

namespace app::ui {

float em() { return ImGui::GetFontSize(); }

float class_label_width() {
    float w = 0;
    for (int k = 0; k < core::kClasses; ++k) w = std::max(w, ImGui::CalcTextSize(core::kClassNames[k]).x);
    return w + em() * 1.8f;
}

void heading(const char* text) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_PlotLinesHovered));
    ImGui::TextUnformatted(text);
    ImGui::PopStyleColor();
    ImGui::Separator();
    ImGui::Spacing();
}

void subtle(const char* fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted(buf);
    ImGui::PopTextWrapPos();
    ImGui::PopStyleColor();
}

void help_marker(const char* text) {
    ImGui::SameLine();
    ImGui::TextDisabled("(?)");
    if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(em() * 30);
        ImGui::TextUnformatted(text);
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
    }
}

float button_w(const char* label) { return ImGui::CalcTextSize(label, nullptr, true).x + 2 * ImGui::GetStyle().FramePadding.x; }

float checkbox_w(const char* label) {
    return ImGui::GetFrameHeight() + ImGui::GetStyle().ItemInnerSpacing.x + ImGui::CalcTextSize(label, nullptr, true).x;
}

float labeled_w(float frame_w, const char* label) {
    const float t = ImGui::CalcTextSize(label, nullptr, true).x;
    return frame_w + (t > 0 ? ImGui::GetStyle().ItemInnerSpacing.x + t : 0);
}

float combo_w(const char* preview) { return button_w(preview) + ImGui::GetFrameHeight(); }

void same_line_if_fits(float w, float spacing) {
    const float sp = spacing < 0 ? ImGui::GetStyle().ItemSpacing.x : spacing;
    // the right edge: the text wrap position when one is set (a column of text), else the region's
    const ImGuiWindow* win = ImGui::GetCurrentWindow();
    const float wrap = win->DC.TextWrapPos, edge = ImGui::GetContentRegionMaxAbs().x;
    const float right = wrap > 0 ? std::min(edge, win->Pos.x - win->Scroll.x + wrap) : edge;
    if (ImGui::GetItemRectMax().x + sp + w <= right) ImGui::SameLine(0, sp);
}

void wrapped(const char* text, bool disabled) {
    if (disabled) ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted(text);
    ImGui::PopTextWrapPos();
    if (disabled) ImGui::PopStyleColor();
}

void fitted(const char* text, ImU32 color) {
    const float room = std::max(1.0f, ImGui::GetContentRegionAvail().x);
    const ImVec2 full = ImGui::CalcTextSize(text);
    if (color) ImGui::PushStyleColor(ImGuiCol_Text, color);
    if (full.x <= room) {
        ImGui::TextUnformatted(text);
    } else {
        // the longest prefix that fits with "..." after it
        const float dots = ImGui::CalcTextSize("...").x;
        std::string s(text);
        while (!s.empty() && ImGui::CalcTextSize(s.c_str()).x + dots > room) s.pop_back();
        ImGui::TextUnformatted((s + "...").c_str());
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", text);
    }
    if (color) ImGui::PopStyleColor();
}

bool narrow(float width, float ems) { return width < ems * em(); }

// The value of the slider just drawn (frame `frame_w` px wide at the item's top left), again, over a
// backdrop of the frame's current colour that covers the grab where it passes under the text, and
// `drawn`, the text ImGui put there when `value` replaces it (zero_text).
static void value_over_grab(const char* label, const char* value, float frame_w, const char* drawn = nullptr) {
    ImGuiContext& g = *GImGui;
    if (!ImGui::IsItemVisible() || ImGui::TempInputIsActive(g.LastItemData.ID)) return;  // Ctrl+click: a text field
    const ImVec2 a = ImGui::GetItemRectMin();
    const ImRect frame(a, ImVec2(a.x + frame_w, a.y + ImGui::GetFrameHeight()));
    const ImVec2 ts = ImGui::CalcTextSize(value, nullptr, true);
    if (ts.x <= 0) return;
    // where ImGui centred it (RenderTextClipped, align 0.5)
    auto left = [&](float w) { return std::max(frame.Min.x, std::floor(frame.GetCenter().x - w * 0.5f)); };
    const ImVec2 tp(left(ts.x), std::floor(frame.GetCenter().y - ts.y * 0.5f));
    const float pad = 0.3f * em(), under = drawn ? ImGui::CalcTextSize(drawn, nullptr, true).x : 0.f;
    const float bx = std::min(tp.x, left(under));
    ImRect back(ImVec2(bx - pad, tp.y), ImVec2(std::max(tp.x + ts.x, bx + under) + pad, tp.y + ts.y));  // grab shows above and below
    back.ClipWith(frame);
    const ImGuiCol bg = ImGui::IsItemActive() ? ImGuiCol_FrameBgActive
                      : ImGui::IsItemHovered() ? ImGuiCol_FrameBgHovered : ImGuiCol_FrameBg;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->PushClipRect(frame.Min, frame.Max, true);
    // opaque when the text differs from ImGui's, which would show through (the frame colours are opaque)
    dl->AddRectFilled(back.Min, back.Max, ImGui::GetColorU32(bg, drawn ? 1.0f : 0.85f), 3.0f);
    dl->AddText(tp, ImGui::GetColorU32(ImGuiCol_Text), value, ImGui::FindRenderedTextEnd(value));
    dl->PopClipRect();
    mark_rect((std::string("slider ") + label).c_str(), tp, ImVec2(tp.x + ts.x, tp.y + ts.y));
}

bool slider_int(const char* label, int* v, int lo, int hi, const char* fmt, ImGuiSliderFlags flags, const char* zero_text) {
    const float w = ImGui::CalcItemWidth();
    const bool changed = ImGui::SliderInt(label, v, lo, hi, fmt, flags);
    char buf[64];
    ImGui::DataTypeFormatString(buf, sizeof buf, ImGuiDataType_S32, v, fmt);
    if (zero_text && *v == 0) value_over_grab(label, zero_text, w, buf);
    else value_over_grab(label, buf, w);
    return changed;
}

bool slider_float(const char* label, float* v, float lo, float hi, const char* fmt, ImGuiSliderFlags flags,
                  const char* zero_text) {
    const float w = ImGui::CalcItemWidth();
    const bool changed = ImGui::SliderFloat(label, v, lo, hi, fmt, flags);
    char buf[64];
    ImGui::DataTypeFormatString(buf, sizeof buf, ImGuiDataType_Float, v, fmt);
    if (zero_text && *v == 0.f) value_over_grab(label, zero_text, w, buf);
    else value_over_grab(label, buf, w);
    return changed;
}

bool primary_button(const char* label, ImVec2 size) {
    ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.10f, 0.52f, 0.56f, 1.0f));
    ImGui::PushStyleColor(ImGuiCol_ButtonHovered, ImVec4(0.13f, 0.62f, 0.66f, 1.0f));
    ImGui::PushStyleColor(ImGuiCol_ButtonActive, ImVec4(0.08f, 0.45f, 0.48f, 1.0f));
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 1, 1, 1));
    bool r = ImGui::Button(label, size);
    ImGui::PopStyleColor(4);
    return r;
}

bool begin_card(const char* id, ImVec2 size, bool border) {
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(em() * 0.8f, em() * 0.6f));
    ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0.105f, 0.125f, 0.150f, 1.0f));
    // NavFlattened: the keyboard focus moves to the card's items, not to the card as a whole
    bool r = ImGui::BeginChild(id, size, border, ImGuiWindowFlags_AlwaysUseWindowPadding | ImGuiWindowFlags_NavFlattened);
    return r;
}

void end_card() {
    ImGui::EndChild();
    ImGui::PopStyleColor();
    ImGui::PopStyleVar();
}

void class_bars(const float* values, int n, float vmax, const char* value_fmt, float width, int highlight,
                const float* marks, float row_h_in) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    if (width <= 0) width = ImGui::GetContentRegionAvail().x;
    const float e = em();
    const float label_w = class_label_width(), value_w = e * 4.5f;
    const float bar_w = std::max(e * 3, width - label_w - value_w);
    const float row_h = row_h_in > 0 ? row_h_in : e * 1.75f;
    report_cut("class bars", label_w + bar_w + value_w, width);
    ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(ImGui::GetStyle().ItemSpacing.x, 0));
    if (vmax <= 0) vmax = 1;
    for (int k = 0; k < n; ++k) {
        ImVec2 p = ImGui::GetCursorScreenPos();
        const char* name = k < core::kClasses ? core::kClassNames[k] : "?";
        ImU32 text = ImGui::GetColorU32(k == highlight ? ImGuiCol_Text : ImGuiCol_Text, k == highlight || highlight < 0 ? 1.0f : 0.75f);
        dl->AddCircleFilled(ImVec2(p.x + e * 0.4f, p.y + row_h * 0.5f), e * 0.3f, class_color(k));
        dl->AddText(ImVec2(p.x + e * 1.0f, p.y + (row_h - e) * 0.5f), text, name);
        text_fits("class bar label", name, label_w - e * 1.0f);
        ImVec2 b0(p.x + label_w, p.y + row_h * 0.18f), b1(p.x + label_w + bar_w, p.y + row_h * 0.82f);
        dl->AddRectFilled(b0, b1, ImGui::GetColorU32(ImGuiCol_FrameBg), e * 0.2f);
        float f = std::clamp(values[k] / vmax, 0.0f, 1.0f);
        if (f > 0)
            dl->AddRectFilled(b0, ImVec2(b0.x + std::max(2.0f, f * bar_w), b1.y),
                              class_color(k, highlight < 0 || k == highlight ? 1.0f : 0.55f), e * 0.2f);
        if (marks) {
            float m = std::clamp(marks[k] / vmax, 0.0f, 1.0f);
            dl->AddLine(ImVec2(b0.x + m * bar_w, b0.y - 2), ImVec2(b0.x + m * bar_w, b1.y + 2), IM_COL32(255, 255, 255, 200), 2);
        }
        char buf[64];
        snprintf(buf, sizeof buf, value_fmt, values[k]);
        dl->AddText(ImVec2(b1.x + e * 0.5f, p.y + (row_h - e) * 0.5f), text, buf);
        text_fits("class bar value", buf, value_w - e * 0.5f);
        ImGui::Dummy(ImVec2(width, row_h));
    }
    ImGui::PopStyleVar();
    ImGui::Dummy(ImVec2(0, 0));
}

int legend_row(const std::vector<Series>& series) {
    const float e = em();
    int hovered = -1;
    for (size_t i = 0; i < series.size(); ++i) {
        const float w = e * 1.1f + ImGui::CalcTextSize(series[i].label).x;
        if (i) same_line_if_fits(w, e);
        ImGui::BeginGroup();
        ImVec2 p = ImGui::GetCursorScreenPos();
        ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(p.x, p.y + e * 0.3f), ImVec2(p.x + e * 0.7f, p.y + e * 0.7f), series[i].color);
        ImGui::Dummy(ImVec2(e * 0.9f, e));
        ImGui::SameLine(0, e * 0.2f);
        ImGui::PushTextWrapPos(0.0f);  // a label longer than the row (a run's settings) wraps
        ImGui::TextUnformatted(series[i].label);
        ImGui::PopTextWrapPos();
        ImGui::EndGroup();
        if (ImGui::IsItemHovered()) hovered = (int)i;
    }
    return hovered;
}

void line_plot(const char* id, const std::vector<Series>& series, ImVec2 size, float ymin, float ymax,
               const char* x_label, bool auto_y, bool legend) {
    const float e = em();
    if (size.x <= 0) size.x = ImGui::GetContentRegionAvail().x;
    ImVec2 p0 = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton(id, size);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    float xmax = 1;
    for (auto& s : series) {
        if (s.n > 0) xmax = std::max(xmax, s.x ? s.x[s.n - 1] : (float)(s.n - 1));
        if (auto_y)
            for (int i = 0; i < s.n; ++i)
                if (std::isfinite(s.v[i])) { ymin = std::min(ymin, s.v[i]); ymax = std::max(ymax, s.v[i]); }
    }
    if (ymax <= ymin) ymax = ymin + 1;
    const float left = e * 3.2f, bottom = e * 1.4f, top = e * 0.5f, right = e * 0.6f;
    ImVec2 a(p0.x + left, p0.y + top), b(p0.x + size.x - right, p0.y + size.y - bottom);
    dl->AddRectFilled(p0, ImVec2(p0.x + size.x, p0.y + size.y), ImGui::GetColorU32(ImGuiCol_FrameBg), e * 0.3f);
    ImU32 grid = ImGui::GetColorU32(ImGuiCol_Border, 0.6f), text = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    for (int i = 0; i <= 4; ++i) {
        float y = b.y - (b.y - a.y) * i / 4.0f;
        dl->AddLine(ImVec2(a.x, y), ImVec2(b.x, y), grid);
        char buf[32];
        float v = ymin + (ymax - ymin) * i / 4.0f;
        snprintf(buf, sizeof buf, std::fabs(ymax - ymin) < 0.1f ? "%.3f" : "%.2f", v);
        dl->AddText(ImVec2(p0.x + e * 0.3f, y - e * 0.5f), text, buf);
        text_fits("plot axis value", buf, left - e * 0.3f);
    }
    char xb[64];
    snprintf(xb, sizeof xb, "%s  0 .. %.4g", x_label, xmax);
    dl->AddText(ImVec2(a.x, b.y + e * 0.2f), text, xb);
    text_fits("plot axis title", xb, b.x - a.x);
    dl->PushClipRect(a, b, true);
    for (auto& s : series) {
        if (s.n <= 0) continue;
        std::vector<ImVec2> pts;
        pts.reserve(s.n);
        int stride = std::max(1, s.n / 600);  // at most ~600 points per line
        for (int i = 0; i < s.n; i += stride) {
            if (!std::isfinite(s.v[i])) continue;
            float x = a.x + (b.x - a.x) * (s.x ? s.x[i] : (float)i) / xmax;
            float y = b.y - (b.y - a.y) * (s.v[i] - ymin) / (ymax - ymin);
            pts.push_back(ImVec2(x, y));
        }
        if (pts.size() == 1) dl->AddCircleFilled(pts[0], e * 0.2f, s.color);
        if (pts.size() >= 2) dl->AddPolyline(pts.data(), (int)pts.size(), s.color, 0, s.thickness > 0 ? s.thickness : std::max(1.5f, e * 0.12f));
        if (pts.size() >= 2 && pts.size() <= 60)
            for (auto& q : pts) dl->AddCircleFilled(q, e * 0.15f, s.color);
    }
    dl->PopClipRect();
    if (!legend) return;
    // legend, right-aligned in the plot's top row
    float legend_w = 0;
    for (auto& s : series) legend_w += ImGui::CalcTextSize(s.label).x + e * 1.6f;
    report_cut(std::string("plot legend of ") + id, legend_w, b.x - a.x);
    float lx = b.x;
    for (int i = (int)series.size() - 1; i >= 0; --i) {
        float w = ImGui::CalcTextSize(series[i].label).x;
        lx -= w + e * 1.6f;
        dl->AddRectFilled(ImVec2(lx, a.y + e * 0.35f), ImVec2(lx + e * 0.7f, a.y + e * 0.75f), series[i].color);
        dl->AddText(ImVec2(lx + e * 0.9f, a.y + e * 0.05f), ImGui::GetColorU32(ImGuiCol_Text), series[i].label);
    }
}

void hover_help(const char* text) {
    if (!ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) return;
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(em() * 24);
    ImGui::TextUnformatted(text);
    ImGui::PopTextWrapPos();
    // the state hook lists the help on screen as "help <its text>" (tests hover a control and read it)
    const ImVec2 a = ImGui::GetWindowPos(), sz = ImGui::GetWindowSize();
    mark_rect((std::string("help ") + text).c_str(), a, ImVec2(a.x + sz.x, a.y + sz.y));
    ImGui::EndTooltip();
}

void box_plot(const char* id, const Box* boxes, int n, float lo, float hi, ImVec2 size, float mark) {
    const float e = em();
    if (size.x <= 0) size.x = ImGui::GetContentRegionAvail().x;
    ImVec2 p0 = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton(id, size);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(p0, ImVec2(p0.x + size.x, p0.y + size.y), ImGui::GetColorU32(ImGuiCol_FrameBg), e * 0.3f);
    if (hi <= lo) hi = lo + 1;
    const float label_w = class_label_width(), pad = e * 0.8f;
    float x0 = p0.x + label_w, x1 = p0.x + size.x - pad;
    float row = (size.y - e * 1.6f) / n;
    auto X = [&](float v) { return x0 + (x1 - x0) * (v - lo) / (hi - lo); };
    ImU32 text = ImGui::GetColorU32(ImGuiCol_Text), dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    for (int k = 0; k < n; ++k) {
        float y = p0.y + e * 0.4f + row * (k + 0.5f);
        dl->AddText(ImVec2(p0.x + e * 0.5f, y - e * 0.5f), text, core::kClassNames[k]);
        text_fits("box plot label", core::kClassNames[k], label_w - e * 0.5f);
        if (boxes[k].n == 0) continue;
        const Box& b = boxes[k];
        ImU32 c = class_color(k), cf = class_color(k, 0.45f);
        float h = std::min(row * 0.32f, e * 0.6f);
        dl->AddLine(ImVec2(X(b.min), y), ImVec2(X(b.q1), y), c, 1.5f);
        dl->AddLine(ImVec2(X(b.q3), y), ImVec2(X(b.max), y), c, 1.5f);
        dl->AddLine(ImVec2(X(b.min), y - h * 0.6f), ImVec2(X(b.min), y + h * 0.6f), c, 1.5f);
        dl->AddLine(ImVec2(X(b.max), y - h * 0.6f), ImVec2(X(b.max), y + h * 0.6f), c, 1.5f);
        dl->AddRectFilled(ImVec2(X(b.q1), y - h), ImVec2(std::max(X(b.q3), X(b.q1) + 1), y + h), cf, 2);
        dl->AddRect(ImVec2(X(b.q1), y - h), ImVec2(std::max(X(b.q3), X(b.q1) + 1), y + h), c, 2, 0, 1.5f);
        dl->AddLine(ImVec2(X(b.med), y - h), ImVec2(X(b.med), y + h), IM_COL32(255, 255, 255, 230), 2.5f);
    }
    if (std::isfinite(mark)) {
        const float x = X(mark), top = p0.y + e * 0.2f, bottom = p0.y + size.y - e * 1.4f;
        dl->AddLine(ImVec2(x, top), ImVec2(x, bottom), IM_COL32(255, 220, 90, 255), 2.0f);
        dl->AddTriangleFilled(ImVec2(x - e * 0.35f, top), ImVec2(x + e * 0.35f, top), ImVec2(x, top + e * 0.45f), IM_COL32(255, 220, 90, 255));
        if (ImGui::IsItemHovered() && std::fabs(ImGui::GetMousePos().x - x) < e * 0.5f) ImGui::SetTooltip("this image: %.4g", mark);
    }
    char buf[48];
    for (int i = 0; i <= 4; ++i) {
        float v = lo + (hi - lo) * i / 4.0f;
        snprintf(buf, sizeof buf, std::fabs(hi - lo) < 1 ? "%.3g" : std::fabs(hi - lo) < 10 ? "%.2f" : "%.1f", v);
        float w = ImGui::CalcTextSize(buf).x;
        float x = std::clamp(X(v) - w * 0.5f, x0 - w * 0.5f, x1 - w);
        dl->AddText(ImVec2(x, p0.y + size.y - e * 1.2f), dim, buf);
    }
}

void empty_state(const char* title, const char* body, float height) {
    const float e = em();
    float w = ImGui::GetContentRegionAvail().x;
    ImVec2 p = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRect(ImVec2(p.x + 2, p.y + 2), ImVec2(p.x + w - 2, p.y + height - 2), ImGui::GetColorU32(ImGuiCol_Border), e * 0.5f, 0, 2.0f);
    ImVec2 ts = ImGui::CalcTextSize(title);
    float wrap = std::min(w - e * 2, e * 34);
    ImVec2 bs = ImGui::CalcTextSize(body, nullptr, false, wrap);
    float y = p.y + (height - ts.y - bs.y - e) * 0.5f;
    dl->AddText(ImVec2(p.x + (w - ts.x) * 0.5f, y), ImGui::GetColorU32(ImGuiCol_Text), title);
    dl->AddText(nullptr, 0, ImVec2(p.x + (w - bs.x) * 0.5f, y + ts.y + e), ImGui::GetColorU32(ImGuiCol_TextDisabled), body, nullptr, wrap);
    ImGui::Dummy(ImVec2(w, height));
}

}  // namespace app::ui
