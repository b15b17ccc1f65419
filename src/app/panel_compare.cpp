// Compare panel: every model the user has (pretrained, trained here, loaded) side by side on the test
// split of the loaded data (ACC, AUC, macro F1, parameters, train seconds, inference ms per image),
// evaluated a slice per frame; save/load .bcm files; and a small grid search ("tune") over learning
// rate and batch size whose trials run one after another in the same bounded slices.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "app/models.h"
#include "app/ui.h"

namespace app {

static std::string fmt(const char* f, double v) {
    char b[64];
    snprintf(b, sizeof b, f, v);
    return b;
}

static void start_tune(AppState& s, TrainState& t) {
    static const float lrs[3] = {3e-3f, 1e-3f, 3e-4f};
    static const int batches[3] = {16, 32, 64};
    t.trials.clear();
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
            if (t.tune_lr[i] && t.tune_batch[j]) {
                Trial tr;
                tr.lr = lrs[i];
                tr.batch = batches[j];
                t.trials.push_back(std::move(tr));
            }
    if (t.trials.empty()) { notify(s, LogEntry::Warn, "Pick at least one learning rate and one batch size to tune"); return; }
    t.tune_running = true;
    t.tune_current = 0;
    s.log.info("Tuning " + core::model_names()[t.model_idx] + ": " + std::to_string(t.trials.size()) + " trials of " +
               std::to_string(t.tune_epochs) + " epochs");
}

void tune_frame(AppState& s, double budget_ms) {
    TrainState& t = train_state(s);
    if (t.tune_current < 0 || t.tune_current >= (int)t.trials.size()) { t.tune_running = false; return; }
    Trial& tr = t.trials[t.tune_current];
    if (!tr.run) {
        core::TrainConfig cfg = t.cfg;
        cfg.epochs = t.tune_epochs;
        cfg.lr = tr.lr;
        cfg.batch = tr.batch;
        std::string err;
        tr.run = make_run(s, core::model_names()[t.model_idx], cfg, err);
        if (!tr.run) { tr.status = "error: " + err; t.tune_current++; return; }
        tr.status = "running";
    }
    run_step(s, *tr.run, budget_ms);
    tr.seconds = tr.run->seconds;
    if (tr.run->trainer && tr.run->trainer->diverged()) {  // a trial that blows up ends; the search goes on
        tr.run->error = "diverged";
        tr.run->done = true;
    }
    if (tr.run->done) {
        tr.val_acc = tr.run->val.acc;
        tr.status = tr.run->error.empty() ? "done" : "error: " + tr.run->error;
        char buf[160];
        snprintf(buf, sizeof buf, "Trial lr %.0e, batch %d: val ACC %.3f in %.1f s", tr.lr, tr.batch, tr.val_acc, tr.seconds);
        s.log.info(buf);
        tr.run->trainer.reset();  // keep the result model, drop the optimizer state
        t.tune_current++;
        if (t.tune_current >= (int)t.trials.size()) {
            t.tune_running = false;
            // keep the best trial's model
            int best = -1;
            for (int i = 0; i < (int)t.trials.size(); ++i)
                if (t.trials[i].run && t.trials[i].run->result && (best < 0 || t.trials[i].val_acc > t.trials[best].val_acc)) best = i;
            if (best >= 0) {
                Trial& b = t.trials[best];
                auto e = std::make_unique<ModelEntry>();
                e->model = std::move(*b.run->result);
                e->label = b.run->spec.name + " (tuned)";
                e->origin = "best of " + std::to_string(t.trials.size()) + " tuning trials";
                e->hyper = b.run->hyper;
                e->train_seconds = b.seconds;
                add_model(s, std::move(e), false);
                for (auto& x : t.trials) if (x.run) x.run->result.reset();
                notify(s, LogEntry::Info, "Tuning done: best val ACC " + fmt("%.3f", b.val_acc) + " (lr " + fmt("%.0e", b.lr) +
                                              ", batch " + std::to_string(b.batch) + "); added to the models");
            }
        }
    }
}

std::string compare_command(AppState& s, const std::string& cmd) {
    TrainState& t = train_state(s);
    if (cmd == "tune:start") {
        if (t.running) return "training is running";
        start_tune(s, t);
        return "";
    }
    if (cmd == "tune:stop") { t.tune_running = false; return ""; }
    if (cmd.rfind("tune:epochs=", 0) == 0) { t.tune_epochs = std::max(1, atoi(cmd.c_str() + 12)); return ""; }
    return "unknown command '" + cmd + "'";
}

static void draw_models_table(AppState& s, TrainState& t, CompareState& cmp) {
    ImGuiTableFlags tf = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingStretchProp |
                         ImGuiTableFlags_Resizable;
    int remove = -1;
    if (ImGui::BeginTable("##models", 9, tf)) {
        ImGui::TableSetupColumn("model", ImGuiTableColumnFlags_WidthStretch, 2.2f);
        ImGui::TableSetupColumn("test ACC", ImGuiTableColumnFlags_WidthStretch, 1.0f);
        ImGui::TableSetupColumn("AUC", ImGuiTableColumnFlags_WidthStretch, 0.8f);
        ImGui::TableSetupColumn("macro F1", ImGuiTableColumnFlags_WidthStretch, 0.8f);
        ImGui::TableSetupColumn("parameters", ImGuiTableColumnFlags_WidthStretch, 1.0f);
        ImGui::TableSetupColumn("train s", ImGuiTableColumnFlags_WidthStretch, 0.8f);
        ImGui::TableSetupColumn("ms / image", ImGuiTableColumnFlags_WidthStretch, 0.9f);
        ImGui::TableSetupColumn("origin", ImGuiTableColumnFlags_WidthStretch, 2.0f);
        ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthStretch, 2.2f);
        ImGui::TableHeadersRow();
        for (int i = 0; i < (int)t.models.size(); ++i) {
            ModelEntry& m = *t.models[i];
            ImGui::PushID(i);
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            std::string text = m.label + (i == t.active ? "  (in use)" : "");
            if (i == t.active) ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.55f, 0.88f, 0.90f, 1.0f));
            if (ImGui::Selectable(text.c_str(), cmp.selected == i, ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap))
                cmp.selected = i;
            if (i == t.active) ImGui::PopStyleColor();
            if (!m.hyper.empty() && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", m.hyper.c_str());
            ImGui::TableNextColumn();
            if (m.evaluated) ImGui::Text("%.3f", m.test.acc);
            else if (m.eval.n > 0) ImGui::ProgressBar((float)m.eval.pos / m.eval.n, ImVec2(-1, 0), "");
            else ImGui::TextDisabled("-");
            ImGui::TableNextColumn();
            if (m.evaluated && std::isfinite(m.test.auc)) ImGui::Text("%.3f", m.test.auc); else ImGui::TextDisabled("-");
            ImGui::TableNextColumn();
            if (m.evaluated) ImGui::Text("%.3f", m.test.macro_f1); else ImGui::TextDisabled("-");
            ImGui::TableNextColumn();
            ImGui::Text("%zu", m.params);
            ImGui::TableNextColumn();
            if (std::isfinite(m.train_seconds)) ImGui::Text("%.1f", m.train_seconds); else ImGui::TextDisabled("-");
            ImGui::TableNextColumn();
            if (m.evaluated) ImGui::Text("%.3f", m.test.ms_per_image); else ImGui::TextDisabled("-");
            ImGui::TableNextColumn();
            ImGui::TextDisabled("%s", m.origin.c_str());
            ImGui::TableNextColumn();
            ImGui::BeginDisabled(i == t.active);
            if (ImGui::SmallButton("Use")) { t.active = i; classify_rerun_all(s); s.log.info("Classify now uses " + m.label); }
            ImGui::EndDisabled();
            ImGui::SameLine();
            if (s.platform.save_bytes && ImGui::SmallButton("Save .bcm")) {
                std::string fname = m.label;
                for (char& c : fname) if (!isalnum((unsigned char)c) && c != '-' && c != '_') c = '_';
                std::string where = s.platform.save_bytes(fname + ".bcm", m.model.save());
                if (where.empty()) notify(s, LogEntry::Error, "Could not save " + fname + ".bcm");
                else notify(s, LogEntry::Info, "Saved " + m.label + " to " + where);
            }
            ImGui::SameLine();
            if (ImGui::SmallButton("Remove")) remove = i;
            ImGui::PopID();
        }
        ImGui::EndTable();
    }
    if (remove >= 0) {
        if (t.run && t.run->entry == t.models[remove].get()) t.run->entry = nullptr;
        t.models.erase(t.models.begin() + remove);
        if (t.active == remove) t.active = t.models.empty() ? -1 : 0;
        else if (t.active > remove) t.active--;
        classify_rerun_all(s);
    }
}

