// Filters, activations and misclassified images of a training network (train_views.h).
#include "app/train_views.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "app/app.h"
#include "app/explain_view.h"
#include "app/inspect.h"
#include "app/ui.h"
#include "app/widgets.h"
#include "core/metrics.h"

namespace app {

void TrainViews::reset() {
    cell = -1;
    behind.clear();
    behind_key = 0;
    act_image = 0;
    refreshed_t = -1;
    filters_n = acts_n = 0;
}

void TrainViews::release() {
    conf_tex.release();
    filters_tex.release();
    acts_tex.release();
    behind_tex.release();
}

void refresh_filters(TrainViews& t, core::Model& m) {
    if (m.spec().family != core::Family::nn) { t.filters_n = 0; return; }
    core::nn::Network& net = m.network();
    for (int li = 0; li < net.layer_count(); ++li) {
        core::nn::Layer& L = net.layer(li);
        auto ps = L.params();
        if (ps.empty()) continue;
        const std::vector<float>& W = ps[0]->value;
        const core::nn::Shape in = net.input_shape();  // the first layer with weights sees the image (flatten has none)
        if (L.kind() == core::nn::LayerKind::conv2d) {
            int cin = in.c, cout = (int)(ps[1]->value.size());
            int k = (int)std::lround(std::sqrt((double)W.size() / cout / cin));
            int cols = 8, rows = (cout + cols - 1) / cols, tile = k + 1;
            std::vector<uint8_t> rgb((size_t)(cols * tile) * (rows * tile) * 3, 30);
            for (int f = 0; f < cout; ++f) {
                float lo = 1e30f, hi = -1e30f;
                for (int q = 0; q < k * k * cin; ++q) { float v = W[(size_t)q * cout + f]; lo = std::min(lo, v); hi = std::max(hi, v); }
                float sc = hi > lo ? 255.0f / (hi - lo) : 0;
                int ox = (f % cols) * tile, oy = (f / cols) * tile;
                for (int y = 0; y < k; ++y)
                    for (int x = 0; x < k; ++x)
                        for (int c = 0; c < 3; ++c) {
                            int ci = cin == 3 ? c : 0;
                            float v = W[(size_t)((y * k + x) * cin + ci) * cout + f];
                            rgb[((size_t)(oy + y) * cols * tile + ox + x) * 3 + c] = (uint8_t)std::lround((v - lo) * sc);
                        }
            }
            t.filters_tex.upload_rgb(rgb.data(), cols * tile, rows * tile, true);
            t.filters_rgb = true;
            t.filters_cols = cols;
            t.filters_n = cout;
            t.filters_tile = tile;
        } else if (L.kind() == core::nn::LayerKind::dense && in.h == 28 && in.w == 28) {
            int F = in.size(), U = (int)ps[1]->value.size(), n = std::min(U, 32), cols = 8, rows = (n + cols - 1) / cols, tile = 29;
            std::vector<float> v((size_t)(cols * tile) * (rows * tile), 0.f);
            for (int u = 0; u < n; ++u) {
                float mx = 1e-12f;
                for (int f = 0; f < F; ++f) mx = std::max(mx, std::fabs(W[(size_t)f * U + u]));
                int ox = (u % cols) * tile, oy = (u / cols) * tile;
                for (int y = 0; y < 28; ++y)
                    for (int x = 0; x < 28; ++x)
                        v[(size_t)(oy + y) * cols * tile + ox + x] = W[(size_t)((y * 28 + x) * in.c) * U + u] / mx;
            }
            t.filters_tex.upload_r32f(v.data(), cols * tile, rows * tile);
            t.filters_rgb = false;
            t.filters_cols = cols;
            t.filters_n = n;
            t.filters_tile = tile;
        } else {
            t.filters_n = 0;
        }
        return;
    }
    t.filters_n = 0;
}

void refresh_activations(TrainViews& t, core::Model& m, const uint8_t* rgb28) {
    t.acts_n = 0;
    if (m.spec().family != core::Family::nn || !rgb28) return;
    core::nn::Network& net = m.network();
    core::nn::Tensor x;
    core::images_to_tensor(rgb28, 1, m.spec().input, x);
    core::nn::Context ctx;
    net.forward(x, ctx);
    // the output of the first ReLU that follows a convolution: (H, W, C)
    int pick = -1;
    bool seen_conv = false;
    for (int li = 0; li < net.layer_count(); ++li) {
        auto k = net.layer(li).kind();
        if (k == core::nn::LayerKind::conv2d) seen_conv = true;
        if (k == core::nn::LayerKind::relu && seen_conv) { pick = li + 1; break; }
    }
    if (pick < 0) return;
    const core::nn::Tensor& a = net.activation(pick);
    int H = a.s.h, W = a.s.w, C = std::min(a.s.c, 32);
    if (H < 4) return;
    int cols = 8, rows = (C + cols - 1) / cols, tile = W + 2;
    std::vector<float> v((size_t)(cols * tile) * (rows * (H + 2)), 0.f);
    for (int c = 0; c < C; ++c) {
        float mx = 1e-12f;
        for (int i = 0; i < H * W; ++i) mx = std::max(mx, a.v[(size_t)i * a.s.c + c]);
        int ox = (c % cols) * tile, oy = (c / cols) * (H + 2);
        for (int y = 0; y < H; ++y)
            for (int x = 0; x < W; ++x) v[(size_t)(oy + y) * cols * tile + ox + x] = a.v[(size_t)(y * W + x) * a.s.c + c] / mx;
    }
    t.acts_tex.upload_r32f(v.data(), cols * tile, rows * (H + 2));
    t.acts_cols = cols;
    t.acts_n = C;
    t.acts_side = H;
}

void update_views(TrainViews& t, core::Model& m, const core::Dataset& val, double now) {
    if (now - t.refreshed_t <= 0.5) return;
    t.refreshed_t = now;
    refresh_filters(t, m);
    if (val.size() > 0) refresh_activations(t, m, val.image(std::min(t.act_image, val.size() - 1)));
}

static void draw_filters(TrainViews& t, float tile_side) {
    if (t.filters_n > 0) {
        ImGui::BeginGroup();
        // titles wrap at their grid's width (they ran into the grid beside them)
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + t.filters_cols * (tile_side + 3));
        ImGui::TextUnformatted(t.filters_rgb ? "First-layer filters (RGB, each scaled to its range)" : "First-layer weights (32 units)");
        ImGui::PopTextWrapPos();
        ImDrawList* dl = ImGui::GetWindowDrawList();
        ImVec2 p = ImGui::GetCursorScreenPos();
        const int tile = t.filters_tile, cols = t.filters_cols;
        const float tw = (float)t.filters_tex.width(), th = (float)t.filters_tex.height();
        HeatmapStyle hs;
        hs.cmap = kDiverging;
        hs.vmin = -1;
        hs.vmax = 1;
        for (int f = 0; f < t.filters_n; ++f) {
            int cx = f % cols, cy = f / cols;
            ImVec2 q(p.x + cx * (tile_side + 3), p.y + cy * (tile_side + 3));
            ImVec2 uv0(cx * tile / tw, cy * tile / th), uv1((cx * tile + tile - 1) / tw, (cy * tile + tile - 1) / th);
            if (t.filters_rgb) dl->AddImage(t.filters_tex.im(), q, ImVec2(q.x + tile_side, q.y + tile_side), uv0, uv1);
            else {
                // heatmap_draw covers the whole texture; draw the sub-rectangle through a clip
                float fw = tile_side * tw / (tile - 1), fh = tile_side * th / (tile - 1);
                ImVec2 o(q.x - uv0.x * fw, q.y - uv0.y * fh);
                dl->PushClipRect(q, ImVec2(q.x + tile_side, q.y + tile_side), true);
                heatmap_draw(dl, t.filters_tex, o, ImVec2(o.x + fw, o.y + fh), hs);
                dl->PopClipRect();
            }
        }
        int rows = (t.filters_n + cols - 1) / cols;
        ImGui::Dummy(ImVec2(cols * (tile_side + 3), rows * (tile_side + 3)));
        ImGui::EndGroup();
    }
}

