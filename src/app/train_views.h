// Live views of a network as it trains: its first-layer filters, the activations of one image after
// the first convolution's ReLU, and the validation images it gets wrong. Built from the model's
// weights into textures a few times a second; drawn by the Train panel.
#pragma once
#include <vector>

#include "app/gfx.h"
#include "core/dataset.h"
#include "core/model.h"
#include "core/predict.h"

namespace app {

struct TrainViews {
    Texture conf_tex, filters_tex, acts_tex, wrong_tex;
    bool filters_rgb = true;      // conv first layer (RGB tiles) vs dense first layer (heat maps)
    int filters_cols = 8, filters_n = 0, filters_tile = 3;
    int acts_cols = 8, acts_n = 0, acts_side = 28;
    double refreshed_t = -1;      // when filters and activations were last rebuilt
    int act_image = 0;            // the validation image whose activations are shown
    core::ChunkedPrediction wrong_pred;  // misclassified examples of the validation split
    int wrong_epoch = -1;
    std::vector<int> wrong_idx, wrong_pred_class;
    void reset();                 // a new run or new data
    void release();               // GL textures (shutdown)
};

void refresh_filters(TrainViews& v, core::Model& m);
void refresh_activations(TrainViews& v, core::Model& m, const uint8_t* rgb28);
// Rebuilds the filter and activation textures from m at most twice a second (now: seconds).
void update_views(TrainViews& v, core::Model& m, const core::Dataset& val, double now);
// Checks up to 256 validation images for errors once per finished epoch, a slice per frame.
void update_misclassified(TrainViews& v, core::Model& m, const core::Dataset& val, int epochs_done);
void draw_filters_and_activations(TrainViews& v, const core::Dataset& val, float width);
// Hovering an image shows why m predicted what it did (explain_view.h), when m is a network.
void draw_misclassified(const TrainViews& v, const core::Dataset& val, float width, core::Model* m = nullptr);

}  // namespace app
