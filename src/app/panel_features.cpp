// Features panel: for one image (selected in the Data gallery or the last classified image) its gray
// image, its gray-level co-occurrence matrix (GLCM) as a heatmap, the six GLCM properties per angle
// and their mean, and intensity statistics; below, the distribution of any feature by class over the
// current data view, computed a few images per frame so the UI never stalls.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "app/app.h"
#include "app/feature_plots.h"
#include "app/inspect.h"
#include "app/ui.h"
#include "core/preprocess.h"

namespace app {

static const char* const kAngleNames[5] = {"0\xc2\xb0", "45\xc2\xb0", "90\xc2\xb0", "135\xc2\xb0", "mean of 4 angles"};

// The image the panel shows: RGB 28x28 and a caption.
static const uint8_t* current_image(AppState& s, std::string& caption, uint64_t& key) {
    FeaturesState& f = s.features;
    const ReviewSession& r = s.classify.review;
    if (f.source == FeaturesState::FromClassify && s.classify.selected >= 0 && s.classify.selected < r.size() &&
        (int)r.at(s.classify.selected).input.size() == core::kImageBytes) {
        const ReviewRow& it = r.at(s.classify.selected);
        caption = it.file;
        key = 0x1000000ull + it.id;
        return it.input.data();
    }
    if (s.data.loaded && s.data.selected >= 0 && s.data.selected < s.data.view.size()) {
        int i = s.data.selected;
        caption = std::string(core::kClassNames[s.data.view.labels[i]]) + ", image " + std::to_string(i) + " of the data view";
        key = 0x2000000ull + (uint64_t)i;
        return s.data.view.image(i);
    }
    return nullptr;
}

// The features the distributions and the table use: intensity + GLCM at the chosen levels and distance.
static core::FeatureSpec table_spec(const FeaturesState& f) {
    core::FeatureSpec spec;
    spec.glcm.levels = f.levels;
    spec.glcm.distances = {f.distance};
    return spec;
}

static void compute(FeaturesState& f, const uint8_t* rgb) {
    f.gray = core::grayscale(std::vector<uint8_t>(rgb, rgb + core::kImageBytes));
    std::vector<float> g(f.gray.begin(), f.gray.end());
    f.gray_tex.upload_r32f(g.data(), core::kSide, core::kSide);
    core::GlcmSpec spec;
    spec.levels = f.levels;
    spec.distances = {f.distance};
    auto P = core::glcm(f.gray.data(), core::kSide, core::kSide, spec);
    f.props = core::glcm_props(P, spec);
    const int L = f.levels;
    std::vector<float> m((size_t)L * L, 0.0f);
    if (f.angle < 4) {
        for (size_t i = 0; i < m.size(); ++i) m[i] = (float)P[f.angle][i];
    } else {
        for (int a = 0; a < 4; ++a)
            for (size_t i = 0; i < m.size(); ++i) m[i] += (float)P[a][i] * 0.25f;
    }
    f.glcm_tex.upload_r32f(m.data(), L, L);
    f.glcm_max = *std::max_element(m.begin(), m.end());
    f.glcm_values = std::move(m);
    f.intensity = core::intensity_features(f.gray.data(), f.gray.size());
    f.current = core::image_features(f.gray.data(), table_spec(f));
}

static bool feature_combo(const char* id, const std::vector<std::string>& names, int& sel, float w) {
    bool changed = false;
    ImGui::SetNextItemWidth(w);
    if (ImGui::BeginCombo(id, names[sel].c_str(), ImGuiComboFlags_HeightLarge)) {
        for (int i = 0; i < (int)names.size(); ++i)
            if (ImGui::Selectable(names[i].c_str(), i == sel)) sel = i, changed = true;
        ImGui::EndCombo();
    }
    return changed;
}

// The feature table of the data view at spec's levels and distance, a bounded slice of images per
// frame (~6 ms).
static void update_table(AppState& s, const core::FeatureSpec& spec) {
    FeaturesState& f = s.features;
    f.names = core::feature_names(spec);
    const int F = (int)f.names.size(), N = s.data.view.size();
    if (f.table_n < 0) { f.table.clear(); f.table.reserve((size_t)N * F); f.table_n = 0; }
    auto t0 = std::chrono::steady_clock::now();
    while (f.table_n < N) {
        auto row = core::image_features(core::grayscale(std::vector<uint8_t>(s.data.view.image(f.table_n), s.data.view.image(f.table_n) + core::kImageBytes)).data(), spec);
        f.table.insert(f.table.end(), row.begin(), row.end());
        ++f.table_n;
        if (std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() > 6.0) break;
    }
}

// One feature by class: a box per class, the shown image's value as a line.
static void draw_boxes(AppState& s, int F, ImVec2 size) {
    FeaturesState& f = s.features;
    std::vector<ui::Box> boxes(core::kClasses);
    float lo = 1e30f, hi = -1e30f;
    for (int k = 0; k < core::kClasses; ++k) {
        std::vector<float> v;
        for (int i = 0; i < f.table_n; ++i)
            if (s.data.view.labels[i] == k) v.push_back((float)f.table[(size_t)i * F + f.dist_feature]);
        if (v.empty()) continue;
        std::sort(v.begin(), v.end());
        auto q = [&](double p) { return v[(size_t)std::lround(p * (v.size() - 1))]; };
        boxes[k] = {v.front(), q(0.25), q(0.5), q(0.75), v.back(), (int)v.size()};
        lo = std::min(lo, v.front());
        hi = std::max(hi, v.back());
    }
    const float mark = f.current.size() == (size_t)F ? (float)f.current[f.dist_feature] : NAN;
    if (std::isfinite(mark)) lo = std::min(lo, mark), hi = std::max(hi, mark);
    if (lo > hi) { lo = 0; hi = 1; }
    float pad = (hi - lo) * 0.04f + 1e-9f;
    ui::box_plot("##box", boxes.data(), core::kClasses, lo - pad, hi + pad, size, mark);
}

static void draw_distribution(AppState& s) {
    FeaturesState& f = s.features;
    const float e = ui::em();
    char title[96];
    std::snprintf(title, sizeof title, "Features by class (current data view, %d levels, distance %d)", f.levels, f.distance);
    ui::heading(title);
    if (!s.data.loaded) { ui::subtle("Load data in the Data tab to see distributions."); return; }
    const core::FeatureSpec spec = table_spec(f);
    const uint64_t key = (uint64_t)f.levels * 64 + (uint64_t)f.distance;
    if (f.table_key != key) f.table_key = key, f.table_n = -1;  // other levels or distance: every row again
    update_table(s, spec);
    const int F = (int)f.names.size();
    const int N = s.data.view.size();
    if (f.dist_feature >= F) f.dist_feature = 0;
    if (f.scatter_x >= F) f.scatter_x = 0;
    if (f.scatter_y >= F) f.scatter_y = std::min(1, F - 1);
    // one feature by class (box plots) or two against each other (scatter)
    int plot = f.scatter ? 1 : 0;
    if (ImGui::RadioButton("by class", plot == 0)) f.scatter = false;
    ui::hover_help("One feature: a box per class (median, quartiles, range). Classes whose boxes do not overlap are easy to tell "
        "apart by this feature alone.");
    ui::mark_item("features.plot_box");
    ImGui::SameLine();
    if (ImGui::RadioButton("two features", plot == 1)) f.scatter = true;
    ui::hover_help("Two features against each other, one dot per image coloured by class: two features together can separate "
        "classes that each one alone mixes up.");
    ui::mark_item("features.plot_scatter");
    const float combo = e * 13;
    if (!f.scatter) {
        ui::same_line_if_fits(combo + ImGui::CalcTextSize("feature").x + e);
        feature_combo("feature", f.names, f.dist_feature, combo);
        ui::hover_help("The feature to compare across classes: intensity statistics, histogram bins, or a GLCM property "
            "(contrast, homogeneity, ...) at angle a or averaged over angles (mean)");
    } else {
        ui::same_line_if_fits(combo + ImGui::CalcTextSize("x").x + e);
        feature_combo("x##sx", f.names, f.scatter_x, combo);
        ui::hover_help("The feature along the horizontal axis");
        ui::same_line_if_fits(combo + ImGui::CalcTextSize("y").x + e);
        feature_combo("y##sy", f.names, f.scatter_y, combo);
        ui::hover_help("The feature along the vertical axis");
    }
    if (s.platform.save_text) {
        ui::same_line_if_fits(ui::button_w("Download CSV"));
        ImGui::BeginDisabled(f.table_n < N);
        if (ImGui::Button("Download CSV")) save_features_csv(s);
        ImGui::EndDisabled();
        ui::mark_item("features.csv");
        if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
            ImGui::SetTooltip("The table behind these plots: one row per image of the data view (index, label, class) and "
                              "its %d features at %d levels, distance %d", F, f.levels, f.distance);
    }
    char what[128];
    if (f.table_n < N) {
        ui::same_line_if_fits(e * 12);
        ImGui::ProgressBar((float)f.table_n / std::max(1, N), ImVec2(e * 12, 0));
        std::snprintf(what, sizeof what, "computing features %d / %d", f.table_n, N);
    } else {
        std::snprintf(what, sizeof what, "%d images, %d features each%s", N, F, f.current.size() == (size_t)F ? "; yellow: this image" : "");
    }
    ui::same_line_if_fits(ImGui::CalcTextSize(what).x);
    ui::wrapped(what, true);
    const ImVec2 size(0, std::max(e * 9, ImGui::GetContentRegionAvail().y - 2));
    if (f.scatter) {
        scatter_plot(s, f, F, ImVec2(ImGui::GetContentRegionAvail().x, size.y));
        return;
    }
    draw_boxes(s, F, size);
}

// Where the image comes from (the data view or the classified images), and stepping through it.
static void draw_image_source(AppState& s, FeaturesState& f) {
    int src = (int)f.source;
    bool have_cls = s.classify.review.size() > 0;
    ImGui::BeginDisabled(!s.data.loaded);
    if (ImGui::RadioButton("data", src == 0)) f.source = FeaturesState::FromData;
    ImGui::EndDisabled();
    ui::hover_help("Show an image of the loaded data (click one in the Data tab's gallery)");
    ImGui::SameLine();
    ImGui::BeginDisabled(!have_cls);
    if (ImGui::RadioButton("classified", src == 1)) f.source = FeaturesState::FromClassify;
    ImGui::EndDisabled();
    ui::hover_help("Show the image selected in the Classify tab (one you added)");
    ImGui::SameLine();
    int* idx = f.source == FeaturesState::FromClassify ? &s.classify.selected : &s.data.selected;
    int n = f.source == FeaturesState::FromClassify ? s.classify.review.size() : s.data.view.size();
    if (ImGui::ArrowButton("##prev", ImGuiDir_Left) && n > 0) *idx = (*idx - 1 + n) % n;
    ui::hover_help("Previous image");
    ImGui::SameLine(0, 2);
    if (ImGui::ArrowButton("##next", ImGuiDir_Right) && n > 0) *idx = (*idx + 1) % n;
    ui::hover_help("Next image");
}

// [1] the image, its gray version, intensity statistics
static void draw_image_column(AppState& s, FeaturesState& f, const std::string& caption) {
    const float e = ui::em();
    ImGui::PushFont(s.font_title);
    ImGui::TextUnformatted("Image");
    ImGui::PopFont();
    draw_image_source(s, f);
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + e * 14);
    ImGui::TextDisabled("%s", caption.c_str());
    ImGui::PopTextWrapPos();
    float img = std::round(e * 6.8f);
    ImGui::BeginGroup();
    ImageView* cv = f.source == FeaturesState::FromClassify ? classify_view(s, s.classify.selected) : nullptr;
    if (cv) {
        ImGui::Image(cv->input_tex.im(), ImVec2(img, img));
    } else if (s.data.selected >= 0) {
        // the gallery atlas holds the first kGalleryCols images of each class
        ensure_atlas(s.data);
        int k = s.data.view.labels[s.data.selected];
        auto& idx = s.data.by_class[k];
        int c = (int)(std::find(idx.begin(), idx.end(), s.data.selected) - idx.begin());
        if (c < kGalleryCols && s.data.atlas.valid())
            ImGui::Image(s.data.atlas.im(), ImVec2(img, img), ImVec2((float)c / kGalleryCols, (float)k / core::kClasses),
                         ImVec2((float)(c + 1) / kGalleryCols, (float)(k + 1) / core::kClasses));
        else
            ImGui::Dummy(ImVec2(img, img));
    }
    ImGui::TextDisabled("RGB");
    ImGui::EndGroup();
    ImGui::SameLine();
    ImGui::BeginGroup();
    HeatmapStyle gs;
    gs.cmap = kGray;
    gs.vmin = 0;
    gs.vmax = 255;
    heatmap_image(f.gray_tex, ImVec2(img, img), gs);
    ImGui::TextDisabled("gray");
    ui::help_marker("Y = 0.299 R + 0.587 G + 0.114 B, rounded half to even: the same values as numpy's np.rint.");
    ImGui::EndGroup();
    ImGui::Spacing();
    ImGui::PushFont(s.font_title);
    ImGui::TextUnformatted("Intensity");
    ImGui::PopFont();
    if (f.intensity.size() >= 6 && ImGui::BeginTable("##int", 4, ImGuiTableFlags_SizingFixedFit)) {
        const char* names[6] = {"mean", "std", "skew", "kurtosis", "min", "max"};
        for (int i = 0; i < 6; i += 2) {
            ImGui::TableNextRow();
            for (int j = i; j < i + 2; ++j) {
                ImGui::TableNextColumn();
                ImGui::TextDisabled("%s", names[j]);
                ImGui::TableNextColumn();
                ImGui::Text(j >= 4 ? "%.0f" : "%.2f", f.intensity[j]);
            }
        }
        ImGui::EndTable();
    }

}