static void draw_acc_bars(TrainState& t, bool speed) {
    const float e = ui::em();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    float w = ImGui::GetContentRegionAvail().x;
    float label_w = e * 12, row_h = e * 1.5f;
    for (auto& mp : t.models) {
        ModelEntry& m = *mp;
        ImVec2 p = ImGui::GetCursorScreenPos();
        dl->AddText(ImVec2(p.x, p.y + (row_h - e) / 2), ImGui::GetColorU32(ImGuiCol_Text), m.label.c_str());
        float bw = w - label_w - e * 4;
        ImVec2 b0(p.x + label_w, p.y + row_h * 0.2f), b1(p.x + label_w + bw, p.y + row_h * 0.8f);
        dl->AddRectFilled(b0, b1, ImGui::GetColorU32(ImGuiCol_FrameBg), 3);
        if (m.evaluated) {
            double ms_max = 1e-9;
            for (auto& o : t.models) if (o->evaluated) ms_max = std::max(ms_max, o->test.ms_per_image);
            float f = speed ? (float)(m.test.ms_per_image / ms_max) : (float)m.test.acc;
            dl->AddRectFilled(b0, ImVec2(b0.x + bw * f, b1.y), speed ? IM_COL32(236, 91, 102, 255) : IM_COL32(46, 179, 189, 255), 3);
            char b[32];
            if (speed) snprintf(b, sizeof b, "%.2f ms", m.test.ms_per_image);
            else snprintf(b, sizeof b, "%.1f%%", 100 * m.test.acc);
            dl->AddText(ImVec2(b1.x + e * 0.4f, p.y + (row_h - e) / 2), ImGui::GetColorU32(ImGuiCol_Text), b);
        }
        ImGui::Dummy(ImVec2(w, row_h));
    }
}

