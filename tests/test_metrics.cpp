// Metrics against scikit-learn (tests/fixtures/metrics_fixture.txt, made by make_metrics_fixture.py)
// and hand-checkable AUC cases.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "core/metrics.h"
#include "test_util.h"

namespace {

struct MetricsCase {
    std::string name;
    std::vector<uint8_t> labels;
    std::vector<float> scores;
    std::map<std::string, std::vector<double>> want;
};

std::vector<MetricsCase> read_cases() {
    std::ifstream in(testutil::repo("tests/fixtures/metrics_fixture.txt"));
    std::vector<MetricsCase> cases;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ss(line);
        std::string key;
        ss >> key;
        if (key == "case") {
            cases.emplace_back();
            ss >> cases.back().name;
            continue;
        }
        if (cases.empty()) continue;
        MetricsCase& c = cases.back();
        if (key == "labels") {
            for (int v; ss >> v;) c.labels.push_back((uint8_t)v);
        } else if (key == "scores") {
            for (float v; ss >> v;) c.scores.push_back(v);
        } else {
            for (double v; ss >> v;) c.want[key].push_back(v);
        }
    }
    return cases;
}

}  // namespace

TEST_CASE("metrics: ACC, macro AUC, per-class precision/recall/F1 and confusion match scikit-learn") {
    auto cases = read_cases();
    REQUIRE(cases.size() == 3);
    for (auto& c : cases) {
        INFO("case " << c.name);
        REQUIRE(c.scores.size() == c.labels.size() * 8);
        core::Evaluation e = core::evaluate(c.scores, c.labels);
        CHECK(e.acc == doctest::Approx(c.want["acc"][0]).epsilon(1e-12));
        CHECK(e.auc == doctest::Approx(c.want["auc"][0]).epsilon(1e-12));
        for (int k = 0; k < 8; ++k) {
            CHECK(e.class_auc[k] == doctest::Approx(c.want["class_auc"][k]).epsilon(1e-12));
            CHECK(e.precision[k] == doctest::Approx(c.want["precision"][k]).epsilon(1e-12));
            CHECK(e.recall[k] == doctest::Approx(c.want["recall"][k]).epsilon(1e-12));
            CHECK(e.f1[k] == doctest::Approx(c.want["f1"][k]).epsilon(1e-12));
            for (int p = 0; p < 8; ++p) CHECK(e.confusion[k][p] == (int)c.want["confusion"][k * 8 + p]);
        }
    }
}

TEST_CASE("roc_auc: perfect, reversed, all tied, and a hand-counted case") {
    CHECK(core::roc_auc({0.1, 0.2, 0.8, 0.9}, {0, 0, 1, 1}) == 1.0);
    CHECK(core::roc_auc({0.9, 0.8, 0.2, 0.1}, {0, 0, 1, 1}) == 0.0);
    CHECK(core::roc_auc({0.5, 0.5, 0.5}, {0, 1, 1}) == 0.5);
    // positives 0.4, 0.8; negatives 0.4, 0.1: pairs (0.4 vs 0.4) = 1/2, others win: 3.5/4
    CHECK(core::roc_auc({0.4, 0.8, 0.4, 0.1}, {1, 1, 0, 0}) == 0.875);
    CHECK(std::isnan(core::roc_auc({0.1, 0.2}, {1, 1})));
}

TEST_CASE("evaluate: a class absent from the labels is left out of the macro AUC") {
    // two images, classes 0 and 1 only: classes 2..7 have no positives
    std::vector<float> p(16, 0.f);
    p[0] = 0.9f, p[1] = 0.1f, p[8] = 0.2f, p[9] = 0.8f;
    core::Evaluation e = core::evaluate(p, {0, 1});
    CHECK(e.acc == 1.0);
    CHECK(e.auc == 1.0);
    CHECK(std::isnan(e.class_auc[5]));
    CHECK(e.precision[5] == 0.0);
}

TEST_CASE("evaluate: each image's predicted class, the images behind every confusion cell") {
    // 4 images: true 0 -> predicted 0, true 1 -> 3, true 1 -> 1, true 2 -> 3
    std::vector<float> p(4 * 8, 0.f);
    p[0 * 8 + 0] = 1.f;
    p[1 * 8 + 3] = 0.9f;
    p[1 * 8 + 1] = 0.1f;
    p[2 * 8 + 1] = 0.7f;
    p[2 * 8 + 3] = 0.3f;
    p[3 * 8 + 3] = 1.f;
    core::Evaluation e = core::evaluate(p, std::vector<uint8_t>{0, 1, 1, 2});
    CHECK(e.predicted == std::vector<uint8_t>{0, 3, 1, 3});
    CHECK(e.confusion[1][3] == 1);
    CHECK(e.confusion[2][3] == 1);
    CHECK(e.acc == doctest::Approx(0.5));
}
