// App-side model state shared by the Train, Compare and Classify panels: the models the user has
// (pretrained from assets, trained in the app, loaded from .bcm files), the training run driven in
// bounded slices from the frame loop, and the small grid search ("tune").
#pragma once
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "app/app.h"
#include "core/model.h"
#include "core/train.h"

namespace app {

// Predicts a dataset a slice at a time (so evaluating 3,421 test images never stalls a frame).
struct Predictor {
    const core::Dataset* data = nullptr;
    int n = 0, pos = 0;
    std::vector<float> probs;   // n x 8
    double seconds = 0;
    bool done() const { return pos >= n; }
    void reset(const core::Dataset* d, int limit) { data = d; n = d ? std::min(limit, d->size()) : 0; pos = 0; probs.assign((size_t)n * core::kClasses, 0.f); seconds = 0; }
    // Predicts until budget_ms is used (at least one chunk). Returns true when finished.
    bool step(core::Model& m, double budget_ms, int chunk = 16);
};

struct ModelEntry {
    std::string label;          // "vgg6 (pretrained)", "cnn #2"
    std::string origin;         // where it came from
    std::string hyper;          // hyperparameters in one line
    core::Model model;
    size_t params = 0;
    double train_seconds = NAN; // NaN when unknown (pretrained/loaded without a record)
    Predictor eval;             // test-split evaluation, run incrementally
    bool evaluated = false;
    int eval_data_version = -1; // data version the evaluation belongs to
    core::Evaluation test;
};

// One training run: an nn model stepped by core::Trainer, or a feature model fit in one call.
struct Run {
    core::ModelSpec spec;
    core::TrainConfig cfg;
    core::FeatureFitConfig fcfg;
    std::string hyper;
    std::unique_ptr<core::Trainer> trainer;  // nn
    bool feature_model = false;
    int feature_phase = 0;                   // 0 not started, 1 shown "fitting", 2 done
    std::unique_ptr<core::Model> result;     // finished model
    core::Evaluation val;                    // final val evaluation
    double seconds = 0;                      // wall time in step()/fit
    bool done = false;
    std::string error;
    int train_n = 0, val_n = 0;
    size_t params = 0;
    ModelEntry* entry = nullptr;             // the model store's copy once finished (result is moved there)
};

struct Trial {
    float lr = 1e-3f;
    int batch = 32;
    std::unique_ptr<Run> run;
    double val_acc = NAN, seconds = 0;
    std::string status = "queued";
};

struct TrainState {
    // settings (UI)
    int model_idx = 1;           // index into core::model_names()
    int vgg_width = 16;          // DESIGN.md: w = 16 for live training in the page
    int hidden = 0;              // fcnn/cnn hidden units (0 = default)
    float dropout = 0.f;
    core::TrainConfig cfg = page_defaults();
    core::FeatureFitConfig fcfg;
    int trees = 100;
    static core::TrainConfig page_defaults() {
        core::TrainConfig c;
        c.epochs = 5;
        c.batch = 16;  // set per model and platform by default_batch()
        return c;
    }
    float slice_ms = 12.0f;      // time budget per frame for training
    float resume_lr = 1e-4f;     // offered after a divergence (a tenth of the rate that diverged)
    // the current run
    std::unique_ptr<Run> run;
    bool running = false;
    int runs_started = 0;
    // live views
    Texture conf_tex, filters_tex, acts_tex, wrong_tex;
    bool filters_rgb = true;     // conv first layer (RGB tiles) vs dense first layer (heatmaps)
    int filters_cols = 8, filters_n = 0, filters_tile = 3;
    int acts_cols = 8, acts_n = 0, acts_side = 28;
    double views_t = -1;         // when the filter/activation views were refreshed
    int act_image = 0;           // index into the val set (or test set) shown in the activations
    Predictor wrong_pred;        // misclassified examples of the val set
    int wrong_epoch = -1;
    std::vector<int> wrong_idx, wrong_pred_class;
    // models
    std::vector<std::unique_ptr<ModelEntry>> models;
    int active = -1;             // used by Classify
    int data_version = 0;        // bumped when the loaded data changes (evaluations go stale)
    int evaluating = -1;
    std::string model_path_ui;   // desktop: a .bcm path typed in
    // tune
    std::vector<Trial> trials;
    int tune_epochs = 2;
    bool tune_lr[3] = {true, true, false};   // 3e-3, 1e-3, 3e-4
    bool tune_batch[3] = {false, true, true}; // 16, 32, 64
    int tune_current = -1;
    bool tune_running = false;
};

struct CompareState {
    int selected = 0;      // the model whose details are shown
    Texture conf_tex;
};
void draw_confusion(const core::Evaluation& ev, Texture& tex, float side);
void draw_class_scores(const core::Evaluation& ev);

TrainState& train_state(AppState& s);
core::Dataset training_set(const AppState& s);
core::Dataset validation_set(const AppState& s);
void add_model(AppState& s, std::unique_ptr<ModelEntry> e, bool make_active);
// A shipped model file: added as "<file stem> (pretrained)"; Classify switches to it when it has no
// model or uses a pretrained one with a lower recorded val ACC.
void add_pretrained(AppState& s, const std::string& file, const uint8_t* bytes, size_t size);
std::string model_hyper(const core::ModelSpec& spec, const core::TrainConfig& cfg);
// Advances a run by one slice; true while it still has work.
bool run_step(AppState& s, Run& r, double budget_ms);
int default_batch(const AppState& s, const std::string& model);
std::unique_ptr<Run> make_run(AppState& s, const std::string& name, const core::TrainConfig& cfg, std::string& error);

}  // namespace app
