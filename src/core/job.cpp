#include "core/job.h"

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "core/clock.h"
#include "core/image.h"
#include "core/labelled.h"
#include "core/rng.h"
#include "core/text.h"

namespace core {

const char* job_status_name(JobStatus s) {
    switch (s) {
        case JobStatus::running: return "running";
        case JobStatus::waiting: return "waiting";
        case JobStatus::done: return "done";
        case JobStatus::failed: return "failed";
        case JobStatus::cancelled: return "cancelled";
    }
    return "?";
}

std::string TrialResult::desc() const {
    std::string d;
    for (auto& p : params) d += (d.empty() ? "" : " ") + p.first + "=" + p.second;
    return d;
}

// [SECTION] Job
bool Job::step(Budget b) {
    if (state_.finished()) return false;
    if (cancel_.load()) {
        state_.status = JobStatus::cancelled;
        publish();
        return false;
    }
    if (state_.status == JobStatus::waiting) return false;
    const double t0 = now_ms();
    if (clock_from_ms_ < 0) clock_from_ms_ = t0;
    work(b);
    const double t1 = now_ms();
    state_.seconds += (t1 - t0) / 1000.0;
    state_.wall_seconds = wall_before_ + (t1 - clock_from_ms_) / 1000.0;
    if (state_.status == JobStatus::done) state_.progress = 1.0;
    if (state_.status != JobStatus::running) {  // finished or waiting: the clock stops here
        wall_before_ = state_.wall_seconds;
        clock_from_ms_ = -1;
    }
    publish();
    return state_.status == JobStatus::running;
}

void Job::pause_clock() {
    if (clock_from_ms_ < 0) return;
    wall_before_ += (now_ms() - clock_from_ms_) / 1000.0;
    clock_from_ms_ = -1;
    state_.wall_seconds = wall_before_;
    publish();
}

double JobSnapshot::wall_left() const {
    if (progress >= 1.0) return 0.0;
    if (progress < 1e-3 || wall_seconds <= 0) return -1.0;
    return wall_seconds * (1.0 - progress) / progress;
}

void Job::publish() {
    std::lock_guard<std::mutex> lock(mu_);
    published_ = state_;
}

JobSnapshot Job::snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    return published_;
}

// [SECTION] TrainJob
TrainJob::~TrainJob() = default;

Result<std::unique_ptr<TrainJob>> TrainJob::create(const TrainJobSpec& spec, Dataset train, Dataset val) {
    using R = Result<std::unique_ptr<TrainJob>>;
    std::unique_ptr<TrainJob> j(new TrainJob());
    j->spec_ = spec;
    j->state_.title = "train " + spec.model.name;
    j->train_n_ = train.size();
    j->val_n_ = val.size();
    const long per_epoch = train.size() + val.size();
    if (spec.model.family == Family::nn) {
        // the calibration's pass over val counts as val images x views
        j->views_ = spec.calibrate <= 0 || val.size() == 0 ? 0 : spec.calibrate >= 2 ? 8 : 1;
        j->state_.total = per_epoch * spec.train.epochs + (long)val.size() * j->views_;
        j->state_.train.epochs = spec.train.epochs;
        if (spec.train.distill > 0 && !spec.train.teacher && spec.teacher) {
            // distillation from a model file: its 8-view pass over train comes first (work_teacher)
            if (!(spec.train.distill_temperature >= 0.25f && spec.train.distill_temperature <= 20.f))
                return R::fail("distill-temp: want 0.25..20");
            if (train.size() == 0) return R::fail("the training set is empty");
            auto t = Model::load(spec.teacher->data(), spec.teacher->size(), "the teacher");
            if (!t) return R::fail(t.error);
            j->teacher_ = std::make_unique<Model>(std::move(t.value));
            j->state_.total += (long)train.size() * 8;
            j->state_.teaching = true;
            j->train_ = std::move(train);
            j->val_ = std::move(val);
            j->teach_.reset(&j->train_, -1, /*tta*/ true);
        } else {
            auto t = Trainer::create(spec.model, std::move(train), std::move(val), spec.train, spec.init.get());
            if (!t) return R::fail(t.error);
            j->trainer_ = std::move(t.value);
        }
    } else {
        if (spec.init) return R::fail("only networks can be fine-tuned, not " + spec.model.name);
        if (train.size() < 2) return R::fail("the training set needs at least 2 images");
        auto probe = Model::create(spec.model, spec.fit.seed);  // checks the feature definition
        if (!probe) return R::fail(probe.error);
        j->state_.total = per_epoch + 1;
        j->train_ = std::move(train);
        j->val_ = std::move(val);
    }
    j->publish();
    return R::of(std::move(j));
}

