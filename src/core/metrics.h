// Classification metrics from predicted probabilities: accuracy, macro one-vs-rest ROC AUC as the
// MedMNIST evaluator computes it (mean over classes of roc_auc_score(y == c, score[:, c])),
// per-class precision/recall/F1 (0 when undefined, scikit-learn's zero_division=0), confusion.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/dataset.h"

namespace core {

struct Evaluation {
    int n = 0;
    double acc = 0, auc = 0, loss = 0;  // loss: mean cross-entropy of the probabilities
    double macro_f1 = 0;
    std::array<double, kClasses> precision{}, recall{}, f1{}, class_auc{};
    std::array<int, kClasses> support{};
    std::array<std::array<int, kClasses>, kClasses> confusion{};  // [true class][predicted class]
    // the predicted class of each image, in the order evaluated: the images behind each cell of the
    // confusion matrix (n bytes; a train job's snapshot carries its validation's)
    std::vector<uint8_t> predicted;
    double seconds = 0, ms_per_image = 0;  // filled by whoever timed the predictions
};

// probs: n x 8 (rows need not sum to 1 for AUC, but loss assumes probabilities). Classes with no
// positive or no negative sample have an undefined AUC (NaN in class_auc) and are left out of the
// macro mean, where scikit-learn would raise.
Evaluation evaluate(const float* probs, const uint8_t* labels, int n);
inline Evaluation evaluate(const std::vector<float>& probs, const std::vector<uint8_t>& labels) {
    return evaluate(probs.data(), labels.data(), (int)labels.size());
}

// Area under the ROC curve of scores for a binary truth, ties counted half (Mann-Whitney U),
// which equals scikit-learn's trapezoidal roc_auc_score. NaN when a class is absent.
double roc_auc(const std::vector<double>& score, const std::vector<uint8_t>& positive);

int argmax(const float* p, int k);

// A fixed-width text report: ACC, AUC, per-class table, confusion matrix.
std::string format_evaluation(const Evaluation& e);

}  // namespace core
