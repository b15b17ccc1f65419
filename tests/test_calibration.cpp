// Calibration (issue 12): temperature fit, ECE, reliability bins, coverage curve, threshold choice,
// the calibration in the model file (old files, round trip, bad values) and in every prediction.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>

#include "core/calibration.h"
#include "core/crc32.h"
#include "core/job.h"
#include "core/model.h"
#include "core/rng.h"
#include "test_util.h"

namespace {

// One row of 8 probabilities with confidence c on class k (the rest shared equally).
void row(std::vector<float>& p, int k, float c) {
    for (int j = 0; j < core::kClasses; ++j) p.push_back(j == k ? c : (1.f - c) / (core::kClasses - 1));
}

core::Model tiny_net(uint64_t seed = 1) {
    auto layers = core::parse_layers("conv3x3 2 same;relu;gap;dense 8");
    REQUIRE(layers.ok());
    core::ModelSpec spec;
    spec.name = "tiny";
    spec.layers = layers.value;
    auto m = core::Model::create(spec, seed);
    REQUIRE(m.ok());
    return std::move(m.value);
}

std::vector<uint8_t> noise_images(int n, uint64_t seed) {
    std::vector<uint8_t> px((size_t)n * core::kImageBytes);
    core::Rng rng(seed);
    for (auto& v : px) v = (uint8_t)rng.below(256);
    return px;
}

// Offset of the calibration block in a saved nn file (model.h): after magic, version, family, name,
// input, the layers (8 fields each), the feature definition.
size_t calibration_offset(const core::Model& m) {
    const core::ModelSpec& s = m.spec();
    return 8 + 4 + 4 + 4 + s.name.size() + 4 + 4 + s.layers.size() * 32 + 4 + 4 + s.features.glcm.distances.size() * 4 + 4;
}

void put_f32(std::vector<uint8_t>& b, size_t at, float v) {
    uint32_t u;
    std::memcpy(&u, &v, 4);
    for (int i = 0; i < 4; ++i) b[at + i] = (uint8_t)(u >> (8 * i));
}
void fix_crc(std::vector<uint8_t>& b) {
    b.resize(b.size() - 4);
    core::append_crc32(b);
}

}  // namespace

TEST_CASE("calibration: the temperature fit recovers the T that generated the labels") {
    // logits z, labels drawn from softmax(z / T0); the model reports softmax(z): the NLL-optimal
    // temperature for its probabilities is T0
    for (double T0 : {0.5, 1.0, 2.0}) {
        core::Rng rng(7);
        const int n = 20000;
        std::vector<float> probs;
        std::vector<uint8_t> labels;
        for (int i = 0; i < n; ++i) {
            double z[core::kClasses], q[core::kClasses], s = 0, sq = 0;
            for (double& v : z) v = 3.0 * rng.normal();
            for (int k = 0; k < core::kClasses; ++k) s += std::exp(z[k]), sq += (q[k] = std::exp(z[k] / T0));
            for (int k = 0; k < core::kClasses; ++k) probs.push_back((float)(std::exp(z[k]) / s));
            double u = rng.uniform() * sq, acc = 0;
            int y = core::kClasses - 1;
            for (int k = 0; k < core::kClasses; ++k)
                if ((acc += q[k]) > u) {
                    y = k;
                    break;
                }
            labels.push_back((uint8_t)y);
        }
        double T = core::fit_temperature(probs.data(), labels.data(), n);
        CHECK_MESSAGE(T == doctest::Approx(T0).epsilon(0.05), "T0 ", T0, " fitted ", T);
        // and it is the minimum: the NLL at T is below the NLL at T0 * 1.2 and T0 / 1.2
        auto nll_at = [&](double t) {
            auto q = core::with_temperature(probs, t);
            return core::nll(q.data(), labels.data(), n);
        };
        CHECK(nll_at(T) <= nll_at(T * 1.2));
        CHECK(nll_at(T) <= nll_at(T / 1.2));
    }
    CHECK(core::fit_temperature(nullptr, nullptr, 0) == 1.0);
}