static void draw_activations(TrainViews& t, const core::Dataset& val, float tile_side) {
    const float e = ui::em();
    if (t.acts_n > 0) {
        ImGui::BeginGroup();
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + t.acts_cols * (tile_side + 3));
        ImGui::TextWrapped("Activations after the first ReLU (validation image %d)", t.act_image);
        ImGui::PopTextWrapPos();
        ImDrawList* dl = ImGui::GetWindowDrawList();
        ImVec2 p = ImGui::GetCursorScreenPos();
        const int cols = t.acts_cols, H = t.acts_side;
        const float tw = (float)t.acts_tex.width(), th = (float)t.acts_tex.height();
        const float tile_w = tw / cols, tile_h = H + 2.0f;
        HeatmapStyle hs;
        hs.cmap = kViridis;
        for (int c = 0; c < t.acts_n; ++c) {
            int cx = c % cols, cy = c / cols;
            ImVec2 q(p.x + cx * (tile_side + 3), p.y + cy * (tile_side + 3));
            float fw = tile_side * tw / H, fh = tile_side * th / H;
            ImVec2 o(q.x - cx * tile_w / tw * fw, q.y - cy * tile_h / th * fh);
            dl->PushClipRect(q, ImVec2(q.x + tile_side, q.y + tile_side), true);
            heatmap_draw(dl, t.acts_tex, o, ImVec2(o.x + fw, o.y + fh), hs);
            dl->PopClipRect();
        }
        int rows = (t.acts_n + cols - 1) / cols;
        ImGui::Dummy(ImVec2(cols * (tile_side + 3), rows * (tile_side + 3)));
        ImGui::SetNextItemWidth(e * 8);
        ui::slider_int("image##act", &t.act_image, 0, std::max(0, val.size() - 1));
        ui::hover_help("Which validation image the activations above are of");
        ImGui::EndGroup();
    }

}

