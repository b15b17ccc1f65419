// The job API (core/job.h) and the recipe table (core/recipe.h): settings by name and back, bounded
// steps, snapshots read from another thread, cancel, divergence and resume, feature-model fits,
// evaluation, grids and tuning, batch classification with bad files.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "core/job.h"
#include "core/recipe.h"
#include "test_util.h"

using testutil::toy;

namespace {
core::RunSettings tiny_settings(int epochs = 2) {
    core::RunSettings s = core::recipe("tiny");
    REQUIRE(core::set_option(s, "layers", "conv3x3 4 same s2; bn; relu; gap; dense 8").ok);
    REQUIRE(core::set_option(s, "epochs", std::to_string(epochs)).ok);
    REQUIRE(core::set_option(s, "batch", "16").ok);
    REQUIRE(core::set_option(s, "lr", "0.01").ok);
    return s;
}
core::TrainJobSpec resolved(const core::RunSettings& s) {
    auto r = core::resolve(s);
    REQUIRE_MESSAGE(r.ok(), r.error);
    return r.value;
}
}  // namespace

TEST_CASE("recipe: each model's defaults, one table for every front end") {
    CHECK(core::recipe("cnn").train.augment);
    CHECK(core::recipe("vgg6").train.augment);
    CHECK_FALSE(core::recipe("fcnn").train.augment);
    CHECK(core::recipe("vgg6").train.batch == 64);
    CHECK(core::recipe("cnn").train.schedule == core::Schedule::cosine);
    CHECK(core::recipe("forest").fit.trees == 200);
    // validation follows the training subset: all of val, or a quarter of a per-class cap (>= 8)
    core::SubsetSpec full;
    CHECK(core::validation_subset(full).per_class == 0);
    CHECK(core::validation_subset(full).split == core::Split::val);
    core::SubsetSpec capped;
    capped.per_class = 100;
    capped.seed = 7;
    CHECK(core::validation_subset(capped).per_class == 25);
    CHECK(core::validation_subset(capped).seed == 7);
    capped.per_class = 10;
    CHECK(core::validation_subset(capped).per_class == 8);
}

TEST_CASE("recipe: a run with its own layers is summarised by them, not by the label's width") {
    core::RunSettings s = core::recipe("vgg6");
    REQUIRE(core::set_option(s, "width", "32").ok);
    REQUIRE(core::set_option(s, "layers", "conv3x3 40 same;bn;relu;maxpool2;conv3x3 80 same;bn;relu;gap;dense 16;relu;dense 8").ok);
    auto spec = core::resolve(s);
    REQUIRE_MESSAGE(spec.ok(), spec.error);
    CHECK(spec.value.model.name == "vgg6");
    CHECK(spec.value.summary.rfind("vgg6 (own layers: conv 40-80, dense 16-8), ", 0) == 0);
    REQUIRE(core::set_option(s, "layers", "").ok);
    CHECK(core::resolve(s).value.summary.rfind("vgg6 w=32, ", 0) == 0);
}

TEST_CASE("recipe: the quick demo's run (vgg6 w=8, 8 epochs, batch 32, lr 4e-3) resolves") {
    core::RunSettings d = core::quick_demo_settings();
    auto spec = core::resolve(d);
    REQUIRE_MESSAGE(spec.ok(), spec.error);
    CHECK(spec.value.summary == "vgg6 w=8, 8 epochs, batch 32, lr 0.004 cosine, Adam, augmented");
    CHECK(spec.value.model.name == "vgg6");
    // the demo is an ordinary run: its settings read back through set_option to the same run
    core::RunSettings back = core::recipe("cnn");
    for (auto& kv : core::settings_pairs(d)) REQUIRE(core::set_option(back, kv.first, kv.second).ok);
    CHECK(core::settings_pairs(back) == core::settings_pairs(d));
}