Status TrainJob::resume(float lr) {
    if (!trainer_ || state_.status != JobStatus::waiting) return Status::error("nothing to resume: the run has not diverged");
    Status ok = trainer_->resume(lr);
    if (!ok) return ok;
    spec_.train.lr = lr;
    resumed_lrs_.push_back(lr);
    state_.status = JobStatus::running;
    state_.message.clear();
    state_.train = trainer_->metrics();
    publish();
    return ok;
}

float TrainJob::current_lr() const { return trainer_ ? trainer_->current_lr() : spec_.fit.lr; }

Model* TrainJob::live_model() {
    if (taken_) return nullptr;
    if (final_) return final_.get();
    if (trainer_) return &trainer_->model();
    return fitted_.get();
}

Model TrainJob::take_model() {
    taken_ = true;
    if (final_) return std::move(*final_);
    if (trainer_) return trainer_->take_model();
    return fitted_ ? std::move(*fitted_) : Model();
}

Model TrainJob::best_model_copy() {
    if (final_) {  // the trainer handed its model over: a copy through the file format
        std::vector<uint8_t> b = final_->save();
        auto m = Model::load(b.data(), b.size(), "copy");
        return m ? std::move(m.value) : Model();
    }
    return trainer_ ? trainer_->best_model_copy() : Model();
}

std::shared_ptr<Model> TrainJob::live_copy() const {
    std::lock_guard<std::mutex> lock(copy_mu_);
    return live_copy_;
}

void TrainJob::work(Budget b) {
    if (teacher_) return work_teacher(b);
    if (!trainer_) return work_features(b);
    // Trainer::step: about max_images images, or max_ms; with neither, one batch
    if (calibrate_) {
        calibrate_->step(b);
        JobSnapshot c = calibrate_->snapshot();
        state_.done = state_.total - (long)(c.total - c.done) * views_;
        state_.progress = (double)state_.done / std::max(1L, state_.total);
        if (c.status == JobStatus::running) return;
        state_.calibrating = false;
        if (c.status != JobStatus::done) {
            state_.status = JobStatus::failed;
            state_.message = "calibration: " + c.message;
        } else {
            state_.status = JobStatus::done;
        }
        calibrate_.reset();
        return;
    }
    const int images = b.images > 0 ? (int)std::min<long>(b.images, INT_MAX) : (b.ms > 0 ? INT_MAX : 1);
    trainer_->step(images, b.ms);
    if (copy_wanted_.exchange(false)) {
        auto copy = std::make_shared<Model>(trainer_->live_model_copy());
        std::lock_guard<std::mutex> lock(copy_mu_);
        live_copy_ = std::move(copy);
    }
    const TrainMetrics& m = trainer_->metrics();
    state_.train = m;
    state_.eval = m.last_val;
    state_.done = teacher_done_ + (long)std::llround(m.progress * (state_.total - teacher_done_ - (long)val_n_ * views_));
    state_.progress = (double)state_.done / std::max(1L, state_.total);
    if (m.diverged) {
        state_.status = JobStatus::waiting;
        state_.message = m.diverged_message;
    } else if (m.done) {
        finish_network();
    }
}

