// Classify panel: the user's images (PNG/JPG, any size, several at once) go through the BloodMNIST
// path (center crop to 200/360 of the short side, area resize to 28x28) and the current model. Shows
// the crop on the original, the 28x28 input, the 8 probabilities, a low-confidence flag, and a table
// of all images that saves as CSV.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sstream>

#include "app/app.h"
#include "app/shortcuts.h"
#include "app/ui.h"
#include "core/text.h"

namespace app {

static void predict_item(AppState& s, ClassifiedImage& it) {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<float> probs;
    std::string model;
    if (model_predict(s, it.input.data(), probs, model, &it.unsure) && (int)probs.size() == core::kClasses) {
        it.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        it.probs = probs;
        it.top = (int)(std::max_element(probs.begin(), probs.end()) - probs.begin());
        it.model_name = model;
    } else {
        it.probs.clear();
        it.top = -1;
        it.model_name.clear();
    }
}

static void add_item(AppState& s, std::unique_ptr<ClassifiedImage> it) {
    predict_item(s, *it);
    if (it->top >= 0) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s: %s (%.1f%%) in %.2f ms", it->name.c_str(), core::kClassNames[it->top],
                 100.0 * it->probs[it->top], it->ms);
        s.log.info(buf);
    } else {
        s.log.info(it->name + ": ready; no model loaded to classify it");
    }
    s.classify.items.push_back(std::move(it));
    s.classify.selected = (int)s.classify.items.size() - 1;
    s.classify.last_error.clear();
    s.features.source = FeaturesState::FromClassify;
    s.features.computed_key = 0;
    s.show_welcome = false;
}

void classify_image(AppState& s, const std::string& name, const uint8_t* bytes, size_t size) {
    // 40 Mpixel (e.g. 6000 x 6000) keeps decoding under a few seconds and ~200 MB in the browser;
    // a cell image needs far less: BloodMNIST's sources are 360 x 363.
    core::ImageLimits limits;
    limits.max_pixels = 40'000'000;
    auto img = core::decode_image(bytes, size, name, limits);
    if (!img.ok()) {
        s.classify.last_error = img.error;
        std::string hint = img.error.find("larger than") != std::string::npos   ? ". Crop or scale the image to the cell first."
                           : img.error.find("cannot decode") != std::string::npos ? ": the file looks truncated or damaged."
                                                                                   : "";
        notify(s, LogEntry::Error, img.error + hint + " (images already shown are kept)");
        return;
    }
    auto it = std::make_unique<ClassifiedImage>();
    const core::Image& im = img.value;
    it->name = name;
    it->width = im.width;
    it->height = im.height;
    it->crop = core::bloodmnist_crop(im.width, im.height);
    it->input = core::to_bloodmnist(im);
    it->input_tex.upload_rgb(it->input.data(), core::kSide, core::kSide, true);
    // display copy: nearest-neighbour downscale to at most 512 px on the long side
    int maxs = std::max(im.width, im.height);
    int pw = im.width, ph = im.height;
    if (maxs > 512) { pw = std::max(1, im.width * 512 / maxs); ph = std::max(1, im.height * 512 / maxs); }
    if (pw == im.width && ph == im.height) {
        it->preview.upload_rgb(im.rgb.data(), pw, ph, false);
    } else {
        std::vector<uint8_t> small((size_t)pw * ph * 3);
        for (int y = 0; y < ph; ++y) {
            int sy = (int)((int64_t)y * im.height / ph);
            for (int x = 0; x < pw; ++x) {
                int sx = (int)((int64_t)x * im.width / pw);
                std::copy_n(&im.rgb[((size_t)sy * im.width + sx) * 3], 3, &small[((size_t)y * pw + x) * 3]);
            }
        }
        it->preview.upload_rgb(small.data(), pw, ph, false);
    }
    it->preview_w = pw;
    it->preview_h = ph;
    add_item(s, std::move(it));
}