void draw_filters_and_activations(TrainViews& t, const core::Dataset& val, float w) {
    const float e = ui::em();
    // side by side, or one under the other when tiles would be smaller than a line of text
    const bool beside = (w - e * 3) / 2 / 8 - 3 >= e;
    const float tile_side = std::floor(std::min(e * 2.6f, (beside ? (w - e * 3) / 2 : w) / 8 - 3));
    draw_filters(t, tile_side);
    if (t.filters_n > 0 && t.acts_n > 0) {
        if (beside) ImGui::SameLine(0, e * 1.5f);
        else ImGui::Spacing();
    }
    draw_activations(t, val, tile_side);
}

// [SECTION] the images behind the confusion matrix
void update_behind(TrainViews& v, const core::Evaluation& ev, const core::Dataset& val) {
    const bool usable = (int)ev.predicted.size() == ev.n && ev.n == val.size();
    uint64_t key = 1469598103934665603ULL;  // FNV-1a over the predictions, the cell and the size
    auto mix = [&](uint64_t x) { key = (key ^ x) * 1099511628211ULL; };
    for (uint8_t p : ev.predicted) mix(p);
    mix((uint64_t)(v.cell + 2));
    mix((uint64_t)val.size() << 1 | (usable ? 1 : 0));
    if (key == v.behind_key) return;
    v.behind_key = key;
    v.behind.clear();
    if (!usable) return;
    for (int i = 0; i < ev.n; ++i) {
        const int t = val.labels[i], p = ev.predicted[i];
        if (v.cell < 0 ? t != p : t * core::kClasses + p == v.cell) v.behind.push_back(i);
    }
    const int n = std::min((int)v.behind.size(), kBehindShown), cols = 16, rows = (n + cols - 1) / cols;
    if (n == 0) return;
    const int W = cols * core::kSide;
    std::vector<uint8_t> rgb((size_t)W * rows * core::kSide * 3, 0);
    for (int k = 0; k < n; ++k) {
        const uint8_t* img = val.image(v.behind[k]);
        const int ox = (k % cols) * core::kSide, oy = (k / cols) * core::kSide;
        for (int y = 0; y < core::kSide; ++y)
            std::copy_n(img + (size_t)y * core::kSide * 3, core::kSide * 3, &rgb[((size_t)(oy + y) * W + ox) * 3]);
    }
    v.behind_tex.upload_rgb(rgb.data(), W, rows * core::kSide, true);
}

