// A random forest (Breiman 2001), the `forest` model: bootstrap samples, each split chosen among
// sqrt(F) random features by Gini impurity, grown until pure (or max_depth / min_leaf); the
// prediction is the mean of the trees' leaf class frequencies (as scikit-learn averages).
// Trees are stored flat so a model file can keep them as arrays.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

namespace core {

class Forest {
public:
    struct Config {
        int trees = 200;
        int max_depth = 0;   // 0 = unlimited
        int min_leaf = 1;
        int mtry = 0;        // features tried per split, 0 = round(sqrt(F))
        uint64_t seed = 0;
        int threads = 1;     // trees are grown in parallel; the result does not depend on this
    };
    // X is n x F row-major; labels 0..7. progress(trees_done) is called from the calling thread.
    static Forest fit(const std::vector<double>& X, const uint8_t* labels, int n, int F, const Config& cfg,
                      const std::function<void(int)>& progress = {});
    void predict(const double* X, int n, float* probs) const;  // probs: n x 8
    int tree_count() const { return (int)roots.size(); }
    int features() const { return F; }

    int F = 0;
    // node i: feature[i] < 0 marks a leaf whose class frequencies are value[i*8 .. i*8+7];
    // otherwise go left when x[feature[i]] <= threshold[i].
    std::vector<int32_t> feature, left, right, roots;
    std::vector<float> threshold, value;
};

}  // namespace core
