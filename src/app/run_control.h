// The app's training run and tuning grid, and the typed operations on them that the panels, the
// keyboard shortcuts and the test adapter (commands.cpp) call. A run is a core::TrainJob on the
// current data subset, stepped inside the frame with a time budget (training_frame); the panels
// draw its snapshot (TrainState::snap), never the job itself. Finished models go to the model store
// (AppState::models), where Compare and Classify find them.
#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/app.h"
#include "app/train_views.h"
#include "core/job.h"
#include "core/recipe.h"

namespace app {

// A finished run's curves per epoch, kept so that runs can be overlaid on one plot (Train tab),
// against epochs or wall-clock time, with the run's settings as its legend.
struct RunCurve {
    std::string label;  // "#2 cnn, 2 epochs, batch 64, lr 0.001 cosine, Adam, augmented, seed 0; all of the train split"
    std::string link;   // the run card's text (the link that trains it again)
    std::vector<float> epoch, wall, train_loss, val_loss, val_acc;
};
constexpr int kKeptRuns = 6;  // the oldest finished run's curve goes when a seventh finishes

struct TrainState {
    core::RunSettings settings = page_settings("cnn");  // what Start trains (edited by the Train panel)
    // One-thread builds step the run in this thread, between the frames the page draws (pacing.h);
    // with threads (desktop, the threaded page) a worker thread steps it instead.
    double slice_ms = 20.0;       // the budget of the current slice
    float resume_lr = 1e-4f;      // offered after a divergence (a tenth of the rate that diverged)
    // the current run
    std::unique_ptr<core::TrainJob> job;
    core::JobSnapshot snap;       // the job's latest snapshot: what the panels draw
    std::string run_summary;      // the run's settings in one line
    std::string run_link;         // the run's card as text: every setting and the subset (core/recipe.h)
    std::string run_line;         // the same for people, at full precision, with every rate it resumed at
    core::RunCard run_card;       // what run_link holds
    core::Dataset run_val;        // the run's validation images (what its confusion matrix counts)
    bool running = false;
    bool demo_pending = false;
    std::vector<float> epoch_wall;  // the run's wall_seconds when each epoch's validation was seen
    std::vector<RunCurve> runs;     // finished runs, oldest first (at most kKeptRuns)
    bool overlay = true;            // draw the finished runs' curves with the current one
    bool x_wall = false;            // curves against wall-clock seconds instead of epochs    // Quick demo pressed before the teaching set arrived: starts when it does
    int runs_started = 0;
    size_t params = 0;
    const StoredModel* result = nullptr;  // the finished run's model in the store (null once removed)
    std::shared_ptr<core::Model> view_model;  // the copy of the live weights the views show
    double copy_t = -1;
#if BLOODCELL_HAVE_THREADS
    std::thread worker;           // steps `job` while running (joined before anything else touches the job)
    std::atomic<bool> worker_stop{false};
#endif
    // the tuning grid (Compare tab)
    std::unique_ptr<core::TuneJob> tune;
    core::JobSnapshot tune_snap;
    int tune_epochs = 2;
    core::SubsetSpec tune_subset;  // the training subset the grid runs on (its best model's card)
    bool tune_lr[3] = {true, true, false};     // kTuneRates
    bool tune_batch[3] = {false, true, true};  // kTuneBatches
    // live views of the run (filters, activations, misclassified images)
    TrainViews views;
    std::string model_path_ui;    // desktop: a .bcm path typed in
    static core::RunSettings page_settings(const std::string& model);
};
constexpr float kTuneRates[3] = {3e-3f, 1e-3f, 3e-4f};
constexpr int kTuneBatches[3] = {16, 32, 64};

TrainState& train_state(AppState& s);

// [SECTION] settings and the run
// The page's settings for a model: its core recipe with the page's two overrides (5 epochs, so a
// lesson's run ends in minutes; vgg6 at width 16, DESIGN.md's in-page variant).
inline core::RunSettings page_settings(const std::string& model) { return TrainState::page_settings(model); }
// Switches the model to train (its page settings); refused while a run is under way.
core::Status select_model(AppState& s, const std::string& name);
// Starts a run (or goes on with a paused one).
core::Status start_training(AppState& s);
void pause_training(AppState& s);
// The Quick demo: the core's quick_demo_settings() on the whole training split of the loaded data
// (the teaching set), started at once, or as soon as the teaching set arrives on a cold page.
core::Status start_quick_demo(AppState& s);
// One frame's slice of work (starts a run first when there is none).
core::Status step_training(AppState& s);
// After a divergence: go on from the last good weights at rate lr.
core::Status resume_training(AppState& s, float lr);
void reset_training(AppState& s);
bool training_busy(const AppState& s);  // a run exists and is not finished
bool training_on_worker(const AppState& s);  // a worker thread is stepping the run now
// The train and validation subsets a run uses (the Data tab's subset of train, and the recipe's
// validation subset of val).
core::Dataset training_set(const AppState& s);
core::Dataset validation_set(const AppState& s);
core::SubsetSpec validation_spec(const AppState& s);

// [SECTION] the run as a link (run_link.cpp)
// What Start trains now: the Train tab's settings and the training subset (the Data tab's subset of
// the train split), as a run card and as its text.
core::RunCard current_card(const AppState& s);
std::string current_link(const AppState& s);
// Hands the current settings to Platform::set_link when they changed (every frame).
void link_frame(AppState& s);
// Copies a run's link for the user (Platform::copy_link, else the clipboard) and says so; `what`
// names the run ("run #2").
void copy_run_link(AppState& s, const std::string& link, const std::string& what);
// A run's card: every field of the link in words and values (full precision), and a Copy link button.
void draw_run_card(AppState& s, const std::string& link, const std::string& what);

// [SECTION] tuning
core::Status start_tune(AppState& s);
void stop_tune(AppState& s);

// [SECTION] models
core::Status use_model(AppState& s, int index);   // Classify uses it
core::Status save_model(AppState& s, int index);  // through the platform (a download in the page)
void remove_model(AppState& s, int index);
core::Status open_model_file(AppState& s, const std::string& name, const uint8_t* bytes, size_t size);
void add_pretrained(AppState& s, const std::string& file, const uint8_t* bytes, size_t size);

// [SECTION] per frame and lifecycle
// Takes the worker's snapshot; in one-thread builds trains this thread for about budget_ms (at
// least a batch when > 0; none at 0); then the Compare evaluations in what is left of ~8 ms.
void training_frame(AppState& s, double budget_ms);
void training_data_changed(AppState& s);   // new data: evaluations and views are stale
void training_shutdown(AppState& s);   // stops the worker, releases textures
// The model the live views show: the live weights (one thread), a copy of them refreshed twice a
// second (a worker trains), or the finished run's stored model; null without a run.
core::Model* view_model(AppState& s);

}  // namespace app
