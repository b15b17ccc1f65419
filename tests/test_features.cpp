// Grayscale, intensity features and GLCM properties against numpy / scipy / scikit-image values in
// tests/fixtures/features_fixture.txt (made by make_features_fixture.py beside it).
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "core/dataset.h"
#include "core/features.h"
#include "core/preprocess.h"
#include "test_util.h"

using namespace core;

namespace {

struct GlcmRecord {
    int levels = 0;
    std::vector<int> distances;
    std::map<std::string, std::vector<double>> props;
};
struct Record {
    std::string name;
    std::vector<uint8_t> rgb, gray;
    std::vector<double> intensity, matrix8;
    std::vector<GlcmRecord> glcms;
};

std::vector<Record> load_fixture() {
    std::ifstream in(testutil::repo("tests/fixtures/features_fixture.txt"));
    std::vector<Record> out;
    std::string line;
    while (std::getline(in, line)) {
        std::stringstream ss(line);
        std::string key;
        ss >> key;
        if (key == "image") { out.emplace_back(); ss >> out.back().name; continue; }
        Record& r = out.back();
        if (key == "rgb" || key == "gray") {
            int v;
            while (ss >> v) (key == "rgb" ? r.rgb : r.gray).push_back((uint8_t)v);
        } else if (key == "intensity" || key == "matrix8") {
            double v;
            while (ss >> v) (key == "intensity" ? r.intensity : r.matrix8).push_back(v);
        } else if (key == "glcm") {
            GlcmRecord g;
            std::string d;
            ss >> g.levels >> d;
            g.distances = parse_int_list(d, "d").value;
            r.glcms.push_back(g);
        } else if (key == "prop") {
            std::string name;
            double v;
            ss >> name;
            while (ss >> v) r.glcms.back().props[name].push_back(v);
        }
    }
    return out;
}

bool close(double a, double b, double rel = 1e-9) { return std::abs(a - b) <= rel * std::max(std::abs(b), 1e-3); }

}  // namespace

TEST_CASE("grayscale equals numpy's rint(0.299 R + 0.587 G + 0.114 B), ties to even") {
    CHECK(gray_pixel(255, 233, 206) == 236);  // 236.5 in exact arithmetic; numpy's float64 sum rounds to 236
    CHECK(gray_pixel(0, 0, 0) == 0);
    CHECK(gray_pixel(255, 255, 255) == 255);
    auto fx = load_fixture();
    REQUIRE(fx.size() == 8);
    for (auto& r : fx) {
        REQUIRE(r.rgb.size() == 2352u);
        CHECK_MESSAGE(grayscale(r.rgb) == r.gray, r.name);
    }
}

TEST_CASE("the bulk grayscale (integers, ties redone in double), and normalized, equal gray_pixel on every one of the 2^24 colours") {
    std::vector<uint8_t> rgb((size_t)3 << 16), g((size_t)1 << 16);
    std::vector<float> f((size_t)1 << 16);
    long bad = 0, bad_f = 0;
    for (int r = 0; r < 256; ++r) {
        for (int i = 0; i < (1 << 16); ++i) rgb[3 * i] = (uint8_t)r, rgb[3 * i + 1] = (uint8_t)(i >> 8), rgb[3 * i + 2] = (uint8_t)i;
        grayscale(rgb.data(), g.data(), g.size());
        grayscale_normalized(rgb.data(), f.data(), f.size());
        for (int i = 0; i < (1 << 16); ++i) {
            const uint8_t want = gray_pixel((uint8_t)r, (uint8_t)(i >> 8), (uint8_t)i);
            float norm;
            normalize(&want, &norm, 1);
            bad += g[i] != want;
            bad_f += f[i] != norm;
        }
    }
    CHECK(bad == 0);
    CHECK(bad_f == 0);  // grayscale_normalized = normalize(grayscale), bit for bit
    const uint8_t tie[3] = {255, 233, 206};  // the background colour, a .5 tie: rounds to even (236)
    uint8_t out = 0;
    grayscale(tie, &out, 1);
    CHECK(out == 236);
}

