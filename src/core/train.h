// The training API that the app and the CLI both drive. A Trainer owns copies of its data, a model
// and an optimizer; step() does a bounded amount of work (so a browser frame can call it) and the
// caller reads metrics() for live plots. Pausing is simply not calling step().
//
//   auto t = core::Trainer::create(spec, train_set, val_set, cfg);   // Result<unique_ptr<Trainer>>
//   while (!t.value->done()) t.value->step(/*max_images*/ 256, /*max_ms*/ 12);
//   core::Model m = t.value->take_model();                            // best epoch on val
//
// Per epoch: the order is shuffled from (seed, epoch); with augment each image gets one of the 8
// dihedral views (flips and 90-degree rotations; cells have no orientation) drawn from the same
// stream; the learning rate follows the schedule per batch; after the last batch the val set is
// evaluated (also in bounded steps) and the best epoch's weights are kept. Same seed, data, build
// and thread count give the same weights. Feature models (logreg, forest) are fit by fit_features()
// below rather than stepped.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/dataset.h"
#include "core/metrics.h"
#include "core/model.h"
#include "core/predict.h"

namespace core {

enum class Schedule { constant = 0, cosine = 1, step = 2 };  // step: x0.1 at 50% and 75% of the epochs
Result<Schedule> parse_schedule(const std::string& s);

struct TrainConfig {
    int epochs = 30;
    int batch = 64;
    float lr = 1e-3f;
    nn::OptimizerKind optimizer = nn::OptimizerKind::adam;
    float weight_decay = 0.f;  // Adam: decoupled (AdamW); SGD: L2
    float momentum = 0.9f;     // SGD
    Schedule schedule = Schedule::cosine;
    bool augment = false;      // random dihedral view per image and epoch
    uint64_t seed = 0;         // weights init, shuffles, augmentation, dropout
    int patience = 0;          // stop after this many epochs without a better val ACC (0 = never)
    // Stop at the end of the first epoch whose val ACC is >= this (0 = never): "train until 0.95",
    // and the time-to-accuracy benchmark (`bloodcell bench --to-acc`). Needs val images.
    float until_acc = 0.f;
    bool restore_best = true;  // take_model() returns the best val epoch (when there is a val set)
    int val_tta = 0;           // 1: evaluate val with 8-view averaging (8x slower)
    // Weight averaging: 0 = off, else the per-batch decay of an exponential moving average of the
    // weights (and batch-norm statistics), e.g. 0.999. Validation, the best epoch and the model
    // handed out then use the averaged weights (Polyak & Juditsky 1992; the "EMA" of many recipes).
    float ema = 0.f;
    // Stochastic weight averaging (Izmailov et al. 2018): 0 = off, else the first epoch (1-based)
    // whose end-of-epoch weights enter an equal average of all such epochs. From that epoch on,
    // validation, the best epoch and the model handed out use the average, with its batch-norm
    // statistics recomputed by a forward pass over the epoch's training images in their drawn views
    // (a cumulative mean over the batches, as PyTorch's update_bn). Meant for a phase at a constant,
    // not-yet-small learning rate, e.g. after a finished run (CLI: --init). Not with ema.
    int swa_start = 0;
    // Soft targets (issue 14). The target of a training image is
    //   (1 - distill) * [(1 - label_smoothing) * onehot(label) + label_smoothing / 8] + distill * teacher
    // and the loss is the cross-entropy against it (nn::softmax_cross_entropy_soft). `teacher` holds
    // 8 probabilities per training image in the order of the train set (teacher_targets() below);
    // a dihedral view of an image keeps its row, which is right for a teacher averaged over the 8
    // views. distill_temperature is recorded here; teacher_targets() applies it.
    float label_smoothing = 0.f;  // [0, 1)
    float distill = 0.f;          // [0, 1]; > 0 needs teacher
    float distill_temperature = 1.f;
    std::shared_ptr<const std::vector<float>> teacher;
    // CutMix (cutmix.h): each training image, with this probability, gets a rectangle of another
    // image of its batch and a target mixed by the rectangle's area (0 = off; [0, 1]).
    float cutmix = 0.f;
};
// Checks ranges; the message names the field ("batch 0: want 1..4096").
Status validate(const TrainConfig& c);

struct BatchRecord {
    long step = 0;     // global batch counter, 1-based
    float epoch = 0;   // fractional epoch at the end of the batch
    float loss = 0, acc = 0, lr = 0;
};
struct EpochRecord {
    int epoch = 0;  // 1-based
    double train_loss = 0, train_acc = 0;  // means over the epoch's batches (training mode)
    double val_loss = 0, val_acc = 0, val_auc = 0;
    double seconds = 0;                    // wall time of the epoch, validation included
    double lr = 0;                         // at the epoch's last batch
};

struct TrainMetrics {
    int epoch = 0;            // completed epochs
    int epochs = 0;           // planned
    long step = 0;            // batches done
    long images = 0;          // training images processed
    double progress = 0;      // 0..1 over all planned epochs (validation counted)
    double images_per_second = 0;  // training throughput (excludes validation)
    double train_seconds = 0;      // wall time inside step()
    std::vector<BatchRecord> batches;  // every batch (a few thousand entries at most)
    std::vector<EpochRecord> history;
    int best_epoch = 0;            // 1-based; 0 = none yet
    double best_val_acc = 0;
    Evaluation last_val;           // full evaluation of the latest validated epoch
    bool done = false, stopped_early = false;
    bool reached_until_acc = false;  // stopped because val ACC reached TrainConfig::until_acc
    bool validating = false;       // true while the epoch-end validation is running
    // Divergence: a batch whose loss, gradients or updated weights are not finite (or whose loss
    // explodes past kDivergedLoss). The trainer then restores the last good weights and optimizer
    // state (kept every 8 batches from weights whose loss was sane, so at most 8 batches back),
    // stops stepping, and waits for resume() with a lower learning rate.
    bool diverged = false;
    std::string diverged_message;  // plain words for the user; empty unless diverged
    int divergences = 0;           // how many times it happened in this run
};
// A mean cross-entropy this large means logits thousands apart: the run has blown up even if
// every number is still finite (ln 8 = 2.08 is the loss of a uniform guess).
constexpr double kDivergedLoss = 1e3;

class Trainer {
public:
    // spec must be an nn model; train must hold at least one image. val may be empty (then there
    // is no validation and the last epoch is kept). init: a model file (bytes) of the same
    // architecture to start from (fine-tuning; its calibration carries over), else weights from cfg.seed.
    static Result<std::unique_ptr<Trainer>> create(const ModelSpec& spec, Dataset train, Dataset val,
                                                   const TrainConfig& cfg, const std::vector<uint8_t>* init = nullptr);
    // Works until about max_images training images were processed (a whole number of batches, at
    // least one) or max_ms milliseconds passed (0 = no time limit), whichever comes first; during
    // validation max_images counts evaluated images. Returns false once training is done or
    // has diverged (see TrainMetrics::diverged).
    bool step(int max_images, double max_ms = 0);
    bool diverged() const { return m_.diverged; }
    // After a divergence: continue from the kept weights with base learning rate lr (the schedule
    // scales it as before). Fails if lr is out of range or the trainer has not diverged.
    Status resume(float lr);
    bool done() const { return m_.done; }
    const TrainMetrics& metrics() const { return m_; }
    const TrainConfig& config() const { return cfg_; }

