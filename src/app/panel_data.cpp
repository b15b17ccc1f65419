// Data panel: which data is loaded (the bundled teaching set or the user's .npz), the subset the other
// panels use (split x per-class cap x fraction x seed), class-distribution bars and a gallery of
// images by class. Clicking an image selects it for the Features panel.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "app/app.h"
#include "app/inspect.h"
#include "app/run_control.h"
#include "app/ui.h"

namespace app {

void set_data(AppState& s, core::BloodMnist data, const std::string& source) {
    DataState& d = s.data;
    d.all = std::move(data);
    d.source = source;
    d.loaded = true;
    d.last_error.clear();
    // default view: the split the subset names (train) when it has images, else the first that has
    if (d.all.split(d.spec.split).size() == 0) {
        for (int sp = 0; sp < 3; ++sp)
            if (d.all.split((core::Split)sp).size() > 0) { d.spec.split = (core::Split)sp; break; }
    }
    d.split_ui = (int)d.spec.split;
    apply_subset(s);
    training_data_changed(s);  // model evaluations on the test split go stale
    s.log.info("Data: " + source + " (" + std::to_string(d.all.train.size()) + " train, " + std::to_string(d.all.val.size()) +
               " val, " + std::to_string(d.all.test.size()) + " test)");
}

void set_subset(AppState& s, const core::SubsetSpec& spec) {
    DataState& d = s.data;
    d.spec = spec;
    d.split_ui = (int)spec.split;
    d.per_class_ui = spec.per_class;
    d.fraction_ui = (float)spec.fraction;
    d.seed_ui = (int)spec.seed;
    apply_subset(s);
    char buf[160];
    snprintf(buf, sizeof buf, "Subset: %s, cap %d, fraction %.4g, seed %d -> %d images", core::split_name(spec.split), spec.per_class,
             spec.fraction, (int)spec.seed, d.view.size());
    s.log.info(d.loaded ? buf : std::string(buf, std::strchr(buf, '-') - 1) + " (for the data when it arrives)");
}

void apply_subset(AppState& s) {
    DataState& d = s.data;
    d.view = core::make_subset(d.all.split(d.spec.split), d.spec);
    d.by_class.assign(core::kClasses, {});
    for (int i = 0; i < d.view.size(); ++i) d.by_class[d.view.labels[i]].push_back(i);
    d.atlas_dirty = true;
    if (d.selected >= d.view.size()) d.selected = -1;
    if (d.selected < 0 && d.view.size() > 0) d.selected = 0;
    s.features.table_n = -1;  // feature distributions are recomputed for the new view
    s.features.computed_key = 0;
}

void ensure_atlas(DataState& d) {
    if (!d.atlas_dirty || !d.loaded) return;
    const int W = kGalleryCols * core::kSide, H = core::kClasses * core::kSide;
    std::vector<uint8_t> rgb((size_t)W * H * 3, 18);
    for (int k = 0; k < core::kClasses; ++k) {
        const auto& idx = d.by_class[k];
        for (int c = 0; c < kGalleryCols && c < (int)idx.size(); ++c) {
            const uint8_t* img = d.view.image(idx[c]);
            for (int y = 0; y < core::kSide; ++y)
                std::copy(img + y * core::kSide * 3, img + (y + 1) * core::kSide * 3,
                          rgb.begin() + ((size_t)(k * core::kSide + y) * W + c * core::kSide) * 3);
        }
    }
    d.atlas.upload_rgb(rgb.data(), W, H, true);
    d.atlas_dirty = false;
}

static void draw_source_card(AppState& s) {
    DataState& d = s.data;
    ui::heading("Source");
    if (d.loaded) {
        ImGui::TextWrapped("%s", d.source.c_str());
        if (ImGui::BeginTable("##splits", 2, ImGuiTableFlags_SizingStretchProp)) {
            const char* names[3] = {"train", "val", "test"};
            for (int sp = 0; sp < 3; ++sp) {
                ImGui::TableNextRow();
                ImGui::TableNextColumn();
                ImGui::TextDisabled("%s", names[sp]);
                ImGui::TableNextColumn();
                ImGui::Text("%d images", d.all.split((core::Split)sp).size());
            }
            ImGui::EndTable();
        }
    } else if (asset_state(s, ".npz") == AssetState::Coming) {
        ImGui::TextWrapped("Loading the teaching set (assets/teaching.npz) ...");
    } else {
        ImGui::TextWrapped("No data loaded.");
    }
    ImGui::Spacing();
    if (s.platform.pick_files) {
        if (ui::primary_button("Open .npz ...", ImVec2(-1, 0))) s.platform.pick_files(".npz", false, "data");
        ui::mark_item("data.open");
        ui::hover_help("Open a MedMNIST BloodMNIST .npz (28x28 images with their train, val and test splits): for example the "
                       "full bloodmnist.npz, 17,092 images, from medmnist.com. It stays on this computer.");
        ui::subtle("or drop a MedMNIST BloodMNIST .npz anywhere on the window");
    } else {
        ui::subtle("Drop a .npz on the window, or type a path:");
    }
    if (!s.platform.pick_files) path_open_row(s, d.path_ui, "/path/to/bloodmnist.npz", "data");
    if (!d.last_error.empty()) {
        ImGui::Spacing();
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.55f, 0.55f, 1.0f));
        ImGui::TextWrapped("Last load failed: %s", d.last_error.c_str());
        ImGui::PopStyleColor();
    }
}

