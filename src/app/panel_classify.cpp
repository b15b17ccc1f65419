// Classify panel: the user's images (PNG/JPG, any size, several at once) go through the BloodMNIST
// path (center crop to 200/360 of the short side, area resize to 28x28) and the current model
// (classify.cpp). Shows the crop on the original, the 28x28 input, the 8 probabilities, the unsure
// flag and the reviewer's buttons; the toolbar exports the review (CSV, report), clears it (asking
// first; Undo) and filters it. The review table and the differential are in panel_review.cpp.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "app/app.h"
#include "app/explain_view.h"
#include "app/labelled.h"
#include "app/inspect.h"
#include "app/shortcuts.h"
#include "app/ui.h"

namespace app {

using ui::button_w;
using ui::checkbox_w;
using ui::same_line_if_fits;

// The desktop's stand-in for the file chooser: a path field (Ctrl+O puts the focus there).
static void image_path_row(AppState& s, float width) {
    ImGui::BeginChild("##pathrow", ImVec2(width, ImGui::GetFrameHeight()), false,
                      ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NavFlattened);
    if (s.focus_path) {
        ImGui::SetKeyboardFocusHere();
        s.focus_path = false;
    }
    path_open_row(s, s.classify.path_ui, "/path/to/cell.png", "images");
    ImGui::EndChild();
}

// Where images come from: the file picker (web) or a path box (desktop), and a sample image from the
// loaded data; roomier on the welcome screen than in the toolbar.
static void draw_image_sources(AppState& s, bool welcome) {
    const float e = ui::em();
    if (s.platform.pick_files) {
        if (ui::primary_button(welcome ? "  Choose images ...  " : "Add images ..."))
            s.platform.pick_files("image/*,.png,.jpg,.jpeg,.bmp", true, "images");
        ui::mark_item("classify.choose");
        shortcut_tooltip("Choose images to classify", shortcut_keys(Shortcut::ChooseImages));
    } else {
        image_path_row(s, e * (welcome ? 28 : 24));
    }
    const char* sample = welcome ? "  Try a sample image  " : "Try a sample image";
    ui::same_line_if_fits(ui::button_w(sample));
    ImGui::BeginDisabled(!s.data.loaded);
    if (ImGui::Button(sample)) classify_test_image(s);
    ImGui::EndDisabled();
    ui::mark_item("classify.sample");
    ui::hover_help("Classify an image of the loaded data's test split (its true class is in its name): one the models never "
                   "trained on, so you can see whether the prediction is right.");
    ui::same_line_if_fits(ui::button_w("Labelled images ..."));
    if (ImGui::Button("Labelled images ...")) labelled_state(s).open = true;
    ui::hover_help("Your own labelled images (a .zip or a folder of class folders): the model's accuracy on them, and fine-tuning");
}

// The width of the longest single word of the eight class names: a wrapped name needs this much to
// break only between words.
static float longest_class_word_w() {
    float w = 0;
    for (int k = 0; k < core::kClasses; ++k) {
        const char* a = core::kClassNames[k];
        while (*a) {
            const char* b = a;
            while (*b && *b != ' ') ++b;
            w = std::max(w, ImGui::CalcTextSize(a, b).x);
            a = *b ? b + 1 : b;
        }
    }
    return w;
}

// The eight classes' examples in 4 columns over `room` px from `at` (its y is the middle of the two
// rows), each name wrapped under its tile within its column (word_w: the longest word of a name).
static void draw_class_examples(AppState& s, ImVec2 at, float room, float word_w) {
    const float e = ui::em(), gap_min = e * 0.6f;
    ensure_atlas(s.data);
    const float col_x = at.x;
    const float pitch = room / 4;  // tile + gap, or name + gap, whichever is wider
    const float cell = std::min(pitch - e * 1.2f, e * 7);
    const float label_w = pitch - gap_min;
    const float row = cell + e * 3.4f;  // a tile and two lines of its name ("immature / granulocyte")
    const float y0 = at.y - row - e * 0.8f;
    ImGui::SetCursorScreenPos(ImVec2(col_x, y0));
    ImGui::TextDisabled("The eight classes (click one to classify it)");
    for (int k = 0; k < core::kClasses; ++k) {
        const float x = col_x + (k % 4) * pitch;
        ImGui::SetCursorScreenPos(ImVec2(x, y0 + e * 1.6f + (k / 4) * row));
        ImGui::BeginGroup();
        if (!s.data.by_class[k].empty()) {
            ImVec2 uv0(0, (float)k / core::kClasses), uv1(1.0f / kGalleryCols, (float)(k + 1) / core::kClasses);
            ImGui::PushID(k);
            if (ImGui::ImageButton(s.data.atlas.im(), ImVec2(cell, cell), uv0, uv1, 0)) {
                int idx = s.data.by_class[k][0];
                classify_rgb28(s, std::string(core::kClassNames[k]) + " example from the data", s.data.view.image(idx));
            }
            ImGui::PopID();
        } else {
            ImGui::Dummy(ImVec2(cell, cell));
        }
        // the whole name, wrapped under its tile ("IG immature" was all there was room for)
        ImGui::PushTextWrapPos(x - ImGui::GetWindowPos().x + ImGui::GetScrollX() + label_w);
        ImGui::TextColored(class_color_v(k), "%s", core::kClassNames[k]);
        ImGui::PopTextWrapPos();
        ui::report_cut(std::string("class name '") + core::kClassNames[k] + "' under its example", word_w, label_w);
        ImGui::EndGroup();
    }
}

static void draw_welcome(AppState& s, float height) {
    const float e = ui::em();
    float w = ImGui::GetContentRegionAvail().x;
    ImVec2 p = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(p, ImVec2(p.x + w, p.y + height), IM_COL32(27, 32, 38, 255), e * 0.6f);
    dl->AddRect(ImVec2(p.x + e, p.y + e), ImVec2(p.x + w - e, p.y + height - e), ImGui::GetColorU32(ImGuiCol_Border), e * 0.6f, 0, 2.0f);
    // The examples' column on the right (drawn below): four columns, each at least as wide as the
    // longest word of a class name ("erythroblast"), so that no name breaks inside a word (it read
    // "basop/hil" at 1024 px). Where that leaves the text less than 30 em, there is no column.
    const float word_w = longest_class_word_w(), gap_min = e * 0.6f;
    const float col_need = 4 * (word_w + gap_min) + e * 3;
    float col_off = std::max(e * 48, w * 0.58f);
    if (w - col_off < col_need) col_off = std::max(e * 30, w - col_need);
    const bool col_fits = w - col_off >= col_need;
    ImGui::SetCursorScreenPos(ImVec2(p.x + e * 2.5f, p.y + height * 0.5f - e * 6.5f));
    ImGui::BeginGroup();
    // everything wraps at the same right edge, the buttons too (ui::same_line_if_fits follows it)
    float wrap = std::min(w - e * 5, e * 44);
    if (col_fits) wrap = std::min(wrap, col_off - e * 4);
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + wrap);
    ImGui::PushFont(s.font_big);
    ImGui::TextUnformatted("Classify a blood-cell image");
    ImGui::PopFont();
    ImGui::Spacing();
    ImGui::TextUnformatted(s.platform.pick_files
                               ? "Drop microscope images of single blood cells (PNG or JPG, any size, several at once) onto this "
                                 "window, or choose them with the button. Each image is center-cropped and reduced to 28x28 pixels "
                                 "the way BloodMNIST was made, then the model predicts one of 8 classes. Everything runs locally: "
                                 "no image leaves your machine."
                               : "Drop microscope images of single blood cells (PNG or JPG, any size, several at once) onto this "
                                 "window, pass them on the command line, or type a path below. Each image is center-cropped and reduced to 28x28 pixels "
                           "the way BloodMNIST was made, then the model predicts one of 8 classes. Everything runs locally: "
                           "no image leaves your machine.");
    ImGui::Spacing();
    ImGui::Spacing();
    draw_image_sources(s, true);
    ImGui::Spacing();
    std::string why;
    AssetState pre = model_ready(s) ? AssetState::None : asset_state(s, ".bcm", &why);
    if (pre == AssetState::Coming) ImGui::TextDisabled("Model: loading the pretrained model (%s) ...", why.c_str());
    else if (pre == AssetState::Failed) ImGui::TextColored(ImVec4(1.0f, 0.55f, 0.55f, 1.0f), "Model: none (could not load %s)", why.c_str());
    else ImGui::TextDisabled("Model: %s", model_summary(s).c_str());
    ImGui::TextDisabled("Then explore the Data, Features and Train tabs: pick a subset, watch a model learn, compare models.");
    ImGui::PopTextWrapPos();
    ImGui::EndGroup();

