// "Why did it say that" in the app: gradient saliency maps (core/explain.h) drawn over the images
// they explain, in Classify (the model input and the crop on the original) and for the misclassified
// validation images in Train (a tooltip).
#pragma once
#include "app/app.h"
#include "core/dataset.h"
#include "core/model.h"

namespace app {

// The heat map (side x side values in 0..1) blended over the rectangle p0..p1 of the current window.
void draw_heat(ImDrawList* dl, ImVec2 p0, ImVec2 p1, const float* map, int side = core::kSide);
// Computes the saliency of the row's input for the model in use (its top class) when the model or the
// input changed since; false without a model or for a feature model (the reason in heat_error).
bool classify_heat(AppState& s, int row);
// A tooltip for a misclassified validation image: the image large, and the heat maps of the class it
// predicted and of its true class, for the model m (the live model of the run).
void heat_tooltip(core::Model& m, const core::Dataset& val, int index, int predicted);

}  // namespace app
