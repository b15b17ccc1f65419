// Compare panel: every model the user has (pretrained, trained here, loaded) side by side on the test
// split of the loaded data (ACC, AUC, macro F1, parameters, train seconds, inference ms per image),
// with the details of one; save/load .bcm files; and a small grid search over learning rate and batch
// size. It only draws: the models are in the store (model_store.h), evaluated a slice per frame, and
// the grid is a core::TuneJob (run_control.cpp).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "app/inspect.h"
#include "app/run_control.h"
#include "app/ui.h"
#include "app/widgets.h"

namespace app {

struct CompareState {
    int selected = 0;  // the model whose details are shown
    Texture conf_tex;
};

// One row per model; the numbers' columns fit their contents, the names share the rest (the origin
// only when there is room for it: else it is in the row's tooltip). The selected model's actions are
// buttons under the table (a column of three buttons per row was cut at 800 px).
static void draw_models_table(AppState& s, CompareState& cmp) {
    ModelStore& ms = s.models;
    const bool origin = !ui::narrow(ImGui::GetContentRegionAvail().x, 70);
    ImGuiTableFlags tf = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingFixedFit;
    if (ImGui::BeginTable("##models", origin ? 8 : 7, tf)) {
        ImGui::TableSetupColumn("model", ImGuiTableColumnFlags_WidthStretch, 1.2f);
        for (const char* h : {"test ACC", "AUC", "macro F1", "parameters", "train s", "ms / image"}) ImGui::TableSetupColumn(h);
        if (origin) ImGui::TableSetupColumn("origin", ImGuiTableColumnFlags_WidthStretch, 1.0f);
        ImGui::TableHeadersRow();
        for (int i = 0; i < ms.size(); ++i) {
            StoredModel& m = ms.at(i);
            const bool evaluated = ms.evaluated(m), in_use = i == ms.active();
            ImGui::PushID(i);
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            std::string text = m.label + (in_use ? "  (in use)" : "");
            if (in_use) ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.55f, 0.88f, 0.90f, 1.0f));
            if (ImGui::Selectable(text.c_str(), cmp.selected == i, ImGuiSelectableFlags_SpanAllColumns)) cmp.selected = i;
            if (in_use) ImGui::PopStyleColor();
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s%s%s", m.origin.c_str(), m.hyper.empty() ? "" : "\n", m.hyper.c_str());
            ImGui::TableNextColumn();
            const double progress = ms.eval_progress(m);
            const std::string error = ms.eval_error(m);
            if (evaluated) ImGui::Text("%.3f", m.test.acc);
            else if (!error.empty()) {
                ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "failed");
                if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", error.c_str());
            } else if (progress >= 0) ImGui::ProgressBar((float)progress, ImVec2(ImGui::CalcTextSize("test ACC").x, 0), "");
            else ImGui::TextDisabled("-");
            ImGui::TableNextColumn();
            if (evaluated && std::isfinite(m.test.auc)) ImGui::Text("%.3f", m.test.auc); else ImGui::TextDisabled("-");
            ImGui::TableNextColumn();
            if (evaluated) ImGui::Text("%.3f", m.test.macro_f1); else ImGui::TextDisabled("-");
            ImGui::TableNextColumn();
            ImGui::Text("%zu", m.params);
            ImGui::TableNextColumn();
            if (std::isfinite(m.train_seconds)) ImGui::Text("%.1f", m.train_seconds); else ImGui::TextDisabled("-");
            ImGui::TableNextColumn();
            if (evaluated) ImGui::Text("%.3f", m.test.ms_per_image); else ImGui::TextDisabled("-");
            if (origin) {
                ImGui::TableNextColumn();
                ImGui::TextDisabled("%s", m.origin.c_str());
            }
            ImGui::PopID();
        }
        ImGui::EndTable();
    }
}