// Distillation: the teacher's 8-view raw probabilities on the training images, a chunk per step (each
// image counts 8 units of work); then the softened targets go to a new Trainer and training starts.
void TrainJob::work_teacher(Budget b) {
    Budget views = b;
    if (views.images > 0) views.images = std::max(1L, views.images / 8);
    teach_.step(*teacher_, views, std::max(1, prediction_chunk(*teacher_) / 8));
    state_.done = (long)teach_.pos * 8;
    state_.progress = (double)state_.done / std::max(1L, state_.total);
    if (!teach_.done()) return;
    std::vector<float> q = std::move(teach_.raw);
    soften_targets(q.data(), teach_.n, spec_.train.distill_temperature);
    teach_.reset(nullptr);
    teacher_.reset();
    spec_.train.teacher = std::make_shared<const std::vector<float>>(std::move(q));
    const long teacher_units = (long)train_.size() * 8;
    auto t = Trainer::create(spec_.model, std::move(train_), std::move(val_), spec_.train, spec_.init.get());
    train_ = Dataset();
    val_ = Dataset();
    state_.teaching = false;
    if (!t) {
        state_.status = JobStatus::failed;
        state_.message = t.error;
        return;
    }
    trainer_ = std::move(t.value);
    teacher_done_ = teacher_units;
}

// After the last epoch: take the best model and calibrate it on val, a chunk per step.
void TrainJob::finish_network() {
    if (!final_) {
        final_ = std::make_shared<Model>(trainer_->take_model());
        if (spec_.calibrate <= 0 || val_n_ == 0) {
            state_.status = JobStatus::done;
            return;
        }
        calibrate_ = std::make_unique<CalibrateJob>(final_, &trainer_->val(), spec_.calibration_target, spec_.calibrate >= 2);
        state_.calibrating = true;
        return;  // the calibration starts with the next step
    }
}

void TrainJob::work_features(Budget b) {
    const double t0 = now_ms();
    const int n = train_.size();
    auto spent = [&] { return b.ms > 0 && now_ms() - t0 >= b.ms; };
    long images = 0;
    // 1. features, 64 images at a time
    while (feat_rows_ < n) {
        int k = std::min(64, n - feat_rows_);
        std::vector<double> rows = model_features(spec_.model, train_.image(feat_rows_), k, std::max(1, spec_.fit.threads));
        X_.insert(X_.end(), rows.begin(), rows.end());
        feat_rows_ += k;
        images += k;
        state_.done = feat_rows_;
        state_.progress = 0.5 * feat_rows_ / std::max(1, n + val_.size());
        if ((b.images > 0 && images >= b.images) || spent() || (b.images <= 0 && b.ms <= 0)) return;
    }
    // 2. the fit, in one call
    if (!fitted_) {
        auto m = fit_features_from(spec_.model, X_, train_.labels.data(), n, spec_.fit, {}, state_.seconds);
        if (!m) {
            state_.status = JobStatus::failed;
            state_.message = m.error;
            return;
        }
        fitted_ = std::make_unique<Model>(std::move(m.value));
        std::vector<double>().swap(X_);
        val_pred_.reset(&val_);
        state_.done = n + 1;
        if (spent()) return;
    }
    // 3. validation
    if (!val_pred_.done()) {
        Budget left = b;
        if (b.ms > 0) left.ms = std::max(0.1, b.ms - (now_ms() - t0));
        val_pred_.step(*fitted_, left, prediction_chunk(*fitted_));
        state_.done = n + 1 + val_pred_.pos;
        state_.progress = (double)state_.done / std::max(1L, state_.total);
        if (!val_pred_.done()) return;
    }
    if (val_.size() > 0 && spec_.calibrate > 0) {
        Calibration c;
        c.target = (float)spec_.calibration_target;
        c.images = val_.size();
        c.single = fit_mode(val_pred_.raw.data(), val_.labels.data(), val_.size(), spec_.calibration_target);
        fitted_->set_calibration(c);
        val_pred_.probs = val_pred_.raw;
        fitted_->calibrate(val_pred_.probs.data(), val_.size(), false);
    }
    if (val_.size() > 0) {
        state_.eval = evaluate(val_pred_.probs.data(), val_.labels.data(), val_.size());
        state_.eval.seconds = val_pred_.seconds;
        state_.eval.ms_per_image = val_pred_.seconds * 1000.0 / val_.size();
    }
    state_.status = JobStatus::done;
}

