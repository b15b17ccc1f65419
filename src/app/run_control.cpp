// The app's run and tuning grid (run_control.h; the model operations are in model_actions.cpp).
#include "app/run_control.h"

#include "app/labelled.h"
#include "core/text.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace app {

namespace {
using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }
using core::fmt;
}  // namespace

core::RunSettings TrainState::page_settings(const std::string& model) {
    core::RunSettings s = core::recipe(model);
    s.train.epochs = 5;
    s.options.width = 16;
    return s;
}

TrainState& train_state(AppState& s) {
    if (!s.train) s.train = std::make_shared<TrainState>();
    return *s.train;
}

// [SECTION] the worker thread
#if BLOODCELL_HAVE_THREADS
static void stop_worker(TrainState& t) {
    if (!t.worker.joinable()) return;
    t.worker_stop.store(true);
    t.worker.join();
}

// Steps the job until it finishes, waits (divergence) or is told to stop; slices of ~20 ms, so a
// pause waits for at most one of them (and at least one batch).
static void start_worker(TrainState& t, int threads) {
    stop_worker(t);
    t.worker_stop.store(false);
    core::TrainJob* job = t.job.get();
    std::atomic<bool>* stop = &t.worker_stop;
    t.worker = std::thread([job, stop, threads] {
        core::nn::set_thread_limit(threads);
        while (!stop->load() && job->step({0, 20.0})) {
        }
    });
}

bool training_on_worker(const AppState& s) { return s.train && s.train->worker.joinable(); }
#else
static void stop_worker(TrainState&) {}
static void start_worker(TrainState&, int) {}
bool training_on_worker(const AppState&) { return false; }
#endif

// [SECTION] data of a run
core::Dataset training_set(const AppState& s) {
    core::SubsetSpec spec = s.data.spec;
    spec.split = core::Split::train;
    return core::make_subset(s.data.all.train, spec);
}

core::SubsetSpec validation_spec(const AppState& s) {
    core::SubsetSpec spec = s.data.spec;
    spec.split = core::Split::train;
    return core::validation_subset(spec);
}

core::Dataset validation_set(const AppState& s) { return core::make_subset(s.data.all.val, validation_spec(s)); }

// [SECTION] the run
bool training_busy(const AppState& s) {
    return s.train && s.train->job && !s.train->snap.finished();
}

core::Status select_model(AppState& s, const std::string& name) {
    TrainState& t = train_state(s);
    if (training_busy(s)) return core::Status::error("training is running: pause and reset it first");
    auto names = core::model_names();
    if (std::find(names.begin(), names.end(), name) == names.end()) return core::Status::error("unknown model '" + name + "'");
    const uint64_t seed = t.settings.train.seed;
    t.settings = page_settings(name);
    t.settings.train.seed = seed;
    t.settings.fit.seed = seed;
    return core::Status::success();
}

static core::Status new_run(AppState& s, TrainState& t) {
    stop_worker(t);
    if (!s.data.loaded) return core::Status::error("no data loaded: open a BloodMNIST .npz in the Data tab");
    auto spec = core::resolve(t.settings);
    if (!spec) return core::Status::error(spec.error);
    core::Dataset train = training_set(s);
    if (train.size() == 0) return core::Status::error("the training subset is empty: widen it in the Data tab");
    core::Dataset val = validation_set(s);
    std::string teacher;
    if (spec.value.model.family == core::Family::nn && spec.value.train.distill > 0) {
        // distillation: the teacher is the pretrained model with the best recorded val ACC
        const StoredModel* best = s.models.best_pretrained();
        if (!best) return core::Status::error("distillation needs the pretrained model as its teacher, and none has loaded yet");
        spec.value.teacher = std::make_shared<const std::vector<uint8_t>>(best->model->save());
        teacher = best->label;
    }
    auto job = core::TrainJob::create(spec.value, std::move(train), val);
    if (!job) return core::Status::error(job.error);
    t.run_card = current_card(s);
    t.run_link = core::format_run_card(t.run_card);
    t.run_line = core::describe_run(t.run_card);
    t.run_val = std::move(val);
    t.job = std::move(job.value);
    t.snap = t.job->snapshot();
    t.run_summary = spec.value.summary;
    t.params = t.job->live_model() ? t.job->live_model()->param_count() : 0;
    if (!t.params && spec.value.model.family == core::Family::nn) {  // a distilled run makes its network after the teacher's pass
        auto probe = core::Model::create(spec.value.model, 0);
        if (probe) t.params = probe.value.param_count();
    }
    t.result = nullptr;
    t.view_model.reset();
    t.runs_started++;
    t.epoch_wall.clear();
    t.views.reset();
    s.log.info("Run #" + std::to_string(t.runs_started) + " settings (its link; bloodcell train --settings reads them too): " + t.run_link);
    s.log.info("Training " + spec.value.model.name + " on " + std::to_string(t.job->train_size()) + " images, validating on " +
               std::to_string(t.job->val_size()) + " (" + t.run_line + ")");
    if (!teacher.empty())
        s.log.info("Distillation from " + teacher + ": its 8-view probabilities on the " + std::to_string(t.job->train_size()) +
                   " training images come first");
    return core::Status::success();
}

