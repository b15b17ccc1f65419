// The Trainer: bounded steps, determinism for a fixed seed, learning a separable toy problem,
// best-epoch selection, early stopping, and the feature models.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <memory>

#include "core/forest.h"
#include "core/logreg.h"
#include "core/train.h"
#include "test_util.h"

namespace {

using testutil::toy;

core::ModelSpec small_cnn() {
    core::ModelSpec s;
    s.name = "tiny";
    auto layers = core::parse_layers("conv3x3 4 same s2; bn; relu; gap; dense 8");
    REQUIRE(layers.ok());
    s.layers = layers.value;
    return s;
}

// every tensor (params then batch-norm buffers), or the trained params alone
std::vector<float> weights(core::Model& m, bool params_only = false) {
    std::vector<float> w;
    for (auto* p : params_only ? m.network().params() : m.network().tensors()) w.insert(w.end(), p->value.begin(), p->value.end());
    return w;
}

// The toy problem of 8 classes (12 training and 6 val images each) trained to the end of cfg.
std::unique_ptr<core::Trainer> toy_run(const core::TrainConfig& cfg) {
    auto t = core::Trainer::create(small_cnn(), toy(12, 1), toy(6, 2), cfg);
    REQUIRE_MESSAGE(t.ok(), t.error);
    while (t.value->step(1000)) {
    }
    return std::move(t.value);
}

// 15 epochs at a rate that learns the toy problem
core::TrainConfig toy_config() {
    core::TrainConfig cfg;
    cfg.epochs = 15;
    cfg.batch = 16;
    cfg.lr = 3e-2f;
    return cfg;
}

}  // namespace

TEST_CASE("trainer: step() does a bounded amount of work and reports progress") {
    core::TrainConfig cfg;
    cfg.epochs = 2;
    cfg.batch = 8;
    auto t = core::Trainer::create(small_cnn(), toy(4, 1), toy(2, 2), cfg);
    REQUIRE_MESSAGE(t.ok(), t.error);
    auto& tr = *t.value;
    tr.step(8);  // exactly one batch
    CHECK(tr.metrics().step == 1);
    CHECK(tr.metrics().images == 8);
    CHECK(tr.metrics().batches.size() == 1);
    tr.step(20);  // 20 images: three batches of 8 (a started batch is finished)
    CHECK(tr.metrics().step == 4);
    CHECK(tr.metrics().epoch == 0);
    CHECK(tr.metrics().validating);  // 32 training images done: validation is next
    tr.step(16);                      // validation (16 images) completes the epoch
    CHECK(tr.metrics().epoch == 1);
    CHECK(tr.metrics().history.size() == 1);
    CHECK(tr.metrics().progress == doctest::Approx(0.5));
    while (tr.step(1000)) {
    }
    CHECK(tr.done());
    CHECK(tr.metrics().epoch == 2);
    CHECK(tr.metrics().progress == 1.0);
    CHECK(tr.metrics().batches.back().lr == doctest::Approx(cfg.lr * 0.5 * (1 + std::cos(M_PI * 7 / 8))));
}

TEST_CASE("trainer: the same seed gives the same weights; another seed does not") {
    core::TrainConfig cfg;
    cfg.epochs = 2;
    cfg.batch = 8;
    cfg.augment = true;
    auto run = [&](uint64_t seed) {
        cfg.seed = seed;
        auto t = core::Trainer::create(small_cnn(), toy(4, 1), toy(2, 2), cfg);
        while (t.value->step(64)) {
        }
        core::Model m = t.value->take_model();
        return weights(m);
    };
    auto a = run(5), b = run(5), c = run(6);
    CHECK(a == b);
    CHECK(a != c);
}