static void draw_model_actions(AppState& s, CompareState& cmp) {
    const int i = cmp.selected;
    const bool in_use = i == s.models.active();
    ImGui::TextDisabled("%s:", s.models.at(i).label.c_str());
    ui::same_line_if_fits(ui::button_w("Use in Classify"));
    ImGui::BeginDisabled(in_use);
    if (ImGui::Button(in_use ? "In use###use" : "Use in Classify###use")) use_model(s, i);
    ImGui::EndDisabled();
    ui::hover_help(in_use ? "The Classify tab predicts with this model" : "Make this the model the Classify tab predicts with");
    if (s.platform.save_bytes) {
        ui::same_line_if_fits(ui::button_w("Save .bcm"));
        if (ImGui::Button("Save .bcm")) save_model(s, i);
        ui::hover_help("Download the model as a .bcm file: the weights, the preprocessing and how it was trained. The desktop "
                       "app, the CLI (bloodcell eval, predict) and this page open it again.");
    }
    ui::same_line_if_fits(ui::button_w("Remove"));
    if (ImGui::Button("Remove")) remove_model(s, i);
    ui::hover_help("Take the model off this list (save it first to keep it)");
}

static void draw_acc_bars(const ModelStore& ms, bool speed) {
    const float e = ui::em();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    float w = ImGui::GetContentRegionAvail().x;
    float label_w = 0, row_h = e * 1.5f;
    for (int i = 0; i < ms.size(); ++i) label_w = std::max(label_w, ImGui::CalcTextSize(ms.at(i).label.c_str()).x + e * 0.6f);
    label_w = std::min(label_w, std::max(e * 6, w * 0.5f));
    const float value_w = ImGui::CalcTextSize(speed ? "000.00 ms" : "100.0%").x + e * 0.6f;
    double ms_max = 1e-9;
    for (int i = 0; i < ms.size(); ++i)
        if (ms.evaluated(ms.at(i))) ms_max = std::max(ms_max, ms.at(i).test.ms_per_image);
    for (int i = 0; i < ms.size(); ++i) {
        const StoredModel& m = ms.at(i);
        ImVec2 p = ImGui::GetCursorScreenPos();
        dl->AddText(ImVec2(p.x, p.y + (row_h - e) / 2), ImGui::GetColorU32(ImGuiCol_Text), m.label.c_str());
        ui::text_fits("bar label", m.label.c_str(), label_w - e * 0.4f);
        float bw = std::max(e * 2, w - label_w - value_w);
        ImVec2 b0(p.x + label_w, p.y + row_h * 0.2f), b1(p.x + label_w + bw, p.y + row_h * 0.8f);
        dl->AddRectFilled(b0, b1, ImGui::GetColorU32(ImGuiCol_FrameBg), 3);
        if (ms.evaluated(m)) {
            float f = speed ? (float)(m.test.ms_per_image / ms_max) : (float)m.test.acc;
            dl->AddRectFilled(b0, ImVec2(b0.x + bw * f, b1.y), speed ? IM_COL32(236, 91, 102, 255) : IM_COL32(46, 179, 189, 255), 3);
            char b[32];
            if (speed) snprintf(b, sizeof b, "%.2f ms", m.test.ms_per_image);
            else snprintf(b, sizeof b, "%.1f%%", 100 * m.test.acc);
            dl->AddText(ImVec2(b1.x + e * 0.4f, p.y + (row_h - e) / 2), ImGui::GetColorU32(ImGuiCol_Text), b);
            ui::text_fits("bar value", b, value_w - e * 0.4f);
        }
        ImGui::Dummy(ImVec2(w, row_h));
    }
}