TEST_CASE("recipe: settings by name, errors naming the key, and a full-precision round trip") {
    core::RunSettings s = core::recipe("vgg6");
    CHECK(core::set_option(s, "lr", "0.0031415926").ok);
    CHECK(core::set_option(s, "width", "16").ok);
    CHECK(core::set_option(s, "schedule", "step").ok);
    CHECK(core::set_option(s, "augment", "0").ok);
    CHECK(core::set_option(s, "wd", "0.05").ok);
    CHECK(core::set_option(s, "until-acc", "0.95").ok);
    CHECK(core::set_option(s, "lr", "fast").message == "lr 'fast': want a number");
    CHECK(core::set_option(s, "batch", "1.5").message == "batch '1.5': want an integer");
    CHECK(core::set_option(s, "optimizer", "rmsprop").message == "optimizer 'rmsprop': want adam or sgd");
    CHECK(core::set_option(s, "colour", "red").message.rfind("unknown setting 'colour'", 0) == 0);
    CHECK(s.train.lr == doctest::Approx(0.0031415926f));  // the bad values changed nothing
    core::RunSettings back = core::recipe("cnn");
    for (auto& kv : core::settings_pairs(s)) REQUIRE(core::set_option(back, kv.first, kv.second).ok);
    CHECK(back.model == "vgg6");
    CHECK(back.train.lr == s.train.lr);  // bit-exact: %.9g holds a float
    CHECK(back.options.width == 16);
    CHECK(back.train.schedule == core::Schedule::step);
    CHECK_FALSE(back.train.augment);
    CHECK(back.fit.l2 == doctest::Approx(0.05f));
    CHECK(back.train.until_acc == 0.95f);
    auto spec = core::resolve(back);
    REQUIRE(spec.ok());
    CHECK(spec.value.summary == "vgg6 w=16, 30 epochs, batch 64, lr 0.0031 step, AdamW");
    core::set_option(back, "epochs", "0");
    CHECK(core::resolve(back).error == "epochs 0: want 1..10000");
    core::RunSettings f = core::recipe("forest");
    core::set_option(f, "trees", "0");
    CHECK(core::resolve(f).error == "trees 0: want 1..5000");
    CHECK(core::resolve(core::recipe("resnet")).error.rfind("unknown model 'resnet'", 0) == 0);
}

TEST_CASE("TrainJob: bounded steps, monotone progress, a snapshot per step, the best model at the end") {
    auto made = core::TrainJob::create(resolved(tiny_settings(2)), toy(6, 1), toy(3, 2));
    REQUIRE_MESSAGE(made.ok(), made.error);
    core::TrainJob& job = *made.value;
    CHECK(job.train_size() == 48);
    CHECK(job.val_size() == 24);
    core::JobSnapshot s0 = job.snapshot();
    CHECK(s0.status == core::JobStatus::running);
    CHECK(s0.total == 2 * (48 + 24) + 24 * 8);  // two epochs, then the 8-view calibration pass over val
    double last = 0;
    int steps = 0;
    while (job.step({16, 0})) {
        core::JobSnapshot s = job.snapshot();
        CHECK(s.progress >= last);
        last = s.progress;
        ++steps;
        REQUIRE(steps < 100);
    }
    core::JobSnapshot s = job.snapshot();
    CHECK(s.status == core::JobStatus::done);
    CHECK(s.progress == 1.0);
    CHECK(s.train.epoch == 2);
    CHECK(s.train.history.size() == 2);
    CHECK(s.eval.n == 24);
    CHECK(steps >= 2 * 3);  // 48 images in batches of 16: three steps an epoch at least
    core::Model m = job.take_model();
    CHECK(m.predict(toy(1, 3).images.data(), 8).size() == 64);
    CHECK(job.live_model() == nullptr);
    // training ended by calibrating on val (both modes)
    CHECK(m.calibration().single.fitted);
    CHECK(m.calibration().tta.fitted);
    CHECK(m.calibration().images == 24);
    CHECK(m.calibration().target == (float)core::kDefaultTargetAccuracy);
    CHECK_FALSE(job.step({16, 0}));  // finished jobs do nothing
}