TEST_CASE("trainer: learns a separable toy problem and keeps the best val epoch") {
    auto t = toy_run(toy_config());
    const auto& m = t->metrics();
    CHECK(m.history.back().train_loss < m.history.front().train_loss);
    CHECK(m.best_val_acc > 0.9);
    core::Model best = t->best_model_copy();
    core::Dataset val = toy(6, 2);
    core::Evaluation e = core::evaluate_model(best, val);
    CHECK(e.acc == doctest::Approx(m.best_val_acc));
    CHECK(best.record().best_epoch == m.best_epoch);
}

TEST_CASE("trainer: early stopping after `patience` epochs without a better val ACC") {
    core::TrainConfig cfg;
    cfg.epochs = 50;
    cfg.batch = 16;
    cfg.lr = 1e-6f;  // too small to improve anything
    cfg.patience = 2;
    cfg.schedule = core::Schedule::constant;
    auto t = core::Trainer::create(small_cnn(), toy(2, 1), toy(2, 2), cfg);
    while (t.value->step(1000)) {
    }
    CHECK(t.value->metrics().stopped_early);
    CHECK(t.value->metrics().epoch < 50);
    CHECK(t.value->metrics().epoch - t.value->metrics().best_epoch == 2);
}

TEST_CASE("trainer: until_acc stops at the end of the first epoch whose val ACC reaches it, and only then") {
    core::TrainConfig cfg = toy_config();
    // the same run without a target, to know the val ACC of every epoch
    auto full = toy_run(cfg);
    const auto& h = full->metrics().history;
    REQUIRE(h.size() == 15u);
    // a target the run reaches after its first epoch: the first epoch at or above it
    const double target = h.back().val_acc;
    int first = 0;
    while (h[first].val_acc < target) ++first;
    REQUIRE(first > 0);
    cfg.until_acc = (float)target - 1e-6f;
    auto t = toy_run(cfg);
    const auto& m = t->metrics();
    CHECK(m.reached_until_acc);
    CHECK_FALSE(m.stopped_early);
    CHECK(m.epoch == first + 1);
    CHECK(m.last_val.acc == doctest::Approx(h[first].val_acc));
    // a target above every epoch: all epochs run, and the flag says it was not reached
    cfg.until_acc = 1.0f;
    cfg.epochs = 3;
    auto never = toy_run(cfg);
    if (never->metrics().last_val.acc < 1.0) {
        CHECK(never->metrics().epoch == 3);
        CHECK_FALSE(never->metrics().reached_until_acc);
    }
    cfg.until_acc = 1.5f;
    CHECK(core::Trainer::create(small_cnn(), toy(1, 1), {}, cfg).error == "until-acc: want 0 (off) or a val accuracy in (0, 1]");
}

TEST_CASE("trainer: bad configurations and inputs are refused with the reason") {
    core::TrainConfig cfg;
    cfg.batch = 0;
    CHECK(core::Trainer::create(small_cnn(), toy(1, 1), {}, cfg).error == "batch 0: want 1..4096");
    cfg = {};
    cfg.epochs = 0;
    CHECK(core::Trainer::create(small_cnn(), toy(1, 1), {}, cfg).error == "epochs 0: want 1..10000");
    CHECK(core::Trainer::create(small_cnn(), {}, {}, {}).error == "the training set is empty");
    auto lr = core::model_spec("logreg");
    CHECK(core::Trainer::create(lr.value, toy(1, 1), {}, {}).error ==
          "logreg is a feature model: fit it with fit_features(), not the Trainer");
}

