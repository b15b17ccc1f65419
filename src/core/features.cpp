// Intensity statistics (scipy.stats conventions) and GLCM texture properties (scikit-image's
// graycomatrix/graycoprops). GLCMs of 28x28 images are sparse (at most ~1,500 of 65,536 cells
// are non-zero at L=256), so properties are summed over the non-zero cells only: same sums as
// the dense definition, a fraction of the work.
#include "core/features.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <thread>

#include "core/dataset.h"
#include "core/preprocess.h"
#include "core/text.h"

namespace core {

const char* const kGlcmPropNames[kGlcmProps] = {"contrast", "dissimilarity", "homogeneity", "energy", "correlation", "ASM"};

std::vector<double> intensity_features(const uint8_t* g, size_t n) {
    std::vector<double> f(kIntensityFeatures, 0.0);
    if (n == 0) return f;
    double sum = 0;
    int lo = 255, hi = 0;
    for (size_t i = 0; i < n; ++i) {
        sum += g[i];
        lo = std::min(lo, (int)g[i]);
        hi = std::max(hi, (int)g[i]);
    }
    double mean = sum / (double)n, m2 = 0, m3 = 0, m4 = 0;
    for (size_t i = 0; i < n; ++i) {
        double d = g[i] - mean, d2 = d * d;
        m2 += d2; m3 += d2 * d; m4 += d2 * d2;
    }
    m2 /= (double)n; m3 /= (double)n; m4 /= (double)n;
    f[0] = mean;
    f[1] = std::sqrt(m2);
    // scipy returns nan for a constant image; 0 keeps the models' inputs finite.
    f[2] = m2 > 0 ? m3 / std::pow(m2, 1.5) : 0.0;
    f[3] = m2 > 0 ? m4 / (m2 * m2) - 3.0 : 0.0;
    f[4] = lo;
    f[5] = hi;
    for (size_t i = 0; i < n; ++i) f[6 + g[i] / 16] += 1.0;
    for (int b = 0; b < 16; ++b) f[6 + b] /= (double)n;
    return f;
}

namespace {

struct Offset { int dr, dc; };
// skimage rounds with (r + 0.5) or (r - 0.5) truncated toward zero
int sk_round(double r) { return (int)(r > 0.0 ? r + 0.5 : r - 0.5); }
Offset offset_of(int distance, double angle) { return {sk_round(std::sin(angle) * distance), sk_round(std::cos(angle) * distance)}; }

struct Cell { int i, j; double p; };

// Quantized image v*levels/256.
std::vector<uint8_t> quantize(const uint8_t* gray, size_t n, int levels) {
    std::vector<uint8_t> q(n);
    for (size_t k = 0; k < n; ++k) q[k] = (uint8_t)((gray[k] * levels) >> 8);
    return q;
}

// Properties of one normalized GLCM given as its non-zero cells.
void props_of(const std::vector<Cell>& cells, double* out) {
    double contrast = 0, dissim = 0, homog = 0, asm_ = 0, mi = 0, mj = 0;
    for (const Cell& c : cells) {
        double d = c.i - c.j;
        contrast += c.p * d * d;
        dissim += c.p * std::abs(d);
        homog += c.p / (1.0 + d * d);
        asm_ += c.p * c.p;
        mi += c.i * c.p;
        mj += c.j * c.p;
    }
    double vi = 0, vj = 0, cov = 0;
    for (const Cell& c : cells) {
        double di = c.i - mi, dj = c.j - mj;
        vi += c.p * di * di;
        vj += c.p * dj * dj;
        cov += c.p * di * dj;
    }
    double si = std::sqrt(vi), sj = std::sqrt(vj);
    out[kContrast] = contrast;
    out[kDissimilarity] = dissim;
    out[kHomogeneity] = homog;
    out[kEnergy] = std::sqrt(asm_);
    out[kASM] = asm_;
    out[kCorrelation] = (si < 1e-15 || sj < 1e-15) ? 1.0 : cov / (si * sj);
}

// Counts co-occurrences for one offset into `counts` (levels x levels, zeroed on entry) and returns
// the touched cells normalized, then re-zeroes `counts` so it can be reused.
std::vector<Cell> sparse_glcm(const std::vector<uint8_t>& q, int rows, int cols, int levels, Offset o, bool symmetric,
                              bool normed, std::vector<double>& counts) {
    std::vector<int> touched;
    auto bump = [&](int i, int j) {
        int k = i * levels + j;
        if (counts[k] == 0) touched.push_back(k);
        counts[k] += 1;
    };
    for (int r = std::max(0, -o.dr); r < std::min(rows, rows - o.dr); ++r)
        for (int c = std::max(0, -o.dc); c < std::min(cols, cols - o.dc); ++c) {
            int i = q[(size_t)r * cols + c], j = q[(size_t)(r + o.dr) * cols + c + o.dc];
            bump(i, j);
            if (symmetric) bump(j, i);
        }
    double total = 0;
    for (int k : touched) total += counts[k];
    if (!normed || total == 0) total = 1;
    std::sort(touched.begin(), touched.end());
    std::vector<Cell> cells;
    cells.reserve(touched.size());
    for (int k : touched) {
        cells.push_back({k / levels, k % levels, counts[k] / total});
        counts[k] = 0;
    }
    return cells;
}

}  // namespace

std::vector<std::vector<double>> glcm(const uint8_t* gray, int rows, int cols, const GlcmSpec& spec) {
    auto q = quantize(gray, (size_t)rows * cols, spec.levels);
    std::vector<std::vector<double>> P;
    std::vector<double> scratch((size_t)spec.levels * spec.levels, 0.0);
    for (int d : spec.distances)
        for (double a : spec.angles) {
            std::vector<double> m((size_t)spec.levels * spec.levels, 0.0);
            for (const Cell& c : sparse_glcm(q, rows, cols, spec.levels, offset_of(d, a), spec.symmetric, spec.normed, scratch))
                m[(size_t)c.i * spec.levels + c.j] = c.p;
            P.push_back(std::move(m));
        }
    return P;
}

std::vector<std::vector<double>> glcm_props(const std::vector<std::vector<double>>& P, const GlcmSpec& spec) {
    std::vector<std::vector<double>> out(kGlcmProps, std::vector<double>(P.size()));
    for (size_t m = 0; m < P.size(); ++m) {
        double total = 0;
        for (double v : P[m]) total += v;
        if (total == 0) total = 1;  // graycoprops normalizes each matrix itself
        std::vector<Cell> cells;
        for (size_t k = 0; k < P[m].size(); ++k)
            if (P[m][k] != 0) cells.push_back({(int)(k / spec.levels), (int)(k % spec.levels), P[m][k] / total});
        double v[kGlcmProps];
        props_of(cells, v);
        for (int p = 0; p < kGlcmProps; ++p) out[p][m] = v[p];
    }
    return out;
}

std::vector<std::string> feature_names(const FeatureSpec& spec) {
    std::vector<std::string> n = {"mean", "std", "skewness", "kurtosis", "min", "max"};
    for (int b = 0; b < 16; ++b) n.push_back("hist" + std::to_string(b));
    for (int p = 0; p < kGlcmProps; ++p)
        for (int d : spec.glcm.distances) {
            for (double a : spec.glcm.angles)
                n.push_back(std::string(kGlcmPropNames[p]) + "_d" + std::to_string(d) + "_a" +
                            std::to_string((int)std::lround(a * 180.0 / 3.141592653589793)));
        }
    for (int p = 0; p < kGlcmProps; ++p)
        for (int d : spec.glcm.distances) n.push_back(std::string(kGlcmPropNames[p]) + "_d" + std::to_string(d) + "_mean");
    return n;
}

static std::vector<double> features_with(const uint8_t* gray28, const FeatureSpec& spec, std::vector<double>& scratch) {
    const GlcmSpec& g = spec.glcm;
    std::vector<double> f = intensity_features(gray28, kGrayPixels);
    auto q = quantize(gray28, kGrayPixels, g.levels);
    size_t nd = g.distances.size(), na = g.angles.size();
    std::vector<double> props(kGlcmProps * nd * na);  // [p][d][a]
    for (size_t d = 0; d < nd; ++d)
        for (size_t a = 0; a < na; ++a) {
            auto cells = sparse_glcm(q, kSide, kSide, g.levels, offset_of(g.distances[d], g.angles[a]), g.symmetric, true, scratch);
            double v[kGlcmProps];
            props_of(cells, v);
            for (int p = 0; p < kGlcmProps; ++p) props[(p * nd + d) * na + a] = v[p];
        }
    f.insert(f.end(), props.begin(), props.end());
    for (int p = 0; p < kGlcmProps; ++p)
        for (size_t d = 0; d < nd; ++d) {
            double s = 0;
            for (size_t a = 0; a < na; ++a) s += props[(p * nd + d) * na + a];
            f.push_back(s / (double)na);
        }
    return f;
}

std::vector<double> image_features(const uint8_t* gray28, const FeatureSpec& spec) {
    std::vector<double> scratch((size_t)spec.glcm.levels * spec.glcm.levels, 0.0);
    return features_with(gray28, spec, scratch);
}

std::vector<double> dataset_features(const uint8_t* images, int n, const FeatureSpec& spec, int threads) {
    size_t F = feature_names(spec).size();
    std::vector<double> out((size_t)n * F);
    auto work = [&](int begin, int end) {
        std::vector<double> scratch((size_t)spec.glcm.levels * spec.glcm.levels, 0.0);
        uint8_t gray[kGrayPixels];
        for (int i = begin; i < end; ++i) {
            grayscale(images + (size_t)i * kImageBytes, gray, kGrayPixels);
            auto f = features_with(gray, spec, scratch);
            std::copy(f.begin(), f.end(), out.begin() + (long)((size_t)i * F));
        }
    };
#if BLOODCELL_HAVE_THREADS
    threads = std::max(1, std::min(threads, n / 64 + 1));
    if (threads > 1) {
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t) pool.emplace_back(work, (int)((long)n * t / threads), (int)((long)n * (t + 1) / threads));
        for (auto& th : pool) th.join();
        return out;
    }
#else
    (void)threads;
#endif
    work(0, n);
    return out;
}

Result<std::vector<int>> parse_int_list(const std::string& text, const std::string& what, int lo, int hi) {
    using R = Result<std::vector<int>>;
    std::vector<int> v;
    for (const std::string& item : split(text, ',')) {
        char* end = nullptr;
        long x = std::strtol(item.c_str(), &end, 10);
        if (item.empty() || *end || x < lo || x > hi)
            return R::fail(what + " '" + text + "': want comma-separated integers in " + std::to_string(lo) + ".." + std::to_string(hi));
        v.push_back((int)x);
    }
    return R::of(std::move(v));
}

}  // namespace core