static void draw_tune(AppState& s, TrainState& t) {
    const float e = ui::em();
    auto names = core::model_names();
    const std::string& name = names[t.model_idx];
    bool nn = name == "fcnn" || name == "cnn" || name == "vgg6";
    ui::heading("Tune: a small grid search");
    if (!nn) {
        ui::subtle("Pick a neural model (fcnn, cnn, vgg6) in the Train tab to tune its learning rate and batch size.");
        return;
    }
    ImGui::Text("Model %s (from the Train tab), trials of", name.c_str());
    ImGui::SameLine();
    ImGui::SetNextItemWidth(e * 6);
    ImGui::BeginDisabled(t.tune_running);
    ImGui::SliderInt("epochs##tune", &t.tune_epochs, 1, 10);
    ImGui::TextDisabled("learning rate");
    ImGui::SameLine(e * 7);
    ImGui::Checkbox("3e-3", &t.tune_lr[0]); ImGui::SameLine();
    ImGui::Checkbox("1e-3", &t.tune_lr[1]); ImGui::SameLine();
    ImGui::Checkbox("3e-4", &t.tune_lr[2]);
    ImGui::TextDisabled("batch size");
    ImGui::SameLine(e * 7);
    ImGui::Checkbox("16", &t.tune_batch[0]); ImGui::SameLine();
    ImGui::Checkbox("32", &t.tune_batch[1]); ImGui::SameLine();
    ImGui::Checkbox("64", &t.tune_batch[2]);
    ImGui::EndDisabled();
    if (!t.tune_running) {
        ImGui::BeginDisabled(t.running || !s.data.loaded);
        if (ui::primary_button("Run grid")) start_tune(s, t);
        ImGui::EndDisabled();
    } else if (ImGui::Button("Stop")) {
        t.tune_running = false;
    }
    if (t.trials.empty()) return;
    ImGuiTableFlags tf = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_Sortable | ImGuiTableFlags_SizingStretchProp;
    if (ImGui::BeginTable("##trials", 5, tf)) {
        ImGui::TableSetupColumn("learning rate", ImGuiTableColumnFlags_DefaultSort, 1, 0);
        ImGui::TableSetupColumn("batch", 0, 1, 1);
        ImGui::TableSetupColumn("val ACC", ImGuiTableColumnFlags_PreferSortDescending, 1, 2);
        ImGui::TableSetupColumn("seconds", 0, 1, 3);
        ImGui::TableSetupColumn("status", ImGuiTableColumnFlags_NoSort, 1.5f, 4);
        ImGui::TableHeadersRow();
        std::vector<int> order(t.trials.size());
        for (int i = 0; i < (int)order.size(); ++i) order[i] = i;
        if (ImGuiTableSortSpecs* ss = ImGui::TableGetSortSpecs()) {
            if (ss->SpecsCount > 0) {
                const ImGuiTableColumnSortSpecs& sp = ss->Specs[0];
                auto key = [&](int i) -> double {
                    const Trial& tr = t.trials[i];
                    switch (sp.ColumnUserID) {
                        case 0: return tr.lr;
                        case 1: return tr.batch;
                        case 2: return std::isfinite(tr.val_acc) ? tr.val_acc : -1;
                        default: return tr.seconds;
                    }
                };
                std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
                    return sp.SortDirection == ImGuiSortDirection_Ascending ? key(a) < key(b) : key(a) > key(b);
                });
            }
        }
        for (int i : order) {
            const Trial& tr = t.trials[i];
            ImGui::TableNextRow();
            ImGui::TableNextColumn(); ImGui::Text("%.0e", tr.lr);
            ImGui::TableNextColumn(); ImGui::Text("%d", tr.batch);
            ImGui::TableNextColumn();
            if (std::isfinite(tr.val_acc)) ImGui::Text("%.3f", tr.val_acc); else ImGui::TextDisabled("-");
            ImGui::TableNextColumn(); ImGui::Text("%.1f", tr.seconds);
            ImGui::TableNextColumn();
            if (tr.status == "running" && tr.run && tr.run->trainer)
                ImGui::ProgressBar((float)tr.run->trainer->metrics().progress, ImVec2(-1, 0), "running");
            else ImGui::TextDisabled("%s", tr.status.c_str());
        }
        ImGui::EndTable();
    }
}