static core::Status ensure_run(AppState& s, TrainState& t) {
    if (t.job && !t.snap.finished()) {
        if (t.snap.status == core::JobStatus::waiting)
            return core::Status::error("training diverged: pick a lower learning rate and press Resume at this rate");
        return core::Status::success();
    }
    return new_run(s, t);
}

core::Status start_training(AppState& s) {
    TrainState& t = train_state(s);
    core::Status ok = ensure_run(s, t);
    if (!ok) {
        notify(s, LogEntry::Error, "Cannot train: " + ok.message);
        return ok;
    }
    t.running = true;
    if (BLOODCELL_HAVE_THREADS) start_worker(t, s.platform.worker_threads);
    return ok;
}

core::Status start_quick_demo(AppState& s) {
    TrainState& t = train_state(s);
    if (training_busy(s)) return core::Status::error("training is running: pause and reset it first");
    if (!s.data.loaded) {
        if (asset_state(s, ".npz") != AssetState::Coming)
            return core::Status::error("no data loaded: open a BloodMNIST .npz in the Data tab");
        t.demo_pending = true;  // training_frame starts it when the teaching set arrives
        s.log.info("Quick demo: starts when the teaching set has arrived");
        return core::Status::success();
    }
    t.demo_pending = false;
    const uint64_t seed = t.settings.train.seed;
    t.settings = core::quick_demo_settings();
    t.settings.train.seed = t.settings.fit.seed = seed;
    core::SubsetSpec all;  // every training image: the demo is sized for the teaching set's 2,868
    all.split = s.data.spec.split;
    if (s.data.spec.per_class != 0 || s.data.spec.fraction != 1.0) set_subset(s, all);
    s.log.info("Quick demo on " + s.data.source + ": vgg6 (w=8) for 8 epochs; on the teaching set it reaches val ACC ~0.90");
    return start_training(s);
}

void pause_training(AppState& s) {
    TrainState& t = train_state(s);
    t.running = false;
    stop_worker(t);
    if (t.job) {
        t.job->pause_clock();  // "done in" and "time left" are wall-clock time without the pause
        t.snap = t.job->snapshot();
    }
}

void reset_training(AppState& s) {
    TrainState& t = train_state(s);
    t.running = false;
    stop_worker(t);
    t.job.reset();
    t.run_val = core::Dataset();
    t.view_model.reset();
    t.snap = core::JobSnapshot();
    t.views.reset();
}

// Each epoch's wall-clock time as the app sees it (within a frame of the epoch's end).
static void note_epochs(TrainState& t) {
    while (t.epoch_wall.size() < t.snap.train.history.size()) t.epoch_wall.push_back((float)t.snap.wall_seconds);
}

// The finished run's per-epoch curves, kept for the overlay.
static void keep_curve(TrainState& t) {
    note_epochs(t);
    RunCurve c;
    c.label = "#" + std::to_string(t.runs_started) + " " + t.run_line;
    c.link = t.run_link;
    const auto& h = t.snap.train.history;
    for (size_t i = 0; i < h.size(); ++i) {
        c.epoch.push_back((float)h[i].epoch);
        c.wall.push_back(t.epoch_wall[i]);
        c.train_loss.push_back((float)h[i].train_loss);
        c.val_loss.push_back((float)h[i].val_loss);
        c.val_acc.push_back((float)h[i].val_acc);
    }
    if (c.epoch.empty()) return;  // feature models have no epochs
    t.runs.push_back(std::move(c));
    if ((int)t.runs.size() > kKeptRuns) t.runs.erase(t.runs.begin());
}

