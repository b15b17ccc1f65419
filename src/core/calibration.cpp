#include "core/calibration.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>

#include "core/dataset.h"
#include "core/metrics.h"

namespace core {

Status Calibration::check() const {
    auto num = [](float v) {
        char b[32];
        std::snprintf(b, sizeof b, "%g", (double)v);
        return std::string(b);
    };
    for (const Mode* m : {&single, &tta}) {
        const char* which = m == &single ? "" : " (8-view)";
        if (!std::isfinite(m->temperature) || m->temperature <= 0.f || m->temperature > 1e4f)
            return Status::error(std::string("calibration temperature") + which + " " + num(m->temperature) +
                                 ": want a finite number > 0");
        if (!(m->threshold >= 0.f && m->threshold <= 1.f))
            return Status::error(std::string("unsure threshold") + which + " " + num(m->threshold) + ": want 0..1");
    }
    if (!(target > 0.f && target <= 1.f)) return Status::error("calibration target accuracy " + num(target) + ": want 0..1");
    if (images < 0) return Status::error("calibration image count " + std::to_string(images) + ": want >= 0");
    return Status::success();
}

namespace {
constexpr double kLogFloor = 1e-30;

// -log softmax(l / T)[y] for one row of log-probabilities l, in double.
double row_nll(const double* l, int y, double inv_t) {
    double m = -1e300;
    for (int k = 0; k < kClasses; ++k) m = std::max(m, l[k] * inv_t);
    double s = 0;
    for (int k = 0; k < kClasses; ++k) s += std::exp(l[k] * inv_t - m);
    return m + std::log(s) - l[y] * inv_t;
}

float confidence(const float* p) { return *std::max_element(p, p + kClasses); }
}  // namespace

void apply_temperature(float* probs, int n, double T) {
    if (T == 1.0) return;
    const double inv_t = 1.0 / T;
    double l[kClasses];
    for (int i = 0; i < n; ++i) {
        float* p = probs + (size_t)i * kClasses;
        double m = -1e300;
        for (int k = 0; k < kClasses; ++k) {
            l[k] = std::log(std::max((double)p[k], kLogFloor)) * inv_t;
            m = std::max(m, l[k]);
        }
        double s = 0;
        for (int k = 0; k < kClasses; ++k) s += (l[k] = std::exp(l[k] - m));
        for (int k = 0; k < kClasses; ++k) p[k] = (float)(l[k] / s);
    }
}

std::vector<float> with_temperature(const std::vector<float>& probs, double T) {
    std::vector<float> q = probs;
    apply_temperature(q.data(), (int)(q.size() / kClasses), T);
    return q;
}

double nll(const float* probs, const uint8_t* labels, int n) {
    double s = 0;
    for (int i = 0; i < n; ++i) s -= std::log(std::max((double)probs[(size_t)i * kClasses + labels[i]], 1e-12));
    return n > 0 ? s / n : 0.0;
}

double fit_temperature(const float* probs, const uint8_t* labels, int n) {
    if (n <= 0) return 1.0;
    std::vector<double> l((size_t)n * kClasses);
    for (size_t j = 0; j < l.size(); ++j) l[j] = std::log(std::max((double)probs[j], kLogFloor));
    auto f = [&](double log_t) {
        const double inv_t = std::exp(-log_t);
        double s = 0;
        for (int i = 0; i < n; ++i) s += row_nll(&l[(size_t)i * kClasses], labels[i], inv_t);
        return s / n;
    };
    // golden-section search for the minimum of a unimodal function on [a, b]
    const double g = (std::sqrt(5.0) - 1) / 2;
    double a = std::log(0.02), b = std::log(50.0);
    double c = b - g * (b - a), d = a + g * (b - a);
    double fc = f(c), fd = f(d);
    while (b - a > 1e-6) {
        if (fc <= fd) {
            b = d, d = c, fd = fc;
            c = b - g * (b - a);
            fc = f(c);
        } else {
            a = c, c = d, fc = fd;
            d = a + g * (b - a);
            fd = f(d);
        }
    }
    return std::exp((a + b) / 2);
}

std::vector<ReliabilityBin> reliability(const float* probs, const uint8_t* labels, int n, int bins) {
    bins = std::max(1, bins);
    std::vector<ReliabilityBin> out(bins);
    for (int b = 0; b < bins; ++b) {
        out[b].lo = (double)b / bins;
        out[b].hi = (double)(b + 1) / bins;
    }
    for (int i = 0; i < n; ++i) {
        const float* p = probs + (size_t)i * kClasses;
        const double c = confidence(p);
        int b = (int)std::ceil(c * bins) - 1;  // (lo, hi]
        b = std::clamp(b, 0, bins - 1);
        out[b].count++;
        out[b].confidence += c;
        out[b].accuracy += argmax(p, kClasses) == labels[i] ? 1.0 : 0.0;
    }
    for (ReliabilityBin& r : out)
        if (r.count) {
            r.confidence /= r.count;
            r.accuracy /= r.count;
        }
    return out;
}

double ece(const std::vector<ReliabilityBin>& bins) {
    long n = 0;
    for (const ReliabilityBin& b : bins) n += b.count;
    double e = 0;
    for (const ReliabilityBin& b : bins) e += b.count * std::abs(b.accuracy - b.confidence);
    return n ? e / n : 0.0;
}

double ece(const float* probs, const uint8_t* labels, int n, int bins) { return ece(reliability(probs, labels, n, bins)); }

std::vector<CoveragePoint> coverage_curve(const float* probs, const uint8_t* labels, int n) {
    std::vector<float> conf(n);
    std::vector<uint8_t> right(n);
    for (int i = 0; i < n; ++i) {
        conf[i] = confidence(probs + (size_t)i * kClasses);
        right[i] = argmax(probs + (size_t)i * kClasses, kClasses) == labels[i];
    }
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return conf[a] > conf[b]; });
    std::vector<CoveragePoint> out;
    int correct = 0;
    for (int j = 0; j < n;) {
        int k = j;
        while (k < n && conf[order[k]] == conf[order[j]]) correct += right[order[k++]];
        CoveragePoint p;
        p.threshold = conf[order[j]];
        p.covered = k;
        p.coverage = (double)k / n;
        p.accuracy = (double)correct / k;
        out.push_back(p);
        j = k;
    }
    return out;
}

