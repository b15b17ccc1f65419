// The Trainer state machine (train batches -> validate in chunks -> next epoch) and the one-shot
// fitting of the feature models.
#include "core/train.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "core/clock.h"
#include "core/cutmix.h"
#include "core/forest.h"
#include "core/logreg.h"

namespace core {

namespace {
constexpr long kKeepGoodEvery = 8;
}  // namespace

Result<Schedule> parse_schedule(const std::string& s) {
    if (s == "constant") return Result<Schedule>::of(Schedule::constant);
    if (s == "cosine") return Result<Schedule>::of(Schedule::cosine);
    if (s == "step") return Result<Schedule>::of(Schedule::step);
    return Result<Schedule>::fail("schedule '" + s + "': want constant, cosine or step");
}

Status validate(const TrainConfig& c) {
    if (c.epochs < 1 || c.epochs > 10000) return Status::error("epochs " + std::to_string(c.epochs) + ": want 1..10000");
    if (c.batch < 1 || c.batch > 4096) return Status::error("batch " + std::to_string(c.batch) + ": want 1..4096");
    // a rate of 10 is accepted on purpose: it diverges, and the trainer must survive that
    if (!(c.lr > 0.f && c.lr <= 100.f)) return Status::error("lr " + std::to_string(c.lr) + ": want a value in (0, 100]");
    if (!(c.weight_decay >= 0.f && c.weight_decay < 1.f)) return Status::error("weight decay: want [0, 1)");
    if (!(c.momentum >= 0.f && c.momentum < 1.f)) return Status::error("momentum: want [0, 1)");
    if (c.patience < 0) return Status::error("patience: want >= 0");
    if (!(c.until_acc >= 0.f && c.until_acc <= 1.f)) return Status::error("until-acc: want 0 (off) or a val accuracy in (0, 1]");
    if (!(c.ema >= 0.f && c.ema < 1.f)) return Status::error("ema: want 0 (off) or a decay in (0, 1)");
    if (c.swa_start < 0 || c.swa_start > c.epochs)
        return Status::error("swa " + std::to_string(c.swa_start) + ": want 0 (off) or the first epoch averaged, 1.." + std::to_string(c.epochs));
    if (c.swa_start > 0 && c.ema > 0) return Status::error("swa and ema: use one weight average, not both");
    if (!(c.label_smoothing >= 0.f && c.label_smoothing < 1.f)) return Status::error("smoothing: want [0, 1)");
    if (!(c.distill >= 0.f && c.distill <= 1.f)) return Status::error("distill: want [0, 1]");
    if (!(c.distill_temperature >= 0.25f && c.distill_temperature <= 20.f)) return Status::error("distill-temp: want 0.25..20");
    if (!(c.cutmix >= 0.f && c.cutmix <= 1.f)) return Status::error("cutmix: want a probability in [0, 1]");
    return Status::success();
}

Result<std::unique_ptr<Trainer>> Trainer::create(const ModelSpec& spec, Dataset train, Dataset val,
                                                 const TrainConfig& cfg, const std::vector<uint8_t>* init) {
    using R = Result<std::unique_ptr<Trainer>>;
    if (spec.family != Family::nn)
        return R::fail(spec.name + " is a feature model: fit it with fit_features(), not the Trainer");
    Status ok = validate(cfg);
    if (!ok) return R::fail(ok.message);
    if (train.size() < 1) return R::fail("the training set is empty");
    if (cfg.distill > 0 && !cfg.teacher) {
        char b[96];
        std::snprintf(b, sizeof b, "distill %g needs a teacher's probabilities (CLI: --teacher MODEL.bcm)", cfg.distill);
        return R::fail(b);
    }
    if (cfg.teacher && cfg.teacher->size() != (size_t)train.size() * kClasses)
        return R::fail("the teacher's probabilities cover " + std::to_string(cfg.teacher->size() / kClasses) + " images, not the " +
                       std::to_string(train.size()) + " training images");
    auto model = init ? Model::load(init->data(), init->size(), "the model to start from", &spec) : Model::create(spec, cfg.seed);
    if (!model) return R::fail(model.error);
    std::unique_ptr<Trainer> t(new Trainer());
    t->cfg_ = cfg;
    t->train_ = std::move(train);
    t->val_ = std::move(val);
    t->model_ = std::move(model.value);
    nn::OptimizerConfig oc;
    oc.kind = cfg.optimizer;
    oc.weight_decay = cfg.weight_decay;
    oc.momentum = cfg.momentum;
    t->opt_ = nn::Optimizer(oc);
    t->rng_.reseed(cfg.seed ^ 0xD20F0D20F0ULL);
    t->m_.epochs = cfg.epochs;
    long per_epoch = (t->train_.size() + cfg.batch - 1) / cfg.batch;
    t->total_steps_ = per_epoch * cfg.epochs;
    t->keep_good();
    if (cfg.ema > 0 || cfg.swa_start > 0)
        for (nn::Param* p : t->all_tensors()) t->ema_.push_back(p->value);
    t->begin_epoch();
    return R::of(std::move(t));
}

void Trainer::begin_epoch() {
    const int n = train_.size();
    order_.resize(n);
    for (int i = 0; i < n; ++i) order_[i] = i;
    // a stream per epoch, so epoch e's order does not depend on how many batches ran before
    Rng r(cfg_.seed * 0x9E3779B97F4A7C15ULL + (uint64_t)(m_.epoch + 1));
    r.shuffle(order_);
    mix_rng_.reseed(cfg_.seed * 0xD1B54A32D192ED03ULL + (uint64_t)(m_.epoch + 1));
    views_.assign(n, 0);
    if (cfg_.augment)
        for (int i = 0; i < n; ++i) views_[i] = (uint8_t)r.below(8);
    pos_ = 0;
    val_pred_.reset(nullptr);
    ep_loss_ = ep_correct_ = 0;
    ep_batches_ = ep_seen_ = 0;
    ep_seconds_ = 0;
}

float Trainer::current_lr() const {
    const double frac = total_steps_ > 0 ? (double)m_.step / (double)total_steps_ : 0.0;
    switch (cfg_.schedule) {
        case Schedule::cosine: return (float)(cfg_.lr * 0.5 * (1.0 + std::cos(M_PI * std::min(frac, 1.0))));
        case Schedule::step: return (float)(cfg_.lr * (frac < 0.5 ? 1.0 : frac < 0.75 ? 0.1 : 0.01));
        default: return cfg_.lr;
    }
}

// The batch's images in their drawn views, per image (split over the threads for a large batch).
void Trainer::gather_batch(int from, int nb) {
    batch_u8_.resize((size_t)nb * kImageBytes);
    batch_labels_.resize(nb);
    auto gather = [&](int i0, int i1, int) {
        for (int i = i0; i < i1; ++i) {
            const int idx = order_[from + i];
            dihedral_u8(train_.image(idx), batch_u8_.data() + (size_t)i * kImageBytes, kSide, kChannels, views_[from + i]);
            batch_labels_[i] = train_.labels[idx];
        }
    };
    if (nb >= 32) nn::parallel_for(nb, gather);
    else gather(0, nb, 0);
}

void Trainer::train_batch() {
    const int n = train_.size();
    const int nb = std::min(cfg_.batch, n - pos_);
    gather_batch(pos_, nb);
    const bool soft = cfg_.label_smoothing > 0 || cfg_.distill > 0 || cfg_.cutmix > 0;
    if (soft) {
        targets_.assign((size_t)nb * kClasses, 0.f);
        const float hard = 1.f - cfg_.distill, s = cfg_.label_smoothing;
        for (int i = 0; i < nb; ++i) {
            float* t = targets_.data() + (size_t)i * kClasses;
            const float* q = cfg_.distill > 0 ? cfg_.teacher->data() + (size_t)order_[pos_ + i] * kClasses : nullptr;
            for (int k = 0; k < kClasses; ++k)
                t[k] = hard * ((1.f - s) * (k == batch_labels_[i]) + s / kClasses) + (q ? cfg_.distill * q[k] : 0.f);
        }
        if (cfg_.cutmix > 0)
            cutmix_batch(batch_u8_.data(), nb, kSide, kChannels, targets_.data(), kClasses, cfg_.cutmix, mix_rng_);
    }
    images_to_tensor(batch_u8_.data(), nb, model_.spec().input, x_);
    nn::Network& net = model_.network();
    nn::Context ctx{true, &rng_};
    const float lr = current_lr();  // lr for step t uses the schedule position before the step
    double loss;
    if (soft) {
        loss = nn::softmax_cross_entropy_soft(net.forward(x_, ctx), targets_.data(), probs_, &dz_);
    } else {
        loss = nn::softmax_cross_entropy(net.forward(x_, ctx), batch_labels_.data(), probs_, &dz_);
    }
    // Divergence is caught in the batch where it shows. The weights this batch starts from count
    // as good once their loss is finite and sane and they are finite themselves (ReLU maps NaN to
    // 0, so a NaN weight can hide behind a finite loss); every kKeepGoodEvery batches they are kept
    // before the update. A bad loss, or non-finite weights after this update, bring back the last
    // kept state. The bad batch does not count.
    std::string why;
    if (!std::isfinite(loss)) {
        why = "the loss is not a finite number";
    } else if (loss > kDivergedLoss) {
        char b[96];
        std::snprintf(b, sizeof b, "the loss exploded to %.3g", loss);
        why = b;
    } else if (!weights_finite()) {
        why = "some weights are not finite numbers";
    } else {
        // a copy of every weight and both Adam moments per batch cost ~7% of an fcnn step, so the
        // good state is kept every kKeepGoodEvery batches (and a divergence goes back at most that far)
        if (m_.step % kKeepGoodEvery == 0) keep_good();
        net.zero_grad();
        net.backward(dz_);
        opt_.step(net.params(), lr);
        if (!weights_finite()) why = "the update made some weights infinite or NaN";
        else update_ema();  // folds in the new weights (undone with the rest if they prove bad)
    }
    if (!why.empty()) {
        restore_good();
        char b[320];
        std::snprintf(b, sizeof b,
                      "training diverged in epoch %d, batch %ld: %s (learning rate %.3g). The last good weights "
                      "are kept; lower the learning rate and resume.",
                      m_.epoch + 1, (long)(pos_ / std::max(1, cfg_.batch)) + 1, why.c_str(), lr);
        m_.diverged = true;
        m_.diverged_message = b;
        m_.divergences++;
        return;
    }
    int correct = 0;
    for (int i = 0; i < nb; ++i) correct += argmax(probs_.sample(i), kClasses) == batch_labels_[i];
    pos_ += nb;
    m_.step++;
    m_.images += nb;
    ep_loss_ += loss * nb;
    ep_correct_ += correct;
    ep_seen_ += nb;
    ep_batches_++;
    BatchRecord b;
    b.step = m_.step;
    b.epoch = (float)m_.epoch + (float)pos_ / n;
    b.loss = (float)loss;
    b.acc = (float)correct / nb;
    b.lr = lr;
    m_.batches.push_back(b);
}

std::vector<nn::Param*> Trainer::all_tensors() { return model_.network().tensors(); }

bool Trainer::weights_finite() {
    for (nn::Param* p : all_tensors()) {
        // NaN and Inf are the floats whose exponent bits are all ones: the largest |bits| decides.
        // An integer max reduction vectorizes (a float sum would be a serial chain without
        // -ffast-math; that made this check 8% of an fcnn step).
        uint32_t worst = 0;
        const float* v = p->value.data();
        for (size_t j = 0, n = p->value.size(); j < n; ++j) {
            uint32_t b;
            std::memcpy(&b, v + j, 4);
            worst = std::max(worst, b & 0x7FFFFFFFu);
        }
        if (worst >= 0x7F800000u) return false;
    }
    return true;
}

void Trainer::keep_good() {
    auto ts = all_tensors();
    good_.resize(ts.size());
    for (size_t i = 0; i < ts.size(); ++i) good_[i] = ts[i]->value;  // reuses capacity
    good_opt_ = opt_;
    if (cfg_.ema > 0) {
        good_ema_ = ema_;
        good_ema_updates_ = ema_updates_;
    }
}

void Trainer::restore_good() {
    auto ts = all_tensors();
    for (size_t i = 0; i < ts.size(); ++i) ts[i]->value = good_[i];
    opt_ = good_opt_;
    if (cfg_.ema > 0) {
        ema_ = good_ema_;
        ema_updates_ = good_ema_updates_;
    }
}

void Trainer::update_ema() {
    if (cfg_.ema <= 0.f) return;
    ++ema_updates_;
    // short warm-up so the average is not dominated by the random initial weights
    const float d = std::min(cfg_.ema, (float)(1.0 + ema_updates_) / (float)(10.0 + ema_updates_));
    auto ts = all_tensors();
    for (size_t i = 0; i < ts.size(); ++i) {
        float* a = ema_[i].data();
        const float* w = ts[i]->value.data();
        for (size_t j = 0, n = ema_[i].size(); j < n; ++j) a[j] = d * a[j] + (1.f - d) * w[j];
    }
}

void Trainer::swap_ema() {
    if (!averaging()) return;
    auto ts = all_tensors();
    for (size_t i = 0; i < ts.size(); ++i) ts[i]->value.swap(ema_[i]);
    ema_swapped_ = !ema_swapped_;
}

void Trainer::fold_swa() {
    ++swa_n_;
    // params come first in all_tensors(); the buffers (batch-norm statistics) are recomputed instead
    const size_t np = model_.network().params().size();
    auto ts = all_tensors();
    const float inv = 1.f / (float)swa_n_;
    for (size_t i = 0; i < np; ++i) {
        float* a = ema_[i].data();
        const float* w = ts[i]->value.data();
        for (size_t j = 0, n = ema_[i].size(); j < n; ++j) a[j] += (w[j] - a[j]) * inv;
    }
}

void Trainer::bn_batch() {
    const int nb = std::min(cfg_.batch, train_.size() - bn_pos_);
    gather_batch(bn_pos_, nb);
    images_to_tensor(batch_u8_.data(), nb, model_.spec().input, x_);
    // batch k's share nb / (images so far) makes the running statistics the mean over the batches
    // weighted by their sizes; no rng: dropout stays off in this pass
    nn::Context ctx{true, nullptr, (double)nb / (double)(bn_pos_ + nb)};
    model_.network().forward(x_, ctx);
    bn_pos_ += nb;
}

void Trainer::end_training_epoch() {
    if (cfg_.swa_start > 0 && m_.epoch + 1 >= cfg_.swa_start) {
        fold_swa();
        if (!ema_swapped_) swap_ema();  // the average (and stale statistics) into the network
        bn_updating_ = true;
        bn_pos_ = 0;
        m_.validating = true;
        return;
    }
    start_validation();
}

void Trainer::start_validation() {
    if (val_.size() == 0) {
        finish_epoch();
        return;
    }
    m_.validating = true;
    val_pred_.reset(&val_, -1, cfg_.val_tta != 0);
    if (cfg_.ema > 0 && !ema_swapped_) swap_ema();
}

Status Trainer::resume(float lr) {
    if (!m_.diverged) return Status::error("nothing to resume: training has not diverged");
    TrainConfig c = cfg_;
    c.lr = lr;
    Status ok = validate(c);
    if (!ok) return ok;
    cfg_.lr = lr;
    m_.diverged = false;
    m_.diverged_message.clear();
    return Status::success();
}

void Trainer::snapshot_best() {
    auto ts = all_tensors();
    best_.resize(ts.size());
    for (size_t i = 0; i < ts.size(); ++i) best_[i] = ts[i]->value;  // reuses capacity
}

void Trainer::finish_epoch() {
    EpochRecord r;
    r.epoch = m_.epoch + 1;
    r.train_loss = ep_seen_ ? ep_loss_ / ep_seen_ : 0;
    r.train_acc = ep_seen_ ? ep_correct_ / ep_seen_ : 0;
    r.lr = m_.batches.empty() ? cfg_.lr : m_.batches.back().lr;
    r.seconds = ep_seconds_;
    bool improved = true;
    if (val_.size() > 0) {
        // the network's own probabilities: a run started from a calibrated file (--init) must not
        // score its new weights through the temperature fitted for the old ones
        Evaluation e = evaluate(val_pred_.raw.data(), val_.labels.data(), val_.size());
        r.val_loss = e.loss;
        r.val_acc = e.acc;
        r.val_auc = e.auc;
        m_.last_val = e;
        improved = m_.best_epoch == 0 || e.acc > m_.best_val_acc || (e.acc == m_.best_val_acc && e.loss < best_val_loss_);
        if (improved) {
            m_.best_epoch = r.epoch;
            m_.best_val_acc = e.acc;
            best_val_loss_ = e.loss;
            if (cfg_.restore_best) snapshot_best();
        }
    } else {
        m_.best_epoch = r.epoch;
    }
    if (ema_swapped_) swap_ema();  // validation ran on the averaged weights; training goes on with the live ones
    m_.history.push_back(r);
    m_.epoch++;
    m_.validating = false;
    if (cfg_.until_acc > 0 && val_.size() > 0 && m_.last_val.acc >= cfg_.until_acc) {
        m_.done = true;
        m_.reached_until_acc = true;
    } else if (m_.epoch >= cfg_.epochs) {
        m_.done = true;
    } else if (cfg_.patience > 0 && val_.size() > 0 && m_.epoch - m_.best_epoch >= cfg_.patience) {
        m_.done = true;
        m_.stopped_early = true;
    } else {
        begin_epoch();
    }
}

bool Trainer::step(int max_images, double max_ms) {
    if (m_.done || m_.diverged) return false;
    const double t0 = now_ms();
    int budget = std::max(1, max_images);
    auto out_of_time = [&] { return max_ms > 0 && now_ms() - t0 >= max_ms; };
    while (!m_.done && budget > 0) {
        double ts = now_ms();
        if (bn_updating_) {
            const int before = bn_pos_;
            bn_batch();
            budget -= bn_pos_ - before;
            ep_seconds_ += (now_ms() - ts) / 1000.0;
            if (bn_pos_ >= train_.size()) {
                bn_updating_ = false;
                start_validation();
            }
        } else if (!m_.validating) {
            train_batch();
            if (m_.diverged) break;
            double dt = now_ms() - ts;
            train_only_seconds_ += dt / 1000.0;
            ep_seconds_ += dt / 1000.0;
            budget -= std::min(cfg_.batch, budget);
            if (pos_ >= train_.size()) end_training_epoch();
        } else {
            // validation goes a batch at a time too, so one unit of work stays near a training
            // batch's cost (a browser frame budget holds for both)
            budget -= val_pred_.step(model_, {}, cfg_.batch);
            ep_seconds_ += (now_ms() - ts) / 1000.0;
            if (val_pred_.done()) finish_epoch();
        }
        if (out_of_time()) break;
    }
    m_.train_seconds += (now_ms() - t0) / 1000.0;
    m_.images_per_second = train_only_seconds_ > 0 ? m_.images / train_only_seconds_ : 0;
    // progress counts a validation image as much as a training image
    const double per_epoch = train_.size() + val_.size();
    double in_epoch = m_.done ? 0 : (double)pos_ + val_pred_.pos;
    m_.progress = std::min(1.0, (m_.epoch * per_epoch + in_epoch) / (cfg_.epochs * per_epoch));
    if (m_.done) m_.progress = 1.0;
    return !m_.done && !m_.diverged;
}

Model Trainer::take_model() {
    if (ema_swapped_) swap_ema();  // stopped during validation
    auto ts = all_tensors();
    if (cfg_.restore_best && !best_.empty()) {
        for (size_t i = 0; i < ts.size(); ++i) ts[i]->value = best_[i];
    } else if (averaging()) {
        for (size_t i = 0; i < ts.size(); ++i) ts[i]->value = ema_[i];
    }
    model_.set_record(record());
    m_.done = true;
    return std::move(model_);
}

// A model of the same spec holding the best weights so far (best) or the live ones.
Model Trainer::copy_weights(bool best) {
    Model m = std::move(Model::create(model_.spec(), 0).value);  // same spec: cannot fail
    auto dst = m.network().tensors();
    auto src = all_tensors();
    for (size_t i = 0; i < dst.size(); ++i)
        dst[i]->value = !best                 ? src[i]->value
                        : !best_.empty()      ? best_[i]
                        : (averaging() && !ema_swapped_) ? ema_[i]
                                              : src[i]->value;
    return m;
}

Model Trainer::best_model_copy() {
    Model m = copy_weights(true);
    m.set_record(record());
    return m;
}

Model Trainer::live_model_copy() { return copy_weights(false); }

TrainRecord Trainer::record() const {
    TrainRecord r;
    r.model = model_.spec().name;
    r.train_images = train_.size();
    r.seed = cfg_.seed;
    r.epochs_planned = cfg_.epochs;
    r.epochs_run = m_.epoch;
    r.batch = cfg_.batch;
    r.lr = cfg_.lr;
    r.optimizer = cfg_.optimizer == nn::OptimizerKind::adam ? "adam" : "sgd";
    r.schedule = cfg_.schedule == Schedule::cosine ? "cosine" : cfg_.schedule == Schedule::step ? "step" : "constant";
    if (cfg_.weight_decay > 0) r.weight_decay = cfg_.weight_decay;
    if (cfg_.optimizer == nn::OptimizerKind::sgd) r.momentum = cfg_.momentum;
    r.augment = cfg_.augment;
    if (cfg_.ema > 0) r.ema = cfg_.ema;
    if (cfg_.patience > 0) r.patience = cfg_.patience;
    if (m_.divergences > 0) r.divergences = m_.divergences;
    r.best_epoch = m_.best_epoch;
    if (m_.best_epoch > 0) {
        r.val_acc = m_.best_val_acc;
        for (const EpochRecord& e : m_.history)
            if (e.epoch == m_.best_epoch) r.val_auc = e.val_auc;
    }
    r.train_seconds = m_.train_seconds;
    return r;
}

Result<Model> fit_features(const ModelSpec& spec, const Dataset& train, const FeatureFitConfig& cfg,
                           const std::function<void(double)>& progress) {
    if (spec.family == Family::nn) return Result<Model>::fail(spec.name + " is a network: train it with the Trainer");
    if (train.size() < 2) return Result<Model>::fail("the training set needs at least 2 images");
    const double t0 = now_ms();
    std::vector<double> X = model_features(spec, train.images.data(), train.size(), std::max(1, cfg.threads));
    if (progress) progress(spec.family == Family::forest ? 0.3 : 0.8);
    auto scaled = [&](double f) {
        if (progress) progress(spec.family == Family::forest ? 0.3 + 0.7 * f : 0.8 + 0.2 * f);
    };
    return fit_features_from(spec, X, train.labels.data(), train.size(), cfg, scaled, (now_ms() - t0) / 1000.0);
}

Result<Model> fit_features_from(const ModelSpec& spec, const std::vector<double>& X, const uint8_t* labels, int n,
                                const FeatureFitConfig& cfg, const std::function<void(double)>& progress,
                                double seconds_before) {
    if (spec.family == Family::nn) return Result<Model>::fail(spec.name + " is a network: train it with the Trainer");
    if (n < 2) return Result<Model>::fail("the training set needs at least 2 images");
    const int F = feature_count(spec);
    if ((long)X.size() != (long)n * F) return Result<Model>::fail("feature rows do not match the model's features");
    auto made = Model::create(spec, cfg.seed);
    if (!made) return made;
    Model m = std::move(made.value);
    const double t0 = now_ms();
    if (spec.family == Family::logreg) {
        LogReg::Config c;
        c.iterations = cfg.iterations;
        c.lr = cfg.lr;
        c.l2 = cfg.l2;
        m.set_logreg(std::make_unique<LogReg>(LogReg::fit(X, labels, n, F, c)));
    } else {
        Forest::Config c;
        c.trees = cfg.trees;
        c.max_depth = cfg.max_depth;
        c.min_leaf = cfg.min_leaf;
        c.seed = cfg.seed;
        c.threads = std::max(1, cfg.threads);
        auto cb = [&](int done) {
            if (progress) progress((double)done / std::max(1, cfg.trees));
        };
        m.set_forest(std::make_unique<Forest>(Forest::fit(X, labels, n, F, c, cb)));
    }
    if (progress) progress(1.0);
    TrainRecord r;
    r.model = spec.name;
    r.train_images = n;
    r.seed = cfg.seed;
    if (spec.family == Family::logreg) {
        r.iterations = cfg.iterations;
        r.lr = cfg.lr;
        r.l2 = cfg.l2;
    } else {
        r.trees = cfg.trees;
        r.max_depth = cfg.max_depth;
    }
    r.train_seconds = seconds_before + (now_ms() - t0) / 1000.0;
    m.set_record(r);
    return Result<Model>::of(std::move(m));
}

Result<std::vector<float>> teacher_targets(const std::vector<Model*>& teachers, const Dataset& data, float temperature) {
    using R = Result<std::vector<float>>;
    if (!(temperature >= 0.25f && temperature <= 20.f)) return R::fail("distill-temp: want 0.25..20");
    if (teachers.empty()) return R::fail("no teacher");
    std::vector<float> p;
    for (Model* t : teachers) {
        std::vector<float> q = t->predict_raw(data.images.data(), data.size(), /*tta*/ true);  // before calibration
        if (q.size() != (size_t)data.size() * kClasses) return R::fail("the teacher gave no probabilities");
        if (p.empty()) p = std::move(q);
        else
            for (size_t j = 0; j < p.size(); ++j) p[j] += q[j];
    }
    const float inv = 1.f / teachers.size();
    if (teachers.size() > 1)
        for (float& v : p) v *= inv;
    soften_targets(p.data(), data.size(), temperature);
    return R::of(std::move(p));
}

void soften_targets(float* p, int n, float temperature) {
    for (int i = 0; i < n; ++i) {
        float* q = p + (size_t)i * kClasses;
        double sum = 0, w[kClasses];
        for (int k = 0; k < kClasses; ++k) sum += w[k] = std::pow(std::max((double)q[k], 1e-30), 1.0 / temperature);
        for (int k = 0; k < kClasses; ++k) q[k] = (float)(w[k] / sum);
    }
}

Result<std::vector<float>> teacher_targets(Model& teacher, const Dataset& data, float temperature) {
    return teacher_targets(std::vector<Model*>{&teacher}, data, temperature);
}

Evaluation evaluate_model(Model& model, const Dataset& data, bool tta) {
    const double t0 = now_ms();
    std::vector<float> p = model.predict(data.images.data(), data.size(), tta);
    const double ms = now_ms() - t0;
    Evaluation e = evaluate(p.data(), data.labels.data(), data.size());
    e.seconds = ms / 1000.0;
    e.ms_per_image = data.size() ? ms / data.size() : 0;
    return e;
}

}  // namespace core