static void draw_subset_card(AppState& s) {
    DataState& d = s.data;
    ImGui::Spacing();
    ui::heading("Subset");
    const char* splits[3] = {"train", "val", "test"};
    ImGui::SetNextItemWidth(-1);
    ImGui::Combo("##split", &d.split_ui, splits, 3);
    ui::hover_help("Which split to show: train (what the models learn from), val (what training checks itself on after "
                   "each epoch) or test (kept aside for the final score in Compare). Training always uses the train split.");
    ImGui::TextDisabled("Per-class cap (0 = all)");
    ImGui::SetNextItemWidth(-1);
    ui::slider_int("##cap", &d.per_class_ui, 0, 500, d.per_class_ui == 0 ? "no cap" : "%d per class");
    ui::hover_help("At most this many images of each class: a small, balanced subset trains in seconds. Rare classes "
                   "(basophils) then count as much as common ones (neutrophils).");
    ImGui::TextDisabled("Fraction of each class");
    ImGui::SetNextItemWidth(-1);
    ui::slider_float("##frac", &d.fraction_ui, 0.01f, 1.0f, "%.2f");
    ui::hover_help("This share of each class's images (after the cap): the classes keep their proportions. 0.25 trains "
                   "four times faster than 1 and shows what less data costs in accuracy.");
    ImGui::TextDisabled("Seed");
    ImGui::SetNextItemWidth(-1);
    ImGui::InputInt("##seed", &d.seed_ui);
    ui::hover_help("Which images the cap and the fraction pick: the same seed gives the same subset; another seed, "
                   "another sample of the same size.");
    if (d.seed_ui < 0) d.seed_ui = 0;
    bool changed = d.split_ui != (int)d.spec.split || d.per_class_ui != d.spec.per_class ||
                   std::abs(d.fraction_ui - d.spec.fraction) > 1e-6 || (uint64_t)d.seed_ui != d.spec.seed;
    ImGui::BeginDisabled(!d.loaded || !changed);
    if (ui::primary_button("Apply subset", ImVec2(-1, 0))) {
        core::SubsetSpec spec;
        spec.split = (core::Split)d.split_ui;
        spec.per_class = d.per_class_ui;
        // the slider's float as the decimal it shows (0.3f is 0.30000001192092896 as a double): the
        // run's link then reads fraction=0.3
        char frac[32];
        std::snprintf(frac, sizeof frac, "%.6g", d.fraction_ui);
        spec.fraction = std::strtod(frac, nullptr);
        spec.seed = (uint64_t)d.seed_ui;
        set_subset(s, spec);
    }
    ImGui::EndDisabled();
    ui::hover_help("Use the split, cap, fraction and seed above: the gallery, the feature plots and the next training run "
                   "take this subset.");
    ui::subtle("Stratified and deterministic: the same settings always give the same images. "
               "Training and the feature plots use this subset.");
}