TEST_CASE("Job wall clock: time between steps counts, a pause does not, time left is wall-clock") {
    // A one-thread page steps a run in slices between frames: "done in" and "time left" must be what
    // the teacher waits, not the compute time inside the slices (issue 11, item 9).
    auto made = core::TrainJob::create(resolved(tiny_settings(2)), toy(6, 1), toy(3, 2));
    REQUIRE_MESSAGE(made.ok(), made.error);
    core::TrainJob& job = *made.value;
    CHECK(job.snapshot().wall_seconds == 0.0);
    CHECK(job.snapshot().wall_left() == -1.0);  // no progress to go by yet
    REQUIRE(job.step({16, 0}));
    std::this_thread::sleep_for(std::chrono::milliseconds(80));  // a frame drawn between two slices
    REQUIRE(job.step({16, 0}));
    core::JobSnapshot a = job.snapshot();
    CHECK(a.wall_seconds >= a.seconds + 0.079);  // the gap counts in wall time, not in compute time
    REQUIRE(a.progress > 0.0);
    REQUIRE(a.progress < 1.0);
    CHECK(a.wall_left() == doctest::Approx(a.wall_seconds * (1 - a.progress) / a.progress));
    CHECK(a.wall_left() > a.seconds * (1 - a.progress) / a.progress);  // above the compute-only estimate
    // paused: the clock stands still until the next step, which adds only its own time
    job.pause_clock();
    const double paused = job.snapshot().wall_seconds;
    CHECK(paused >= a.wall_seconds);
    std::this_thread::sleep_for(std::chrono::milliseconds(80));
    CHECK(job.snapshot().wall_seconds == paused);
    REQUIRE(job.step({16, 0}));
    core::JobSnapshot b = job.snapshot();
    CHECK(std::abs((b.wall_seconds - paused) - (b.seconds - a.seconds)) < 1e-6);
    // done: nothing left, and the clock stopped with the last step
    while (job.step({16, 0})) {
    }
    core::JobSnapshot d = job.snapshot();
    REQUIRE(d.status == core::JobStatus::done);
    CHECK(d.wall_left() == 0.0);
    CHECK(d.wall_seconds >= d.seconds + 0.079);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    job.pause_clock();  // (does nothing: stopped already)
    CHECK(job.snapshot().wall_seconds == d.wall_seconds);
}

#if BLOODCELL_HAVE_THREADS
TEST_CASE("TrainJob: another thread reads snapshots while this one steps, and cancels it") {
    auto made = core::TrainJob::create(resolved(tiny_settings(50)), toy(6, 1), toy(3, 2));
    REQUIRE(made.ok());
    core::TrainJob& job = *made.value;
    std::atomic<bool> stop{false};
    std::atomic<long> reads{0};
    double seen = 0;
    bool monotone = true;
    std::thread reader([&] {
        while (!stop.load()) {
            core::JobSnapshot s = job.snapshot();
            monotone = monotone && s.progress >= seen;
            seen = s.progress;
            if (s.train.step >= 10) job.cancel();
            ++reads;
        }
    });
    int steps = 0;
    while (job.step({16, 0}) && steps < 100000) ++steps;
    stop = true;
    reader.join();
    CHECK(monotone);
    CHECK(reads.load() > 0);
    CHECK(job.snapshot().status == core::JobStatus::cancelled);
    CHECK(job.snapshot().train.epoch < 50);
}
#endif

TEST_CASE("TrainJob: cancel stops it at the next step") {
    auto made = core::TrainJob::create(resolved(tiny_settings(5)), toy(6, 1), toy(3, 2));
    REQUIRE(made.ok());
    CHECK(made.value->step({16, 0}));
    made.value->cancel();
    CHECK_FALSE(made.value->step({16, 0}));
    CHECK(made.value->snapshot().status == core::JobStatus::cancelled);
    CHECK(made.value->snapshot().train.step == 1);
}

TEST_CASE("TrainJob: a diverged run waits, refuses to go on, and resumes at a lower rate") {
    core::RunSettings s = core::recipe("fcnn");
    for (auto kv : {std::pair<const char*, const char*>{"hidden", "32"}, {"lr", "10"}, {"schedule", "constant"},
                    {"batch", "8"}, {"epochs", "3"}})
        REQUIRE(core::set_option(s, kv.first, kv.second).ok);
    auto made = core::TrainJob::create(resolved(s), toy(4, 1), toy(2, 2));
    REQUIRE(made.ok());
    core::TrainJob& job = *made.value;
    int steps = 0;
    while (job.step({8, 0}) && steps < 50) ++steps;
    core::JobSnapshot w = job.snapshot();
    REQUIRE(w.status == core::JobStatus::waiting);
    CHECK(w.message.find("training diverged in epoch 1") == 0);
    CHECK_FALSE(job.step({8, 0}));  // waits until resumed
    CHECK(job.resume(0.f).message == "lr 0.000000: want a value in (0, 100]");
    CHECK(job.resumed_lrs().empty());  // a refused rate is not one the run used
    REQUIRE(job.resume(1e-4f).ok);
    CHECK(job.resumed_lrs() == std::vector<float>{1e-4f});
    CHECK(job.snapshot().status == core::JobStatus::running);
    while (job.step({8, 0})) {
    }
    CHECK(job.snapshot().status == core::JobStatus::done);
    CHECK(job.snapshot().train.epoch == 3);
}

