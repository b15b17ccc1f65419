// Evaluation widgets shared by the Train and Compare panels: the confusion matrix and the per-class
// score table.
#pragma once
#include "app/gfx.h"
#include "core/metrics.h"

namespace app {

// The confusion matrix as a heat map (color = share of the true class's row) with every count
// written in its cell (drawn smaller when a count does not fit), in a square of `side` pixels.
void draw_confusion(const core::Evaluation& ev, Texture& tex, float side);
// Precision, recall, F1 and support per class.
void draw_class_scores(const core::Evaluation& ev);

}  // namespace app