// Calibration on the test split: a reliability diagram per evaluated model and their coverage/accuracy
// curves (the store computed both; model_store.h).
static void draw_calibration(const ModelStore& ms) {
    const float e = ui::em();
    std::vector<CoverageSeries> series;
    for (int i = 0; i < ms.size(); ++i)
        if (ms.evaluated(ms.at(i))) series.push_back({ms.at(i).label, &ms.at(i).calibration});
    if (series.empty()) {
        ImGui::TextDisabled("evaluating ...");
        return;
    }
    const float side = e * 9, avail = ImGui::GetContentRegionAvail().x;
    float x = 0;
    for (size_t i = 0; i < series.size(); ++i) {
        if (i > 0 && x + side + e * 1.5f < avail) ImGui::SameLine(0, e);
        else x = 0;
        ImGui::BeginGroup();
        ImGui::PushID((int)i);
        draw_reliability(series[i].label.c_str(), *series[i].report, side);
        ImGui::PopID();
        ImGui::EndGroup();
        x += side + e * 1.5f;
    }
    ImGui::Spacing();
    draw_coverage_curves(series, ImVec2(std::min(avail, e * 30), e * 12));
}

static void draw_tune_settings(AppState& s, TrainState& t) {
    const float e = ui::em();
    const bool running = t.tune && !t.tune_snap.finished();
    ImGui::Text("Model %s (from the Train tab), trials of", t.settings.model.c_str());
    ui::same_line_if_fits(ui::labeled_w(e * 6, "epochs"));
    ImGui::SetNextItemWidth(e * 6);
    ImGui::BeginDisabled(running);
    ui::slider_int("epochs##tune", &t.tune_epochs, 1, 10);
    ui::hover_help("Epochs of each trial: a grid trains one model per combination, so short trials keep it quick. The "
                   "ranking after a few epochs usually holds for longer runs.");
    char label[32];
    // the checkboxes start in one column after the longer of the two labels
    const float col = std::max(ImGui::CalcTextSize("learning rate").x, ImGui::CalcTextSize("batch size").x) + e;
    ImGui::TextDisabled("learning rate");
    for (int i = 0; i < 3; ++i) {
        std::snprintf(label, sizeof label, "%.0e", kTuneRates[i]);
        if (i == 0) ImGui::SameLine(col);
        else ui::same_line_if_fits(ui::checkbox_w(label));
        ImGui::Checkbox(label, &t.tune_lr[i]);
        ui::hover_help("Try this learning rate: the grid trains every ticked rate with every ticked batch size");
    }
    ImGui::TextDisabled("batch size");
    for (int i = 0; i < 3; ++i) {
        const std::string b = std::to_string(kTuneBatches[i]);
        if (i == 0) ImGui::SameLine(col);
        else ui::same_line_if_fits(ui::checkbox_w(b.c_str()));
        ImGui::Checkbox(b.c_str(), &t.tune_batch[i]);
        ui::hover_help("Try this batch size: the grid trains every ticked rate with every ticked batch size");
    }
    ImGui::EndDisabled();
    if (!running) {
        ImGui::BeginDisabled(t.running || !s.data.loaded);
        if (ui::primary_button("Run grid")) {
            core::Status ok = start_tune(s);
            if (!ok) notify(s, LogEntry::Warn, "Cannot tune: " + ok.message);
        }
        ImGui::EndDisabled();
        ui::hover_help("Train one model per ticked combination on the Data tab's subset and compare their validation "
                       "accuracy (the test split stays unseen, so the choice is fair). Not while a run trains.");
    } else if (ImGui::Button("Stop")) {
        stop_tune(s);
    }
    if (running) ui::hover_help("Stop the grid: the finished trials stay in the table");
}