TEST_CASE("TrainJob: a feature model extracts, fits and validates in bounded steps") {
    core::RunSettings s = core::recipe("logreg");
    REQUIRE(core::set_option(s, "iterations", "200").ok);
    auto made = core::TrainJob::create(resolved(s), toy(20, 1), toy(5, 2));
    REQUIRE_MESSAGE(made.ok(), made.error);
    core::TrainJob& job = *made.value;
    CHECK(job.live_model() == nullptr);  // not fitted yet
    int steps = 0;
    while (job.step({64, 0})) ++steps;
    CHECK(steps >= 2);  // 160 images, 64 at a time
    core::JobSnapshot snap = job.snapshot();
    REQUIRE(snap.status == core::JobStatus::done);
    CHECK(snap.eval.n == 40);
    CHECK(snap.eval.acc >= 0.85);  // the toy classes differ in colour: easy for intensity features
    core::Model m = job.take_model();
    CHECK(m.spec().family == core::Family::logreg);
    // calibrated on the 40 val images (a single view: feature models have no 8-view mode)
    CHECK(m.calibration().single.fitted);
    CHECK_FALSE(m.calibration().tta.fitted);
    CHECK(m.calibration().images == 40);
    // the same as the one-call fit (before calibration)
    auto direct = core::fit_features(m.spec(), toy(20, 1), resolved(s).fit);
    REQUIRE(direct.ok());
    auto a = m.predict_raw(toy(1, 9).images.data(), 8), b = direct.value.predict(toy(1, 9).images.data(), 8);
    for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == doctest::Approx(b[i]).epsilon(1e-6));
    // too little data is refused when the job is made
    core::Dataset one = toy(1, 1);
    one.labels.resize(1);
    one.images.resize(core::kImageBytes);
    CHECK(core::TrainJob::create(resolved(s), one, {}).error == "the training set needs at least 2 images");
}

TEST_CASE("EvalJob: chunked evaluation equals the one-call evaluation") {
    auto made = core::TrainJob::create(resolved(tiny_settings(1)), toy(6, 1), {});
    REQUIRE(made.ok());
    while (made.value->step({}))
        ;
    auto model = std::make_shared<core::Model>(made.value->take_model());
    core::Dataset test = toy(5, 4);
    core::EvalJob job(model, &test);
    int steps = 0;
    while (job.step({7, 0})) ++steps;
    CHECK(steps >= 40 / 7);
    core::JobSnapshot s = job.snapshot();
    REQUIRE(s.status == core::JobStatus::done);
    core::Evaluation direct = core::evaluate_model(*model, test);
    CHECK(s.eval.n == 40);
    CHECK(s.eval.acc == direct.acc);
    CHECK(s.eval.loss == doctest::Approx(direct.loss));
    CHECK(job.probs().size() == 40 * 8);
    core::EvalJob none(nullptr, &test);
    CHECK(none.snapshot().status == core::JobStatus::failed);
    CHECK(none.snapshot().message == "no model to evaluate");
}

TEST_CASE("grid_trials: every combination, first key slowest; random picks; bad grids refused") {
    core::RunSettings base = core::recipe("fcnn");
    auto g = core::grid_trials(base, "lr=1e-3,3e-4;batch=32,64");
    REQUIRE(g.ok());
    REQUIRE(g.value.size() == 4);
    CHECK(g.value[0].params[0].second == "1e-3");
    CHECK(g.value[1].params[0].second == "1e-3");
    CHECK(g.value[1].params[1].second == "64");
    CHECK(g.value[2].settings.train.lr == doctest::Approx(3e-4f));
    CHECK(g.value[3].settings.train.batch == 64);
    auto r = core::grid_trials(base, "lr=1,2,3;batch=1,2,3", 4, 5);
    REQUIRE(r.ok());
    CHECK(r.value.size() == 4);
    auto w = core::grid_trials(base, "filters=8,16");
    REQUIRE(w.ok());
    CHECK(w.value[1].params[0].first == "width");
    CHECK(w.value[1].settings.options.width == 16);
    CHECK(core::grid_trials(base, "lrate=1").error.rfind("grid: unknown key 'lrate'", 0) == 0);
    CHECK(core::grid_trials(base, "lr=abc").error == "grid: lr value 'abc' is not a number");
    CHECK(core::grid_trials(base, "lr").error == "grid: 'lr' is not KEY=V1,V2,...");
    CHECK(core::grid_trials(base, "").error.rfind("grid is empty", 0) == 0);
}