TEST_CASE("Trainer detects divergence") {
    // A learning rate of 10 blows the network up in its first batches: the batch where it shows is
    // refused, the weights and optimizer state of the last good batch come back, and stepping stops.
    core::TrainConfig cfg;
    cfg.epochs = 3;
    cfg.batch = 8;
    cfg.lr = 10.f;
    cfg.schedule = core::Schedule::constant;
    core::ModelOptions mo;
    mo.hidden = 32;
    auto spec = core::model_spec("fcnn", mo);  // no batch norm to tame it
    REQUIRE(spec.ok());
    auto t = core::Trainer::create(spec.value, toy(4, 1), toy(2, 2), cfg);
    REQUIRE_MESSAGE(t.ok(), t.error);
    auto& tr = *t.value;
    std::vector<float> before, before_prev;
    const std::vector<float> first = weights(tr.model());
    int batches = 0;
    while (!tr.diverged() && batches < 12) {
        before_prev = before;
        before = weights(tr.model());
        tr.step(8);  // one batch at a time
        ++batches;
    }
    REQUIRE(tr.diverged());
    CHECK(tr.metrics().divergences == 1);
    CHECK(tr.metrics().step == batches - 1);  // the diverged batch does not count
    // the last good weights: kept every 8 batches from weights whose loss was sane; here the run
    // blows up within its first 8 batches, so they are the initial weights
    REQUIRE(batches <= 8);
    std::vector<float> kept = weights(tr.model());
    CHECK(kept == first);
    for (float w : kept) REQUIRE(std::isfinite(w));
    const std::string& msg = tr.metrics().diverged_message;
    CHECK(msg.find("training diverged in epoch 1, batch " + std::to_string(batches)) == 0);
    CHECK(msg.find("learning rate 10") != std::string::npos);
    CHECK(msg.find("lower the learning rate and resume") != std::string::npos);
    CHECK_FALSE(tr.step(8));                 // no work until resumed
    CHECK(tr.metrics().step == batches - 1);
    CHECK_FALSE(tr.done());

    // resume: a rate outside the range is refused; a sane one trains on to the end
    CHECK(tr.resume(0.f).message == "lr 0.000000: want a value in (0, 100]");
    CHECK(tr.diverged());
    REQUIRE(tr.resume(1e-3f).ok);
    CHECK_FALSE(tr.diverged());
    CHECK(tr.metrics().diverged_message.empty());
    while (tr.step(64)) {}
    CHECK(tr.done());
    CHECK_FALSE(tr.diverged());
    CHECK(tr.metrics().history.size() == 3);
    core::Model m = tr.take_model();
    CHECK(m.meta().at("lr") == "0.001");  // the rate it went on with, as the file holds it
    CHECK(m.record().divergences == 1);
    CHECK(tr.resume(1e-3f).message == "nothing to resume: training has not diverged");
}

TEST_CASE("trainer: NaN or Inf put into the weights is caught in the next batch and the last good weights return") {
    for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
        core::TrainConfig cfg;
        cfg.epochs = 1;
        cfg.batch = 8;
        auto t = core::Trainer::create(small_cnn(), toy(4, 1), {}, cfg);
        REQUIRE(t.ok());
        auto& tr = *t.value;
        // batch 1 checks these and keeps them (params only: batch norm's running statistics move
        // in every training forward pass, before the check)
        auto params = [&] {
            std::vector<float> w;
            for (auto* p : tr.model().network().params()) w.insert(w.end(), p->value.begin(), p->value.end());
            return w;
        };
        std::vector<float> good = params();
        tr.step(8);
        tr.model().network().params()[0]->value[3] = bad;  // e.g. memory corruption or a bad edit
        tr.step(8);
        REQUIRE(tr.diverged());
        CHECK(tr.metrics().step == 1);
        // ReLU maps NaN to 0, so the loss may stay finite; then the NaN shows in the gradients and
        // the updated weights, still within this batch
        CHECK(tr.metrics().diverged_message.find("training diverged in epoch 1, batch 2: ") == 0);
        CHECK(params() == good);
        REQUIRE(tr.resume(cfg.lr).ok);
        while (tr.step(64)) {}
        CHECK(tr.done());
        for (float w : weights(tr.model())) REQUIRE(std::isfinite(w));
    }
}

// The largest |a[j] - b[j]| (b in float or double).
template <class T>
static double max_diff(const std::vector<float>& a, const std::vector<T>& b) {
    double m = 0;
    for (size_t j = 0; j < a.size(); ++j) m = std::max(m, std::abs((double)a[j] - (double)b[j]));
    return m;
}