    Model& model() { return model_; }  // the current weights (for live filter views)
    const Dataset& val() const { return val_; }
    // Ends training: restores the best val epoch's weights (if configured) into the model, sets
    // its training record, and hands it over. The trainer is done afterwards.
    Model take_model();
    // A copy of the best-so-far model (current weights when there is no val set) with its
    // training record, e.g. to checkpoint while training continues.
    Model best_model_copy();
    // A copy of the current weights (and batch-norm statistics), e.g. for views on another thread.
    Model live_model_copy();
    // The run so far as a model file records it: the configuration, the training images, the best
    // epoch with its val ACC/AUC, the seconds. `data` is left to the caller (the trainer gets images,
    // not a file).
    TrainRecord record() const;
    float current_lr() const;

private:
    Trainer() = default;
    void begin_epoch();
    void train_batch();
    void finish_epoch();
    void snapshot_best();
    Model copy_weights(bool best);
    bool weights_finite();
    void keep_good();            // the current state becomes the last good one
    void restore_good();
    void update_ema();
    void swap_ema();             // exchanges the live weights with the averaged ones
    bool averaging() const { return cfg_.ema > 0 || swa_n_ > 0; }
    void end_training_epoch();   // after an epoch's last batch: the SWA fold, then validation
    void start_validation();
    void fold_swa();             // the live weights enter the equal average
    void bn_batch();             // a batch of the pass that recomputes the average's batch-norm statistics
    void gather_batch(int from, int nb);  // images order_[from..] in their views -> batch_u8_, batch_labels_
    std::vector<nn::Param*> all_tensors();  // params then buffers