TEST_CASE("calibration: temperature scaling keeps the argmax, T = 1 changes nothing, T > 1 softens") {
    std::vector<float> p;
    row(p, 3, 0.9f);
    row(p, 6, 0.4f);
    auto same = core::with_temperature(p, 1.0);
    CHECK(same == p);
    auto soft = core::with_temperature(p, 2.0), sharp = core::with_temperature(p, 0.5);
    CHECK(core::argmax(soft.data(), 8) == 3);
    CHECK(core::argmax(soft.data() + 8, 8) == 6);
    CHECK(soft[3] < 0.9f);
    CHECK(sharp[3] > 0.9f);
    // softmax(log p / 2): 0.9^0.5 / (0.9^0.5 + 7 * (0.1/7)^0.5)
    const double w = std::sqrt(0.9), o = std::sqrt(0.1 / 7);
    CHECK(soft[3] == doctest::Approx(w / (w + 7 * o)).epsilon(1e-6));
    float sum = 0;
    for (int k = 0; k < 8; ++k) sum += soft[8 + k];
    CHECK(sum == doctest::Approx(1.0).epsilon(1e-6));
}

TEST_CASE("calibration: ECE and the reliability bins of a known case") {
    // confidences 0.9 (one right, one wrong) and 0.62 (two right): bins (13/15, 14/15] and (9/15, 10/15]
    std::vector<float> p;
    row(p, 0, 0.9f);
    row(p, 1, 0.9f);
    row(p, 2, 0.62f);
    row(p, 3, 0.62f);
    std::vector<uint8_t> y = {0, 5, 2, 3};
    auto bins = core::reliability(p.data(), y.data(), 4);
    REQUIRE(bins.size() == 15);
    CHECK(bins[13].count == 2);
    CHECK(bins[13].accuracy == 0.5);
    CHECK(bins[13].confidence == doctest::Approx(0.9));
    CHECK(bins[9].count == 2);
    CHECK(bins[9].accuracy == 1.0);
    CHECK(bins[9].lo == doctest::Approx(0.6));
    CHECK(bins[9].hi == doctest::Approx(2.0 / 3));
    int total = 0;
    for (auto& b : bins) total += b.count;
    CHECK(total == 4);
    // |0.5 - 0.9| * 2/4 + |1 - 0.62| * 2/4
    CHECK(core::ece(p.data(), y.data(), 4) == doctest::Approx(0.2 + 0.19).epsilon(1e-6));
    // NLL: -log of the true class's probability, floored at 1e-12
    CHECK(core::nll(p.data(), y.data(), 4) ==
          doctest::Approx((-std::log(0.9) - std::log(0.1 / 7) - 2 * std::log(0.62)) / 4).epsilon(1e-5));
    // perfectly calibrated: confidence 0.75 with 3 of 4 right
    std::vector<float> q;
    for (int i = 0; i < 4; ++i) row(q, 1, 0.75f);
    std::vector<uint8_t> y2 = {1, 1, 1, 0};
    CHECK(core::ece(q.data(), y2.data(), 4) == doctest::Approx(0.0).epsilon(1e-6));
}

TEST_CASE("calibration: the coverage curve and the lowest threshold that keeps the target accuracy") {
    // confidences 0.99 (right), 0.95 (right), 0.9 (wrong), 0.8 (right), 0.7 (right), 0.7 (right)
    std::vector<float> p;
    std::vector<uint8_t> y;
    const float conf[] = {0.99f, 0.95f, 0.9f, 0.8f, 0.7f, 0.7f};
    const bool right[] = {true, true, false, true, true, true};
    for (int i = 0; i < 6; ++i) {
        row(p, 2, conf[i]);
        y.push_back(right[i] ? 2 : 4);
    }
    auto curve = core::coverage_curve(p.data(), y.data(), 6);
    REQUIRE(curve.size() == 5);  // the two 0.7s are one point
    CHECK(curve[2].threshold == 0.9f);
    CHECK(curve[2].accuracy == doctest::Approx(2.0 / 3));
    CHECK(curve[4].covered == 6);
    CHECK(curve[4].coverage == 1.0);
    CHECK(curve[4].accuracy == doctest::Approx(5.0 / 6));
    CHECK(core::choose_threshold(p.data(), y.data(), 6, 0.8) == 0.7f);   // 5/6 >= 0.8 with everything
    CHECK(core::choose_threshold(p.data(), y.data(), 6, 0.84) == 0.95f); // 0.8 gives 3/4 and 0.7 5/6 < 0.84
    CHECK(core::choose_threshold(p.data(), y.data(), 6, 0.995) == 0.95f);
    auto at = core::at_threshold(p.data(), y.data(), 6, 0.95f);
    CHECK(at.covered == 2);
    CHECK(at.accuracy == 1.0);
    CHECK(at.coverage == doctest::Approx(1.0 / 3));
    // when even the most confident is wrong, nothing below 1 qualifies
    y[0] = 4;
    CHECK(core::choose_threshold(p.data(), y.data(), 6, 0.995) == 1.0f);
    CHECK(core::is_unsure(p.data() + 8 * 3, 8, 0.9f));
    CHECK_FALSE(core::is_unsure(p.data() + 8 * 2, 8, 0.9f));
}

