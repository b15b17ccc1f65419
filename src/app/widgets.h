// Evaluation widgets shared by the Train and Compare panels: the confusion matrix and the per-class
// score table.
#pragma once
#include "app/gfx.h"
#include <string>
#include <vector>

#include "core/calibration.h"
#include "core/metrics.h"

namespace app {

// The confusion matrix as a heat map (color = share of the true class's row) with every count
// written in its cell (drawn smaller when a count does not fit), in a square of `side` pixels.
void draw_confusion(const core::Evaluation& ev, Texture& tex, float side);
// The smallest side at which draw_confusion's class headings fit.
float confusion_min_side();
// Precision, recall, F1 and support per class.
void draw_class_scores(const core::Evaluation& ev);
// The confusion matrix and the per-class table of one evaluation in a region `w` px wide: side by
// side when both fit, else the table under the matrix. The matrix is at least as large as its
// headings need and at most max_side px. `what` ("validation"): titles "Confusion matrix (what)"
// and "Per class (what)" above them (none when null); no evaluation yet (ev null): a placeholder.
void draw_evaluation(const core::Evaluation* ev, Texture& tex, float w, float max_side, const char* what);
// A reliability diagram in a square of `side` pixels: per confidence bin, the accuracy (bar) against
// the diagonal (perfect calibration), the gap shaded; `title` and the ECE above it; hover for a bin.
void draw_reliability(const char* title, const core::CalibrationReport& r, float side);
// Coverage/accuracy curves of several models (the most confident images first), the target accuracy
// as a dashed line and each model's unsure threshold as a dot, with a legend.
struct CoverageSeries {
    std::string label;
    const core::CalibrationReport* report;
};
void draw_coverage_curves(const std::vector<CoverageSeries>& series, ImVec2 size);
ImU32 series_color(int i);

}  // namespace app