TEST_CASE("trainer: weight averaging (ema) validates and returns the running average, not the live weights") {
    core::TrainConfig cfg;
    cfg.epochs = 2;
    cfg.batch = 8;
    cfg.ema = 0.9f;
    cfg.restore_best = false;
    auto t = core::Trainer::create(small_cnn(), toy(4, 1), {}, cfg);
    REQUIRE(t.ok());
    auto& tr = *t.value;
    // follow the average by hand: after each update the new weights are folded in,
    // a[j] = d a[j] + (1 - d) w[j] with d = min(0.9, (1 + n) / (10 + n)) for the n-th batch
    std::vector<double> avg;
    for (float w : weights(tr.model())) avg.push_back(w);
    int n = 0;
    std::vector<float> live;
    while (!tr.done()) {
        tr.step(8);
        live = weights(tr.model());
        ++n;
        double d = std::min(0.9, (1.0 + n) / (10.0 + n));
        for (size_t j = 0; j < live.size(); ++j) avg[j] = d * avg[j] + (1 - d) * live[j];
    }
    core::Model m = tr.take_model();
    std::vector<float> got = weights(m);
    REQUIRE(got.size() == avg.size());
    CHECK(max_diff(got, avg) < 1e-5);
    CHECK(max_diff(got, live) > 1e-3);  // the average really differs from the live weights
    CHECK(m.record().ema == doctest::Approx(0.9));
    cfg.ema = 1.f;
    CHECK(core::Trainer::create(small_cnn(), toy(1, 1), {}, cfg).error == "ema: want 0 (off) or a decay in (0, 1)");
}

// ---- stochastic weight averaging (issue 14) ---------------------------------------------------------
TEST_CASE("trainer: swa hands out the equal average of the end-of-epoch weights from its first epoch on") {
    core::TrainConfig cfg;
    cfg.epochs = 4;
    cfg.batch = 8;
    cfg.lr = 3e-2f;
    cfg.augment = true;
    cfg.restore_best = false;
    // the same run without averaging (averaging must not change the trajectory): its weights at the
    // end of epochs 2, 3 and 4, stepping a batch at a time
    auto run = core::Trainer::create(small_cnn(), toy(4, 1), {}, cfg);
    REQUIRE(run.ok());
    std::vector<double> mean;
    int seen = 0, folded = 0;
    while (!run.value->done()) {
        run.value->step(8);
        const int e = run.value->metrics().epoch;
        if (e == seen) continue;
        seen = e;
        if (e < 2) continue;
        std::vector<float> w = weights(run.value->model(), true);
        if (mean.empty()) mean.assign(w.size(), 0.0);
        ++folded;
        for (size_t j = 0; j < w.size(); ++j) mean[j] += (w[j] - mean[j]) / folded;
    }
    REQUIRE(folded == 3);
    cfg.swa_start = 2;
    auto swa = core::Trainer::create(small_cnn(), toy(4, 1), {}, cfg);
    REQUIRE(swa.ok());
    while (swa.value->step(8)) {}
    core::Model m = swa.value->take_model();
    std::vector<float> got = weights(m, true), live = weights(run.value->model(), true);
    REQUIRE(got.size() == mean.size());
    CHECK(max_diff(got, mean) < 1e-5);
    CHECK(max_diff(got, live) > 1e-3);  // the average really differs from the last weights
    CHECK(swa.value->metrics().history.size() == 4);
}