    // right: what the eight classes look like (from the loaded data)
    if (s.data.loaded && col_fits) draw_class_examples(s, ImVec2(p.x + col_off, p.y + height * 0.5f), w - col_off - e * 3, word_w);
    ImGui::SetCursorScreenPos(ImVec2(p.x, p.y + height));
    ImGui::Dummy(ImVec2(w, 0));
}

// The reviewer's buttons for the shown row: Accept (Enter) and the 8 classes (keys 1-8).
static void draw_review_buttons(AppState& s, int row) {
    const ReviewRow& r = s.classify.review.at(row);
    if (r.reviewed < 0) ImGui::TextDisabled("Not reviewed:");
    else if (r.relabelled()) ImGui::TextColored(ImVec4(1.0f, 0.55f, 0.55f, 1.0f), "Relabelled to %s:", core::kClassNames[r.reviewed]);
    else ImGui::TextColored(ImVec4(0.5f, 0.9f, 0.6f, 1.0f), "Accepted:");
    ImGui::SameLine();
    if (ImGui::SmallButton("Accept")) review_accept(s, row), review_move(s, +1);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("The model is right (Enter); then the next row");
    for (int k = 0; k < core::kClasses; ++k) {
        char label[32];
        snprintf(label, sizeof label, "%d %s##relabel%d", k + 1, core::kClassShortNames[k], k);
        same_line_if_fits(button_w(label));
        const bool on = r.reviewed == k;
        ImGui::PushStyleColor(ImGuiCol_Text, on ? ImVec4(0.05f, 0.05f, 0.05f, 1.0f) : class_color_v(k));
        if (on) ImGui::PushStyleColor(ImGuiCol_Button, class_color_v(k));
        if (ImGui::SmallButton(label)) review_relabel(s, row, k), review_move(s, +1);
        ImGui::PopStyleColor(on ? 2 : 1);
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("It is a %s (key %d); then the next row", core::kClassNames[k], k + 1);
    }
}