TEST_CASE("TuneJob: trials in turn, a diverging trial recorded, the best kept") {
    core::RunSettings base = tiny_settings(2);
    auto trials = core::grid_trials(base, "lr=0.01,100");
    REQUIRE(trials.ok());
    auto made = core::TuneJob::create(trials.value, toy(6, 1), toy(3, 2));
    REQUIRE_MESSAGE(made.ok(), made.error);
    while (made.value->step({32, 0}))
        ;
    core::JobSnapshot s = made.value->snapshot();
    REQUIRE(s.status == core::JobStatus::done);
    REQUIRE(s.trials.size() == 2);
    CHECK(s.trials[0].status == "done");
    CHECK(s.trials[0].val_acc >= 0);
    CHECK(s.trials[0].best_epoch >= 1);
    CHECK(s.trials[1].status == "diverged");
    CHECK(s.best_trial == 0);
    core::Model best = made.value->take_best_model();
    CHECK(best.spec().layers.size() == 5);
    core::RunSettings bad = base;
    core::set_option(bad, "epochs", "0");
    std::vector<core::TrialSpec> one = {{{{"epochs", "0"}}, bad}};
    CHECK(core::TuneJob::create(one, toy(2, 1), {}).error == "trial epochs=0: epochs 0: want 1..10000");
}

TEST_CASE("ClassifyJob: a batch of files, bad ones reported by name, the rest classified") {
    auto made = core::TrainJob::create(resolved(tiny_settings(1)), toy(4, 1), {});
    REQUIRE(made.ok());
    while (made.value->step({}))
        ;
    auto model = std::make_shared<core::Model>(made.value->take_model());
    auto jpg = testutil::read(testutil::shared("data/pbc_samples/BA_174705.jpg"));
    REQUIRE(!jpg.empty());
    std::vector<core::ClassifyItem> items = {{"a.jpg", jpg}, {"notes.png", {'h', 'i'}}, {"b.jpg", jpg}};
    core::ClassifyJob job(model, items);
    int steps = 0;
    while (job.step({1, 0})) ++steps;
    CHECK(steps == 2);  // one image a step; the third step finishes
    REQUIRE(job.results().size() == 3);
    CHECK(job.results()[0].error.empty());
    CHECK(job.results()[0].width == 360);
    CHECK(job.results()[0].input.size() == (size_t)core::kImageBytes);
    CHECK(job.results()[0].top >= 0);
    CHECK(job.results()[1].error == "notes.png: not an image (unknown format; want PNG or JPG)");
    CHECK(job.results()[2].probs == job.results()[0].probs);
    CHECK(job.snapshot().status == core::JobStatus::done);
}

TEST_CASE("TrainJob: a copy of the live weights, made by the stepping thread on request") {
    auto made = core::TrainJob::create(resolved(tiny_settings(3)), toy(6, 1), toy(3, 2));
    REQUIRE(made.ok());
    core::TrainJob& job = *made.value;
    CHECK(job.live_copy().get() == nullptr);
    job.step({16, 0});
    CHECK(job.live_copy().get() == nullptr);  // not asked for
    job.request_live_copy();
    job.step({16, 0});
    auto copy = job.live_copy();
    REQUIRE(copy.get() != nullptr);
    core::Dataset probe = toy(1, 7);
    CHECK(copy->predict(probe.images.data(), 8) == job.live_model()->predict(probe.images.data(), 8));
    job.step({16, 0});  // training goes on; the copy stays as it was
    CHECK(job.live_copy().get() == copy.get());
    CHECK(copy->predict(probe.images.data(), 8) != job.live_model()->predict(probe.images.data(), 8));
}