// The list of images behind the chosen cell, in a scrolling region w x h.
// With m a network, hovering a row shows why m predicted what it did (explain_view.h).
static void draw_behind(TrainViews& v, const core::Evaluation& ev, const core::Dataset& val, float w, float h, core::Model* m) {
    const bool why = m && m->spec().family == core::Family::nn;
    const float e = ui::em(), y0 = ImGui::GetCursorPosY();
    char title[200];
    const int n = (int)v.behind.size();
    if (v.cell < 0) {
        std::snprintf(title, sizeof title, "Misclassified: %d of %d validation images", n, ev.n);
    } else {
        const int t = v.cell / core::kClasses, p = v.cell % core::kClasses;
        if (t == p) std::snprintf(title, sizeof title, "%s, predicted right: %d images", core::kClassNames[t], n);
        else std::snprintf(title, sizeof title, "%s predicted as %s: %d images", core::kClassNames[t], core::kClassNames[p], n);
    }
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + w);
    ImGui::TextWrapped("%s", title);
    ImGui::PopTextWrapPos();
    if (v.cell >= 0) {
        if (ImGui::SmallButton("Back to the misclassified")) v.cell = -1;
    } else {
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + w);
        ImGui::TextDisabled(why ? "Hover an image to see why; click a cell of the matrix to see its images."
                                : "Click a cell of the matrix to see its images.");
        ImGui::PopTextWrapPos();
    }
    ImGui::BeginChild("##behind", ImVec2(w, std::max(h - (ImGui::GetCursorPosY() - y0), e * 8)), true);
    const float th = std::round(e * 2.6f);
    const int shown = std::min(n, kBehindShown), cols = 16;
    const float tw = (float)(cols * core::kSide), tht = (float)(((shown + cols - 1) / cols) * core::kSide);
    for (int k = 0; k < shown && v.behind_tex.valid(); ++k) {
        const int i = v.behind[k], truth = val.labels[i], pred = ev.predicted[i];
        const float u = (k % cols) * core::kSide / tw, q = (k / cols) * core::kSide / tht;
        ImGui::BeginGroup();
        ImGui::Image(v.behind_tex.im(), ImVec2(th, th), ImVec2(u, q), ImVec2(u + core::kSide / tw, q + core::kSide / tht));
        if (k == 0 && v.cell < 0) ui::mark_item("train.wrong0");
        if (k == 0) ui::mark_item("train.behind0");  // the first image of the list, whichever cell it shows
        ImGui::SameLine(0, e * 0.5f);
        ImGui::BeginGroup();
        ui::fitted((std::string("true: ") + core::kClassNames[truth]).c_str(), class_color(truth));
        ui::fitted((std::string("predicted: ") + core::kClassNames[pred]).c_str(), class_color(pred));
        ImGui::EndGroup();
        ImGui::EndGroup();
        if (!ImGui::IsItemHovered()) continue;
        if (why) heat_tooltip(*m, val, i, pred);  // the image large with the heat maps of both classes
        else ImGui::SetTooltip("validation image %d: a %s, predicted %s", i, core::kClassNames[truth], core::kClassNames[pred]);
    }
    if (n > shown) ImGui::TextDisabled("... and %d more", n - shown);
    if (n == 0) ImGui::TextDisabled(v.cell < 0 ? "none: every validation image is right" : "no images in this cell");
    ImGui::EndChild();
}

void draw_validation_views(TrainViews& v, const core::Evaluation* ev, const core::Dataset& val, float w, core::Model* m) {
    const float e = ui::em(), gap = e * 1.5f, min_side = confusion_min_side(), list_min = e * 15;
    const bool beside = w >= min_side + gap + list_min;
    const float side = beside ? std::clamp(w * 0.45f, min_side, std::max(min_side, std::min(e * 26, w - gap - list_min)))
                              : std::clamp(w, min_side, std::max(min_side, e * 26));
    ImGui::BeginGroup();
    ImGui::TextUnformatted("Confusion matrix (validation)");
    if (!ev) {
        ImGui::Dummy(ImVec2(side, e * 2));
        ImGui::TextDisabled("after the first epoch");
        ImGui::EndGroup();
        return;
    }
    const float top = ImGui::GetCursorPosY();
    const int clicked = draw_confusion(*ev, v.conf_tex, side, &v.cell);
    const float matrix_h = ImGui::GetCursorPosY() - top;
    ImGui::EndGroup();
    if (clicked >= 0) v.cell = clicked == v.cell ? -1 : clicked;
    update_behind(v, *ev, val);
    if (beside) ImGui::SameLine(0, gap);
    else ImGui::Spacing();
    ImGui::BeginGroup();
    draw_behind(v, *ev, val, beside ? w - side - gap : w, beside ? matrix_h + ImGui::GetTextLineHeightWithSpacing() : e * 16,
                m);
    ImGui::EndGroup();
    ImGui::Spacing();
    ImGui::TextUnformatted("Per class (validation)");
    draw_class_scores(*ev);
    ImGui::Text("ACC %.3f   AUC %.3f   macro F1 %.3f", ev->acc, ev->auc, ev->macro_f1);
}

}  // namespace app
