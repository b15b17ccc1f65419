// Jobs: every long piece of work a front end runs (train, evaluate, tune, classify a batch) is a
// core::Job. A job is made from a typed spec, advanced by step(budget) (images and/or milliseconds;
// at least one unit of work per call), can be cancelled from any thread, and publishes a snapshot
// (status, progress, curves, evaluation) that any thread can copy while another steps the job.
//
//   auto job = core::TrainJob::create(spec, train, val);        // Result<unique_ptr<TrainJob>>
//   while (job.value->step({0, 50.0})) draw(job.value->snapshot());
//   core::Model m = job.value->take_model();
//
// The CLI loops step() and prints progress; the app steps a job inside its frame (one-thread page)
// or on a worker thread and draws the latest snapshot. Only the stepping thread may call the other
// members (take_model, live_model, resume, probs).
#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/calibration.h"
#include "core/dataset.h"
#include "core/image.h"
#include "core/metrics.h"
#include "core/model.h"
#include "core/predict.h"
#include "core/recipe.h"
#include "core/train.h"

namespace core {

enum class JobStatus {
    running,    // more work to do
    waiting,    // a training run diverged and waits for resume() with a lower rate
    done,
    failed,     // message says why
    cancelled,
};
const char* job_status_name(JobStatus s);

// One trial of a tune job.
struct TrialResult {
    std::vector<std::pair<std::string, std::string>> params;  // the grid's settings for this trial
    std::string status = "queued";  // queued, running, done, diverged, failed
    double val_acc = -1, val_auc = -1, seconds = 0;
    int best_epoch = 0;
    std::string desc() const;       // "lr=1e-3 batch=32"
};

// What a job publishes. Cheap to copy (the batch curve is the largest part: 16 bytes a batch).
struct JobSnapshot {
    std::string title;              // "train vgg6", "evaluate vgg6_w32 on 3421 images"
    JobStatus status = JobStatus::running;
    std::string message;            // the error, or why a run waits
    double progress = 0;            // 0..1
    double seconds = 0;             // time spent inside step() (the job's compute time)
    // Wall-clock time since the first step, pauses (Job::pause_clock) not counted: what a run takes
    // for whoever waits for it. A one-thread page steps the job in slices between frames, so its
    // wall time is well above `seconds`.
    double wall_seconds = 0;
    long done = 0, total = 0;       // work units (images) done and planned
    TrainMetrics train;             // train jobs on networks
    Evaluation eval;                // evaluate jobs; train jobs: the latest validation
    std::vector<TrialResult> trials;  // tune jobs
    int best_trial = -1;
    bool calibrating = false;       // train jobs: training is over, the calibration on val runs
    bool teaching = false;          // train jobs: the teacher's targets are computed (distillation)
    // Milliseconds spent in each named part of the work so far (classify jobs: hash, decode,
    // reduce (crop + resize to 28x28), thumb, predict): where the job's `seconds` go.
    std::vector<std::pair<std::string, double>> phase_ms;
    bool finished() const { return status == JobStatus::done || status == JobStatus::failed || status == JobStatus::cancelled; }
    // Wall-clock seconds still to go at the pace so far (wall_seconds per unit of progress); -1
    // before there is progress to go by.
    double wall_left() const;
};

class Job {
public:
    virtual ~Job() = default;
    // Works for about the budget; false once the job is finished or waits (see JobStatus).
    bool step(Budget b);
    // Any thread: the job stops at its next step (status cancelled).
    void cancel() { cancel_.store(true); }
    bool cancel_requested() const { return cancel_.load(); }  // any thread
    // Any thread: a copy of the state published at the end of the last step.
    JobSnapshot snapshot() const;
    JobStatus status() const { return state_.status; }  // stepping thread
    // Stepping thread: the time until the next step() is a pause and does not count in
    // wall_seconds (the front end calls it when the user pauses). A job that finishes or waits
    // after a divergence stops its clock by itself.
    void pause_clock();

protected:
    virtual void work(Budget b) = 0;  // does work and updates state_
    JobSnapshot state_;               // written by the stepping thread only
    void publish();

private:
    mutable std::mutex mu_;
    JobSnapshot published_;
    std::atomic<bool> cancel_{false};
    double clock_from_ms_ = -1;  // when the clock (re)started; -1 while paused
    double wall_before_ = 0;     // wall seconds counted before that
};

class CalibrateJob;

// Train: a network stepped a batch at a time by the Trainer, or a feature model (features a chunk
// at a time, then the fit, then the validation). train and val are copied in (val may be empty).
class TrainJob : public Job {
public:
    static Result<std::unique_ptr<TrainJob>> create(const TrainJobSpec& spec, Dataset train, Dataset val);
    ~TrainJob() override;
    const TrainJobSpec& spec() const { return spec_; }
    int train_size() const { return train_n_; }
    int val_size() const { return val_n_; }
    // After a divergence (status waiting): go on from the last good weights with base rate lr.
    Status resume(float lr);
    // The base rates resume() went on at, in order (the first rate is the spec's as created): what a
    // run's description names (describe_run).
    const std::vector<float>& resumed_lrs() const { return resumed_lrs_; }
    float current_lr() const;
    // The model as it trains (networks: the live weights; feature models: null until fitted).
    Model* live_model();
    // When done: the best epoch's model (networks) or the fitted model, with its training record
    // and its calibration fitted on val (spec.calibrate).
    Model take_model();
    // While training a network: a copy of the best model so far (checkpoints).
    Model best_model_copy();
    // Any thread: ask for a copy of the live weights, which the stepping thread makes at the end of
    // its next step; live_copy() returns the latest one (null before the first). Views read the copy
    // while another thread trains (networks only).
    void request_live_copy() { copy_wanted_.store(true); }
    std::shared_ptr<Model> live_copy() const;

private:
    TrainJob() = default;
    void work(Budget b) override;
    void work_features(Budget b);
    TrainJobSpec spec_;
    Dataset train_, val_;               // feature models, and a distilled network's until its teacher pass is done
                                        // (a network's data lives in its Trainer)
    int train_n_ = 0, val_n_ = 0;
    int views_ = 0;                     // views of the calibration pass (0: none)
    std::unique_ptr<Trainer> trainer_;  // networks
    // networks distilled from spec.teacher: the teacher and its 8-view pass over train_ (the Trainer
    // is made when the pass is done)
    std::unique_ptr<Model> teacher_;
    ChunkedPrediction teach_;
    long teacher_done_ = 0;  // units of work the teacher pass counted
    void work_teacher(Budget b);
    // feature models
    std::vector<double> X_;             // train features, row-major
    int feat_rows_ = 0;
    std::unique_ptr<Model> fitted_;
    ChunkedPrediction val_pred_;
    // networks, after the last epoch: the model taken from the trainer, calibrated on val
    std::shared_ptr<Model> final_;
    std::unique_ptr<CalibrateJob> calibrate_;
    void finish_network();
    bool taken_ = false;
    std::vector<float> resumed_lrs_;
    std::atomic<bool> copy_wanted_{false};
    mutable std::mutex copy_mu_;
    std::shared_ptr<Model> live_copy_;
};

// Evaluate a model on a dataset (which must outlive the job): probabilities, ACC, AUC, per class.
// probs() are calibrated (what Model::predict gives), raw_probs() the same before calibration.
class EvalJob : public Job {
public:
    EvalJob(std::shared_ptr<Model> model, const Dataset* data, bool tta = false, int limit = -1);
    const std::vector<float>& probs() const { return pred_.probs; }
    const std::vector<float>& raw_probs() const { return pred_.raw; }
    // When done: ECE, NLL, reliability bins and the coverage/accuracy curve of probs(), at the
    // model's unsure threshold for this mode.
    const CalibrationReport& report() const { return report_; }

private:
    void work(Budget b) override;
    std::shared_ptr<Model> model_;
    ChunkedPrediction pred_;
    CalibrationReport report_;
};

// Calibrate: predicts `data` (the validation split) a chunk at a time, with 8-view averaging when
// `tta` (nn only; the identity view of the same pass gives the single-view fit), then fits the
// temperature and the unsure threshold of each mode (calibration.h) and sets them on the model.
// Training ends with one (TrainJob); `bloodcell calibrate` runs one on a model file.
class CalibrateJob : public Job {
public:
    CalibrateJob(std::shared_ptr<Model> model, const Dataset* data, double target = kDefaultTargetAccuracy, bool tta = true);
    // When done: what was fitted (also set on the model).
    const Calibration& calibration() const { return fitted_; }
    // Uncalibrated probabilities of the single view and of the 8-view mean (empty without tta).
    const std::vector<float>& raw_single() const { return single_; }
    const std::vector<float>& raw_tta() const { return tta_; }

private:
    void work(Budget b) override;
    std::shared_ptr<Model> model_;
    ChunkedPrediction pred_;
    double target_;
    Calibration fitted_;
    std::vector<float> single_, tta_;
};

// Tune: trials (each a RunSettings) trained one after another on the same data, ranked by val ACC.
// A trial that diverges or fails is recorded and the search goes on.
struct TrialSpec {
    std::vector<std::pair<std::string, std::string>> params;
    RunSettings settings;
};
// Parses a grid "lr=1e-3,3e-4;batch=32,64" into trials on top of `base`: every combination (first
// key slowest), or `random` of them drawn with `seed` when 0 < random < combinations.
Result<std::vector<TrialSpec>> grid_trials(const RunSettings& base, const std::string& grid, int random = 0,
                                           uint64_t seed = 0);

class TuneJob : public Job {
public:
    static Result<std::unique_ptr<TuneJob>> create(std::vector<TrialSpec> trials, Dataset train, Dataset val);
    int best_trial() const { return state_.best_trial; }
    // The best trial's model (once done), with its settings' summary.
    Model take_best_model();
    const TrialSpec& trial(int i) const { return trials_[i]; }

private:
    TuneJob() = default;
    void work(Budget b) override;
    std::vector<TrialSpec> trials_;
    Dataset train_, val_;
    int current_ = 0;
    std::unique_ptr<TrainJob> job_;
    std::unique_ptr<Model> best_;
};

// Classify a batch of image files: decode, crop and resize to 28x28 (BloodMNIST's way), predict.
// Decoded originals are dropped at once: a result keeps the 28x28 input and, when asked, a thumbnail
// of the crop, so a batch of thousands stays small. Predictions run `chunk` images at a time (one
// network call per chunk, not one per image). With skip_duplicates, a file with the same bytes as an
// earlier one of the job, or as one of `known` (files the caller already has, e.g. the rows of a
// review session), is skipped (error "duplicate of ...", duplicate set). Without a model the images
// are decoded and reduced only (probs empty, top -1).
// Threads: one thread steps the job; add(), take_ready() and pending() may be called from another
// (the app's frame while a worker thread steps it). The model must not be used by another thread
// meanwhile (give the job its own copy).
struct ClassifyItem {
    std::string name;
    std::vector<uint8_t> bytes;      // the file; released once decoded
};
struct ClassifyResult {
    std::string name;
    std::string error;               // empty when classified: why the file was skipped
    bool duplicate = false;          // skipped as the same bytes as an earlier file
    uint64_t key = 0;                // content_key of the file's bytes (labelled.h), 0 without skip_duplicates
    int width = 0, height = 0;       // of the decoded original
    Crop crop;                       // the centered crop used
    std::vector<uint8_t> input;      // 28x28x3, what the model saw
    std::vector<uint8_t> thumb;      // thumb_side^2 x 3 of the crop, when asked for
    std::vector<float> probs;        // 8, calibrated (Model::predict)
    int top = -1;
    bool unsure = false;             // confidence probs[top] below the model's threshold (Model::unsure)
};
struct ClassifyOptions {
    bool tta = false;
    int thumb_side = 0;              // 0: no thumbnails
    bool skip_duplicates = false;
    // content keys (labelled.h content_key) of files the caller already has, with what to call each
    // in the reason ("cell_0001.jpg, already in the session"); checked with skip_duplicates
    std::vector<std::pair<uint64_t, std::string>> known;
    // images per prediction call: a network call is one uninterruptible piece of a slice (vgg6_w32:
    // ~3-6 ms an image in the page), and batching beyond a few images gains nothing (the convolutions
    // multiply one image's 784 rows at a time)
    int chunk = 16;
    int64_t max_pixels = 40'000'000; // larger images are refused before decoding (as Classify)
};
class ClassifyJob : public Job {
public:
    ClassifyJob(std::shared_ptr<Model> model, std::vector<ClassifyItem> items, bool tta = false);
    ClassifyJob(std::shared_ptr<Model> model, std::vector<ClassifyItem> items, const ClassifyOptions& options);
    // Stepping thread, or once no thread steps the job: every result so far, in the order of the
    // items (a result moved out by take_ready keeps its name and error only).
    const std::vector<ClassifyResult>& results() const { return results_; }
    // Any thread: the results finished since the last call, moved out.
    std::vector<ClassifyResult> take_ready();
    // Any thread: more files for the same job (a second drop while the first runs). False, and the
    // items left as they were, once the job has finished (done or cancelled): start another.
    bool add(std::vector<ClassifyItem>& items);
    int pending() const;  // any thread: files not yet classified

private:
    void work(Budget b) override;
    void predict_pending();
    std::shared_ptr<Model> model_;
    mutable std::mutex io_;              // items_, results_ (their sizes), taken_, closed_
    std::vector<ClassifyItem> items_;
    std::vector<ClassifyResult> results_;
    ClassifyOptions opt_;
    size_t predicted_ = 0, taken_ = 0;   // results_ before these are predicted / taken
    bool closed_ = false;                // finished: add() refuses
    std::vector<ClassifyResult> fresh_;  // stepping thread: decoded, waiting for their prediction
    std::vector<std::pair<uint64_t, std::string>> seen_;  // content key -> the first file's name, sorted
    double ms_[5] = {};                  // hash, decode, reduce, thumb, predict (state_.phase_ms)
    long predicted_n_ = 0;               // images predicted (ms_[4] / predicted_n_: the cost of one)
};

}  // namespace core