void classify_rgb28(AppState& s, const std::string& name, const uint8_t* rgb28) {
    auto it = std::make_unique<ClassifiedImage>();
    it->name = name;
    it->width = it->height = core::kSide;
    it->crop = core::Crop{0, 0, core::kSide};
    it->input.assign(rgb28, rgb28 + core::kImageBytes);
    it->input_tex.upload_rgb(rgb28, core::kSide, core::kSide, true);
    it->preview.upload_rgb(rgb28, core::kSide, core::kSide, true);
    it->preview_w = it->preview_h = core::kSide;
    add_item(s, std::move(it));
}

void classify_rerun_all(AppState& s) {
    for (auto& it : s.classify.items) predict_item(s, *it);
}

std::string classify_test_image(AppState& s) {
    if (!s.data.loaded || s.data.all.test.size() == 0) return "no test images loaded";
    int i = (int)(s.stats.frames * 7919 % s.data.all.test.size());
    classify_rgb28(s, "test image #" + std::to_string(i) + " (" + core::kClassNames[s.data.all.test.labels[i]] + ")",
                   s.data.all.test.image(i));
    return "";
}

std::string save_predictions_csv(AppState& s) {
    if (!s.platform.save_text) return "this platform cannot save files";
    std::string where = s.platform.save_text("bloodcell_predictions.csv", predictions_csv(s));
    if (where.empty()) {
        notify(s, LogEntry::Error, "Could not save bloodcell_predictions.csv");
        return "could not save bloodcell_predictions.csv";
    }
    notify(s, LogEntry::Info, "Saved the predictions to " + where);
    return "";
}

std::string predictions_csv(const AppState& s) {
    std::ostringstream o;
    o << "file,width,height,predicted,confidence";
    for (int k = 0; k < core::kClasses; ++k) o << ",p_" << core::kClassNames[k];
    o << ",model\n";
    for (const auto& p : s.classify.items) {
        o << core::csv_field(p->name) << "," << p->width << "," << p->height << ",";
        if (p->top >= 0) {
            o << core::kClassNames[p->top] << "," << p->probs[p->top];
            for (float v : p->probs) o << "," << v;
        } else {
            o << ",";
            for (int k = 0; k < core::kClasses; ++k) o << ",";
        }
        o << "," << core::csv_field(p->model_name) << "\n";
    }
    return o.str();
}

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
        shortcut_tooltip("Choose images to classify", shortcut_keys(Shortcut::ChooseImages));
    } else {
        image_path_row(s, e * (welcome ? 28 : 24));
    }
    ImGui::SameLine();
    ImGui::BeginDisabled(!s.data.loaded);
    if (ImGui::Button(welcome ? "  Try a sample image  " : "Try a sample image")) classify_test_image(s);
    ImGui::EndDisabled();
}

static void draw_welcome(AppState& s, float height) {
    const float e = ui::em();
    float w = ImGui::GetContentRegionAvail().x;
    ImVec2 p = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(p, ImVec2(p.x + w, p.y + height), IM_COL32(27, 32, 38, 255), e * 0.6f);
    dl->AddRect(ImVec2(p.x + e, p.y + e), ImVec2(p.x + w - e, p.y + height - e), ImGui::GetColorU32(ImGuiCol_Border), e * 0.6f, 0, 2.0f);
    ImGui::SetCursorScreenPos(ImVec2(p.x + e * 2.5f, p.y + height * 0.5f - e * 6.5f));
    ImGui::BeginGroup();
    ImGui::PushFont(s.font_big);
    ImGui::TextUnformatted("Classify a blood-cell image");
    ImGui::PopFont();
    ImGui::Spacing();
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + std::min(w - e * 5, e * 44));
    ImGui::TextUnformatted(s.platform.pick_files
                               ? "Drop microscope images of single blood cells (PNG or JPG, any size, several at once) onto this "
                                 "window, or choose them with the button. Each image is center-cropped and reduced to 28x28 pixels "
                                 "the way BloodMNIST was made, then the model predicts one of 8 classes. Everything runs locally: "
                                 "no image leaves your machine."
                               : "Drop microscope images of single blood cells (PNG or JPG, any size, several at once) onto this "
                                 "window, pass them on the command line, or type a path below. Each image is center-cropped and reduced to 28x28 pixels "
                           "the way BloodMNIST was made, then the model predicts one of 8 classes. Everything runs locally: "
                           "no image leaves your machine.");
    ImGui::PopTextWrapPos();
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
    ImGui::EndGroup();

    // right: what the eight classes look like (from the loaded data)
    const float col_x = p.x + std::max(e * 48, w * 0.58f);
    if (s.data.loaded && w - (col_x - p.x) > e * 16) {
        ensure_atlas(s.data);
        const float gap = e * 1.2f;
        const float cell = std::min((w - (col_x - p.x) - e * 3) / 4 - gap, e * 7);
        const float y0 = p.y + height * 0.5f - cell - e * 3.2f;
        ImGui::SetCursorScreenPos(ImVec2(col_x, y0));
        ImGui::TextDisabled("The eight classes (click one to classify it)");
        for (int k = 0; k < core::kClasses; ++k) {
            ImGui::SetCursorScreenPos(ImVec2(col_x + (k % 4) * (cell + gap), y0 + e * 1.6f + (k / 4) * (cell + e * 2.2f)));
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
            ImGui::TextColored(class_color_v(k), "%s", core::kClassShortNames[k]);
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", core::kClassNames[k]);
            ImGui::SameLine();
            ImGui::TextDisabled("%s", k == 3 ? "immature" : core::kClassNames[k]);
            ImGui::EndGroup();
        }
    }
    ImGui::SetCursorScreenPos(ImVec2(p.x, p.y + height));
    ImGui::Dummy(ImVec2(w, 0));
}

