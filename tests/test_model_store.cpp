// The app's model store (src/app/model_store.h, no ImGui): which model Classify uses as shipped and
// user files arrive, bad files refused with the store unchanged, evaluations on the test split in
// bounded steps that go stale (and are never shown) when the data changes, and the training summary
// read from a model file.
#include <doctest/doctest.h>

#include "app/model_store.h"
#include "test_util.h"

namespace {
core::io::Bytes asset(const char* name) {
    auto b = testutil::read(testutil::repo(std::string("assets/") + name));
    REQUIRE_MESSAGE(!b.empty(), name);
    return b;
}
}  // namespace

TEST_CASE("model store: the best shipped model is used whatever the order they arrive in") {
    auto w16 = asset("vgg6_w16.bcm"), w32 = asset("vgg6_w32.bcm");
    for (int order = 0; order < 2; ++order) {
        app::ModelStore ms;
        CHECK(ms.active() < 0);
        if (order == 0) {
            REQUIRE(ms.add_pretrained("vgg6_w16.bcm", w16.data(), w16.size()).ok());
            REQUIRE(ms.add_pretrained("vgg6_w32.bcm", w32.data(), w32.size()).ok());
        } else {
            REQUIRE(ms.add_pretrained("vgg6_w32.bcm", w32.data(), w32.size()).ok());
            REQUIRE(ms.add_pretrained("vgg6_w16.bcm", w16.data(), w16.size()).ok());
        }
        REQUIRE(ms.size() == 2);
        CHECK(ms.active_model()->label == "vgg6_w32 (pretrained)");
        CHECK(ms.active_model()->origin == "assets/vgg6_w32.bcm");
        CHECK(ms.active_model()->pretrained);
    }
}

TEST_CASE("model store: a model the user opens is used, and a shipped one arriving later does not replace it") {
    auto w16 = asset("vgg6_w16.bcm"), w32 = asset("vgg6_w32.bcm");
    app::ModelStore ms;
    auto mine = ms.open("/home/me/mine.bcm", w16.data(), w16.size());
    REQUIRE(mine.ok());
    CHECK(ms.at(mine.value).label == "vgg6 (mine)");
    CHECK(ms.at(mine.value).origin == "loaded from /home/me/mine.bcm");
    REQUIRE(ms.add_pretrained("vgg6_w32.bcm", w32.data(), w32.size()).ok());
    CHECK(ms.active() == mine.value);
    // a damaged file is refused with its name and changes nothing
    std::vector<uint8_t> cut(w16.begin(), w16.begin() + 100);
    auto bad = ms.open("cut.bcm", cut.data(), cut.size());
    CHECK(bad.error == "cut.bcm: truncated: 100 bytes end inside a layer");
    CHECK(ms.size() == 2);
    CHECK(ms.active() == mine.value);
    // removing the active model falls back to the first; removing before it shifts the index
    ms.remove(0);
    CHECK(ms.size() == 1);
    CHECK(ms.active() == 0);
    CHECK(ms.active_model()->label == "vgg6_w32 (pretrained)");
    ms.remove(0);
    CHECK(ms.active() < 0);
    CHECK(ms.active_model() == nullptr);
}

TEST_CASE("model store: a model file says how it was trained") {
    auto w32 = asset("vgg6_w32.bcm");
    app::ModelStore ms;
    REQUIRE(ms.add_pretrained("vgg6_w32.bcm", w32.data(), w32.size()).ok());
    const app::StoredModel& m = ms.at(0);
    CHECK(m.hyper == "vgg6, 100 epochs (best 78), 11959 images, batch 64, lr 1.0e-03 cosine, AdamW wd 0.05, augmented, label smoothing 0.1, "
                     "distilled 0.5 at T 1, seed 71");
    CHECK(m.train_seconds == doctest::Approx(4292.6));
    CHECK(m.params == m.model->param_count());
    CHECK(m.params > 100000);
}