static void draw_prediction(AppState& s, const ReviewRow& it, int row) {
    const float e = ui::em();
    if (it.predicted >= 0) {
        float conf = it.confidence();
        ImGui::PushFont(s.font_big);
        ImGui::TextColored(class_color_v(it.predicted), "%s", core::kClassNames[it.predicted]);
        ImGui::PopFont();
        ui::mark_item("classify.class");
        ImGui::Text("%.1f%% probability", 100.0f * conf);
        char by[160];
        snprintf(by, sizeof by, "%s, %.2f ms", it.model.c_str(), it.ms);
        ui::same_line_if_fits(ImGui::CalcTextSize(by).x, e);
        ImGui::TextDisabled("%s", by);
        if (it.unsure)
            ImGui::TextColored(ImVec4(1.0f, 0.75f, 0.3f, 1.0f), "Unsure (below %.0f%%): check the runner-up classes.",
                               100.0f * unsure_threshold(s));
        draw_review_buttons(s, row);
        ImGui::Spacing();
        // rows shrink (down to one line of text) to fit the card
        float row_h = std::clamp((ImGui::GetContentRegionAvail().y - 4) / core::kClasses, e * 1.25f, e * 1.75f);
        ui::class_bars(it.probs.data(), core::kClasses, 1.0f, "%.3f", std::min(ImGui::GetContentRegionAvail().x, e * 34), it.predicted,
                       nullptr, row_h);
        return;
    }
    ImGui::TextDisabled("Prediction");
    std::string why;
    AssetState pre = asset_state(s, ".bcm", &why);
    if (pre == AssetState::Coming) {
        ImGui::TextWrapped("The pretrained model is loading (%s) ...", why.c_str());
        ImGui::TextDisabled("This image is classified as soon as it arrives.");
    } else {
        ImGui::TextWrapped("No model is loaded yet.");
        if (pre == AssetState::Failed) ImGui::TextWrapped("Could not load %s.", why.c_str());
        ImGui::TextDisabled("Train one in the Train tab or load a .bcm file in the Compare tab.");
    }
}