static void draw_result(AppState& s, ClassifiedImage& it) {
    const float e = ui::em();
    ImGui::PushFont(s.font_title);
    ImGui::TextUnformatted(it.name.c_str());
    ImGui::PopFont();
    ImGui::SameLine(0, e);
    ImGui::SetCursorPosY(ImGui::GetCursorPosY() + e * 0.2f);
    ImGui::TextDisabled("%d x %d pixels  ->  crop %d x %d at (%d, %d)  ->  28 x 28", it.width, it.height, it.crop.side,
                        it.crop.side, it.crop.x0, it.crop.y0);

    // original with the crop square | the model input | prediction and the 8 probabilities
    const float avail_h = ImGui::GetContentRegionAvail().y - e * 1.6f;
    float box = std::max(e * 8, std::min({e * 15, ImGui::GetContentRegionAvail().x * 0.25f, avail_h}));
    float sc = box / std::max(it.preview_w, it.preview_h);
    ImVec2 sz(it.preview_w * sc, it.preview_h * sc);
    ImGui::BeginGroup();
    ImGui::TextDisabled("Original, crop in cyan");
    ImVec2 p = ImGui::GetCursorScreenPos();
    ImGui::Image(it.preview.im(), sz);
    float fx = sz.x / it.width, fy = sz.y / it.height;
    ImGui::GetWindowDrawList()->AddRect(ImVec2(p.x + it.crop.x0 * fx, p.y + it.crop.y0 * fy),
                                        ImVec2(p.x + (it.crop.x0 + it.crop.side) * fx, p.y + (it.crop.y0 + it.crop.side) * fy),
                                        IM_COL32(80, 230, 230, 255), 0, 0, 2.0f);
    ImGui::EndGroup();
    ImGui::SameLine(0, e * 1.2f);
    ImGui::BeginGroup();
    ImGui::TextDisabled("Model input, 28 x 28");
    ImGui::Image(it.input_tex.im(), ImVec2(box * 0.8f, box * 0.8f));
    ImGui::EndGroup();
    ImGui::SameLine(0, e * 1.5f);

    ImGui::BeginGroup();
    if (it.top >= 0) {
        float conf = it.probs[it.top];
        ImGui::PushFont(s.font_big);
        ImGui::TextColored(class_color_v(it.top), "%s", core::kClassNames[it.top]);
        ImGui::PopFont();
        ImGui::Text("%.1f%% probability", 100.0f * conf);
        ImGui::SameLine();
        ImGui::TextDisabled("  %s, %.2f ms", it.model_name.c_str(), it.ms);
        if (conf < s.classify.low_confidence)
            ImGui::TextColored(ImVec4(1.0f, 0.75f, 0.3f, 1.0f), "Low confidence: the model is unsure; check the runner-up classes.");
        ImGui::Spacing();
        // rows shrink (down to one line of text) to fit the card
        float row_h = std::clamp((ImGui::GetContentRegionAvail().y - 4) / core::kClasses, e * 1.25f, e * 1.75f);
        ui::class_bars(it.probs.data(), core::kClasses, 1.0f, "%.3f", std::min(ImGui::GetContentRegionAvail().x, e * 34), it.top,
                       nullptr, row_h);
    } else {
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
    ImGui::EndGroup();
}

void draw_classify_panel(AppState& s) {
    ClassifyState& c = s.classify;
    const float e = ui::em();
    if (c.items.empty()) {
        draw_welcome(s, ImGui::GetContentRegionAvail().y);
        return;
    }
    // toolbar
    draw_image_sources(s, false);
    ImGui::SameLine();
    if (s.platform.save_text && ImGui::Button("Save table as CSV")) save_predictions_csv(s);
    ImGui::SameLine();
    if (ImGui::Button("Clear")) { c.items.clear(); c.selected = -1; return; }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(e * 9);
    ImGui::SliderFloat("low-confidence below", &c.low_confidence, 0.3f, 0.95f, "%.2f");
    ImGui::SameLine();
    if (ImGui::Checkbox("8 views", &c.tta)) classify_rerun_all(s);
    ui::help_marker("Average the predictions over the 8 flips and 90-degree rotations of the input: cells have no "
                    "orientation, so this is usually a little more accurate (8x the work).");
    ImGui::Spacing();

    if (c.selected < 0 || c.selected >= (int)c.items.size()) c.selected = (int)c.items.size() - 1;
    ui::begin_card("##result", ImVec2(0, std::max(e * 19.5f, ImGui::GetContentRegionAvail().y * 0.55f)));
    draw_result(s, *c.items[c.selected]);
    ui::end_card();

    ImGui::Spacing();
    ImGui::TextDisabled("%d image(s); click a row to show it", (int)c.items.size());
    ImGuiTableFlags tf = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY |
                         ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingStretchProp;
    if (ImGui::BeginTable("##preds", 5, tf, ImVec2(0, 0))) {
        ImGui::TableSetupScrollFreeze(0, 1);
        ImGui::TableSetupColumn("image", ImGuiTableColumnFlags_WidthStretch, 3);
        ImGui::TableSetupColumn("size", ImGuiTableColumnFlags_WidthStretch, 1);
        ImGui::TableSetupColumn("prediction", ImGuiTableColumnFlags_WidthStretch, 1.6f);
        ImGui::TableSetupColumn("confidence", ImGuiTableColumnFlags_WidthStretch, 1);
        ImGui::TableSetupColumn("ms", ImGuiTableColumnFlags_WidthStretch, 0.7f);
        ImGui::TableHeadersRow();
        for (int i = (int)c.items.size() - 1; i >= 0; --i) {
            auto& it = *c.items[i];
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::PushID(i);
            if (ImGui::Selectable(it.name.c_str(), c.selected == i, ImGuiSelectableFlags_SpanAllColumns)) c.selected = i;
            ImGui::PopID();
            ImGui::TableNextColumn();
            ImGui::Text("%d x %d", it.width, it.height);
            ImGui::TableNextColumn();
            if (it.top >= 0) ImGui::TextColored(class_color_v(it.top), "%s", core::kClassNames[it.top]);
            else ImGui::TextDisabled(asset_state(s, ".bcm") == AssetState::Coming ? "model loading ..." : "no model");
            ImGui::TableNextColumn();
            if (it.top >= 0) {
                float conf = it.probs[it.top];
                if (conf < c.low_confidence) ImGui::TextColored(ImVec4(1.0f, 0.75f, 0.3f, 1.0f), "%.1f%%  low", 100 * conf);
                else ImGui::Text("%.1f%%", 100 * conf);
            }
            ImGui::TableNextColumn();
            if (it.top >= 0) ImGui::Text("%.2f", it.ms);
        }
        ImGui::EndTable();
    }
}

}  // namespace app
