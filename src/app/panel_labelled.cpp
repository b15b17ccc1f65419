// The labelled-images view of the Classify tab (labelled.h): open a .zip or a folder of class
// folders, read it (progress, Cancel, the files skipped and why), the model in use on all of it
// (accuracy, confusion matrix, per class), and fine-tuning on a seeded split, reported on the
// held-out images before and after, with the fine-tuned model to use or save.
#include <algorithm>
#include <cstdio>

#include "app/app.h"
#include "app/inspect.h"
#include "app/labelled.h"
#include "app/ui.h"
#include "app/widgets.h"
#include "imgui.h"

namespace app {

// Buttons that open a labelled set: a .zip, a folder (where the platform can pick one).
void draw_labelled_sources(AppState& s) {
    if (s.platform.pick_files) {
        if (ImGui::Button("Labelled .zip ...")) s.platform.pick_files(".zip,application/zip", false, "labelled-zip");
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("A .zip of class folders (basophil, eosinophil, erythroblast, ig, lymphocyte, monocyte, neutrophil,\n"
                              "platelet) of PNG/JPG images: the model's accuracy on them, and fine-tuning");
    }
    if (s.platform.pick_folder) {
        ui::same_line_if_fits(ui::button_w("Labelled folder ..."));
        if (ImGui::Button("Labelled folder ...")) s.platform.pick_folder();
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("A folder of class folders (or drop the folder onto the window)");
    }
}

static void draw_skipped(const core::LabelledSet& set) {
    if (set.skipped.empty()) return;
    char label[64];
    std::snprintf(label, sizeof label, "%d file(s) skipped###lskipped", (int)set.skipped.size());
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.75f, 0.3f, 1.0f));
    const bool open = ImGui::TreeNode(label);
    ImGui::PopStyleColor();
    if (!open) return;
    const int shown = std::min((int)set.skipped.size(), 200);
    for (int i = 0; i < shown; ++i) {
        const std::string line = set.skipped[i].path + ": " + set.skipped[i].reason;
        ui::wrapped(line.c_str(), true);
    }
    if (shown < (int)set.skipped.size()) ImGui::TextDisabled("... and %d more in the Log tab", (int)set.skipped.size() - shown);
    ImGui::TreePop();
}

static void progress_row(const core::JobSnapshot& snap, const char* what, bool* cancel) {
    const float e = ui::em();
    char over[96];
    std::snprintf(over, sizeof over, "%s %.0f%%", what, 100.0 * snap.progress);
    ImGui::ProgressBar((float)snap.progress, ImVec2(std::max(e * 8, std::min(e * 24, ImGui::GetContentRegionAvail().x - e * 6)), 0), over);
    ImGui::SameLine();
    if (ImGui::Button("Cancel##labelled")) *cancel = true;
}