// The original with the crop square; the square can be dragged (when this run has the original) and
// the image is classified again from the new crop when it is let go.
static void draw_original(AppState& s, int row, ImVec2 sz) {
    ClassifyState& c = s.classify;
    const ReviewRow& it = c.review.at(row);
    const ImageView& v = *classify_view(s, row);
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImGui::Image(v.preview.im(), sz);
    s.layout.original = ImVec4(p.x, p.y, sz.x, sz.y);
    if (!v.original || it.width <= 0 || it.height <= 0) return;
    const float fx = sz.x / it.width, fy = sz.y / it.height;
    core::Crop crop = it.crop;
    if (!v.original_rgb.empty()) {
        ImGui::SetCursorScreenPos(p);
        ImGui::InvisibleButton("##crop", sz);
        if (ImGui::IsItemActivated()) c.drag_start = c.drag_crop = it.crop, c.dragging_crop = true;
        if (c.dragging_crop && ImGui::IsItemActive()) {
            const ImVec2 d = ImGui::GetMouseDragDelta(0, 0.0f);
            c.drag_crop.x0 = std::clamp(c.drag_start.x0 + (int)std::lround(d.x / fx), 0, std::max(0, it.width - it.crop.side));
            c.drag_crop.y0 = std::clamp(c.drag_start.y0 + (int)std::lround(d.y / fy), 0, std::max(0, it.height - it.crop.side));
            crop = c.drag_crop;
        }
        if (ImGui::IsItemDeactivated() && c.dragging_crop) {
            c.dragging_crop = false;
            if (c.drag_crop.x0 != it.crop.x0 || c.drag_crop.y0 != it.crop.y0) classify_recrop(s, row, c.drag_crop);
        }
        if (ImGui::IsItemHovered() && !ImGui::IsItemActive()) ImGui::SetTooltip("Drag the square onto the cell: the image is classified again");
    }
    if (s.classify.heat && !v.heat.empty() && !c.dragging_crop)  // the map belongs to the crop the model saw
        draw_heat(ImGui::GetWindowDrawList(), ImVec2(p.x + crop.x0 * fx, p.y + crop.y0 * fy),
                  ImVec2(p.x + (crop.x0 + crop.side) * fx, p.y + (crop.y0 + crop.side) * fy), v.heat.data());
    ImGui::GetWindowDrawList()->AddRect(ImVec2(p.x + crop.x0 * fx, p.y + crop.y0 * fy),
                                        ImVec2(p.x + (crop.x0 + crop.side) * fx, p.y + (crop.y0 + crop.side) * fy),
                                        IM_COL32(80, 230, 230, 255), 0, 0, 2.0f);
}

