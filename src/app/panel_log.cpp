// Log panel: every message and error with its time, filterable by level and text (after imgui_demo's
// ExampleAppLog), with copy-to-clipboard and save.
#include <cstdio>
#include <string>

#include "app/app.h"
#include "app/ui.h"

namespace app {

void draw_log_panel(AppState& s) {
    static const ImVec4 kLevelColor[3] = {ImVec4(0.70f, 0.85f, 0.90f, 1), ImVec4(1.0f, 0.78f, 0.35f, 1), ImVec4(1.0f, 0.45f, 0.45f, 1)};
    static const char* kLevelName[3] = {"info", "warning", "error"};
    const float e = ui::em();
    ImGuiTextFilter& filter = s.log_filter;
    int& min_level = s.log_min_level;
    ImGui::SetNextItemWidth(e * 8);
    ImGui::Combo("##level", &min_level, "all messages\0warnings+errors\0errors only\0");
    // the controls wrap onto a second row when the window is narrow
    ui::same_line_if_fits(ui::labeled_w(e * 16, "filter"));
    filter.Draw("filter", e * 16);
    ui::same_line_if_fits(ui::button_w("Copy"));
    if (ImGui::Button("Copy")) {
        std::string all;
        for (auto& l : s.log.entries) all += l.clock + " " + kLevelName[l.level] + " " + l.text + "\n";
        ImGui::SetClipboardText(all.c_str());
    }
    if (s.platform.save_text) ui::same_line_if_fits(ui::button_w("Save"));
    if (s.platform.save_text && ImGui::Button("Save")) {
        std::string all;
        for (auto& l : s.log.entries) all += l.clock + "\t" + kLevelName[l.level] + "\t" + l.text + "\n";
        std::string where = s.platform.save_text("bloodcell_log.txt", all);
        if (!where.empty()) s.log.info("Saved the log to " + where);
    }
    ui::same_line_if_fits(ui::button_w("Clear"));
    if (ImGui::Button("Clear")) { s.log.entries.clear(); s.log.errors = s.log.warnings = 0; }
    char counts[96];
    snprintf(counts, sizeof counts, "%d messages, %d errors, %d warnings", (int)s.log.entries.size(), s.log.errors, s.log.warnings);
    ui::same_line_if_fits(ImGui::CalcTextSize(counts).x);
    ImGui::TextDisabled("%s", counts);

    ImGuiTableFlags tf = ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerH |
                         ImGuiTableFlags_SizingFixedFit;
    if (ImGui::BeginTable("##log", 3, tf, ImVec2(0, 0))) {
        ImGui::TableSetupScrollFreeze(0, 1);
        ImGui::TableSetupColumn("time", ImGuiTableColumnFlags_WidthFixed, e * 5);
        ImGui::TableSetupColumn("level", ImGuiTableColumnFlags_WidthFixed, e * 5);
        ImGui::TableSetupColumn("message", ImGuiTableColumnFlags_WidthStretch);
        ImGui::TableHeadersRow();
        for (auto& l : s.log.entries) {
            if (l.level < min_level || !filter.PassFilter(l.text.c_str())) continue;
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextDisabled("%s", l.clock.c_str());
            ImGui::TableNextColumn();
            ImGui::TextColored(kLevelColor[l.level], "%s", kLevelName[l.level]);
            ImGui::TableNextColumn();
            ImGui::PushTextWrapPos(0);
            ImGui::TextUnformatted(l.text.c_str());
            ImGui::PopTextWrapPos();
        }
        if (ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 4) ImGui::SetScrollHereY(1.0f);
        ImGui::EndTable();
    }
}

}  // namespace app