    TrainConfig cfg_;
    TrainMetrics m_;
    Dataset train_, val_;
    Model model_;
    nn::Optimizer opt_;
    Rng rng_;                    // dropout
    Rng mix_rng_;                // CutMix, a stream per epoch (as the order and the views)
    std::vector<int> order_;     // this epoch's sample order
    std::vector<uint8_t> views_; // this epoch's dihedral view per position
    int pos_ = 0;                // next position in order_
    ChunkedPrediction val_pred_;  // the epoch-end validation, a batch-sized chunk at a time
    double ep_loss_ = 0, ep_correct_ = 0;
    long ep_batches_ = 0, ep_seen_ = 0;
    double ep_seconds_ = 0, train_only_seconds_ = 0;
    long total_steps_ = 0;
    std::vector<std::vector<float>> best_;  // params then buffers of the best epoch
    std::vector<std::vector<float>> good_;  // params then buffers after the last good batch
    nn::Optimizer good_opt_;
    std::vector<std::vector<float>> ema_;   // averaged params then buffers (cfg_.ema > 0)
    long ema_updates_ = 0;
    std::vector<std::vector<float>> good_ema_;  // the average as it was with the last good weights
    long good_ema_updates_ = 0;
    bool ema_swapped_ = false;
    long swa_n_ = 0;             // epochs in the SWA average (kept in ema_)
    bool bn_updating_ = false;   // the SWA batch-norm pass is running
    int bn_pos_ = 0;             // its next position in order_
    double best_val_loss_ = 1e300;
    nn::Tensor x_, probs_, dz_;
    std::vector<float> targets_;  // soft targets of the batch
    std::vector<uint8_t> batch_u8_;
    std::vector<int> batch_labels_;
};

// Feature models: extracts the features of `train` and fits logreg or forest. progress(f) gets a
// fraction 0..1 (features are ~half the time for the forest). threads: feature extraction and trees.
struct FeatureFitConfig {
    int iterations = 500;     // logreg
    float lr = 0.05f, l2 = 1e-4f;
    int trees = 200, max_depth = 0, min_leaf = 1;  // forest
    uint64_t seed = 0;
    int threads = 1;
};
Result<Model> fit_features(const ModelSpec& spec, const Dataset& train, const FeatureFitConfig& cfg,
                           const std::function<void(double)>& progress = {});
// The fit alone, on feature rows already extracted (n x feature_count(spec)); progress 0..1 over the
// fit; seconds_before (the extraction's time) is added to the recorded training time.
Result<Model> fit_features_from(const ModelSpec& spec, const std::vector<double>& X, const uint8_t* labels, int n,
                                const FeatureFitConfig& cfg, const std::function<void(double)>& progress = {},
                                double seconds_before = 0);

// A teacher's soft targets for distillation: the mean softmax of the 8 dihedral views of each image
// (its raw probabilities: the calibration temperature it carries is not applied)
// (8-view test-time averaging), softened by a temperature T: q_k proportional to p_k^(1/T) (T = 1 keeps
// p). n x 8 floats in the order of `data`. Fails for T outside [0.25, 20].
Result<std::vector<float>> teacher_targets(Model& teacher, const Dataset& data, float temperature);
// The softening alone, in place on n rows of 8 probabilities (T checked by the caller).
void soften_targets(float* p, int n, float temperature);
// An ensemble teacher: the mean of each teacher's 8-view raw probabilities, then softened as above.
Result<std::vector<float>> teacher_targets(const std::vector<Model*>& teachers, const Dataset& data, float temperature);

// Predicts a whole dataset in one call and evaluates it; times the predictions.
Evaluation evaluate_model(Model& model, const Dataset& data, bool tta = false);

}  // namespace core
