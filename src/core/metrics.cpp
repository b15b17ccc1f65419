// Metrics. AUC sorts once per class and assigns average ranks to ties.
#include "core/metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace core {

int argmax(const float* p, int k) {
    int best = 0;
    for (int i = 1; i < k; ++i)
        if (p[i] > p[best]) best = i;
    return best;
}

double roc_auc(const std::vector<double>& score, const std::vector<uint8_t>& positive) {
    const size_t n = score.size();
    std::vector<size_t> idx(n);
    std::iota(idx.begin(), idx.end(), 0);
    std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
    double rank_sum = 0;  // sum of 1-based average ranks of the positives
    size_t pos = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && score[idx[j]] == score[idx[i]]) ++j;
        double avg_rank = 0.5 * (double)(i + 1 + j);  // mean of ranks i+1 .. j
        for (size_t t = i; t < j; ++t)
            if (positive[idx[t]]) {
                rank_sum += avg_rank;
                ++pos;
            }
        i = j;
    }
    size_t neg = n - pos;
    if (pos == 0 || neg == 0) return std::nan("");
    return (rank_sum - (double)pos * (pos + 1) / 2.0) / ((double)pos * neg);
}

Evaluation evaluate(const float* probs, const uint8_t* labels, int n) {
    Evaluation e;
    e.n = n;
    if (n <= 0) return e;
    int correct = 0;
    double loss = 0;
    e.predicted.resize(n);
    for (int i = 0; i < n; ++i) {
        const float* p = probs + (size_t)i * kClasses;
        int pred = argmax(p, kClasses), y = labels[i];
        e.predicted[i] = (uint8_t)pred;
        e.confusion[y][pred]++;
        e.support[y]++;
        correct += pred == y;
        loss -= std::log(std::max((double)p[y], 1e-12));
    }
    e.acc = (double)correct / n;
    e.loss = loss / n;
    double auc_sum = 0, f1_sum = 0;
    int auc_classes = 0;
    for (int c = 0; c < kClasses; ++c) {
        int tp = e.confusion[c][c], predicted = 0;
        for (int t = 0; t < kClasses; ++t) predicted += e.confusion[t][c];
        e.precision[c] = predicted ? (double)tp / predicted : 0.0;
        e.recall[c] = e.support[c] ? (double)tp / e.support[c] : 0.0;
        double pr = e.precision[c] + e.recall[c];
        e.f1[c] = pr > 0 ? 2 * e.precision[c] * e.recall[c] / pr : 0.0;
        f1_sum += e.f1[c];
        std::vector<double> s(n);
        std::vector<uint8_t> y(n);
        for (int i = 0; i < n; ++i) {
            s[i] = probs[(size_t)i * kClasses + c];
            y[i] = labels[i] == c;
        }
        e.class_auc[c] = roc_auc(s, y);
        if (!std::isnan(e.class_auc[c])) {
            auc_sum += e.class_auc[c];
            ++auc_classes;
        }
    }
    e.auc = auc_classes ? auc_sum / auc_classes : std::nan("");
    e.macro_f1 = f1_sum / kClasses;
    return e;
}

std::string format_evaluation(const Evaluation& e) {
    char b[256];
    std::string o;
    std::snprintf(b, sizeof b, "images %d  ACC %.4f  AUC %.4f  loss %.4f  macro-F1 %.4f\n\n", e.n, e.acc, e.auc, e.loss,
                  e.macro_f1);
    o += b;
    std::snprintf(b, sizeof b, "%-22s %9s %9s %9s %9s %8s\n", "class", "precision", "recall", "f1", "auc", "support");
    o += b;
    for (int c = 0; c < kClasses; ++c) {
        std::snprintf(b, sizeof b, "%-22s %9.4f %9.4f %9.4f %9.4f %8d\n", kClassNames[c], e.precision[c], e.recall[c],
                      e.f1[c], e.class_auc[c], e.support[c]);
        o += b;
    }
    o += "\nconfusion (rows: true, columns: predicted)\n      ";
    for (int c = 0; c < kClasses; ++c) {
        std::snprintf(b, sizeof b, "%6s", kClassShortNames[c]);
        o += b;
    }
    o += "\n";
    for (int t = 0; t < kClasses; ++t) {
        std::snprintf(b, sizeof b, "%-6s", kClassShortNames[t]);
        o += b;
        for (int p = 0; p < kClasses; ++p) {
            std::snprintf(b, sizeof b, "%6d", e.confusion[t][p]);
            o += b;
        }
        o += "\n";
    }
    return o;
}

}  // namespace core