void path_open_row(AppState& s, std::string& buf, const char* hint, const char* purpose) {
    const float e = ui::em();
    ImGui::PushID(purpose);
    ImGui::SetNextItemWidth(-e * 4.5f);
    bool enter = ImGui::InputTextWithHint("##path", hint, buf.data(), buf.capacity() + 1,
                                          ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_CallbackResize,
                                          [](ImGuiInputTextCallbackData* cb) {
                                              if (cb->EventFlag == ImGuiInputTextFlags_CallbackResize) {
                                                  auto* str = (std::string*)cb->UserData;
                                                  str->resize(cb->BufTextLen);
                                                  cb->Buf = str->data();
                                              }
                                              return 0;
                                          },
                                          &buf);
    ImGui::SameLine();
    if ((ImGui::Button("Open", ImVec2(-1, 0)) || enter) && !buf.empty()) {
        std::string err = s.platform.open_path ? s.platform.open_path(buf, purpose) : "this platform cannot open paths";
        if (!err.empty()) notify(s, LogEntry::Error, err);
    }
    ImGui::PopID();
}

// Thumbnails by class (one row per class, as many columns as fit); a click selects the image for
// the Features tab.
static void draw_gallery(AppState& s) {
    DataState& d = s.data;
    const float e = ui::em();
    ensure_atlas(d);
    const float thumb = std::round(e * 3.0f);
    const float label_w = ui::class_label_width();
    float avail = ImGui::GetContentRegionAvail().x - label_w;
    int cols = std::clamp((int)(avail / (thumb + 4)), 1, kGalleryCols);
    ImGui::BeginChild("##gallery", ImVec2(0, 0), false, ImGuiWindowFlags_NavFlattened);
    for (int k = 0; k < core::kClasses; ++k) {
        ImVec2 p = ImGui::GetCursorScreenPos();
        ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(p.x, p.y + 2), ImVec2(p.x + e * 0.3f, p.y + thumb - 2), class_color(k));
        ImGui::SetCursorScreenPos(ImVec2(p.x + e * 0.7f, p.y + thumb * 0.5f - e * 0.55f));
        ImGui::TextUnformatted(core::kClassNames[k]);
        ImGui::SetCursorScreenPos(ImVec2(p.x + e * 0.7f, p.y + thumb * 0.5f + e * 0.45f));
        ImGui::TextDisabled("%d images", (int)d.by_class[k].size());
        ImGui::SetCursorScreenPos(ImVec2(p.x + label_w, p.y));
        int n = std::min(cols, (int)d.by_class[k].size());
        for (int c = 0; c < n; ++c) {
            int idx = d.by_class[k][c];
            ImVec2 uv0((float)c / kGalleryCols, (float)k / core::kClasses),
                uv1((float)(c + 1) / kGalleryCols, (float)(k + 1) / core::kClasses);
            ImGui::PushID(k * 1000 + c);
            ImVec2 q = ImGui::GetCursorScreenPos();
            if (ImGui::InvisibleButton("##img", ImVec2(thumb, thumb))) {
                d.selected = idx;
                s.features.source = FeaturesState::FromData;
            }
            ImDrawList* dl = ImGui::GetWindowDrawList();
            dl->AddImageRounded(d.atlas.im(), q, ImVec2(q.x + thumb, q.y + thumb), uv0, uv1, IM_COL32_WHITE, e * 0.2f);
            if (idx == d.selected)
                dl->AddRect(ImVec2(q.x - 2, q.y - 2), ImVec2(q.x + thumb + 2, q.y + thumb + 2), IM_COL32(255, 255, 255, 230), e * 0.25f, 0, 2.5f);
            else if (ImGui::IsItemHovered())
                dl->AddRect(q, ImVec2(q.x + thumb, q.y + thumb), class_color(k), e * 0.2f, 0, 2);
            if (ImGui::IsItemHovered()) {
                ImGui::BeginTooltip();
                ImGui::Image(d.atlas.im(), ImVec2(e * 8, e * 8), uv0, uv1);
                ImGui::Text("%s, image %d of the view", core::kClassNames[k], idx);
                ImGui::TextDisabled("click: select for the Features tab");
                ImGui::EndTooltip();
            }
            ImGui::PopID();
            if (c + 1 < n) ImGui::SameLine(0, 4);
        }
        if (n == 0) { ImGui::Dummy(ImVec2(thumb, thumb)); }
        ImGui::SetCursorScreenPos(ImVec2(p.x, p.y + thumb + e * 0.45f));
        ImGui::Dummy(ImVec2(0, 0));
    }
    d.gallery_scroll = ImGui::GetScrollY();
    s.layout.gallery = ImVec4(ImGui::GetWindowPos().x, ImGui::GetWindowPos().y, ImGui::GetWindowWidth(), ImGui::GetWindowHeight());
    d.gallery_scroll_max = ImGui::GetScrollMaxY();
    ImGui::EndChild();
}

