// The Classify tab's review (drawn under the shown image): the table of every classified image,
// sortable by any column (click a header), filtered to the unsure ones on request, with the reviewer's
// marks; the keys of the review (1-8 relabel the selected row, Enter accepts it, Up/Down move); and the
// differential: counts and percentages per class before and after review, with and without the
// unsure images. Operations are in classify.cpp; the numbers in review.cpp.
#include <algorithm>
#include <cstdio>

#include "app/app.h"
#include "app/ui.h"
#include "imgui_internal.h"

namespace app {

namespace {
const ImVec4 kUnsureColor(1.0f, 0.75f, 0.3f, 1.0f), kRelabelColor(1.0f, 0.55f, 0.55f, 1.0f), kAcceptColor(0.5f, 0.9f, 0.6f, 1.0f);
const char* const kHeaders[(int)ReviewColumn::Count] = {"#", "image", "size", "prediction", "confidence", "review"};

bool key_pressed(const AppState& s, char c) { return s.platform.key_code && ImGui::IsKeyPressed(s.platform.key_code(c), false); }
bool enter_pressed() {
    const ImGuiIO& io = ImGui::GetIO();
    return ImGui::IsKeyPressed(io.KeyMap[ImGuiKey_Enter], false) || ImGui::IsKeyPressed(io.KeyMap[ImGuiKey_KeyPadEnter], false);
}
// The keyboard focus frame is hidden (the mouse was used last): the arrows and Enter are the review's.
bool mouse_mode() {
    const ImGuiContext& g = *ImGui::GetCurrentContext();
    return g.NavId == 0 || g.NavDisableHighlight;
}
}  // namespace

void review_keys(AppState& s) {
    ImGuiContext& g = *ImGui::GetCurrentContext();
    const ImGuiIO& io = g.IO;
    ClassifyState& c = s.classify;
    if (io.WantTextInput || io.KeyCtrl || io.KeyAlt || io.KeySuper || g.OpenPopupStack.Size > 0 || c.review.size() == 0) return;
    for (int k = 0; k < core::kClasses; ++k)
        if (key_pressed(s, (char)('1' + k))) {
            review_relabel(s, c.selected, k);
            review_move(s, +1);
        }
    if (!mouse_mode()) return;  // keyboard navigation: the focused row takes Enter, ImGui moves the focus
    const int move = ImGui::IsKeyPressed(io.KeyMap[ImGuiKey_DownArrow]) ? +1 : ImGui::IsKeyPressed(io.KeyMap[ImGuiKey_UpArrow]) ? -1 : 0;
    if (move != 0) {
        review_move(s, move);
        ImGui::NavMoveRequestCancel();  // ImGui's own move (made in NewFrame) would show a focus frame elsewhere
        g.NavInitRequest = false;
        g.NavDisableHighlight = true;
    }
    if (enter_pressed()) {
        review_accept(s, c.selected);
        review_move(s, +1);
    }
}

static void centered_text_offset(float h) { ImGui::SetCursorPosY(ImGui::GetCursorPosY() + (h - ImGui::GetTextLineHeight()) * 0.5f); }

static void draw_row(AppState& s, int i, float h) {
    ClassifyState& c = s.classify;
    const ReviewRow& r = c.review.at(i);
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    char label[48];
    snprintf(label, sizeof label, "%d##row%llu", i + 1, (unsigned long long)r.id);
    const bool selected = c.selected == i;
    ImGui::PushStyleVar(ImGuiStyleVar_SelectableTextAlign, ImVec2(0.0f, 0.5f));
    const bool clicked = ImGui::Selectable(label, selected, ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap, ImVec2(0, h));
    ImGui::PopStyleVar();
    if (clicked) {
        c.selected = i;
        if (!mouse_mode() && enter_pressed()) review_accept(s, i), review_move(s, +1);  // Enter on the focused row
    }
    if (selected && c.focus_selected) {
        if (!mouse_mode()) ImGui::SetFocusID(ImGui::GetItemID(), ImGui::GetCurrentWindow());
        if (!ImGui::IsItemVisible()) ImGui::SetScrollHereY(0.5f);
    } else if (!c.focus_selected && !selected && ImGui::IsItemFocused() && !mouse_mode()) {
        c.selected = i;  // the keyboard focus moved here: the selection follows
    }
    ImGui::TableNextColumn();
    if (ImageView* v = classify_view(s, i); v && v->thumb_tex.valid()) {
        ImGui::Image(v->thumb_tex.im(), ImVec2(h, h));
        ImGui::SameLine();
    }
    centered_text_offset(h);
    ui::fitted(r.file.c_str());
    ImGui::TableNextColumn();
    centered_text_offset(h);
    ImGui::Text("%d x %d", r.width, r.height);
    ImGui::TableNextColumn();
    centered_text_offset(h);
    if (r.predicted >= 0) ui::fitted(core::kClassNames[r.predicted], ImGui::GetColorU32(class_color_v(r.predicted)));
    else ImGui::TextDisabled(asset_state(s, ".bcm") == AssetState::Coming ? "model loading ..." : "no model");
    ImGui::TableNextColumn();
    centered_text_offset(h);
    if (r.predicted >= 0 && r.unsure) ImGui::TextColored(kUnsureColor, "%.1f%%  unsure", 100 * r.confidence());
    else if (r.predicted >= 0) ImGui::Text("%.1f%%", 100 * r.confidence());
    ImGui::TableNextColumn();
    centered_text_offset(h);
    if (r.relabelled()) ImGui::TextColored(kRelabelColor, "-> %s", core::kClassNames[r.reviewed]);
    else if (r.reviewed >= 0) ImGui::TextColored(kAcceptColor, "ok");
}

// The header row, drawn cell by cell so that each header's place is known (the tests click them).
static void draw_headers(AppState& s) {
    ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
    for (int col = 0; col < (int)ReviewColumn::Count; ++col) {
        if (!ImGui::TableSetColumnIndex(col)) continue;
        ImGui::TableHeader(kHeaders[col]);
        ImVec2 p = ImGui::GetItemRectMin(), sz = ImGui::GetItemRectSize();
        s.layout.review_headers[col] = ImVec4(p.x, p.y, sz.x, sz.y);
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("Sort by %s (click again to reverse)", kReviewColumnNames[col]);
    }
}

static void draw_review_table(AppState& s, ImVec2 size) {
    ClassifyState& c = s.classify;
    const float e = ui::em(), h = std::round(e * 1.7f);
    const std::vector<int> view = c.review.view();
    ImGuiTableFlags tf = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY | ImGuiTableFlags_Resizable |
                         ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_Sortable;
    if (!ImGui::BeginTable("##review", (int)ReviewColumn::Count, tf, size)) return;
    ImGui::TableSetupScrollFreeze(0, 1);
    const float weights[] = {0.5f, 3.2f, 1.1f, 1.8f, 1.3f, 1.5f};
    for (int col = 0; col < (int)ReviewColumn::Count; ++col) {
        ImGuiTableColumnFlags f = ImGuiTableColumnFlags_WidthStretch;
        if (col == (int)c.review.sort_column())
            f |= ImGuiTableColumnFlags_DefaultSort | (c.review.sort_descending() ? ImGuiTableColumnFlags_PreferSortDescending : 0);
        ImGui::TableSetupColumn(kHeaders[col], f, weights[col], (ImGuiID)col);
    }
    if (ImGuiTableSortSpecs* ss = ImGui::TableGetSortSpecs()) {
        const bool desc = c.review.sort_descending();
        if (ss->SpecsDirty && ss->SpecsCount > 0)  // a header was clicked (or the table is new)
            review_sort(s, (ReviewColumn)ss->Specs[0].ColumnUserID, ss->Specs[0].SortDirection == ImGuiSortDirection_Descending);
        else if (ss->SpecsCount == 0 || ss->Specs[0].ColumnUserID != (ImGuiID)c.review.sort_column() ||
                 (ss->Specs[0].SortDirection == ImGuiSortDirection_Descending) != desc)  // sorted elsewhere (restored, a command)
            ImGui::TableSetColumnSortDirection((int)c.review.sort_column(), desc ? ImGuiSortDirection_Descending : ImGuiSortDirection_Ascending, false);
        ss->SpecsDirty = false;
    }
    draw_headers(s);
    const int pos = (int)(std::find(view.begin(), view.end(), c.selected) - view.begin());
    ImGuiListClipper clip;
    clip.Begin((int)view.size());
    if (c.focus_selected && pos < (int)view.size()) clip.ForceDisplayRangeByIndices(pos, pos + 1);
    while (clip.Step())
        for (int j = clip.DisplayStart; j < clip.DisplayEnd; ++j) {
            ImGui::PushID(j);
            draw_row(s, view[j], h);
            ImGui::PopID();
        }
    c.focus_selected = false;
    ImGui::EndTable();
}

static void draw_differential(AppState& s) {
    const Differential d = s.classify.review.differential();
    ImGui::TextColored(ImGui::GetStyle().Colors[ImGuiCol_PlotLinesHovered], "Differential");
    ImGui::SameLine();
    ImGui::TextDisabled("%d unsure, %d reviewed, %d relabelled", d.unsure, d.reviewed, d.relabelled);
    ui::help_marker("Images per class. model: the model's classes; review: the reviewer's where given, else the model's. "
                    "*: without the unsure images (after review: those not reviewed yet). Images without a prediction are not counted.");
    const char* heads[] = {"model", "model*", "review", "review*"};
    ImGuiTableFlags tf = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingStretchProp;
    if (!ImGui::BeginTable("##differential", 1 + Differential::Columns, tf)) return;
    ImGui::TableSetupColumn("class", ImGuiTableColumnFlags_WidthStretch, 0.8f);
    for (const char* h : heads) ImGui::TableSetupColumn(h, ImGuiTableColumnFlags_WidthStretch, 1.0f);
    ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
    for (int col = 0; col <= Differential::Columns; ++col) {
        ImGui::TableSetColumnIndex(col);
        ImGui::TableHeader(col == 0 ? "class" : heads[col - 1]);
        if (col > 0 && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", kDifferentialColumnNames[col - 1]);
    }
    for (int k = 0; k <= core::kClasses; ++k) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        if (k < core::kClasses) ImGui::TextColored(class_color_v(k), "%s", core::kClassShortNames[k]);
        else ImGui::TextUnformatted("total");
        if (k < core::kClasses && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", core::kClassNames[k]);
        for (int col = 0; col < Differential::Columns; ++col) {
            ImGui::TableNextColumn();
            if (k == core::kClasses) ImGui::Text("%d", d.totals[col]);
            else if (d.counts[col][k] == 0) ImGui::TextDisabled("0");
            else ImGui::Text("%d %.0f%%", d.counts[col][k], d.percent(col, k));
        }
    }
    ImGui::EndTable();
}

void draw_review_area(AppState& s) {
    ClassifyState& c = s.classify;
    const float e = ui::em();
    const int shown = c.review.unsure_only() ? (int)c.review.view().size() : c.review.size();
    ImGui::TextDisabled("%d image(s)%s. Click a row, or keys: 1-8 relabel, Enter accept, Up/Down move", c.review.size(),
                        c.review.unsure_only() ? (", " + std::to_string(shown) + " unsure shown").c_str() : "");
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const bool beside = avail.x > e * 62;
    const float diff_w = beside ? std::min(e * 30, avail.x * 0.38f) : avail.x;
    const float diff_h = ImGui::GetTextLineHeightWithSpacing() * 12 + e;
    if (!beside && avail.y < e * 8 + diff_h) {  // a small window: the table and the differential as tabs
        if (ImGui::BeginTabBar("##review_tabs")) {
            if (ImGui::BeginTabItem("Images")) {
                draw_review_table(s, ImVec2(avail.x, 0));
                ImGui::EndTabItem();
            }
            if (ImGui::BeginTabItem("Differential")) {
                draw_differential(s);
                ImGui::EndTabItem();
            }
            ImGui::EndTabBar();
        }
        return;
    }
    const float table_h = beside ? avail.y : avail.y - diff_h;
    draw_review_table(s, ImVec2(beside ? avail.x - diff_w - e : avail.x, table_h));
    if (beside) ImGui::SameLine(0, e);
    ImGui::BeginChild("##differential_area", ImVec2(diff_w, beside ? avail.y : 0), false, ImGuiWindowFlags_NavFlattened);
    draw_differential(s);
    ImGui::EndChild();
}

}  // namespace app