// [SECTION] EvalJob
EvalJob::EvalJob(std::shared_ptr<Model> model, const Dataset* data, bool tta, int limit) : model_(std::move(model)) {
    pred_.reset(data, limit, tta);
    state_.title = "evaluate " + (model_ ? model_->spec().name : std::string("?"));
    state_.total = pred_.n;
    if (!model_) {
        state_.status = JobStatus::failed;
        state_.message = "no model to evaluate";
    }
    publish();
}

void EvalJob::work(Budget b) {
    pred_.step(*model_, b, prediction_chunk(*model_));
    state_.done = pred_.pos;
    state_.progress = pred_.n ? (double)pred_.pos / pred_.n : 1.0;
    if (!pred_.done()) return;
    const uint8_t* labels = pred_.data ? pred_.data->labels.data() : nullptr;
    state_.eval = evaluate(pred_.probs.data(), labels, pred_.n);
    state_.eval.seconds = pred_.seconds;
    state_.eval.ms_per_image = pred_.n ? pred_.seconds * 1000.0 / pred_.n : 0;
    const bool tta = pred_.tta && model_->spec().family == Family::nn;
    report_ = calibration_report(pred_.probs.data(), labels, pred_.n, model_->calibration().mode(tta).threshold,
                                 model_->calibration().target);
    state_.status = JobStatus::done;
}

// [SECTION] CalibrateJob
CalibrateJob::CalibrateJob(std::shared_ptr<Model> model, const Dataset* data, double target, bool tta)
    : model_(std::move(model)), target_(target) {
    const bool views = tta && model_ && model_->spec().family == Family::nn;
    pred_.reset(data, -1, views, true);
    state_.title = "calibrate " + (model_ ? model_->spec().name : std::string("?"));
    state_.total = pred_.n;
    if (!model_) {
        state_.status = JobStatus::failed;
        state_.message = "no model to calibrate";
    } else if (pred_.n == 0) {
        state_.status = JobStatus::failed;
        state_.message = "no validation images to calibrate on";
    } else if (!(target > 0 && target <= 1)) {
        state_.status = JobStatus::failed;
        state_.message = "target accuracy " + std::to_string(target) + ": want 0..1";
    }
    publish();
}

void CalibrateJob::work(Budget b) {
    pred_.step(*model_, b, std::max(1, prediction_chunk(*model_) / (pred_.tta ? 8 : 1)));
    state_.done = pred_.pos;
    state_.progress = pred_.n ? (double)pred_.pos / pred_.n : 1.0;
    if (!pred_.done()) return;
    const uint8_t* labels = pred_.data->labels.data();
    if (pred_.tta) {
        single_ = pred_.raw_single;
        tta_ = pred_.raw;
    } else {
        single_ = pred_.raw;
    }
    Calibration c;
    c.target = (float)target_;
    c.images = pred_.n;
    c.single = fit_mode(single_.data(), labels, pred_.n, target_);
    if (!tta_.empty()) c.tta = fit_mode(tta_.data(), labels, pred_.n, target_);
    fitted_ = c;
    Status ok = model_->set_calibration(c);
    if (!ok) {
        state_.status = JobStatus::failed;
        state_.message = ok.message;
        return;
    }
    state_.status = JobStatus::done;
}