// [2] the co-occurrence matrix
static void draw_glcm_column(AppState& s, FeaturesState& f, float top_h) {
    const float e = ui::em();
    ImGui::PushFont(s.font_title);
    ImGui::TextUnformatted("Co-occurrence matrix");
    ImGui::PopFont();
    const int levels_opts[6] = {8, 16, 32, 64, 128, 256};
    const char* lnames[6] = {"8 levels", "16 levels", "32 levels", "64 levels", "128 levels", "256 levels"};
    int li = 5;
    for (int i = 0; i < 6; ++i) if (levels_opts[i] == f.levels) li = i;
    float cw = ImGui::GetContentRegionAvail().x;
    // levels and distance share a row when "256 levels" fits in half of it
    const float half = cw * 0.5f - ImGui::GetStyle().ItemSpacing.x * 0.5f;
    const bool one_row = ui::combo_w(lnames[li]) <= half;
    ImGui::SetNextItemWidth(one_row ? half : -1);
    if (ImGui::Combo("##levels", &li, lnames, 6)) f.levels = levels_opts[li];
    ui::mark_item("features.levels");
    ui::hover_help("Gray levels: the 256 gray values are first grouped into this many bins (value x levels / 256). Fewer levels "
        "give a smaller, less sparse matrix and properties that depend less on noise; 256 keeps every shade.");
    ui::report_cut(std::string("combo '") + lnames[li] + "'", ui::combo_w(lnames[li]), ImGui::GetItemRectSize().x);
    if (one_row) ImGui::SameLine();
    ImGui::SetNextItemWidth(-1);
    ui::slider_int("##dist", &f.distance, 1, 5, "distance %d");
    ui::hover_help("Distance: how many pixels apart the two pixels of a pair are. 1 compares neighbours (fine texture, such as "
        "granules); larger distances compare pixels further apart (coarser structure, such as the nucleus' lobes).");
    ImGui::SetNextItemWidth(-1);  // its own row: "mean of 4 angles" was cut beside the other two
    ImGui::Combo("##angle", &f.angle, kAngleNames, 5);
    ui::hover_help("Angle: the direction from the first pixel of a pair to the second (0\xc2\xb0 to the right, 90\xc2\xb0 up). The "
        "features average the four angles, so a cell's orientation matters little.");
    ui::report_cut(std::string("combo '") + kAngleNames[f.angle] + "'", ui::combo_w(kAngleNames[f.angle]), ImGui::GetItemRectSize().x);
    float side = std::max(e * 8, std::min(top_h - e * 4.2f, cw));
    // Entries are probabilities; the diagonal dominates, so the linear scale tops out well below it.
    HeatmapStyle hs;
    hs.cmap = f.glcm_cmap;
    hs.log_scale = f.glcm_log;
    hs.vmin = f.glcm_log ? 1e-4f : 0.0f;
    hs.vmax = f.glcm_log ? std::max(f.glcm_max, 2e-4f) : std::max(f.glcm_max * 0.25f, 1e-6f);
    side = std::min(side, top_h - ImGui::GetCursorPosY() - ImGui::GetFrameHeightWithSpacing() - e * 0.3f);
    ImVec2 p = ImGui::GetCursorScreenPos();
    heatmap_image(f.glcm_tex, ImVec2(side, side), hs);
    ui::mark_item("features.glcm");
    ImGui::GetWindowDrawList()->AddRect(p, ImVec2(p.x + side, p.y + side), ImGui::GetColorU32(ImGuiCol_Border));
    if (ImGui::IsItemHovered()) {
        ImVec2 m = ImGui::GetMousePos();
        int j = std::clamp((int)((m.x - p.x) / side * f.levels), 0, f.levels - 1), i = std::clamp((int)((m.y - p.y) / side * f.levels), 0, f.levels - 1);
        const float v = (size_t)i * f.levels + j < f.glcm_values.size() ? f.glcm_values[(size_t)i * f.levels + j] : 0.f;
        ImGui::SetTooltip("row %d, column %d: gray level %d next to level %d\nP = %.5f: %.2f%% of the pixel pairs%s", i, j, i, j, v,
                          100.0 * v, f.angle == 4 ? " (mean of 4 angles)" : "");
    }
    ImGui::Checkbox("log scale", &f.glcm_log);
    ui::hover_help("Colour the matrix by the logarithm of its entries: the rare pairs away from the diagonal become visible");
    ImGui::SameLine();
    int cm = (int)f.glcm_cmap;
    ImGui::SetNextItemWidth(-1);
    if (ImGui::Combo("##cmap", &cm, kColormapNames, kColormaps)) f.glcm_cmap = (Colormap)cm;
    ui::hover_help("Colour map of the matrix");

}