static void draw_result(AppState& s, int row) {
    const float e = ui::em();
    const ReviewRow& it = s.classify.review.at(row);
    ImageView& v = *classify_view(s, row);
    ImGui::PushFont(s.font_title);
    ui::wrapped(it.file.c_str());
    ImGui::PopFont();
    char path[160];
    snprintf(path, sizeof path, "%d x %d pixels  ->  crop %d x %d at (%d, %d)  ->  28 x 28", it.width, it.height, it.crop.side,
             it.crop.side, it.crop.x0, it.crop.y0);
    if (ImGui::GetItemRectMax().x + e + ImGui::CalcTextSize(path).x <= ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x) {
        ImGui::SameLine(0, e);
        ImGui::SetCursorPosY(ImGui::GetCursorPosY() + e * 0.2f);
    }
    ui::wrapped(path, true);

    // original with the crop square | the model input | prediction and the 8 probabilities; on a
    // narrow window (a phone) the prediction goes under the two images
    const float w = ImGui::GetContentRegionAvail().x, avail_h = ImGui::GetContentRegionAvail().y - e * 1.6f;
    const bool stacked = ui::narrow(w, 40);
    float box = std::max(e * 6, std::min({e * 15, w * (stacked ? 0.5f : 0.25f), stacked ? e * 15 : avail_h}));
    float sc = box / std::max(1, std::max(v.preview_w, v.preview_h));
    ImVec2 sz(v.preview_w * sc, v.preview_h * sc);
    const bool heat = s.classify.heat && classify_heat(s, row);
    ImGui::BeginGroup();
    ImGui::TextDisabled(!v.original ? "The crop (thumbnail only)" : v.original_rgb.empty() ? "Original, crop in cyan" : "Original: drag the crop");
    draw_original(s, row, sz);
    const std::string note = classify_recrop_note(s.classify, row);
    if (!note.empty()) {  // plainly, under the image: this crop stays where it is
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + std::max(sz.x, e * 9));
        ImGui::TextDisabled("%s", note.c_str());
        ImGui::PopTextWrapPos();
        ui::mark_item("classify.recrop_note");
    }
    ImGui::EndGroup();
    ImGui::SameLine(0, e * 1.2f);
    ImGui::BeginGroup();
    ImGui::TextDisabled("Model input, 28 x 28");
    ImGui::Image(v.input_tex.im(), ImVec2(box * 0.8f, box * 0.8f));
    if (heat) {
        draw_heat(ImGui::GetWindowDrawList(), ImGui::GetItemRectMin(), ImGui::GetItemRectMax(), v.heat.data());
        ui::mark_item("classify.heat");
        char why[96];
        snprintf(why, sizeof why, "Bright: the pixels that moved the %s score most", core::kClassNames[v.heat_cls]);
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + box * 0.8f);
        ImGui::TextDisabled("%s", why);
        ImGui::PopTextWrapPos();
    } else if (s.classify.heat && !v.heat_error.empty()) {
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + box * 0.8f);
        ImGui::TextDisabled("No heat map: %s", v.heat_error.c_str());
        ImGui::PopTextWrapPos();
    }
    ImGui::EndGroup();
    if (!stacked) ImGui::SameLine(0, e * 1.5f);
    ImGui::BeginGroup();
    draw_prediction(s, it, row);
    ImGui::EndGroup();
}

// Clear asks first; what it cleared can be brought back (Undo).
static void draw_clear_buttons(AppState& s) {
    ClassifyState& c = s.classify;
    if (c.review.size() > 0 && ImGui::Button("Clear ...")) c.confirm_clear = true;
    if (c.review.size() > 0) ui::hover_help("Remove every image from the table (it asks first; Undo brings them back)");
    if (c.confirm_clear) {
        ImGui::OpenPopup("Clear the review?");
        c.confirm_clear = false;
    }
    if (ImGui::BeginPopupModal("Clear the review?", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
        const Differential d = c.review.differential();
        ImGui::Text("Remove all %d images from the table (%d reviewed)?", d.images, d.reviewed);
        ImGui::TextDisabled("Undo brings them back.");
        if (ImGui::Button("Clear")) {
            review_clear(s);
            ImGui::CloseCurrentPopup();
        }
        ImGui::SameLine();
        if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetIO().KeyMap[ImGuiKey_Escape])) ImGui::CloseCurrentPopup();
        ImGui::EndPopup();
    }
    if (c.review.can_undo_clear()) {
        if (c.review.size() > 0) ImGui::SameLine();
        char label[64];
        snprintf(label, sizeof label, "Undo clear (%d)", c.review.cleared_count());
        if (ImGui::Button(label)) review_undo_clear(s);
    }
}