TEST_CASE("trainer: swa recomputes batch-norm statistics for the averaged weights, and validates on them") {
    core::TrainConfig cfg;
    cfg.epochs = 3;
    cfg.batch = 8;  // 32 training images: four batches of equal size
    cfg.lr = 3e-2f;
    cfg.augment = false;
    cfg.swa_start = 2;
    const core::Dataset train = toy(4, 1), val = toy(2, 2);
    auto t = core::Trainer::create(small_cnn(), train, val, cfg);
    REQUIRE(t.ok());
    while (t.value->step(8)) {}
    const double best_val = t.value->metrics().best_val_acc;
    const std::vector<float> live_mean = t.value->model().network().buffers()[0]->value;  // the live weights' own
    core::Model m = t.value->take_model();
    // the running mean must be the mean, over all training images and positions, of the averaged
    // network's convolution output: one batch of all 32 images with momentum 1 gives exactly that
    std::vector<uint8_t> bytes = m.save();
    auto copy = core::Model::load(bytes.data(), bytes.size(), "copy");
    REQUIRE(copy.ok());
    core::nn::Tensor x;
    core::images_to_tensor(train.image(0), train.size(), copy.value.spec().input, x);
    core::nn::Context ctx{true, nullptr, 1.0};
    copy.value.network().forward(x, ctx);
    const std::vector<float>& want = copy.value.network().buffers()[0]->value;  // running_mean
    const std::vector<float>& got = m.network().buffers()[0]->value;
    REQUIRE(got.size() == want.size());
    for (size_t c = 0; c < got.size(); ++c) CHECK(got[c] == doctest::Approx(want[c]).epsilon(1e-5));
    // and the running mean differs from what the live weights' training left (else the check is idle)
    double off = 0;
    for (size_t c = 0; c < got.size(); ++c) off = std::max(off, (double)std::abs(got[c] - live_mean[c]));
    CHECK(off > 1e-4);
    // the best epoch's val ACC is the handed-out average's
    CHECK(core::evaluate_model(m, val).acc == doctest::Approx(best_val));
    cfg.swa_start = 4;
    CHECK(core::Trainer::create(small_cnn(), toy(1, 1), {}, cfg).error == "swa 4: want 0 (off) or the first epoch averaged, 1..3");
}

TEST_CASE("trainer: an epoch's val loss is the network's own, not through the temperature of the file it started from") {
    auto init = core::Model::create(small_cnn(), 42);
    REQUIRE(init.ok());
    core::Calibration cal = init.value.calibration();
    cal.single.temperature = 0.25f;  // much sharper than the network
    cal.single.fitted = true;
    REQUIRE(init.value.set_calibration(cal).ok);
    const std::vector<uint8_t> bytes = init.value.save();
    core::TrainConfig cfg;
    cfg.epochs = 1;
    cfg.batch = 8;
    cfg.lr = 1e-9f;  // the weights stay the file's
    const core::Dataset val = toy(2, 2);
    auto t = core::Trainer::create(small_cnn(), toy(1, 1), val, cfg, &bytes);
    REQUIRE_MESSAGE(t.ok(), t.error);
    while (t.value->step(64)) {}
    // the batch-norm statistics moved with the one epoch, so score the trainer's network itself
    core::Model& live = t.value->model();
    const core::Evaluation raw = core::evaluate(live.predict_raw(val.images.data(), val.size()).data(), val.labels.data(), val.size());
    const core::Evaluation cooked = core::evaluate(live.predict(val.images.data(), val.size()).data(), val.labels.data(), val.size());
    REQUIRE(std::abs(raw.loss - cooked.loss) > 1e-3);  // the temperature matters for this check
    CHECK(t.value->metrics().history[0].val_loss == doctest::Approx(raw.loss).epsilon(1e-5));
}

// ---- soft targets (issue 14): label smoothing and distillation from a teacher's probabilities -------
namespace {
core::ModelSpec no_bn_cnn() {  // training-mode forward = predict(): no batch norm, no dropout
    core::ModelSpec s;
    s.name = "tiny-nobn";
    auto layers = core::parse_layers("conv3x3 4 same s2; relu; gap; dense 8");
    REQUIRE(layers.ok());
    s.layers = layers.value;
    return s;
}
}  // namespace