TEST_CASE("calibration: predictions use the model's temperature; unsure is below its threshold") {
    core::Model m = tiny_net();
    auto px = noise_images(5, 2);
    auto raw = m.predict_raw(px.data(), 5);
    CHECK(m.predict(px.data(), 5) == raw);  // not calibrated: T = 1
    core::Calibration c;
    c.single = {0.25f, 0.5f, true};
    c.tta = {3.0f, 0.2f, true};
    c.images = 10;
    REQUIRE(m.set_calibration(c).ok);
    CHECK(m.predict(px.data(), 5) == core::with_temperature(raw, 0.25));
    std::vector<float> single;
    auto raw8 = m.predict_raw(px.data(), 5, true, &single);
    CHECK(single == raw);  // the identity view of the 8-view pass
    auto p8 = m.predict(px.data(), 5, true);
    CHECK(p8 == core::with_temperature(raw8, 3.0));
    for (int i = 0; i < 5; ++i) {
        const float* q = p8.data() + 8 * i;
        CHECK(m.unsure(q, true) == (*std::max_element(q, q + 8) < 0.2f));
    }
    core::Calibration bad = c;
    bad.single.temperature = 0.f;
    CHECK(m.set_calibration(bad).message == "calibration temperature 0: want a finite number > 0");
    CHECK(m.calibration() == c);  // unchanged
}

TEST_CASE("model file: the calibration round-trips; version 1 files load with T = 1") {
    core::Model m = tiny_net();
    core::Calibration c;
    c.single = {1.19f, 0.9123f, true};
    c.tta = {0.93f, 0.8461f, true};
    c.target = 0.99f;
    c.images = 1712;
    REQUIRE(m.set_calibration(c).ok);
    auto b = m.save();
    CHECK(b[8] == 2);  // format version 2
    auto back = core::Model::load(b.data(), b.size(), "m.bcm");
    REQUIRE_MESSAGE(back.ok(), back.error);
    CHECK(back.value.calibration() == c);
    auto px = noise_images(3, 4);
    CHECK(back.value.predict(px.data(), 3) == m.predict(px.data(), 3));
    // an uncalibrated model writes the defaults and reads them back
    core::Model plain = tiny_net();
    auto pb = plain.save();
    auto pback = core::Model::load(pb.data(), pb.size(), "p.bcm");
    REQUIRE(pback.ok());
    CHECK(pback.value.calibration() == core::Calibration{});

    // a version-1 file (the committed fuzz seeds predate the calibration) loads uncalibrated
    auto old = testutil::read(testutil::repo("tests/fuzz/corpus/model/vgg6.bcm"));
    REQUIRE(old.size() > 12);
    CHECK(old[8] == 1);
    auto om = core::Model::load(old.data(), old.size(), "vgg6.bcm");
    REQUIRE_MESSAGE(om.ok(), om.error);
    CHECK(om.value.calibration().single.temperature == 1.f);
    CHECK(om.value.calibration().single.threshold == core::kDefaultUnsureThreshold);
    CHECK_FALSE(om.value.calibration().single.fitted);
    CHECK(om.value.predict(px.data(), 3) == om.value.predict_raw(px.data(), 3));
    // and the same file with this build's layout: a version-2 file of the same model
    auto resaved = om.value.save();
    auto again = core::Model::load(resaved.data(), resaved.size(), "again.bcm");
    REQUIRE(again.ok());
    CHECK(again.value.predict(px.data(), 3) == om.value.predict(px.data(), 3));
}