// A finished run's model goes to the store; Classify keeps the model it uses unless it has none.
static void finish_run(AppState& s, TrainState& t) {
    t.running = false;
    if (t.snap.status != core::JobStatus::done) {
        if (t.snap.status == core::JobStatus::failed) notify(s, LogEntry::Error, "Training failed: " + t.snap.message);
        return;
    }
    keep_curve(t);
    auto e = std::make_unique<StoredModel>();
    e->model = std::make_shared<core::Model>(t.job->take_model());
    e->label = e->model->spec().name + " #" + std::to_string(t.runs_started);
    e->origin = "trained here on " + std::to_string(t.job->train_size()) + " images";
    e->hyper = t.run_line;
    e->link = t.run_link;
    e->train_seconds = t.snap.seconds;
    core::TrainRecord record = e->model->record();
    record.train_seconds = t.snap.seconds;
    record.settings = t.run_link;  // a saved .bcm keeps the run's card
    e->model->set_record(record);
    const bool use = s.models.active() < 0;
    const std::string label = e->label;
    int i = s.models.add(std::move(e), use);
    t.result = &s.models.at(i);
    if (use) classify_rerun_all(s);
    char buf[300];
    std::snprintf(buf, sizeof buf, "Training of %s finished in %.1f s: val ACC %.3f, AUC %.3f. %s", label.c_str(), t.snap.wall_seconds,
                  t.snap.eval.acc, t.snap.eval.auc,
                  use ? "Classify now uses it." : "Compare it in the Compare tab (Use makes Classify use it).");
    notify(s, LogEntry::Info, buf);
}

// After the job stopped stepping: its end goes to the store, a divergence is reported once.
static void after_steps(AppState& s, TrainState& t) {
    if (t.snap.finished()) {
        finish_run(s, t);
    } else if (t.snap.status == core::JobStatus::waiting && t.running) {
        t.running = false;
        t.resume_lr = std::max(1e-6f, t.job->current_lr() / 10.f);
        notify(s, LogEntry::Error, "Training stopped: " + t.snap.message);
    }
}

// Steps the run by one slice (t.slice_ms) in this thread and reacts to its end or its divergence.
static void run_slice(AppState& s, TrainState& t) {
    auto t0 = Clock::now();
    t.job->step({0, t.slice_ms});
    s.stats.slice_ms = ms_since(t0);
    t.snap = t.job->snapshot();
    after_steps(s, t);
}

core::Status step_training(AppState& s) {
    TrainState& t = train_state(s);
    stop_worker(t);
    core::Status ok = ensure_run(s, t);
    if (!ok) {
        notify(s, LogEntry::Warn, ok.message);
        return ok;
    }
    t.running = true;  // so a divergence in this slice is reported once
    t.slice_ms = 1;    // one batch
    run_slice(s, t);
    t.running = false;
    return ok;
}

core::Status resume_training(AppState& s, float lr) {
    TrainState& t = train_state(s);
    if (!t.job || t.snap.status != core::JobStatus::waiting) return core::Status::error("nothing to resume: no run has diverged");
    stop_worker(t);  // it stopped by itself at the divergence
    core::Status ok = t.job->resume(lr);
    if (!ok) {
        notify(s, LogEntry::Error, "Cannot resume: " + ok.message);
        return ok;
    }
    t.snap = t.job->snapshot();
    t.settings.train.lr = lr;
    t.run_line = core::describe_run(t.run_card, t.job->resumed_lrs());  // the legend and the model's summary: every rate used
    t.running = true;
    if (BLOODCELL_HAVE_THREADS) start_worker(t, s.platform.worker_threads);
    s.log.info("Resuming with learning rate " + fmt("%.1e", lr) + " from the last good weights");
    return ok;
}