TEST_CASE("trainer: smoothing and distillation give the loss of the mixed target, each image with its teacher row") {
    const core::Dataset train = toy(3, 4);  // 24 images
    const int n = train.size();
    std::vector<float> q((size_t)n * 8);
    core::Rng rng(3);
    for (int i = 0; i < n; ++i) {
        double sum = 0;
        for (int k = 0; k < 8; ++k) sum += q[i * 8 + k] = (float)(rng.uniform() + 0.01);
        for (int k = 0; k < 8; ++k) q[i * 8 + k] = (float)(q[i * 8 + k] / sum);
    }
    core::TrainConfig cfg;
    cfg.epochs = 1;
    cfg.batch = n;  // one batch of all images: its loss is the mean over the set, whatever the order
    cfg.seed = 7;
    cfg.label_smoothing = 0.2f;
    cfg.distill = 0.5f;
    cfg.teacher = std::make_shared<const std::vector<float>>(q);
    auto t = core::Trainer::create(no_bn_cnn(), train, {}, cfg);
    REQUIRE(t.ok());
    t.value->step(n);
    REQUIRE(t.value->metrics().batches.size() == 1);
    auto fresh = core::Model::create(no_bn_cnn(), cfg.seed);  // the trainer's initial weights
    REQUIRE(fresh.ok());
    std::vector<float> p = fresh.value.predict_raw(train.images.data(), n);
    double want = 0;
    for (int i = 0; i < n; ++i)
        for (int k = 0; k < 8; ++k) {
            double target = 0.5 * (0.8 * (k == train.labels[i]) + 0.2 / 8) + 0.5 * q[i * 8 + k];
            want -= target * std::log((double)p[i * 8 + k]);
        }
    want /= n;
    CHECK(t.value->metrics().batches[0].loss == doctest::Approx(want).epsilon(1e-5));
    // the same run without smoothing and teacher has the plain cross-entropy
    core::TrainConfig plain = cfg;
    plain.label_smoothing = 0;
    plain.distill = 0;
    plain.teacher.reset();
    auto t2 = core::Trainer::create(no_bn_cnn(), train, {}, plain);
    REQUIRE(t2.ok());
    t2.value->step(n);
    double ce = 0;
    for (int i = 0; i < n; ++i) ce -= std::log((double)p[i * 8 + train.labels[i]]);
    CHECK(t2.value->metrics().batches[0].loss == doctest::Approx(ce / n).epsilon(1e-5));
    CHECK(std::abs(want - ce / n) > 0.01);  // the two targets really differ here (at near-uniform initial outputs)
}

TEST_CASE("trainer: with distill 1 the student learns the teacher's classes, not the labels (rows follow the shuffle)") {
    const core::Dataset train = toy(12, 1);
    const int n = train.size();
    std::vector<float> q((size_t)n * 8, 0.f);
    for (int i = 0; i < n; ++i) q[i * 8 + (train.labels[i] + 1) % 8] = 1.f;  // a teacher that is always one class off
    core::TrainConfig cfg;
    cfg.epochs = 15;
    cfg.batch = 16;
    cfg.lr = 3e-2f;
    cfg.augment = true;
    cfg.distill = 1.f;
    cfg.teacher = std::make_shared<const std::vector<float>>(q);
    auto t = core::Trainer::create(small_cnn(), train, {}, cfg);
    REQUIRE(t.ok());
    while (t.value->step(1000)) {
    }
    core::Model m = t.value->take_model();
    std::vector<float> p = m.predict(train.images.data(), n);
    int as_teacher = 0, as_label = 0;
    for (int i = 0; i < n; ++i) {
        int c = core::argmax(p.data() + (size_t)i * 8, 8);
        as_teacher += c == (train.labels[i] + 1) % 8;
        as_label += c == train.labels[i];
    }
    CHECK(as_teacher > n * 3 / 4);  // misaligned rows would give about 1/8
    CHECK(as_label < n / 10);
}