TEST_CASE("model file: a bad calibration value is refused with a clear error") {
    core::Model m = tiny_net();
    core::Calibration c;
    c.single = {1.5f, 0.9f, true};
    REQUIRE(m.set_calibration(c).ok);
    const auto good = m.save();
    const size_t at = calibration_offset(m);
    auto patched = [&](size_t field, float v) {  // field 0 flags, 1 T, 2 threshold, 3 T (8 views), 4 threshold (8), 5 target
        auto b = good;
        put_f32(b, at + 4 * field, v);
        fix_crc(b);
        auto r = core::Model::load(b.data(), b.size(), "m.bcm");
        return r.ok() ? std::string("(loaded)") : r.error;
    };
    CHECK(patched(1, 1.5f) == "(loaded)");  // the offset is right: the same value loads
    CHECK(patched(1, -1.f) == "m.bcm: corrupt: calibration temperature -1: want a finite number > 0");
    CHECK(patched(1, 0.f) == "m.bcm: corrupt: calibration temperature 0: want a finite number > 0");
    CHECK(patched(1, NAN) == "m.bcm: corrupt: calibration temperature nan: want a finite number > 0");
    CHECK(patched(1, INFINITY) == "m.bcm: corrupt: calibration temperature inf: want a finite number > 0");
    CHECK(patched(2, 1.5f) == "m.bcm: corrupt: unsure threshold 1.5: want 0..1");
    CHECK(patched(2, -0.1f) == "m.bcm: corrupt: unsure threshold -0.1: want 0..1");
    CHECK(patched(2, NAN) == "m.bcm: corrupt: unsure threshold nan: want 0..1");
    CHECK(patched(3, -2.f) == "m.bcm: corrupt: calibration temperature (8-view) -2: want a finite number > 0");
    CHECK(patched(4, 2.f) == "m.bcm: corrupt: unsure threshold (8-view) 2: want 0..1");
    CHECK(patched(5, 0.f) == "m.bcm: corrupt: calibration target accuracy 0: want 0..1");
    auto b = good;
    b[at] = 9;  // unknown flag bits
    fix_crc(b);
    auto r = core::Model::load(b.data(), b.size(), "m.bcm");
    CHECK(r.error == "m.bcm: corrupt: unknown calibration flags 9");
}

TEST_CASE("CalibrateJob: fits both modes on val in bounded steps and sets them on the model") {
    auto model = std::make_shared<core::Model>(tiny_net(3));
    core::Dataset val;
    val.images = noise_images(40, 5);
    for (int i = 0; i < 40; ++i) val.labels.push_back((uint8_t)(i % 8));
    core::CalibrateJob job(model, &val, 0.9, true);
    int steps = 0;
    while (job.step({5, 0})) ++steps;
    CHECK(steps >= 40 / 5 - 1);
    REQUIRE(job.snapshot().status == core::JobStatus::done);
    const core::Calibration& c = model->calibration();
    CHECK(c.single.fitted);
    CHECK(c.tta.fitted);
    CHECK(c.images == 40);
    CHECK(c.target == 0.9f);
    // the same as fitting the raw probabilities directly
    auto raw = model->predict_raw(val.images.data(), 40);
    CHECK(c.single.temperature == (float)core::fit_temperature(raw.data(), val.labels.data(), 40));
    auto raw8 = model->predict_raw(val.images.data(), 40, true);
    CHECK(c.tta.temperature == (float)core::fit_temperature(raw8.data(), val.labels.data(), 40));
    auto q = core::with_temperature(raw, c.single.temperature);
    CHECK(c.single.threshold == core::choose_threshold(q.data(), val.labels.data(), 40, 0.9));
    core::Dataset empty;
    core::CalibrateJob none(model, &empty);
    CHECK(none.snapshot().message == "no validation images to calibrate on");
}