TEST_CASE("normalize maps 0..255 to 0..1 as float32 x/255") {
    uint8_t px[3] = {0, 51, 255};
    float out[3];
    normalize(px, out, 3);
    CHECK(out[0] == 0.0f);
    CHECK(out[1] == 51.0f / 255.0f);
    CHECK(out[2] == 1.0f);
}

TEST_CASE("intensity features equal scipy's (biased skewness and excess kurtosis)") {
    for (auto& r : load_fixture()) {
        auto f = intensity_features(r.gray.data(), r.gray.size());
        REQUIRE(f.size() == r.intensity.size());
        for (size_t k = 0; k < f.size(); ++k) CHECK_MESSAGE(close(f[k], r.intensity[k]), r.name << " feature " << k);
    }
}

TEST_CASE("GLCM properties equal scikit-image's graycoprops to 1e-9 relative") {
    int checked = 0;
    for (auto& r : load_fixture()) {
        for (auto& g : r.glcms) {
            GlcmSpec spec;
            spec.levels = g.levels;
            spec.distances = g.distances;
            auto props = glcm_props(glcm(r.gray.data(), 28, 28, spec), spec);
            for (int p = 0; p < kGlcmProps; ++p) {
                auto& want = g.props.at(kGlcmPropNames[p]);
                REQUIRE(props[p].size() == want.size());
                for (size_t k = 0; k < want.size(); ++k) {
                    CHECK_MESSAGE(close(props[p][k], want[k]), r.name << " L=" << g.levels << " " << kGlcmPropNames[p] << "[" << k << "]");
                    ++checked;
                }
            }
        }
    }
    CHECK(checked == 8 * 6 * (4 + 8 + 8));
}

TEST_CASE("a GLCM matrix equals graycomatrix's, cell by cell") {
    for (auto& r : load_fixture()) {
        GlcmSpec spec;
        spec.levels = 8;
        spec.angles = {0.0};
        auto P = glcm(r.gray.data(), 28, 28, spec);
        REQUIRE(P.size() == 1);
        REQUIRE(P[0].size() == r.matrix8.size());
        for (size_t k = 0; k < P[0].size(); ++k) CHECK(close(P[0][k], r.matrix8[k], 1e-12));
    }
}

TEST_CASE("the feature vector lays out intensity, per-angle GLCM, then angle means, as named") {
    auto fx = load_fixture();
    const Record& r = fx[0];
    FeatureSpec spec;
    spec.glcm.levels = 16;
    spec.glcm.distances = {1, 2};
    auto f = image_features(r.gray.data(), spec);
    auto names = feature_names(spec);
    REQUIRE(f.size() == names.size());
    CHECK(f.size() == 22u + 6 * 8 + 6 * 2);
    CHECK(names[22] == "contrast_d1_a0");
    CHECK(names[22 + 5] == "contrast_d2_a45");
    CHECK(names.back() == "ASM_d2_mean");
    const GlcmRecord& g = r.glcms[1];
    REQUIRE(g.levels == 16);
    CHECK(close(f[22 + 5], g.props.at("contrast")[5]));
    double m = 0;
    for (int a = 0; a < 4; ++a) m += g.props.at("ASM")[4 + a];
    CHECK(close(f.back(), m / 4));
    // the whole-dataset path (RGB in, threads) agrees with the one-image path
    auto batch = dataset_features(r.rgb.data(), 1, spec, 2);
    CHECK(batch == f);
}

TEST_CASE("distance lists parse and reject bad values") {
    CHECK(parse_int_list("1,2,5", "--distances").value == std::vector<int>{1, 2, 5});
    CHECK(parse_int_list("1,,2", "--distances").error == "--distances '1,,2': want comma-separated integers in 1..27");
    CHECK(parse_int_list("0", "--distances").error == "--distances '0': want comma-separated integers in 1..27");
}