TEST_CASE("trainer: bad smoothing, distillation weight, temperature or teacher rows are refused with the reason") {
    core::TrainConfig cfg;
    cfg.label_smoothing = 1.f;
    CHECK(core::Trainer::create(small_cnn(), toy(1, 1), {}, cfg).error == "smoothing: want [0, 1)");
    cfg = {};
    cfg.distill = 1.5f;
    CHECK(core::Trainer::create(small_cnn(), toy(1, 1), {}, cfg).error == "distill: want [0, 1]");
    cfg = {};
    cfg.distill_temperature = 0.f;
    CHECK(core::Trainer::create(small_cnn(), toy(1, 1), {}, cfg).error == "distill-temp: want 0.25..20");
    cfg = {};
    cfg.distill = 0.5f;
    CHECK(core::Trainer::create(small_cnn(), toy(1, 1), {}, cfg).error ==
          "distill 0.5 needs a teacher's probabilities (CLI: --teacher MODEL.bcm)");
    cfg.teacher = std::make_shared<const std::vector<float>>(7 * 8, 0.125f);
    CHECK(core::Trainer::create(small_cnn(), toy(1, 1), {}, cfg).error ==
          "the teacher's probabilities cover 7 images, not the 8 training images");
}

TEST_CASE("trainer: CutMix mixes the targets (a different loss), still learns, and a bad probability is refused") {
    const core::Dataset train = toy(3, 4);
    const int n = train.size();
    core::TrainConfig cfg;
    cfg.epochs = 1;
    cfg.batch = n;
    cfg.seed = 7;
    auto plain = core::Trainer::create(no_bn_cnn(), train, {}, cfg);
    cfg.cutmix = 1.f;
    auto mixed = core::Trainer::create(no_bn_cnn(), train, {}, cfg);
    REQUIRE(plain.ok());
    REQUIRE(mixed.ok());
    plain.value->step(n);
    mixed.value->step(n);
    const double a = plain.value->metrics().batches[0].loss, b = mixed.value->metrics().batches[0].loss;
    CHECK(std::isfinite(b));
    CHECK(std::abs(a - b) > 1e-3);
    // the toy problem is still learned with half the images cut and mixed, and the same seed gives
    // the same run (the cuts come from a stream per epoch)
    core::TrainConfig learn = toy_config();
    learn.cutmix = 0.5f;
    auto t = toy_run(learn), again = toy_run(learn);
    CHECK(t->metrics().best_val_acc > 0.9);
    REQUIRE(t->metrics().batches.size() == again->metrics().batches.size());
    int differ = 0;
    for (size_t i = 0; i < t->metrics().batches.size(); ++i) differ += t->metrics().batches[i].loss != again->metrics().batches[i].loss;
    CHECK(differ == 0);
    cfg = {};
    cfg.cutmix = 1.5f;
    CHECK(core::Trainer::create(small_cnn(), toy(1, 1), {}, cfg).error == "cutmix: want a probability in [0, 1]");
}

TEST_CASE("teacher_targets: the 8-view mean of the raw probabilities, softened by the temperature") {
    const core::Dataset data = toy(2, 5);
    auto m = core::Model::create(small_cnn(), 3);
    REQUIRE(m.ok());
    std::vector<float> raw = m.value.predict_raw(data.images.data(), data.size(), true);
    auto t1 = core::teacher_targets(m.value, data, 1.f);
    REQUIRE(t1.ok());
    REQUIRE(t1.value.size() == raw.size());
    for (size_t j = 0; j < raw.size(); ++j) CHECK(t1.value[j] == doctest::Approx(raw[j]).epsilon(1e-5));
    auto t2 = core::teacher_targets(m.value, data, 2.f);
    REQUIRE(t2.ok());
    for (int i = 0; i < data.size(); ++i) {
        double sum = 0;
        for (int k = 0; k < 8; ++k) sum += std::sqrt((double)raw[i * 8 + k]);
        for (int k = 0; k < 8; ++k) CHECK(t2.value[i * 8 + k] == doctest::Approx(std::sqrt((double)raw[i * 8 + k]) / sum).epsilon(1e-5));
    }
    CHECK(core::teacher_targets(m.value, data, 0.1f).error == "distill-temp: want 0.25..20");
}