// [3] the six properties
static void draw_props_column(AppState& s, FeaturesState& f) {
    ImGui::PushFont(s.font_title);
    ImGui::TextUnformatted("GLCM properties");
    ImGui::PopFont();
    char sub[80];
    std::snprintf(sub, sizeof sub, "distance %d, defined as scikit-image's graycoprops", f.distance);
    ui::wrapped(sub, true);
    if (!f.props.empty() && ImGui::BeginTable("##props", 6, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingStretchProp)) {
        ImGui::TableSetupColumn("property", ImGuiTableColumnFlags_WidthStretch, 1.5f);
        for (int a = 0; a < 4; ++a) ImGui::TableSetupColumn(kAngleNames[a], ImGuiTableColumnFlags_WidthStretch, 1.0f);
        ImGui::TableSetupColumn("mean", ImGuiTableColumnFlags_WidthStretch, 1.0f);
        ImGui::TableHeadersRow();
        for (int pi = 0; pi < core::kGlcmProps; ++pi) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(core::kGlcmPropNames[pi]);
            double mean = 0;
            for (int a = 0; a < 4; ++a) {
                ImGui::TableNextColumn();
                double v = f.props[pi][a];
                mean += v / 4;
                ImGui::Text(std::fabs(v) >= 100 ? "%.1f" : std::fabs(v) >= 1 ? "%.3f" : "%.4f", v);
            }
            ImGui::TableNextColumn();
            ImGui::TextColored(ImVec4(0.55f, 0.88f, 0.90f, 1.0f), std::fabs(mean) >= 100 ? "%.1f" : std::fabs(mean) >= 1 ? "%.3f" : "%.4f", mean);
        }
        ImGui::EndTable();
    }
    ImGui::Spacing();
    ui::subtle("The matrix counts how often gray level i (row) sits next to level j (column) at the chosen "
               "distance and angle. Smooth cells keep their mass near the diagonal (high homogeneity, low "
               "contrast); granular ones spread it out. Hover the matrix to read a cell.");
}