// [SECTION] tuning
core::Status start_tune(AppState& s) {
    TrainState& t = train_state(s);
    if (t.running) return core::Status::error("training is running");
    if (!s.data.loaded) return core::Status::error("no data loaded");
    std::string rates, batches;
    for (int i = 0; i < 3; ++i) {
        if (t.tune_lr[i]) rates += (rates.empty() ? "" : ",") + fmt("%g", kTuneRates[i]);
        if (t.tune_batch[i]) batches += (batches.empty() ? "" : ",") + std::to_string(kTuneBatches[i]);
    }
    if (rates.empty() || batches.empty()) {
        notify(s, LogEntry::Warn, "Pick at least one learning rate and one batch size to tune");
        return core::Status::error("no learning rate or no batch size picked");
    }
    core::RunSettings base = t.settings;
    base.train.epochs = t.tune_epochs;
    auto trials = core::grid_trials(base, "lr=" + rates + ";batch=" + batches);
    if (!trials) return core::Status::error(trials.error);
    auto job = core::TuneJob::create(std::move(trials.value), training_set(s), validation_set(s));
    if (!job) return core::Status::error(job.error);
    t.tune = std::move(job.value);
    t.tune_subset = current_card(s).subset;
    t.tune_snap = t.tune->snapshot();
    s.log.info("Tuning " + t.settings.model + ": " + std::to_string(t.tune_snap.trials.size()) + " trials of " +
               std::to_string(t.tune_epochs) + " epochs");
    return core::Status::success();
}

void stop_tune(AppState& s) {
    TrainState& t = train_state(s);
    if (t.tune) t.tune->cancel();
}

static void tune_slice(AppState& s, TrainState& t) {
    const size_t logged = std::count_if(t.tune_snap.trials.begin(), t.tune_snap.trials.end(), [](const core::TrialResult& r) {
        return r.status != "queued" && r.status != "running";
    });
    t.tune->step({0, t.slice_ms});
    t.tune_snap = t.tune->snapshot();
    for (size_t i = logged; i < t.tune_snap.trials.size(); ++i) {
        const core::TrialResult& r = t.tune_snap.trials[i];
        if (r.status == "queued" || r.status == "running") break;
        s.log.info("Trial " + r.desc() + ": " + r.status + ", val ACC " + fmt("%.3f", r.val_acc) + " in " + fmt("%.1f", r.seconds) + " s");
    }
    if (t.tune_snap.status != core::JobStatus::done || t.tune_snap.best_trial < 0) return;
    const core::TrialResult& b = t.tune_snap.trials[t.tune_snap.best_trial];
    const core::RunCard card{t.tune->trial(t.tune_snap.best_trial).settings, t.tune_subset};
    auto e = std::make_unique<StoredModel>();
    e->model = std::make_shared<core::Model>(t.tune->take_best_model());
    e->label = e->model->spec().name + " (tuned)";
    e->origin = "best of " + std::to_string(t.tune_snap.trials.size()) + " tuning trials";
    e->hyper = core::describe_run(card);
    e->link = core::format_run_card(card);
    // a saved .bcm keeps the trial's card
    e->model->set_record([&] { core::TrainRecord r = e->model->record(); return r.settings = e->link, r; }());
    e->train_seconds = b.seconds;
    s.models.add(std::move(e), false);
    notify(s, LogEntry::Info, "Tuning done: best val ACC " + fmt("%.3f", b.val_acc) + " (" + b.desc() + "); added to the models");
}

// [SECTION] per frame
// A run or a tuning grid is being worked on (not paused, not finished).
static bool working(const AppState& s) {
    const TrainState* t = s.train.get();
    if (classify_busy(s) || labelled_busy(s)) return true;  // a batch of images, labelled images (batch.cpp, labelled.cpp)
    return t && ((t->running && t->job && !t->snap.finished()) || (t->tune && !t->tune_snap.finished()));
}

// The run's and the tuning grid's share of a refresh (see training_frame).
static void run_work(AppState& s, TrainState& t, double budget_ms) {
    if (t.demo_pending && s.data.loaded) start_quick_demo(s);
    if (t.demo_pending && asset_state(s, ".npz") != AssetState::Coming && !s.data.loaded) t.demo_pending = false;
    if (training_on_worker(s)) {
        t.snap = t.job->snapshot();
        s.stats.slice_ms = 0;
        if (t.snap.status != core::JobStatus::running) {
            stop_worker(t);
            after_steps(s, t);
        }
    } else if (t.running && t.job && !t.snap.finished() && budget_ms > 0) {
        t.slice_ms = budget_ms;
        run_slice(s, t);
    }
    if (t.job) note_epochs(t);
    // tune trials run when no training does
    if (!t.running && t.tune && !t.tune_snap.finished() && budget_ms > 0) {
        t.slice_ms = budget_ms;
        tune_slice(s, t);
    }
}