void draw_data_panel(AppState& s) {
    DataState& d = s.data;
    const float e = ui::em();
    const float side_w = std::max(e * 17, ImGui::GetContentRegionAvail().x * 0.24f);
    // a phone: the source and subset above the bars and the gallery, in one scrolling column
    const bool phone = ui::narrow(ImGui::GetContentRegionAvail().x, 40);
    if (phone) {
        draw_source_card(s);
        draw_subset_card(s);
        ImGui::Spacing();
    } else {
        ui::begin_card("##data_side", ImVec2(side_w, 0));
        draw_source_card(s);
        draw_subset_card(s);
        ui::end_card();
        ImGui::SameLine();
    }
    ImGui::BeginChild("##data_main", ImVec2(0, phone ? e * 40 : 0), false, ImGuiWindowFlags_NavFlattened);
    if (!d.loaded) {
        std::string why;
        AssetState sample = asset_state(s, ".npz", &why);
        if (sample == AssetState::Coming)
            ui::empty_state("Loading the teaching set ...",
                            "The teaching set (assets/teaching.npz, 4,100 BloodMNIST images) is on its way and shows here when it "
                            "arrives. You can open your own MedMNIST BloodMNIST .npz meanwhile.",
                            ImGui::GetContentRegionAvail().y);
        else if (sample == AssetState::Failed)
            ui::empty_state("The teaching set could not be loaded",
                            ("Could not load " + why + ". Open a MedMNIST BloodMNIST .npz from the panel on the left, or "
                             "drop one onto this window.").c_str(),
                            ImGui::GetContentRegionAvail().y);
        else
            ui::empty_state("No data loaded",
                            "The teaching set (assets/teaching.npz) was not found. Open a MedMNIST BloodMNIST .npz from "
                            "the panel on the left, or drop one onto this window.",
                            ImGui::GetContentRegionAvail().y);
        ImGui::EndChild();
        return;
    }
    char title[128];
    snprintf(title, sizeof title, "Class distribution: %d images (%s split)", d.view.size(), core::split_name(d.spec.split));
    ui::heading(title);
    auto counts = d.view.class_counts();
    float vals[core::kClasses], vmax = 1;
    for (int k = 0; k < core::kClasses; ++k) { vals[k] = (float)counts[k]; vmax = std::max(vmax, vals[k]); }
    ui::class_bars(vals, core::kClasses, vmax, "%.0f");

    ImGui::Spacing();
    ui::heading("Gallery by class");
    draw_gallery(s);
    ImGui::EndChild();
}

}  // namespace app