// [SECTION] TuneJob
Result<std::vector<TrialSpec>> grid_trials(const RunSettings& base, const std::string& grid, int random, uint64_t seed) {
    using R = Result<std::vector<TrialSpec>>;
    static const char* known[] = {"lr", "batch", "epochs", "hidden", "width", "dropout", "wd", "trees", "momentum", "iterations", "ema"};
    struct Key {
        std::string key;
        std::vector<std::string> values;
    };
    std::vector<Key> keys;
    for (const std::string& part : split(grid, ';')) {
        if (part.empty()) continue;
        size_t eq = part.find('=');
        if (eq == std::string::npos) return R::fail("grid: '" + part + "' is not KEY=V1,V2,...");
        Key k;
        k.key = part.substr(0, eq) == "filters" ? "width" : part.substr(0, eq);
        if (std::none_of(std::begin(known), std::end(known), [&](const char* n) { return k.key == n; }))
            return R::fail("grid: unknown key '" + k.key +
                           "' (want lr, batch, epochs, hidden, width/filters, dropout, wd, trees, momentum, iterations, ema)");
        for (const std::string& v : split(part.substr(eq + 1), ',')) {
            char* e = nullptr;
            std::strtod(v.c_str(), &e);
            if (v.empty() || *e) return R::fail("grid: " + k.key + " value '" + v + "' is not a number");
            k.values.push_back(v);
        }
        keys.push_back(k);
    }
    if (keys.empty()) return R::fail("grid is empty (e.g. \"lr=1e-3,3e-4;batch=32,64\")");
    std::vector<std::vector<int>> combos(1);  // first key slowest
    for (auto& k : keys) {
        std::vector<std::vector<int>> next;
        for (auto& c : combos)
            for (size_t v = 0; v < k.values.size(); ++v) {
                next.push_back(c);
                next.back().push_back((int)v);
            }
        combos = next;
    }
    if (random > 0 && random < (int)combos.size()) {
        Rng rng(seed + 17);
        rng.shuffle(combos);
        combos.resize(random);
    }
    std::vector<TrialSpec> out;
    for (auto& c : combos) {
        TrialSpec t;
        t.settings = base;
        for (size_t i = 0; i < keys.size(); ++i) {
            t.params.push_back({keys[i].key, keys[i].values[c[i]]});
            Status ok = set_option(t.settings, keys[i].key, keys[i].values[c[i]]);
            if (!ok) return R::fail("grid: " + ok.message);
        }
        out.push_back(std::move(t));
    }
    return R::of(std::move(out));
}

Result<std::unique_ptr<TuneJob>> TuneJob::create(std::vector<TrialSpec> trials, Dataset train, Dataset val) {
    using R = Result<std::unique_ptr<TuneJob>>;
    if (trials.empty()) return R::fail("no trials to run");
    std::unique_ptr<TuneJob> j(new TuneJob());
    for (auto& t : trials) {
        auto spec = resolve(t.settings);
        TrialResult r;
        r.params = t.params;
        if (!spec) return R::fail("trial " + r.desc() + ": " + spec.error);
        j->state_.trials.push_back(r);
    }
    j->trials_ = std::move(trials);
    j->train_ = std::move(train);
    j->val_ = std::move(val);
    j->state_.title = "tune " + j->trials_[0].settings.model + " (" + std::to_string(j->trials_.size()) + " trials)";
    j->state_.total = (long)j->trials_.size();
    j->publish();
    return R::of(std::move(j));
}