// The trials, sortable by any column (the table keeps the sort the user clicked).
static void draw_trials(const core::JobSnapshot& snap, int current) {
    // the numbers' columns fit their headers (with the sort arrow), the status takes the rest
    ImGuiTableFlags tf = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_Sortable | ImGuiTableFlags_SizingFixedFit;
    if (!ImGui::BeginTable("##trials", 5, tf)) return;
    ImGui::TableSetupColumn("learning rate", ImGuiTableColumnFlags_DefaultSort, 0, 0);
    ImGui::TableSetupColumn("batch", 0, 0, 1);
    ImGui::TableSetupColumn("val ACC", ImGuiTableColumnFlags_PreferSortDescending, 0, 2);
    ImGui::TableSetupColumn("seconds", 0, 0, 3);
    ImGui::TableSetupColumn("status", ImGuiTableColumnFlags_NoSort | ImGuiTableColumnFlags_WidthStretch, 1.0f, 4);
    ImGui::TableHeadersRow();
    auto param = [&](int i, int k) { return std::atof(snap.trials[i].params[k].second.c_str()); };
    std::vector<int> order(snap.trials.size());
    for (int i = 0; i < (int)order.size(); ++i) order[i] = i;
    if (ImGuiTableSortSpecs* ss = ImGui::TableGetSortSpecs(); ss && ss->SpecsCount > 0) {
        const ImGuiTableColumnSortSpecs& sp = ss->Specs[0];
        auto key = [&](int i) -> double {
            const core::TrialResult& tr = snap.trials[i];
            return sp.ColumnUserID == 0 ? param(i, 0) : sp.ColumnUserID == 1 ? param(i, 1) : sp.ColumnUserID == 2 ? tr.val_acc : tr.seconds;
        };
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
            return sp.SortDirection == ImGuiSortDirection_Ascending ? key(a) < key(b) : key(a) > key(b);
        });
    }
    for (int i : order) {
        const core::TrialResult& tr = snap.trials[i];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::Text("%.0e", param(i, 0));
        ImGui::TableNextColumn();
        ImGui::Text("%.0f", param(i, 1));
        ImGui::TableNextColumn();
        if (tr.val_acc >= 0) ImGui::Text("%.3f", tr.val_acc);
        else ImGui::TextDisabled("-");
        ImGui::TableNextColumn();
        ImGui::Text("%.1f", tr.seconds);
        ImGui::TableNextColumn();
        if (i == current && tr.status == "running") ImGui::ProgressBar((float)(snap.progress * snap.trials.size() - i), ImVec2(-1, 0), "running");
        else ImGui::TextDisabled("%s", tr.status.c_str());
    }
    ImGui::EndTable();
}

static void draw_tune(AppState& s, TrainState& t) {
    const std::string& name = t.settings.model;
    ui::heading("Tune: a small grid search");
    if (name != "fcnn" && name != "cnn" && name != "vgg6") {
        ui::subtle("Pick a neural model (fcnn, cnn, vgg6) in the Train tab to tune its learning rate and batch size.");
        return;
    }
    draw_tune_settings(s, t);
    if (!t.tune) return;
    draw_trials(t.tune_snap, (int)t.tune_snap.done);
}

static void draw_test_details(StoredModel& m, CompareState& cmp);

// The selected model: its test evaluation and calibration, and its run card (every setting, the link).
static void draw_details(AppState& s, CompareState& cmp) {
    StoredModel& m = s.models.at(cmp.selected);
    ui::heading((m.label + " on the test split").c_str());
    if (!m.hyper.empty()) ui::subtle("Trained: %s", m.hyper.c_str());
    const std::string error = s.models.eval_error(m);
    if (!error.empty()) {
        ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "Cannot evaluate it: %s", error.c_str());
    } else if (!s.models.evaluated(m)) {
        ImGui::TextDisabled("evaluating ...");
    } else {
        draw_test_details(m, cmp);
    }
    ImGui::Spacing();
    ui::heading("Run card");
    ui::mark_item("compare.card");
    if (m.link.empty()) ui::subtle("This model's file does not record the settings it was trained with.");
    else draw_run_card(s, m.link, m.label);
    const std::optional<int> diverged = m.model ? m.model->record().divergences : std::nullopt;
    if (!m.link.empty() && diverged && *diverged > 0)
        ui::subtle("The run diverged and went on at a lower learning rate (see Trained above): the card holds the rate it started with.");
}

