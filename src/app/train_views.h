// Live views of a network as it trains: its first-layer filters, the activations of one image after
// the first convolution's ReLU (built from the model's weights into textures a few times a second),
// and the latest validation: the confusion matrix, whose cells open the images behind them, with the
// misclassified images beside it. Drawn by the Train panel.
#pragma once
#include <vector>

#include "app/gfx.h"
#include "core/dataset.h"
#include "core/metrics.h"
#include "core/model.h"
#include "core/predict.h"

namespace app {

constexpr int kBehindShown = 256;  // thumbnails behind a cell drawn at most (a 16 x 16 atlas)

struct TrainViews {
    Texture conf_tex, filters_tex, acts_tex;
    bool filters_rgb = true;      // conv first layer (RGB tiles) vs dense first layer (heat maps)
    int filters_cols = 8, filters_n = 0, filters_tile = 3;
    int acts_cols = 8, acts_n = 0, acts_side = 28;
    double refreshed_t = -1;      // when filters and activations were last rebuilt
    int act_image = 0;            // the validation image whose activations are shown
    // the validation images behind the confusion matrix: one cell's (cell = true * 8 + predicted), or
    // every misclassified one (cell -1)
    int cell = -1;
    std::vector<int> behind;      // indices into the run's validation set
    uint64_t behind_key = 0;      // the evaluation and cell `behind` and behind_tex were made from
    Texture behind_tex;           // the first kBehindShown of them, 16 a row
    void reset();                 // a new run or new data
    void release();               // GL textures (shutdown)
};

void refresh_filters(TrainViews& v, core::Model& m);
void refresh_activations(TrainViews& v, core::Model& m, const uint8_t* rgb28);
// Rebuilds the filter and activation textures from m at most twice a second (now: seconds).
void update_views(TrainViews& v, core::Model& m, const core::Dataset& val, double now);
void draw_filters_and_activations(TrainViews& v, const core::Dataset& val, float width);
// The images behind the matrix (v.cell's, or the misclassified) from an evaluation of `val` (its
// per-image predictions), rebuilt when either changes.
void update_behind(TrainViews& v, const core::Evaluation& ev, const core::Dataset& val);
// The latest validation of a run on `val` in a region `width` px wide: the confusion matrix (a click
// on a cell shows its images, a second click the misclassified again) with the images behind it
// beside it (under it when narrow), each with its true and predicted class in words; then the
// per-class scores. ev null: no validation yet. With m a network, hovering an image row shows why m
// predicted what it did (the heat maps of explain_view.h).
void draw_validation_views(TrainViews& v, const core::Evaluation* ev, const core::Dataset& val, float width,
                           core::Model* m = nullptr);

}  // namespace app