void TuneJob::work(Budget b) {
    TrialResult& r = state_.trials[current_];
    if (!job_) {
        auto spec = resolve(trials_[current_].settings);
        auto made = TrainJob::create(spec.value, train_, val_);
        if (!made) {
            r.status = "failed";
        } else {
            job_ = std::move(made.value);
            r.status = "running";
        }
    }
    if (job_) {
        job_->step(b);
        JobSnapshot s = job_->snapshot();
        r.seconds = s.seconds;
        if (s.status == JobStatus::running) {
            state_.progress = (current_ + s.progress) / trials_.size();
            return;
        }
        if (s.status == JobStatus::waiting) {
            r.status = "diverged";  // a trial that blows up ends; the search goes on
        } else if (s.status == JobStatus::done) {
            r.status = "done";
            const bool nn = !s.train.history.empty();
            r.best_epoch = nn ? s.train.best_epoch : 0;
            r.val_acc = nn ? s.train.best_val_acc : s.eval.acc;
            r.val_auc = nn ? s.train.history[std::max(1, s.train.best_epoch) - 1].val_auc : s.eval.auc;
            if (state_.best_trial < 0 || r.val_acc > state_.trials[state_.best_trial].val_acc) {
                state_.best_trial = current_;
                best_ = std::make_unique<Model>(job_->take_model());
            }
        } else {
            r.status = "failed";
        }
        job_.reset();
    }
    ++current_;
    state_.done = current_;
    state_.progress = (double)current_ / trials_.size();
    if (current_ >= (int)trials_.size()) state_.status = JobStatus::done;
}

Model TuneJob::take_best_model() { return best_ ? std::move(*best_) : Model(); }

// [SECTION] ClassifyJob
static ClassifyOptions with_tta(bool tta) {
    ClassifyOptions o;
    o.tta = tta;
    return o;
}

ClassifyJob::ClassifyJob(std::shared_ptr<Model> model, std::vector<ClassifyItem> items, bool tta)
    : ClassifyJob(std::move(model), std::move(items), with_tta(tta)) {}