static void draw_test_details(StoredModel& m, CompareState& cmp) {
    const float e = ui::em();
    draw_evaluation(&m.test, cmp.conf_tex, ImGui::GetContentRegionAvail().x, e * 26, nullptr);  // ends with ACC, AUC, F1
    const core::Calibration& cal = m.model->calibration();
    ImGui::Text("ECE %.4f -> %.4f, NLL %.4f -> %.4f", m.uncalibrated.ece, m.calibration.ece, m.uncalibrated.nll, m.calibration.nll);
    if (cal.single.fitted)
        ImGui::TextDisabled("temperature %.3f and unsure threshold %.3f, fitted on %d val images", cal.single.temperature,
                            cal.single.threshold, cal.images);
    else
        ImGui::TextDisabled("not calibrated: T = 1, unsure below %.2f", cal.single.threshold);
}

static void draw_load_row(AppState& s, TrainState& t) {
    const float e = ui::em();
    if (s.platform.pick_files) {
        if (ui::primary_button("Load .bcm model ...")) s.platform.pick_files(".bcm", true, "model");
        ui::mark_item("compare.load");
        ui::hover_help("Open .bcm model files (saved from this page, the desktop app or bloodcell train): each is evaluated "
                       "on the same test images as the others");
    } else {
        ImGui::BeginChild("##bcmpath", ImVec2(e * 24, ImGui::GetFrameHeight()), false,
                          ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NavFlattened);
        path_open_row(s, t.model_path_ui, "/path/to/model.bcm", "model");
        ImGui::EndChild();
    }
    ImGui::SameLine();
    char what[300];
    std::snprintf(what, sizeof what, "Evaluated on the test split of %s (%d images). Click a row for details; hover for its origin and hyperparameters.",
                  s.data.loaded ? s.data.source.c_str() : "no data", s.data.all.test.size());
    ui::wrapped(what, true);
}

// Every model side by side: test accuracy, inference time, calibration; then the grid search.
static void draw_summaries(AppState& s, TrainState& t) {
    ui::heading("Test accuracy");
    draw_acc_bars(s.models, false);
    ImGui::Spacing();
    ui::heading("Inference time per image");
    draw_acc_bars(s.models, true);
    ImGui::Spacing();
    ui::heading("Calibration on the test split");
    draw_calibration(s.models);
    ImGui::Spacing();
    draw_tune(s, t);
}

void draw_compare_panel(AppState& s) {
    TrainState& t = train_state(s);
    if (!s.compare) s.compare = std::make_shared<CompareState>();
    CompareState& cmp = *s.compare;
    ui::heading("Models");
    draw_load_row(s, t);
    if (s.models.size() == 0) {
        ui::empty_state("No models yet", "Train one in the Train tab, or load a .bcm model file.", ui::em() * 8);
        ImGui::Spacing();
        draw_tune(s, t);
        return;
    }
    if (cmp.selected >= s.models.size()) cmp.selected = 0;
    draw_models_table(s, cmp);
    draw_model_actions(s, cmp);
    ImGui::Spacing();
    if (ui::narrow(ImGui::GetContentRegionAvail().x, 70)) {
        // one column (800 px): the details first, then the bars and the grid search
        draw_details(s, cmp);
        ImGui::Spacing();
        draw_summaries(s, t);
        return;
    }
    if (!ImGui::BeginTable("##cmp_lower", 2, ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_PadOuterX)) return;
    ImGui::TableSetupColumn("left", ImGuiTableColumnFlags_WidthStretch, 1.0f);
    ImGui::TableSetupColumn("right", ImGuiTableColumnFlags_WidthStretch, 1.15f);
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    draw_summaries(s, t);
    ImGui::TableNextColumn();
    draw_details(s, cmp);
    ImGui::EndTable();
}

void compare_select(AppState& s, int index) {
    if (!s.compare) s.compare = std::make_shared<CompareState>();
    s.compare->selected = index;
}

void release_compare_views(AppState& s) {
    if (s.compare) s.compare->conf_tex.release();
}

}  // namespace app
