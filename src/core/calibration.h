// Calibration of class probabilities and the "unsure" outcome (issue 12, items 1 and 2).
//
// Temperature scaling (Guo et al. 2017) on the model's log-probabilities: q = softmax(log p / T).
// For a single view log p is the logits shifted by a constant per image, so this is exactly
// softmax(z / T); for 8-view test-time averaging (TTA) p is the mean of the views' probabilities and
// the temperature acts on its logarithm, so TTA comes first and the temperature second (each mode
// has its own T, fitted on what that mode predicts). T > 1 softens, T < 1 sharpens; the argmax of a
// row never changes, so ACC does not either (AUC can move slightly: it ranks images per class).
//
// The unsure outcome: a prediction whose calibrated confidence (its top probability) is below a
// threshold is "unsure". The threshold is chosen on the validation split as the lowest one whose
// covered images (confidence >= threshold) have accuracy >= a target (default 99.5%).
//
// Both are fitted on val at the end of training (core::TrainJob) or by `bloodcell calibrate`, stored
// in the model file (model.h, format version 2; older files load as Calibration{}: T = 1 and the
// default threshold) and applied by Model::predict, so every prediction path is calibrated.
#pragma once
#include <cstdint>
#include <vector>

#include "core/result.h"

namespace core {

constexpr int kEceBins = 15;
constexpr double kDefaultTargetAccuracy = 0.995;
// The unsure threshold of a model that was never calibrated (the app's former low-confidence flag).
constexpr float kDefaultUnsureThreshold = 0.6f;

// What a model file stores. One mode per way of predicting: a single view, and the mean of the 8
// dihedral views (Model::predict's tta).
struct Calibration {
    struct Mode {
        float temperature = 1.f;
        float threshold = kDefaultUnsureThreshold;  // unsure below this calibrated confidence
        bool fitted = false;
        bool operator==(const Mode& o) const {
            return temperature == o.temperature && threshold == o.threshold && fitted == o.fitted;
        }
    };
    Mode single, tta;
    float target = (float)kDefaultTargetAccuracy;  // the accuracy the thresholds were chosen for
    int images = 0;                                // validation images they were fitted on (0 = none)
    // The mode a prediction uses: tta's when asked and fitted, else the single view's.
    const Mode& mode(bool with_tta) const { return with_tta && tta.fitted ? tta : single; }
    // Ranges a stored calibration must satisfy; the message names the value ("temperature -1: want
    // a finite number > 0").
    Status check() const;
    bool operator==(const Calibration& o) const {
        return single == o.single && tta == o.tta && target == o.target && images == o.images;
    }
};

// q = softmax(log max(p, 1e-30) / T) per row of n x 8 probabilities, in place. T == 1 leaves the
// rows exactly as they are.
void apply_temperature(float* probs, int n, double T);
std::vector<float> with_temperature(const std::vector<float>& probs, double T);

// Mean negative log-likelihood of the labels, -log max(p[y], 1e-12) (Evaluation::loss).
double nll(const float* probs, const uint8_t* labels, int n);
// The temperature that minimizes the NLL of softmax(log p / T): golden-section search on log T over
// [0.02, 50] (the NLL is convex in 1/T, so unimodal in log T), to a relative precision of 1e-6.
// Returns 1 when n == 0.
double fit_temperature(const float* probs, const uint8_t* labels, int n);

// Reliability diagram: `bins` equal-width confidence bins (lo, hi] over [0, 1] (Guo et al.; a
// confidence of exactly 0 goes to the first). confidence and accuracy are the means of the bin's
// images (0 when empty).
struct ReliabilityBin {
    double lo = 0, hi = 0;
    int count = 0;
    double confidence = 0, accuracy = 0;
};
std::vector<ReliabilityBin> reliability(const float* probs, const uint8_t* labels, int n, int bins = kEceBins);
// Expected calibration error: sum over bins of count/n * |accuracy - confidence|.
double ece(const float* probs, const uint8_t* labels, int n, int bins = kEceBins);
double ece(const std::vector<ReliabilityBin>& bins);

// Coverage/accuracy curve: images sorted by confidence, most confident first; one point per distinct
// confidence c: the images with confidence >= c, their share of all images and their accuracy.
struct CoveragePoint {
    float threshold = 0;
    int covered = 0;
    double coverage = 0, accuracy = 0;
};
std::vector<CoveragePoint> coverage_curve(const float* probs, const uint8_t* labels, int n);
// The lowest threshold whose covered images have accuracy >= target (1 when none has: only
// confidences of exactly 1 are then covered).
float choose_threshold(const float* probs, const uint8_t* labels, int n, double target = kDefaultTargetAccuracy);
// The images with confidence >= threshold: how many, their share, their accuracy (1 when none).
CoveragePoint at_threshold(const float* probs, const uint8_t* labels, int n, float threshold);

// Fits one mode on uncalibrated probabilities: T by NLL, then the threshold on the calibrated ones.
Calibration::Mode fit_mode(const float* raw_probs, const uint8_t* labels, int n, double target = kDefaultTargetAccuracy);

// Everything `bloodcell eval` and Compare show about calibrated probabilities of one model on a split.
struct CalibrationReport {
    int n = 0;
    double ece = 0, nll = 0;
    std::vector<ReliabilityBin> bins;
    std::vector<CoveragePoint> curve;  // at most ~200 points (thinned evenly by coverage) for drawing
    float threshold = 0;               // the model's unsure threshold
    CoveragePoint at;                  // coverage and accuracy at that threshold
    double target = kDefaultTargetAccuracy;
    CoveragePoint oracle;              // the threshold chosen on these images themselves for `target`
};
CalibrationReport calibration_report(const float* probs, const uint8_t* labels, int n, float threshold,
                                     double target = kDefaultTargetAccuracy, int max_points = 200);

// The same report on raw probabilities (before) and on them at the temperature T (after), both at
// `threshold`: what `bloodcell calibrate` and `eval` print side by side.
struct CalibrationBeforeAfter {
    CalibrationReport before, after;
};
CalibrationBeforeAfter calibration_before_after(const std::vector<float>& raw, const uint8_t* labels, int n, double T,
                                                float threshold, double target = kDefaultTargetAccuracy);

// Whether a calibrated prediction is below the mode's threshold.
inline bool is_unsure(const float* probs, int k, float threshold) {
    float top = probs[0];
    for (int i = 1; i < k; ++i) top = probs[i] > top ? probs[i] : top;
    return top < threshold;
}

}  // namespace core