ClassifyJob::ClassifyJob(std::shared_ptr<Model> model, std::vector<ClassifyItem> items, const ClassifyOptions& options)
    : model_(std::move(model)), items_(std::move(items)), opt_(options) {
    opt_.chunk = std::max(1, opt_.chunk);
    for (const auto& k : opt_.known) seen_.push_back(k);
    std::stable_sort(seen_.begin(), seen_.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    seen_.erase(std::unique(seen_.begin(), seen_.end(), [](const auto& x, const auto& y) { return x.first == y.first; }), seen_.end());
    opt_.known.clear();
    state_.title = "classify " + std::to_string(items_.size()) + " images";
    state_.total = (long)items_.size();
    publish();
}

bool ClassifyJob::add(std::vector<ClassifyItem>& items) {
    std::lock_guard<std::mutex> lock(io_);
    if (closed_ || cancel_requested()) return false;
    for (ClassifyItem& it : items) items_.push_back(std::move(it));
    items.clear();
    return true;
}

int ClassifyJob::pending() const {
    std::lock_guard<std::mutex> lock(io_);
    return (int)(items_.size() - results_.size());
}

std::vector<ClassifyResult> ClassifyJob::take_ready() {
    std::lock_guard<std::mutex> lock(io_);
    std::vector<ClassifyResult> out;
    for (; taken_ < results_.size(); ++taken_) {
        ClassifyResult& r = results_[taken_];
        out.push_back(std::move(r));
        r.name = out.back().name;
        r.error = out.back().error;
    }
    return out;
}

// One network call for the decoded images not yet predicted, which then become results.
void ClassifyJob::predict_pending() {
    std::vector<size_t> idx;
    for (size_t i = 0; i < fresh_.size(); ++i)
        if (fresh_[i].error.empty()) idx.push_back(i);
    if (!idx.empty() && model_) {
        const double t0 = now_ms();
        std::vector<uint8_t> batch(idx.size() * kImageBytes);
        for (size_t k = 0; k < idx.size(); ++k) std::copy(fresh_[idx[k]].input.begin(), fresh_[idx[k]].input.end(), batch.begin() + (long)(k * kImageBytes));
        std::vector<float> p = model_->predict(batch.data(), (int)idx.size(), opt_.tta);
        for (size_t k = 0; k < idx.size(); ++k) {
            ClassifyResult& r = fresh_[idx[k]];
            r.probs.assign(p.begin() + (long)(k * kClasses), p.begin() + (long)((k + 1) * kClasses));
            r.top = argmax(r.probs.data(), kClasses);
            r.unsure = model_->unsure(r.probs.data(), opt_.tta);
        }
        ms_[4] += now_ms() - t0;
        predicted_n_ += (long)idx.size();
    }
    std::lock_guard<std::mutex> lock(io_);
    for (ClassifyResult& r : fresh_) results_.push_back(std::move(r));
    fresh_.clear();
    predicted_ = results_.size();
}

void ClassifyJob::work(Budget b) {
    const double t0 = now_ms();
    long n = 0;
    ImageLimits limits;
    limits.max_pixels = opt_.max_pixels;
    for (;;) {
        ClassifyItem it;
        {
            std::lock_guard<std::mutex> lock(io_);
            const size_t next = results_.size() + fresh_.size();
            if (next >= items_.size()) break;
            it.name = items_[next].name;
            it.bytes = std::move(items_[next].bytes);  // released below, once decoded
        }
        ClassifyResult r;
        r.name = it.name;
        double t = now_ms();
        if (opt_.skip_duplicates) {
            r.key = content_key(it.bytes.data(), it.bytes.size());
            auto seen = std::lower_bound(seen_.begin(), seen_.end(), r.key, [](const auto& x, uint64_t k) { return x.first < k; });
            if (seen != seen_.end() && seen->first == r.key) {
                r.error = it.name + ": duplicate of " + seen->second + " (the same bytes)";
                r.duplicate = true;
            } else {
                seen_.insert(seen, {r.key, it.name});
            }
        }
        if (!r.duplicate) {
            const double t_hash = now_ms();
            ms_[0] += t_hash - t;
            // only the crop's pixels: all that the input and the thumbnail read
            auto img = decode_bloodmnist_part(it.bytes.data(), it.bytes.size(), it.name, limits);
            t = now_ms();
            ms_[1] += t - t_hash;
            if (!img) {
                r.error = img.error;
            } else {
                r.width = img.value.width;
                r.height = img.value.height;
                r.crop = bloodmnist_crop(r.width, r.height);
                r.input = to_bloodmnist(img.value);
                const double t_reduce = now_ms();
                ms_[2] += t_reduce - t;
                if (opt_.thumb_side > 0) r.thumb = area_resize_fast(img.value.pixels, img.value.crop(), opt_.thumb_side);
                ms_[3] += now_ms() - t_reduce;
            }
        }
        std::vector<uint8_t>().swap(it.bytes);
        fresh_.push_back(std::move(r));
        ++n;
        if (fresh_.size() >= (size_t)opt_.chunk) predict_pending();
        // a time budget counts the predictions still owed at the end of the slice (at the cost so far)
        const double owed = model_ && predicted_n_ > 0 ? fresh_.size() * ms_[4] / predicted_n_ : 0;
        if ((b.images > 0 && n >= b.images) || (b.ms > 0 && now_ms() - t0 + owed >= b.ms) || (b.images <= 0 && b.ms <= 0)) break;
    }
    predict_pending();
    static const char* const names[5] = {"hash", "decode", "reduce", "thumb", "predict"};
    state_.phase_ms.clear();
    for (int i = 0; i < 5; ++i) state_.phase_ms.emplace_back(names[i], ms_[i]);
    std::lock_guard<std::mutex> lock(io_);
    state_.done = (long)results_.size();
    state_.total = (long)items_.size();
    state_.title = "classify " + std::to_string(items_.size()) + " images";
    state_.progress = items_.empty() ? 1.0 : (double)results_.size() / items_.size();
    if (results_.size() >= items_.size()) {
        state_.status = JobStatus::done;
        closed_ = true;
    }
}

}  // namespace core
