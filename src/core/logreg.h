// Softmax regression on standardized features (the `logreg` model): z = ((x - mean) / scale) W + b,
// trained full-batch with Adam on mean cross-entropy + l2/2 |W|^2. Deterministic, no threads.
#pragma once
#include <cstdint>
#include <vector>

namespace core {

class LogReg {
public:
    struct Config {
        int iterations = 500;  // full-batch Adam steps
        float lr = 0.05f;
        float l2 = 1e-4f;
    };
    // X is n x F row-major raw features; labels 0..7.
    static LogReg fit(const std::vector<double>& X, const uint8_t* labels, int n, int F, const Config& cfg);
    // probs: n x 8
    void predict(const double* X, int n, float* probs) const;
    int features() const { return F; }

    int F = 0;
    std::vector<float> mean, scale;  // F each; scale = population std (1 where constant)
    std::vector<float> W, b;         // W (F,8) row-major, b (8)
    double final_loss = 0;
};

}  // namespace core