void draw_features_panel(AppState& s) {
    FeaturesState& f = s.features;
    const float e = ui::em();
    std::string caption;
    uint64_t key = 0;
    const uint8_t* rgb = current_image(s, caption, key);
    if (!rgb) {
        f.current.clear();
        f.computed_key = 0;
        ui::empty_state("No image selected", "Load data (Data tab) and click an image in the gallery, or classify an image.", e * 12);
        draw_distribution(s);
        return;
    }
    key = key * 1315423911ull + (uint64_t)f.levels * 131 + (uint64_t)f.distance * 7 + (uint64_t)f.angle;
    if (key != f.computed_key) { compute(f, rgb); f.computed_key = key; }

    // image | matrix | properties side by side when the properties' table fits its column, else the
    // properties under the first two (800 px), or everything in one column (a phone)
    // (23 lines of text: the image column's contents, down to the intensity table)
    const float top_h = std::max(e * 23, ImGui::GetContentRegionAvail().y * 0.56f), w = ImGui::GetContentRegionAvail().x;
    const float image_w = e * 15.5f, glcm_w = std::min(top_h - e * 4.2f, e * 24) + e * 0.5f;
    const int cols = w >= image_w + glcm_w + e * 26 ? 3 : w >= image_w + glcm_w + e ? 2 : 1;
    if (cols == 1) {
        draw_image_column(s, f, caption);
        ImGui::Spacing();
        ImGui::BeginChild("##glcm", ImVec2(std::min(w, e * 22), e * 26), false, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NavFlattened);
        draw_glcm_column(s, f, e * 26);
        ImGui::EndChild();
    } else {
        ImGui::BeginChild("##feat_top", ImVec2(0, top_h), false, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NavFlattened);
        if (ImGui::BeginTable("##feat_cols", cols, ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_BordersInnerV)) {
            ImGui::TableSetupColumn("image", ImGuiTableColumnFlags_WidthFixed, image_w);
            ImGui::TableSetupColumn("glcm", cols == 3 ? ImGuiTableColumnFlags_WidthFixed : ImGuiTableColumnFlags_WidthStretch, glcm_w);
            if (cols == 3) ImGui::TableSetupColumn("props", ImGuiTableColumnFlags_WidthStretch);
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            draw_image_column(s, f, caption);
            ImGui::TableNextColumn();
            draw_glcm_column(s, f, top_h);
            if (cols == 3) {
                ImGui::TableNextColumn();
                draw_props_column(s, f);
            }
            ImGui::EndTable();
        }
        ImGui::EndChild();
    }
    if (cols < 3) {
        ImGui::Spacing();
        draw_props_column(s, f);
    }
    ImGui::Spacing();
    draw_distribution(s);
}

}  // namespace app