TEST_CASE("model store: test-split evaluations in bounded steps, stale after new data") {
    auto w16 = asset("vgg6_w16.bcm");
    app::ModelStore ms;
    REQUIRE(ms.add_pretrained("vgg6_w16.bcm", w16.data(), w16.size()).ok());
    core::Dataset test = testutil::toy(4, 3);  // 32 images
    int finished = -1, steps = 0;
    while (finished < 0 && steps < 1000) {
        finished = ms.evaluate_step(test, 0.01);  // a tiny budget: one chunk a call
        ++steps;
    }
    REQUIRE(finished == 0);
    CHECK(steps >= 2);
    const app::StoredModel& m = ms.at(0);
    CHECK(ms.evaluated(m));
    CHECK(m.test.n == 32);
    core::Evaluation direct = core::evaluate_model(*m.model, test);
    CHECK(m.test.acc == direct.acc);
    CHECK(ms.evaluate_step(test, 5) == -1);  // nothing left to do
    // new data: the old figures are not shown, and the model is evaluated again on the new split
    ms.data_changed();
    CHECK_FALSE(ms.evaluated(m));
    core::Dataset other = testutil::toy(2, 9);
    while (ms.evaluate_step(other, 50) < 0) {
    }
    CHECK(ms.evaluated(m));
    CHECK(m.test.n == 16);
}

TEST_CASE("model store: an evaluation that fails is given up with its error, and the next model is evaluated") {
    auto w16 = asset("vgg6_w16.bcm");
    app::ModelStore ms;
    REQUIRE(ms.add_pretrained("vgg6_w16.bcm", w16.data(), w16.size()).ok());
    REQUIRE(ms.add_pretrained("vgg6_w16.bcm", w16.data(), w16.size()).ok());
    // the one way a core::EvalJob fails today: no model (the store's own models always have one)
    ms.at(0).model.reset();
    core::Dataset test = testutil::toy(1, 3);  // 8 images
    std::vector<int> finished;
    for (int steps = 0; steps < 100 && ms.needs_evaluation(); ++steps) {
        int i = ms.evaluate_step(test, 50);
        if (i >= 0) finished.push_back(i);
    }
    CHECK_FALSE(ms.needs_evaluation());  // not retried forever
    REQUIRE(finished == std::vector<int>{0, 1});
    CHECK_FALSE(ms.evaluated(ms.at(0)));
    CHECK(ms.eval_error(ms.at(0)) == "no model to evaluate");
    CHECK(ms.evaluated(ms.at(1)));
    CHECK(ms.eval_error(ms.at(1)).empty());
    CHECK(ms.evaluate_step(test, 50) == -1);
    // new data: the failed one is tried again (the error may not hold for it)
    ms.data_changed();
    CHECK(ms.eval_error(ms.at(0)).empty());
    CHECK(ms.needs_evaluation());
}

TEST_CASE("model store: a model's checksum names its file's bytes (the CRC-32 stored at its end)") {
    auto w16 = asset("vgg6_w16.bcm"), w32 = asset("vgg6_w32.bcm");
    auto stored = [](const core::io::Bytes& b) {
        char hex[9];
        std::snprintf(hex, sizeof hex, "%08x", (unsigned)(b[b.size() - 4] | b[b.size() - 3] << 8 | b[b.size() - 2] << 16 | (uint32_t)b[b.size() - 1] << 24));
        return std::string(hex);
    };
    app::ModelStore ms;
    REQUIRE(ms.add_pretrained("vgg6_w16.bcm", w16.data(), w16.size()).ok());
    REQUIRE(ms.add_pretrained("vgg6_w32.bcm", w32.data(), w32.size()).ok());
    const std::string a = app::ModelStore::checksum(ms.at(0)), b = app::ModelStore::checksum(ms.at(1));
    // (a CRC over the whole file was 2144df1c for every model: the residue of a file that ends in its CRC)
    CHECK(a != b);
    CHECK(a != "2144df1c");
    CHECK(a == stored(ms.at(0).file == "vgg6_w16.bcm" ? w16 : w32));
    CHECK(b == stored(ms.at(1).file == "vgg6_w16.bcm" ? w16 : w32));
}