float choose_threshold(const float* probs, const uint8_t* labels, int n, double target) {
    float best = 1.f;
    for (const CoveragePoint& p : coverage_curve(probs, labels, n))
        if (p.accuracy >= target) best = p.threshold;  // thresholds fall along the curve
    return best;
}

CoveragePoint at_threshold(const float* probs, const uint8_t* labels, int n, float threshold) {
    CoveragePoint p;
    p.threshold = threshold;
    int correct = 0;
    for (int i = 0; i < n; ++i) {
        const float* q = probs + (size_t)i * kClasses;
        if (confidence(q) < threshold) continue;
        ++p.covered;
        correct += argmax(q, kClasses) == labels[i];
    }
    p.coverage = n ? (double)p.covered / n : 0.0;
    p.accuracy = p.covered ? (double)correct / p.covered : 1.0;
    return p;
}

Calibration::Mode fit_mode(const float* raw_probs, const uint8_t* labels, int n, double target) {
    Calibration::Mode m;
    if (n <= 0) return m;
    m.temperature = (float)fit_temperature(raw_probs, labels, n);
    std::vector<float> q(raw_probs, raw_probs + (size_t)n * kClasses);
    apply_temperature(q.data(), n, m.temperature);
    m.threshold = choose_threshold(q.data(), labels, n, target);
    m.fitted = true;
    return m;
}

CalibrationBeforeAfter calibration_before_after(const std::vector<float>& raw, const uint8_t* labels, int n, double T,
                                                float threshold, double target) {
    CalibrationBeforeAfter r;
    r.before = calibration_report(raw.data(), labels, n, threshold, target);
    const std::vector<float> q = with_temperature(raw, T);
    r.after = calibration_report(q.data(), labels, n, threshold, target);
    return r;
}

CalibrationReport calibration_report(const float* probs, const uint8_t* labels, int n, float threshold, double target,
                                     int max_points) {
    CalibrationReport r;
    r.n = n;
    r.bins = reliability(probs, labels, n, kEceBins);
    r.ece = ece(r.bins);
    r.nll = nll(probs, labels, n);
    r.threshold = threshold;
    r.at = at_threshold(probs, labels, n, threshold);
    r.target = target;
    r.oracle = at_threshold(probs, labels, n, choose_threshold(probs, labels, n, target));
    std::vector<CoveragePoint> full = coverage_curve(probs, labels, n);
    // thin to about max_points, evenly in coverage, always keeping the last point (coverage 1)
    double next = 0;
    for (size_t i = 0; i < full.size(); ++i) {
        if (full[i].coverage >= next || i + 1 == full.size() || max_points <= 0) {
            r.curve.push_back(full[i]);
            next = full[i].coverage + (max_points > 0 ? 1.0 / max_points : 0.0);
        }
    }
    return r;
}

}  // namespace core
