// A run as a link (run_control.h, [SECTION] the run as a link): the Train tab's settings and the
// training subset as a run card (core/recipe.h), its text kept in the page's address (Platform::
// set_link), read from the address the page was opened with (app_open_link), copied for the user,
// and shown field by field (draw_run_card: Compare, the legend of the overlaid runs).
#include <cstdio>

#include "app/inspect.h"
#include "app/run_control.h"
#include "app/ui.h"

namespace app {

core::RunCard current_card(const AppState& s) {
    core::RunCard c;
    c.settings = s.train ? s.train->settings : TrainState::page_settings("cnn");
    c.subset = s.data.spec;
    c.subset.split = core::Split::train;  // what training_set() trains on, whichever split the Data tab shows
    return c;
}

std::string current_link(const AppState& s) { return core::format_run_card(current_card(s)); }

void app_open_link(AppState& s, const std::string& text) {
    s.link_shown.clear();  // the address shows the settings in use afterwards, whatever it was given
    auto refuse = [&](const std::string& why) {
        notify(s, LogEntry::Error, "Settings link not used: " + why + ". The settings stay as they were.");
    };
    auto card = core::parse_run_card(text);
    if (!card) return refuse(card.error);
    if (card.value.subset.split != core::Split::train)
        return refuse(std::string("split '") + core::split_name(card.value.subset.split) + "': the page trains on the train split");
    if (training_busy(s)) return refuse("a run is under way (pause and reset it first)");
    train_state(s).settings = card.value.settings;
    set_subset(s, card.value.subset);
    s.request_tab = Tab::Train;
    notify(s, LogEntry::Info, "Settings from the link: " + core::describe_run(card.value));
}

void link_frame(AppState& s) {
    if (!s.platform.set_link) return;
    // the address follows the settings, but not at every frame of a slider drag: browsers throttle
    // pages that replace their address hundreds of times a second
    if (s.stats.t - s.link_t < 0.2) return;
    std::string link = current_link(s);
    if (link == s.link_shown) return;
    s.link_shown = link;
    s.link_t = s.stats.t;
    s.platform.set_link(link);
}

void copy_run_link(AppState& s, const std::string& link, const std::string& what) {
    if (s.platform.copy_link) s.platform.copy_link(link);
    else ImGui::SetClipboardText(link.c_str());
    s.copied = link;
    notify(s, LogEntry::Info, s.platform.copy_link ? "Copied the link to " + what + ": whoever opens it gets the same settings"
                                                   : "Copied the settings of " + what + " (bloodcell train --settings reads them)");
    s.log.info("Settings of " + what + ": " + link);
}


void draw_run_card(AppState& s, const std::string& link, const std::string& what) {
    const float e = ui::em();
    auto card = core::parse_run_card(link);
    if (!card) {
        ImGui::TextDisabled("Run card unreadable: %s", card.error.c_str());
        return;
    }
    ImGui::PushID(what.c_str());
    const auto fields = core::run_card_fields(card.value);
    const bool two = ImGui::GetContentRegionAvail().x >= e * 30;  // two fields a row when there is room
    const ImGuiTableFlags tf = ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp;
    if (ImGui::BeginTable("##card", two ? 4 : 2, tf)) {
        int col = 0;
        for (const auto& [key, value] : fields) {
            if (key == "v") continue;
            const auto [label, shown] = core::run_card_row(card.value.settings.model, key, value);
            if (col % (two ? 2 : 1) == 0) ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ui::fitted(label.c_str(), ImGui::GetColorU32(ImGuiCol_TextDisabled));
            ImGui::TableNextColumn();
            ui::fitted(shown.c_str());
            ++col;
        }
        ImGui::EndTable();
    }
    if (ImGui::Button("Copy link")) copy_run_link(s, link, what);
    ui::mark_item("card.copy");
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("The link holds every setting above: opened in this page it sets the Train tab up to train the "
                          "same run again. bloodcell train --settings reads the same text.");
    ImGui::PopID();
}

}  // namespace app