void training_frame(AppState& s, double budget_ms) {
    auto t0 = Clock::now();
    // a batch of images and the labelled images first: they are what the user waits for on screen
    budget_ms -= classify_work(s, budget_ms);
    budget_ms -= labelled_work(s, budget_ms);
    if (s.train) run_work(s, *s.train, budget_ms);
    // the Compare tab's evaluations on the test split, in what is left of ~8 ms, or of ~30 ms while
    // nothing trains (the teaching set's 822 test images take vgg6_w32 seconds of compute). While a
    // run trains they wait unless Compare is open: after the full BloodMNIST was opened they took
    // ~8 ms of every frame drawn for half a minute, a tenth of the one-thread page's training time.
    // So while a batch of images is classified: the page's start-up evaluations of the pretrained
    // models took ~5 ms of each frame and of each short slice, 0.35 ms an image of a 1,000-image batch
    // dropped just after the page loaded (bench/batch_classify.mjs).
    const TrainState* tr = s.train.get();
    const bool run_trains = tr && tr->running && tr->job && !tr->snap.finished();
    double left = (working(s) ? 8.0 : 30.0) - ms_since(t0);
    if (left > 1.0 && s.data.loaded && ((!run_trains && !classify_busy(s)) || s.tab == Tab::Compare)) {
        const int done = s.models.evaluate_step(s.data.all.test, left);
        const StoredModel* e = done >= 0 ? &s.models.at(done) : nullptr;
        if (e && !s.models.evaluated(*e)) s.log.error("Cannot evaluate " + e->label + " on the test split: " + s.models.eval_error(*e));
        else if (e)
            s.log.info(e->label + " on the test split (" + std::to_string(e->test.n) + " images): ACC " + fmt("%.3f", e->test.acc) + ", AUC " +
                       fmt("%.3f", e->test.auc) + ", " + fmt("%.2f", e->test.ms_per_image) + " ms/image");
    }
}

double training_quantum_ms(const AppState& s) {
    const TrainState* t = s.train.get();
    if (!t || !t->running || !t->job || t->snap.finished() || training_on_worker(s)) return 0;
    const double ips = t->snap.train.images_per_second;
    return ips > 0 ? 1000.0 * t->settings.train.batch / ips : 1.0;  // a run's first batch: not timed yet
}

bool work_in_this_thread(const AppState& s) {
    return training_quantum_ms(s) > 0 || (classify_busy(s) && !classify_on_worker(s));
}

bool app_frame_due(AppState& s, double now, bool input) {
    const bool evaluating = s.data.loaded && s.data.all.test.size() > 0 && s.models.needs_evaluation();
    const bool busy = working(s) || evaluating || !s.assets_pending.empty();
    // a batch of images draws at most batch_fps: in the one-thread page the frames take the batch's
    // thread; with a worker they take the cores it shares with the browser drawing them
    s.pacing.batch = classify_busy(s);
    s.pacing.quantum_ms = training_quantum_ms(s);
    return frame_due(s.pacing, now, input, busy, s.stats.item_active);
}

void app_background(AppState& s, double now) {
    // until the next frame is due: the run in one-thread builds (with threads a worker trains), the
    // tuning grid's trials in any build (they run in this thread)
    training_frame(s, work_budget_ms(s.pacing, now, 4.0));
}

void training_data_changed(AppState& s) {
    s.models.data_changed();
    if (s.train) s.train->views.reset();
}

void training_shutdown(AppState& s) {
    if (!s.train) return;
    stop_worker(*s.train);
    s.train->views.release();
}

core::Model* view_model(AppState& s) {
    TrainState& t = train_state(s);
    if (!t.job) return nullptr;
    if (t.snap.finished()) return t.result ? t.result->model.get() : nullptr;
    if (!training_on_worker(s)) return t.job->live_model();
    // another thread trains: a copy of the weights, refreshed twice a second
    if (s.stats.t - t.copy_t > 0.5) {
        t.job->request_live_copy();
        t.copy_t = s.stats.t;
    }
    if (auto c = t.job->live_copy()) t.view_model = c;
    return t.view_model.get();
}

}  // namespace app
