// Budgets and chunked prediction: the unit of bounded work that jobs, the Trainer's validation and
// the app's views share.
#pragma once
#include <vector>

#include "core/dataset.h"
#include "core/model.h"

namespace core {

// How much one step() may do: about `images` images (0 = no limit) and about `ms` milliseconds
// (0 = no limit). With both 0 a step does one unit (a batch, a chunk, one trial's step).
struct Budget {
    long images = 0;
    double ms = 0;
};

// Predicts a dataset a chunk at a time (images that cost about the same as one training batch), so
// evaluating thousands of images never stalls a frame. Shared by the Trainer's validation, EvalJob
// and the app's views.
// probs are calibrated (Model::predict), raw the same before calibration (Model::predict_raw).
struct ChunkedPrediction {
    const Dataset* data = nullptr;
    int n = 0, pos = 0;
    bool tta = false;
    std::vector<float> probs;       // n x 8, calibrated
    std::vector<float> raw;         // n x 8, before calibration
    std::vector<float> raw_single;  // with tta and keep_single: n x 8, the identity view before calibration
    double seconds = 0;
    void reset(const Dataset* d, int limit = -1, bool tta = false, bool keep_single = false);
    bool done() const { return pos >= n; }
    // Predicts chunks of `chunk` images until the budget is used (at least one chunk); returns the
    // number of images predicted.
    int step(Model& m, Budget b, int chunk);
};
// Images per chunk for a model: about 100 MFLOP, so one chunk stays a few milliseconds.
int prediction_chunk(const Model& m);

}  // namespace core
