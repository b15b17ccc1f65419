// Hand-made features of one grayscale image: intensity statistics and GLCM texture properties,
// defined exactly as scipy.stats and scikit-image (graycomatrix/graycoprops) define them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace core {

// mean, std (ddof 0), skewness, excess kurtosis (biased, scipy defaults), min, max, then a
// 16-bin histogram over [0,256) normalized to sum 1. 22 values, 0..255 units.
constexpr int kIntensityFeatures = 22;
std::vector<double> intensity_features(const uint8_t* gray, size_t n);

enum GlcmProp { kContrast = 0, kDissimilarity, kHomogeneity, kEnergy, kCorrelation, kASM, kGlcmProps };
extern const char* const kGlcmPropNames[kGlcmProps];

struct GlcmSpec {
    int levels = 256;                            // quantize v -> v*levels/256
    std::vector<int> distances{1};
    std::vector<double> angles{0.0, 0.7853981633974483, 1.5707963267948966, 2.356194490192345};
    bool symmetric = true;
    bool normed = true;
};

// P[d][a] is levels x levels, row-major (P[i*levels + j] counts (i at pixel, j at offset pixel)).
// Counts as doubles; normalized per (d, a) when spec.normed.
std::vector<std::vector<double>> glcm(const uint8_t* gray, int rows, int cols, const GlcmSpec& spec);
// props[p][d * n_angles + a] as graycoprops returns them.
std::vector<std::vector<double>> glcm_props(const std::vector<std::vector<double>>& P, const GlcmSpec& spec);

// The feature vector used by the feature models: intensity features, then each GLCM property per
// (distance, angle), then each property averaged over angles per distance.
struct FeatureSpec { GlcmSpec glcm; };
std::vector<std::string> feature_names(const FeatureSpec& spec);
std::vector<double> image_features(const uint8_t* gray28, const FeatureSpec& spec);
// All images of an RGB dataset block (N x 28x28x3) -> N x F row-major, using up to `threads`.
std::vector<double> dataset_features(const uint8_t* images, int n, const FeatureSpec& spec, int threads = 1);

// "1,2,3" -> {1,2,3}; each value must lie in [lo, hi]. `what` names the option in errors.
Result<std::vector<int>> parse_int_list(const std::string& text, const std::string& what, int lo = 1, int hi = 27);

}  // namespace core