static void draw_toolbar(AppState& s) {
    ClassifyState& c = s.classify;
    draw_image_sources(s, false);
    if (s.platform.save_text) {
        same_line_if_fits(button_w("Export CSV"));
        if (ImGui::Button("Export CSV")) save_predictions_csv(s);
        ui::hover_help("One row per image: prediction, probabilities, unsure, your label, model and date");
        same_line_if_fits(button_w("Report"));
        if (ImGui::Button("Report")) save_review_report(s);
        ui::hover_help("A one-page printable report (HTML): the differential, the model, the reviewed and unsure images");
    }
    same_line_if_fits(button_w("Clear ...") + (c.review.can_undo_clear() ? button_w("Undo clear (000)") : 0));
    draw_clear_buttons(s);
    same_line_if_fits(checkbox_w("unsure only"));
    bool unsure = c.review.unsure_only();
    if (ImGui::Checkbox("unsure only", &unsure)) review_unsure_only(s, unsure);
    ui::hover_help("List only the predictions the model is unsure of (top probability below the threshold chosen on the "
                   "validation split): the images a person should look at first.");
    same_line_if_fits(checkbox_w("8 views") + ImGui::CalcTextSize("(?)").x + ImGui::GetStyle().ItemSpacing.x);
    if (ImGui::Checkbox("8 views", &c.tta)) classify_rerun_all(s);
    ui::help_marker("Average the predictions over the 8 flips and 90-degree rotations of the input: cells have no "
                    "orientation, so this is usually a little more accurate (8x the work).");
    same_line_if_fits(checkbox_w("why? (heat map)") + ImGui::CalcTextSize("(?)").x + ImGui::GetStyle().ItemSpacing.x);
    ImGui::Checkbox("why? (heat map)", &c.heat);
    ui::mark_item("classify.heat_toggle");
    ui::help_marker("Why did it say that: colours the pixels that drove the prediction, on the model input and on the "
                    "crop. Bright pixels are those where a small change moves the predicted class's score most (the "
                    "gradient of that score with respect to each input pixel). Networks only: a model on GLCM "
                    "features has no per-pixel gradient.");
}

void draw_classify_panel(AppState& s) {
    ClassifyState& c = s.classify;
    const float e = ui::em();
    if (s.labelled && s.labelled->open) return draw_labelled_view(s);
    if (c.review.size() == 0) {
        if (c.review.can_undo_clear()) draw_clear_buttons(s);
        draw_batch_progress(s);
        draw_welcome(s, ImGui::GetContentRegionAvail().y);
        return;
    }
    draw_toolbar(s);
    draw_batch_progress(s);
    ImGui::Spacing();
    if (c.selected < 0 || c.selected >= c.review.size()) c.selected = c.review.size() - 1;
    review_keys(s);
    // half the panel, up to 19.5 em more when there is room (the card scrolls in a small window)
    const float avail = ImGui::GetContentRegionAvail().y;
    const bool phone = ui::narrow(ImGui::GetContentRegionAvail().x, 40);  // the result stacks: more height
    ui::begin_card("##result", ImVec2(0, phone ? avail * 0.72f : std::max(std::min(e * 19.5f, avail * 0.58f), avail * 0.5f)));
    draw_result(s, c.selected);
    ui::end_card();
    ImGui::Spacing();
    draw_review_area(s);
}

}  // namespace app