TEST_CASE("teacher_targets: an ensemble teacher averages its members' 8-view probabilities before the temperature") {
    const core::Dataset data = toy(2, 5);
    auto a = core::Model::create(small_cnn(), 3);
    auto b = core::Model::create(small_cnn(), 4);  // another seed: other probabilities
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    const std::vector<float> pa = a.value.predict_raw(data.images.data(), data.size(), true);
    const std::vector<float> pb = b.value.predict_raw(data.images.data(), data.size(), true);
    auto t = core::teacher_targets(std::vector<core::Model*>{&a.value, &b.value}, data, 2.f);
    REQUIRE(t.ok());
    REQUIRE(t.value.size() == pa.size());
    int differ = 0;
    for (int i = 0; i < data.size(); ++i) {
        double sum = 0;
        for (int k = 0; k < 8; ++k) sum += std::sqrt(0.5 * ((double)pa[i * 8 + k] + pb[i * 8 + k]));
        for (int k = 0; k < 8; ++k) {
            CHECK(t.value[i * 8 + k] == doctest::Approx(std::sqrt(0.5 * ((double)pa[i * 8 + k] + pb[i * 8 + k])) / sum).epsilon(1e-5));
            differ += std::fabs(pa[i * 8 + k] - pb[i * 8 + k]) > 1e-4f;
        }
    }
    CHECK(differ > 0);  // the two members disagree, so the mean is not either one
    // one member is the single-teacher call
    auto one = core::teacher_targets(std::vector<core::Model*>{&a.value}, data, 2.f);
    auto single = core::teacher_targets(a.value, data, 2.f);
    REQUIRE(one.ok());
    REQUIRE(single.ok());
    CHECK(one.value == single.value);
    CHECK(core::teacher_targets(std::vector<core::Model*>{}, data, 2.f).error == "no teacher");
}

TEST_CASE("logreg: separable features are fit; forest: deterministic whatever the thread count") {
    // two features, class = (x0 > 0) + 2*(x1 > 0) -> 4 classes
    core::Rng rng(1);
    int n = 400, F = 2;
    std::vector<double> X(n * F);
    std::vector<uint8_t> y(n);
    for (int i = 0; i < n; ++i) {
        X[i * 2] = rng.normal();
        X[i * 2 + 1] = rng.normal() * 10 + 3;  // different scale and offset: standardization matters
        y[i] = (uint8_t)((X[i * 2] > 0) + 2 * (X[i * 2 + 1] > 3));
    }
    core::LogReg::Config lc;
    lc.iterations = 300;
    core::LogReg lr = core::LogReg::fit(X, y.data(), n, F, lc);
    std::vector<float> p(n * 8);
    lr.predict(X.data(), n, p.data());
    int correct = 0;
    for (int i = 0; i < n; ++i) correct += core::argmax(&p[i * 8], 8) == y[i];
    CHECK(correct >= 0.95 * n);
    CHECK(lr.mean[1] == doctest::Approx(3).epsilon(0.2));

    core::Forest::Config fc;
    fc.trees = 10;
    fc.seed = 3;
    fc.threads = 1;
    core::Forest f1 = core::Forest::fit(X, y.data(), n, F, fc);
    fc.threads = 2;
    core::Forest f2 = core::Forest::fit(X, y.data(), n, F, fc);
    CHECK(f1.feature == f2.feature);
    CHECK(f1.threshold == f2.threshold);
    f1.predict(X.data(), n, p.data());
    correct = 0;
    for (int i = 0; i < n; ++i) correct += core::argmax(&p[i * 8], 8) == y[i];
    CHECK(correct >= 0.97 * n);  // bootstrap trees fit the training data closely
    for (size_t i = 0; i < f1.feature.size(); ++i)
        if (f1.feature[i] >= 0) CHECK((f1.left[i] > (int)i && f1.right[i] > (int)i));
}