void draw_compare_panel(AppState& s) {
    TrainState& t = train_state(s);
    const float e = ui::em();
    ui::heading("Models");
    if (s.platform.pick_files) {
        if (ui::primary_button("Load .bcm model ...")) s.platform.pick_files(".bcm", true, "model");
        ImGui::SameLine();
    } else {
        ImGui::BeginChild("##bcmpath", ImVec2(e * 24, ImGui::GetFrameHeight()), false, ImGuiWindowFlags_NoScrollbar);
        path_open_row(s, t.model_path_ui, "/path/to/model.bcm", "model");
        ImGui::EndChild();
        ImGui::SameLine();
    }
    ImGui::TextDisabled("Evaluated on the test split of %s (%d images). Click a row for details; hover for hyperparameters.",
                        s.data.loaded ? s.data.source.c_str() : "no data", s.data.all.test.size());
    if (t.models.empty()) {
        ui::empty_state("No models yet", "Train one in the Train tab, or load a .bcm model file.", e * 8);
    } else {
        if (!s.compare) s.compare = std::make_shared<CompareState>();
        CompareState& cmp = *s.compare;
        draw_models_table(s, t, cmp);
        ImGui::Spacing();
        if (cmp.selected >= (int)t.models.size()) cmp.selected = 0;
        if (!ImGui::BeginTable("##cmp_lower", 2, ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_PadOuterX)) return;
        ImGui::TableSetupColumn("left", ImGuiTableColumnFlags_WidthStretch, 1.0f);
        ImGui::TableSetupColumn("right", ImGuiTableColumnFlags_WidthStretch, 1.15f);
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ui::heading("Test accuracy");
        draw_acc_bars(t, false);
        ImGui::Spacing();
        ui::heading("Inference time per image");
        draw_acc_bars(t, true);
        ImGui::Spacing();
        draw_tune(s, t);
        ImGui::TableNextColumn();
        ModelEntry& m = *t.models[cmp.selected];
        ui::heading((m.label + " on the test split").c_str());
        if (m.evaluated) {
            float side = std::min(e * 15, ImGui::GetContentRegionAvail().x * 0.45f);
            ImGui::BeginGroup();
            draw_confusion(m.test, cmp.conf_tex, side);
            ImGui::EndGroup();
            ImGui::SameLine(0, e);
            ImGui::BeginGroup();
            draw_class_scores(m.test);
            ImGui::Text("ACC %.3f   AUC %.3f", m.test.acc, m.test.auc);
            ImGui::EndGroup();
        } else {
            ImGui::TextDisabled("evaluating ...");
        }
        ImGui::EndTable();
        return;
    }
    ImGui::Spacing();
    draw_tune(s, t);
}

}  // namespace app
