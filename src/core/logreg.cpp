// Softmax regression: standardize, then full-batch Adam on the L2-regularized cross-entropy.
// The problem is convex and small (n ~ 12k, F ~ 50), so a fixed number of full-batch steps is
// both deterministic and enough.
#include "core/logreg.h"

#include <Eigen/Core>
#include <cmath>

namespace core {

namespace {
using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
constexpr int K = 8;

MatD standardized(const double* X, int n, int F, const std::vector<float>& mean, const std::vector<float>& scale) {
    MatD Z(n, F);
    for (int i = 0; i < n; ++i)
        for (int f = 0; f < F; ++f) Z(i, f) = (X[(size_t)i * F + f] - mean[f]) / scale[f];
    return Z;
}

// row-wise softmax in place
void softmax_rows(MatD& S) {
    for (int i = 0; i < S.rows(); ++i) {
        double mx = S.row(i).maxCoeff();
        S.row(i) = (S.row(i).array() - mx).exp();
        S.row(i) /= S.row(i).sum();
    }
}
}  // namespace

LogReg LogReg::fit(const std::vector<double>& X, const uint8_t* labels, int n, int F, const Config& cfg) {
    LogReg m;
    m.F = F;
    m.mean.assign(F, 0.f);
    m.scale.assign(F, 1.f);
    for (int f = 0; f < F; ++f) {
        double s = 0, sq = 0;
        for (int i = 0; i < n; ++i) s += X[(size_t)i * F + f];
        double mu = s / n;
        for (int i = 0; i < n; ++i) sq += (X[(size_t)i * F + f] - mu) * (X[(size_t)i * F + f] - mu);
        double sd = std::sqrt(sq / n);
        m.mean[f] = (float)mu;
        m.scale[f] = sd > 1e-12 ? (float)sd : 1.f;
    }
    MatD Z = standardized(X.data(), n, F, m.mean, m.scale);
    MatD Y = MatD::Zero(n, K);
    for (int i = 0; i < n; ++i) Y(i, labels[i]) = 1.0;
    MatD W = MatD::Zero(F, K), mW = W, vW = W;
    Eigen::RowVectorXd b = Eigen::RowVectorXd::Zero(K), mb = b, vb = b;
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    for (int t = 1; t <= cfg.iterations; ++t) {
        MatD S = Z * W;
        S.rowwise() += b;
        softmax_rows(S);
        MatD G = (S - Y) / n;  // d(mean CE)/d(logits), (n,K)
        MatD gW = Z.transpose() * G + cfg.l2 * W;
        Eigen::RowVectorXd gb = G.colwise().sum();
        mW = b1 * mW + (1 - b1) * gW;
        vW = b2 * vW + (1 - b2) * gW.cwiseProduct(gW);
        mb = b1 * mb + (1 - b1) * gb;
        vb = b2 * vb + (1 - b2) * gb.cwiseProduct(gb);
        double a = cfg.lr * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t));
        W.array() -= a * mW.array() / (vW.array().sqrt() + eps);
        b.array() -= a * mb.array() / (vb.array().sqrt() + eps);
        if (t == cfg.iterations) {
            double loss = 0;
            for (int i = 0; i < n; ++i) loss -= std::log(std::max(S(i, labels[i]), 1e-300));
            m.final_loss = loss / n + 0.5 * cfg.l2 * W.squaredNorm();
        }
    }
    m.W.resize((size_t)F * K);
    m.b.resize(K);
    for (int f = 0; f < F; ++f)
        for (int k = 0; k < K; ++k) m.W[(size_t)f * K + k] = (float)W(f, k);
    for (int k = 0; k < K; ++k) m.b[k] = (float)b(k);
    return m;
}

void LogReg::predict(const double* X, int n, float* probs) const {
    for (int i = 0; i < n; ++i) {
        double z[K];
        for (int k = 0; k < K; ++k) z[k] = b[k];
        for (int f = 0; f < F; ++f) {
            double v = (X[(size_t)i * F + f] - mean[f]) / scale[f];
            for (int k = 0; k < K; ++k) z[k] += v * W[(size_t)f * K + k];
        }
        double mx = z[0], s = 0;
        for (int k = 1; k < K; ++k) mx = std::max(mx, z[k]);
        for (int k = 0; k < K; ++k) s += (z[k] = std::exp(z[k] - mx));
        for (int k = 0; k < K; ++k) probs[(size_t)i * K + k] = (float)(z[k] / s);
    }
}

}  // namespace core