static void draw_fine_tune(AppState& s, LabelledState& l) {
    const float e = ui::em();
    ImGui::PushFont(s.font_title);
    ImGui::TextUnformatted("Fine-tune the model on these images");
    ImGui::PopFont();
    ui::wrapped("A seeded split: part of each class to fine-tune on, the rest held out to compare the two models on images "
                "neither was trained on.", true);
    const bool running = (l.tune && !l.tune_snap.finished()) || l.before_job || l.after_job;
    ImGui::BeginDisabled(running);
    ImGui::SetNextItemWidth(e * 6);
    ui::slider_int("epochs", &l.epochs, 1, 20);
    ui::same_line_if_fits(e * 12);
    ImGui::SetNextItemWidth(e * 6);
    ui::slider_float("held out", &l.held_fraction, 0.1f, 0.5f, "%.2f");
    ui::same_line_if_fits(e * 10);
    ImGui::SetNextItemWidth(e * 5);
    ImGui::InputInt("seed", &l.seed, 0);
    ui::same_line_if_fits(ui::button_w("Fine-tune"));
    ImGui::BeginDisabled(!model_ready(s));
    const bool pressed = ui::primary_button("Fine-tune");
    ui::mark_item("labelled.finetune");
    if (pressed) {
        std::string err = labelled_fine_tune(s);
        if (!err.empty()) notify(s, LogEntry::Error, "Cannot fine-tune: " + err);
    }
    ImGui::EndDisabled();
    ImGui::EndDisabled();
    bool cancel = false;
    if (l.tune && !l.tune_snap.finished()) {
        char what[64];
        std::snprintf(what, sizeof what, "epoch %d of %d", std::min(l.tune_snap.train.epoch + 1, l.epochs), l.tune_snap.train.epochs);
        progress_row(l.tune_snap, what, &cancel);
    } else if (l.before_job || l.after_job) {
        ImGui::TextDisabled("Comparing on the %d held-out images ...", l.held.size());
    }
    if (cancel) labelled_cancel(s);
    if (!l.compared) return;
    char line[200];
    std::snprintf(line, sizeof line, "Held out (%d images): ACC %.3f before (%s), %.3f after fine-tuning on %d images", l.held.size(),
                  l.before.acc, l.base_label.c_str(), l.after.acc, l.fit.size());
    ImGui::PushFont(s.font_title);
    ui::wrapped(line);
    ImGui::PopFont();
    ui::mark_item("labelled.compared");
    const float w = ImGui::GetContentRegionAvail().x, min_side = confusion_min_side();
    const bool side = w * 0.45f >= min_side;
    const float sq = std::max(min_side, std::min(e * 16, side ? w * 0.45f : w));
    ImGui::BeginGroup();
    ImGui::TextDisabled("Before");
    draw_confusion(l.before, l.before_tex, sq);
    ImGui::EndGroup();
    if (side) ImGui::SameLine(0, e * 2);
    ImGui::BeginGroup();
    ImGui::TextDisabled("After");
    draw_confusion(l.after, l.after_tex, sq);
    ImGui::EndGroup();
    if (ImGui::Button("Use the fine-tuned model")) labelled_use_tuned(s);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Classify with it (the pretrained model stays in the Compare tab)");
    if (s.platform.save_bytes) {
        ui::same_line_if_fits(ui::button_w("Save .bcm"));
        if (ImGui::Button("Save .bcm")) labelled_save_tuned(s);
    }
}

void draw_labelled_view(AppState& s) {
    LabelledState& l = labelled_state(s);
    const float e = ui::em();
    if (ImGui::Button("< Back to the review")) labelled_close(s);
    ui::same_line_if_fits(ui::button_w("Labelled .zip ...") + ui::button_w("Labelled folder ..."));
    draw_labelled_sources(s);
    ImGui::BeginChild("##labelled", ImVec2(0, 0), false);
    bool cancel = false;
    if (l.import && !l.import_snap.finished()) {
        ui::wrapped(l.import_snap.title.c_str());
        progress_row(l.import_snap, "read", &cancel);
    }
    if (cancel) labelled_cancel(s);
    if (!l.error.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.55f, 0.55f, 1.0f));
        ui::wrapped(l.error.c_str());
        ImGui::PopStyleColor();
    }
    if (!l.loaded) {
        ui::wrapped("Open a .zip or a folder whose subfolders are named by class: basophil, eosinophil, erythroblast, ig (or "
                    "immature_granulocyte), lymphocyte, monocyte, neutrophil, platelet; PNG or JPG images of any size. The model "
                    "in use is scored on them, and can be fine-tuned on them.", true);
        ImGui::EndChild();
        return;
    }
    ImGui::PushFont(s.font_title);
    ui::wrapped((l.set.source + ": " + std::to_string(l.set.data.size()) + " labelled images").c_str());
    ImGui::PopFont();
    std::string counts;
    const auto c = l.set.counts();
    for (int k = 0; k < core::kClasses; ++k) counts += std::string(k ? ", " : "") + core::kClassShortNames[k] + " " + std::to_string(c[k]);
    ui::wrapped(counts.c_str(), true);
    draw_skipped(l.set);
    ImGui::Spacing();
    if (!model_ready(s)) {
        ImGui::TextDisabled("No model to score them with yet.");
    } else if (!l.evaluated) {
        ImGui::TextDisabled("Scoring %s on them ...", model_summary(s).c_str());
    } else {
        char line[200];
        std::snprintf(line, sizeof line, "%s on all %d: ACC %.3f, macro-F1 %.3f", l.eval_label.c_str(), l.result.n, l.result.acc,
                      l.result.macro_f1);
        ImGui::PushFont(s.font_title);
        ui::wrapped(line);
        ImGui::PopFont();
        ui::mark_item("labelled.evaluated");
        draw_evaluation(&l.result, l.confusion_tex, ImGui::GetContentRegionAvail().x, e * 16, nullptr);
    }
    ImGui::Spacing();
    ImGui::Separator();
    draw_fine_tune(s, l);
    ImGui::EndChild();
}

}  // namespace app
