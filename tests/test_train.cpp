// The Trainer: bounded steps, determinism for a fixed seed, learning a separable toy problem,
// best-epoch selection, early stopping, and the feature models.
#include <doctest/doctest.h>

#include "core/forest.h"
#include "core/logreg.h"
#include "core/train.h"

namespace {

// Toy data: class c images are a solid colour ramp c*30 in channel c%3 plus noise, so a small
// CNN separates them within a few epochs.
core::Dataset toy(int per_class, uint64_t seed) {
    core::Dataset d;
    core::Rng rng(seed);
    for (int i = 0; i < per_class * 8; ++i) {
        int c = i % 8;
        d.labels.push_back((uint8_t)c);
        for (int p = 0; p < 784; ++p)
            for (int ch = 0; ch < 3; ++ch) {
                int v = (ch == c % 3 ? 30 * c : 100) + (int)rng.below(40);
                d.images.push_back((uint8_t)std::min(255, v));
            }
    }
    return d;
}

core::ModelSpec small_cnn() {
    core::ModelSpec s;
    s.name = "tiny";
    auto layers = core::parse_layers("conv3x3 4 same s2; bn; relu; gap; dense 8");
    REQUIRE(layers.ok());
    s.layers = layers.value;
    return s;
}

std::vector<float> weights(core::Model& m) {
    std::vector<float> w;
    for (auto* p : m.network().params()) w.insert(w.end(), p->value.begin(), p->value.end());
    for (auto* p : m.network().buffers()) w.insert(w.end(), p->value.begin(), p->value.end());
    return w;
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
    core::TrainConfig cfg;
    cfg.epochs = 15;
    cfg.batch = 16;
    cfg.lr = 3e-2f;
    auto t = core::Trainer::create(small_cnn(), toy(12, 1), toy(6, 2), cfg);
    REQUIRE(t.ok());
    while (t.value->step(1000)) {
    }
    const auto& m = t.value->metrics();
    CHECK(m.history.back().train_loss < m.history.front().train_loss);
    CHECK(m.best_val_acc > 0.9);
    core::Model best = t.value->best_model_copy();
    core::Dataset val = toy(6, 2);
    core::Evaluation e = core::evaluate_model(best, val);
    CHECK(e.acc == doctest::Approx(m.best_val_acc));
    CHECK(best.meta.at("best_epoch") == std::to_string(m.best_epoch));
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