TEST_CASE("TrainJob: distillation from a model file: the teacher's pass first, then the same run as with its targets given") {
    // a teacher: a tiny network trained one epoch, as a model file
    auto tj = core::TrainJob::create(resolved(tiny_settings(1)), toy(6, 1), toy(3, 2));
    REQUIRE(tj.ok());
    while (tj.value->step({64, 0})) {
    }
    core::Model teacher = tj.value->take_model();
    auto bytes = std::make_shared<const std::vector<uint8_t>>(teacher.save());

    core::RunSettings s = tiny_settings(2);
    REQUIRE(core::set_option(s, "distill", "0.5").ok);
    REQUIRE(core::set_option(s, "distill-temp", "2").ok);
    REQUIRE(core::set_option(s, "smoothing", "0.1").ok);
    core::TrainJobSpec from_file = resolved(s);
    from_file.teacher = bytes;
    auto made = core::TrainJob::create(from_file, toy(6, 1), toy(3, 2));
    REQUIRE_MESSAGE(made.ok(), made.error);
    core::TrainJob& job = *made.value;
    core::JobSnapshot s0 = job.snapshot();
    CHECK(s0.teaching);
    CHECK(s0.total == 48 * 8 + 2 * (48 + 24) + 24 * 8);  // the teacher's 8 views of each training image first
    // bounded steps through the teacher's pass: progress grows, no epoch yet
    int teach_steps = 0;
    double last = 0;
    while (job.snapshot().teaching) {
        REQUIRE(job.step({16, 0}));
        core::JobSnapshot t = job.snapshot();
        CHECK(t.progress > last);
        last = t.progress;
        CHECK(t.train.history.empty());
        REQUIRE(++teach_steps < 100);
    }
    CHECK(teach_steps >= 2);  // 48 images in budgets of 16 / 8 views: more than one step
    CHECK(job.snapshot().done == 48 * 8);
    while (job.step({64, 0})) {
    }
    core::JobSnapshot end = job.snapshot();
    REQUIRE(end.status == core::JobStatus::done);
    CHECK(end.progress == 1.0);

    // the same run with the teacher's targets computed up front (the CLI's way) gives the same losses
    core::TrainJobSpec given = resolved(s);
    auto q = core::teacher_targets(teacher, toy(6, 1), 2.f);
    REQUIRE(q.ok());
    given.train.teacher = std::make_shared<const std::vector<float>>(std::move(q.value));
    auto ref = core::TrainJob::create(given, toy(6, 1), toy(3, 2));
    REQUIRE(ref.ok());
    while (ref.value->step({64, 0})) {
    }
    core::JobSnapshot r = ref.value->snapshot();
    REQUIRE(r.train.history.size() == end.train.history.size());
    for (size_t e = 0; e < r.train.history.size(); ++e) {
        CHECK(end.train.history[e].train_loss == doctest::Approx(r.train.history[e].train_loss).epsilon(1e-6));
        CHECK(end.train.history[e].val_acc == r.train.history[e].val_acc);
    }
    // and differs from the run without distillation (the teacher's share changes the loss)
    auto plain = core::TrainJob::create(resolved(tiny_settings(2)), toy(6, 1), toy(3, 2));
    REQUIRE(plain.ok());
    while (plain.value->step({64, 0})) {
    }
    CHECK(plain.value->snapshot().train.history[0].train_loss != doctest::Approx(end.train.history[0].train_loss).epsilon(1e-4));

    // bad teachers are refused with the reason, before any work
    core::TrainJobSpec bad = from_file;
    bad.teacher = std::make_shared<const std::vector<uint8_t>>(std::vector<uint8_t>{'n', 'o', 'p', 'e'});
    auto r1 = core::TrainJob::create(bad, toy(6, 1), toy(3, 2));
    REQUIRE_FALSE(r1.ok());
    CHECK(r1.error.find("the teacher") == 0);
    bad = from_file;
    bad.train.distill_temperature = 0.1f;
    CHECK(core::TrainJob::create(bad, toy(6, 1), toy(3, 2)).error == "distill-temp: want 0.25..20");
    bad = from_file;
    bad.teacher.reset();  // distillation with neither targets nor a teacher file: the trainer's reason
    CHECK(core::TrainJob::create(bad, toy(6, 1), toy(3, 2)).error.find("needs a teacher") != std::string::npos);
}
