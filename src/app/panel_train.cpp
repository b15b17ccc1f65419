// Train panel: the settings of the next run (model, hyperparameters), its controls (Start/Pause,
// Step, Reset, the frame budget, Resume after a divergence) and its live views: loss and accuracy per
// batch and per epoch, the confusion matrix and per-class scores of the latest validation, the
// first-layer filters, activations of one image and the misclassified validation images. It only
// draws: the run is in run_control.cpp and the panel reads its snapshot (TrainState::snap).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "app/inspect.h"
#include "app/run_control.h"
#include "app/shortcuts.h"
#include "app/ui.h"
#include "app/widgets.h"

namespace app {

static bool is_network(const std::string& name) { return name == "fcnn" || name == "cnn" || name == "vgg6"; }

static const char* model_description(const std::string& name) {
    return name == "fcnn"   ? "784 gray pixels -> Dense 500 -> Dense 500 -> 8 classes"
         : name == "cnn"    ? "Conv 32 -> pool -> Conv 64 -> pool -> Dense 128 -> 8"
         : name == "vgg6"   ? "3 blocks of 2 conv + batch norm (w, 2w, 4w), global pool"
         : name == "logreg" ? "softmax regression on intensity + GLCM features"
                            : "random forest on intensity + GLCM features";
}

// [SECTION] settings
static void draw_model_choice(AppState& s, TrainState& t) {
    const float e = ui::em();
    auto names = core::model_names();
    core::RunSettings& rs = t.settings;
    ui::heading("Model");
    ImGui::SetNextItemWidth(-1);
    if (ImGui::BeginCombo("##model", rs.model.c_str())) {
        for (auto& n : names)
            if (ImGui::Selectable(n.c_str(), n == rs.model)) select_model(s, n);
        ImGui::EndCombo();
    }
    ui::hover_help("The model to train: networks (fcnn, cnn, vgg6) learn from the pixels batch by batch; logreg and "
                   "forest are fit on the hand-made features of the Features tab.");
    ui::subtle("%s", model_description(rs.model));
    ImGui::SetNextItemWidth(e * 7);
    if (rs.model == "vgg6") ui::slider_int("width w", &rs.options.width, 8, 32);
    if (rs.model == "vgg6") ui::hover_help("Filters in the first block (then 2w and 4w): wider is more accurate and slower (about w squared).");
    if (rs.model == "forest") ui::slider_int("trees", &rs.fit.trees, 10, 300);
    if (rs.model == "forest") ui::hover_help("How many decision trees vote: more trees give steadier predictions and take longer to fit.");
    if (rs.model == "logreg") ui::slider_int("iterations", &rs.fit.iterations, 50, 2000);
    if (rs.model == "logreg") ui::hover_help("Steps of gradient descent on the features: too few and it stops before it has learned.");
}

static void draw_hyperparameters(TrainState& t) {
    const float e = ui::em();
    core::TrainConfig& c = t.settings.train;
    ImGui::Spacing();
    ui::heading("Hyperparameters");
    ImGui::PushItemWidth(e * 7);
    ui::slider_int("epochs", &c.epochs, 1, 100);  // the shipped recipes: 80 (w = 16) and 100 (w = 32)
    ui::mark_item("train.epochs");
    c.swa_start = std::min(c.swa_start, c.epochs);  // fewer epochs than the average's start would refuse to run
    ui::hover_help("Epochs: how many times training goes through every image of the training subset. More epochs learn "
                   "more, until the model starts to memorise the training images (validation accuracy stops rising). "
                   "The pretrained vgg6 files were trained for 80 (width 16) and 100 (width 32) epochs.");
    ui::slider_int("batch", &c.batch, 4, 256);
    ui::mark_item("train.batch");
    ui::hover_help("Batch size: how many images the network sees before each update of its weights. Larger batches give "
                   "smoother, better-averaged steps and use the processor better; smaller ones update more often, with "
                   "noisier steps.");
    // logarithmic on the rate itself, so a typed value (Ctrl+click) is the rate, not its exponent; up
    // to 10 on purpose: watching a run diverge (and recover) is part of the lesson
    ui::slider_float("learning rate", &c.lr, 1e-5f, 10.0f, "%.1e", ImGuiSliderFlags_Logarithmic);
    ui::mark_item("train.lr");
    ui::hover_help("Learning rate: how big a step each update takes down the loss. Too small and training crawls; too "
                   "large and the loss jumps around or explodes (try 1 to see it). Ctrl+click to type a value.");
    int opt = (int)c.optimizer;
    if (ImGui::Combo("optimizer", &opt, "Adam\0SGD + momentum\0")) c.optimizer = (core::nn::OptimizerKind)opt;
    ui::hover_help("How the gradient becomes a step: Adam scales each weight's step by its recent gradients (works with "
                   "little tuning); SGD with momentum keeps a running direction (often a little better, needs a tuned rate).");
    int sch = (int)c.schedule;
    if (ImGui::Combo("schedule", &sch, "constant\0cosine\0step\0")) c.schedule = (core::Schedule)sch;
    ui::hover_help("How the learning rate changes over the run: constant; cosine (falls smoothly to zero by the last "
                   "epoch); step (divided by 10 at fixed epochs). Smaller steps at the end settle the weights.");
    ui::slider_float("weight decay", &c.weight_decay, 0.0f, 0.1f, "%.4f", 0, "off");
    ui::hover_help("Weight decay: pulls every weight a little towards zero at each step, which keeps the model simpler "
                   "and can reduce overfitting. 0 turns it off.");
    ui::slider_float("label smoothing", &c.label_smoothing, 0.0f, 0.3f, "%.2f", 0, "off");
    ui::hover_help("Label smoothing: the target of an image is not 100% its class but, say, 90% its class and the rest "
                   "spread over all 8. The network is then not pushed to ever more extreme scores, which often "
                   "generalizes a little better. 0 turns it off.");
    ui::slider_float("CutMix", &c.cutmix, 0.0f, 1.0f, "%.2f", 0, "off");
    ui::hover_help("CutMix: with this probability a training image gets a rectangle cut from another image of its batch, "
                   "and its target becomes both classes, weighted by how much of the image each covers. The network "
                   "cannot rely on one spot of the cell; it pays off in long runs. 0 turns it off.");
    if (ui::slider_int("average from epoch", &c.swa_start, 0, c.epochs, "%d", 0, "off")) c.ema = 0;  // one weight average at a time
    ui::mark_item("train.swa");
    ui::hover_help("Weight averaging (SWA): from this epoch on, the weights at the end of each epoch are averaged, and "
                   "the average is what is validated and kept. It lands in a flatter spot than any single epoch, and is "
                   "steadier from epoch to epoch. Best near the end of a run, or with a constant rate. 0 turns it off.");
    ui::slider_float("distillation", &c.distill, 0.0f, 1.0f, "%.2f", 0, "off");
    ui::mark_item("train.distill");
    ui::hover_help("Knowledge distillation: this share of each image's target comes from the pretrained model (its "
                   "probabilities averaged over the 8 flips and rotations of the image) instead of the label. The "
                   "student learns what the larger teacher knows, such as which classes look alike. Before the first "
                   "batch the teacher looks at every training image 8 times. 0 turns it off.");
    if (c.distill > 0) {
        ui::slider_float("temperature", &c.distill_temperature, 0.25f, 8.0f, "%.2f");
        ui::hover_help("Distillation temperature: above 1 softens the teacher's probabilities (its second and third "
                       "guesses count more), below 1 sharpens them. The shipped small model used 2.");
    }
    int seed = (int)c.seed;
    if (ImGui::InputInt("seed", &seed)) {
        c.seed = (uint64_t)std::max(0, seed);
        t.settings.fit.seed = c.seed;
    }
    ui::hover_help("Seed: the starting point of the random numbers (initial weights, order of the images, "
                   "augmentation). The same seed and settings give the same run; another seed shows how much is luck.");
    ImGui::PopItemWidth();
    ImGui::Checkbox("augment (flips, rotations)", &c.augment);
    ui::hover_help("Augmentation: each training image is shown flipped or rotated by a multiple of 90 degrees at random. "
                   "A cell has no up or down, so these are new, equally true examples: less overfitting, slower learning.");
}

static void draw_data_summary(AppState& s) {
    ImGui::Spacing();
    ui::heading("Data");
    if (!s.data.loaded) {
        ImGui::TextWrapped("No data loaded.");
        return;
    }
    // counted from the subset's indices (not copies of the images), and only when the data or the
    // subset changes: sorting the full split's indices every frame cost the page ~0.6 ms a frame
    core::SubsetSpec ts = s.data.spec;
    ts.split = core::Split::train;
    const core::SubsetSpec vs = validation_spec(s);
    struct Key {
        const void *train, *val;
        size_t n_train, n_val;
        int per_class[2];
        double fraction[2];
        uint64_t seed[2];
        bool operator==(const Key& o) const {
            return train == o.train && val == o.val && n_train == o.n_train && n_val == o.n_val && per_class[0] == o.per_class[0] &&
                   per_class[1] == o.per_class[1] && fraction[0] == o.fraction[0] && fraction[1] == o.fraction[1] &&
                   seed[0] == o.seed[0] && seed[1] == o.seed[1];
        }
    };
    const Key key{s.data.all.train.labels.data(), s.data.all.val.labels.data(), s.data.all.train.labels.size(),
                  s.data.all.val.labels.size(), {ts.per_class, vs.per_class}, {ts.fraction, vs.fraction}, {ts.seed, vs.seed}};
    static Key cached{};
    static int n_train = 0, n_val = 0;
    if (!(key == cached)) {
        n_train = (int)core::subset_indices(s.data.all.train, ts).size();
        n_val = (int)core::subset_indices(s.data.all.val, vs).size();
        cached = key;
    }
    ImGui::TextWrapped("train subset of %s: %d images; validation %d images", s.data.source.c_str(), n_train, n_val);
    ui::subtle("Change the subset in the Data tab (per-class cap, fraction, seed).");
}

static void draw_settings(AppState& s, TrainState& t) {
    ImGui::BeginDisabled(training_busy(s));
    draw_model_choice(s, t);
    if (is_network(t.settings.model)) draw_hyperparameters(t);
    ImGui::EndDisabled();
    draw_data_summary(s);
    // the settings and the subset as a link (the page's address holds it too)
    if (ImGui::Button("Copy link to these settings", ImVec2(-1, 0))) copy_run_link(s, current_link(s), "these settings");
    ui::button_fits("Copy link to these settings", ImGui::GetItemRectSize().x);
    ui::mark_item("train.copy_link");
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("The model, every hyperparameter, the subset and the seed as a link: whoever opens it gets this "
                          "Train tab, and Start trains the same run (the same loss curve in the same build).");
}

// [SECTION] controls
static void draw_buttons(AppState& s, TrainState& t) {
    const bool active = training_busy(s);
    const bool waiting = t.snap.status == core::JobStatus::waiting && t.job;
    // three buttons share the row ("Resume" was cut when four did); the frame share gets its own
    float bw = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x * 2) / 3;
    if (!t.running) {
        ImGui::BeginDisabled(waiting);  // after a divergence the way on is "Resume at this rate" below
        if (ui::primary_button(active ? "Resume" : "Start", ImVec2(bw, 0))) start_training(s);
        ui::button_fits(active ? "Resume" : "Start", bw);
        ImGui::EndDisabled();
    } else if (ImGui::Button("Pause", ImVec2(bw, 0))) {
        pause_training(s);
    }
    ui::mark_item("train.start");  // Start, Resume or Pause
    shortcut_tooltip("Start or pause training", shortcut_keys(Shortcut::TrainStartPause));
    ImGui::SameLine();
    ImGui::BeginDisabled(t.running || !is_network(t.settings.model));
    if (ImGui::Button("Step", ImVec2(bw, 0))) step_training(s);
    ui::button_fits("Step", bw);
    ui::hover_help("Train on one batch and stop: watch a single update change the curves and filters");
    ImGui::EndDisabled();
    ImGui::SameLine();
    ImGui::BeginDisabled(!t.job);
    if (ImGui::Button("Reset", ImVec2(bw, 0))) reset_training(s);
    ui::mark_item("train.reset");
    ui::button_fits("Reset", bw);
    ui::hover_help("Forget this run (its curves and weights) so that Start begins a new one with the settings above");
    ImGui::EndDisabled();
    if (!s.pacing.enabled) return;  // the desktop draws at the display's rate
    ImGui::SetNextItemWidth(-1);
    ui::slider_float("##fps", &s.pacing.busy_fps, 2.0f, 30.0f, "%.0f frames/s while training");
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Frames drawn per second while training. Drawing takes time the training could use "
                          "(much of it where the browser draws without a GPU): fewer frames, faster training.");
}

static void draw_divergence(AppState& s, TrainState& t) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.45f, 0.4f, 1.0f));
    ImGui::TextWrapped("%s", t.snap.message.c_str());
    ImGui::PopStyleColor();
    ImGui::SetNextItemWidth(std::min(ImGui::GetFontSize() * 10, ImGui::GetContentRegionAvail().x - ui::labeled_w(0, "new learning rate")));
    ui::slider_float("new learning rate", &t.resume_lr, 1e-6f, 10.0f, "%.1e", ImGuiSliderFlags_Logarithmic);
    ui::hover_help("The loss became too large to go on: a smaller learning rate takes smaller steps. Resume continues from "
                   "the last good weights at this rate.");
    if (ui::primary_button("Resume at this rate", ImVec2(-1, 0))) resume_training(s, t.resume_lr);
}

static void stat_row(const char* k, const char* fmt, double v) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextDisabled("%s", k);
    ImGui::TableNextColumn();
    ImGui::Text(fmt, v);
}

static void draw_network_progress(AppState& s, TrainState& t) {
    const core::TrainMetrics& m = t.snap.train;
    const bool done = t.snap.finished();
    ImGui::ProgressBar((float)m.progress, ImVec2(-1, 0),
                       (std::string(m.validating ? "validating, " : "") + "epoch " + std::to_string(std::min(m.epoch + 1, m.epochs)) +
                        " of " + std::to_string(m.epochs)).c_str());
    // wall-clock time, the time a teacher waits (pauses not counted); "compute" is the part inside
    // the training slices
    const double secs = t.snap.wall_seconds, rate = m.progress > 0.001 ? secs / m.progress : 0;
    if (ImGui::BeginTable("##stats", 2, ImGuiTableFlags_SizingStretchProp)) {
        stat_row("batches", "%.0f", (double)m.step);
        stat_row("images/s", "%.0f", m.images_per_second);
        stat_row("time (wall clock)", "%.1f s", secs);
        stat_row("of it computing", "%.1f s", t.snap.seconds);
        if (!done && t.snap.wall_left() >= 0) stat_row("time left (est.)", "%.0f s", t.snap.wall_left());
        if (!done && m.epochs > 0) {
            // this epoch's share of the progress still to go, at the same rate
            double per_epoch = 1.0 / m.epochs, into = m.progress - m.epoch * per_epoch;
            stat_row("epoch ends in", "%.0f s", std::max(0.0, (per_epoch - into) * rate));
        }
        if (!done && !m.batches.empty()) stat_row("learning rate", "%.2e", m.batches.back().lr);
        if (m.best_epoch > 0) stat_row("best val ACC", "%.3f", m.best_val_acc);
        if (!BLOODCELL_HAVE_THREADS) stat_row("slice", "%.1f ms", s.stats.slice_ms);
        stat_row("parameters", "%.0f", (double)t.params);
        if (s.platform.memory_bytes) stat_row("memory in use", "%.0f MB", s.platform.memory_bytes() / 1048576.0);
        ImGui::EndTable();
    }
    // one-thread builds: a batch is the smallest piece of work, and frames wait for it
    const double batch_ms = m.images_per_second > 0 ? 1000.0 * t.settings.train.batch / m.images_per_second : 0;
    const double frame_ms = 1000.0 / std::max(1.0f, s.pacing.busy_fps);
    if (!done && !training_on_worker(s) && s.pacing.enabled && batch_ms > 1.5 * frame_ms) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.75f, 0.3f, 1.0f));
        ImGui::TextWrapped("One batch takes %.0f ms, longer than a frame at %.0f frames/s, so the page answers more slowly: "
                           "a smaller batch draws more smoothly, a larger one trains faster.", batch_ms, s.pacing.busy_fps);
        ImGui::PopStyleColor();
        ui::mark_item("train.batch_warning");
    }
}

static void draw_result(AppState& s, TrainState& t) {
    if (t.snap.status != core::JobStatus::done) return;
    ImGui::TextColored(ImVec4(0.5f, 0.9f, 0.6f, 1.0f), "Done in %.1f s: val ACC %.3f", t.snap.wall_seconds, t.snap.eval.acc);
    const int i = s.models.index_of(t.result);
    const bool in_use = i >= 0 && i == s.models.active();
    if (i >= 0 && !in_use && ui::primary_button("Use it in Classify", ImVec2(-1, 0))) use_model(s, i);
    ui::subtle(in_use ? "Classify uses this model; the Compare tab puts it beside the others." : "The model was added to the Compare tab.");
}

// One click from a cold page to a network that works (issue 11): core::quick_demo_settings() on the
// whole teaching set.
static void draw_quick_demo(AppState& s, TrainState& t) {
    if (training_busy(s)) return;
    ImGui::BeginDisabled(t.demo_pending || (!s.data.loaded && asset_state(s, ".npz") != AssetState::Coming));
    if (ui::primary_button(t.demo_pending ? "Quick demo: waiting for the teaching set..." : "Quick demo", ImVec2(-1, 0)))
        start_quick_demo(s);
    ImGui::EndDisabled();
    ui::mark_item("train.quick_demo");
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
        ImGui::SetTooltip("Trains a small vgg6 (width 8) on every training image of the teaching set: 8 epochs, batch 32, "
                          "learning rate 4e-3 with a cosine schedule. It reaches about 0.90 validation accuracy in about a minute.");
}

static void draw_controls(AppState& s, TrainState& t) {
    draw_quick_demo(s, t);
    draw_buttons(s, t);
    if (!t.job) {
        ui::subtle(BLOODCELL_HAVE_THREADS ? "Press Start to train %s on the subset; Step runs one slice. Training runs on "
                                            "its own thread, so the page stays responsive."
                                          : "Press Start to train %s on the subset; Step runs one slice. Training runs "
                                            "between frames, so the page stays responsive.",
                   t.settings.model.c_str());
        return;
    }
    if (t.snap.status == core::JobStatus::waiting) draw_divergence(s, t);
    if (t.snap.teaching) {
        const long views = std::max(1L, (long)t.job->train_size() * 8);
        ImGui::ProgressBar((float)std::min(1.0, (double)t.snap.done / views), ImVec2(-1, 0), "teacher's targets");
        ui::mark_item("train.teacher_progress");
        ui::subtle("Distillation: the pretrained model looks at 8 flips and rotations of each training image first; "
                   "training starts when it is done.");
    } else if (t.job->spec().model.family == core::Family::nn) draw_network_progress(s, t);
    else ImGui::ProgressBar((float)t.snap.progress, ImVec2(-1, 0), t.snap.finished() ? "done" : "features, then the fit");
    draw_result(s, t);
}

// [SECTION] live views
// The x axis (epochs or wall seconds) and the overlay of finished runs.
static void draw_curve_options(TrainState& t) {
    int x = t.x_wall ? 1 : 0;
    ImGui::TextDisabled("x axis:");
    ImGui::SameLine();
    if (ImGui::RadioButton("epochs", &x, 0)) t.x_wall = false;
    ui::hover_help("Plot the curves against epochs (passes over the training subset)");
    ImGui::SameLine();
    if (ImGui::RadioButton("wall time (s)", &x, 1)) t.x_wall = true;
    ui::mark_item("train.x_wall");
    ui::hover_help("Plot the curves against the seconds the run took: compares how fast settings learn, not only how far");
    ImGui::SameLine();
    ImGui::BeginDisabled(t.runs.empty());
    ImGui::Checkbox(("overlay finished runs (" + std::to_string(t.runs.size()) + ")").c_str(), &t.overlay);
    ImGui::EndDisabled();
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
        ImGui::SetTooltip("Validation loss and accuracy of the last %d finished runs on the same plots, each labelled with its "
                          "settings: train two learning rates and compare them.", kKeptRuns);
}

static ImU32 run_color(int k) {
    static const ImU32 c[] = {IM_COL32(245, 190, 70, 255), IM_COL32(150, 120, 240, 255), IM_COL32(120, 200, 90, 255),
                              IM_COL32(240, 130, 200, 255), IM_COL32(190, 190, 190, 255), IM_COL32(90, 150, 240, 255)};
    return c[k % 6];
}

static void draw_curves(AppState& s, TrainState& t, float w) {
    const float e = ui::em();
    draw_curve_options(t);
    float plot_h = std::max(e * 11, ImGui::GetContentRegionAvail().y * 0.36f);
    std::vector<float> bx, bl, ba, ex, etl, eta, evl, eva;
    // against wall time, a batch sits at its share of the wall time so far (epochs of even pace)
    const auto& batches = t.snap.train.batches;
    const float last_epoch = batches.empty() ? 0.f : batches.back().epoch;
    const float wall_per_epoch = last_epoch > 0 ? (float)t.snap.wall_seconds / last_epoch : 0.f;
    for (auto& b : batches) {
        bx.push_back(t.x_wall ? b.epoch * wall_per_epoch : b.epoch);
        bl.push_back(b.loss);
        ba.push_back(b.acc);
    }
    const auto& hist = t.snap.train.history;
    for (size_t i = 0; i < hist.size(); ++i) {
        ex.push_back(t.x_wall ? (i < t.epoch_wall.size() ? t.epoch_wall[i] : (float)t.snap.wall_seconds) : (float)hist[i].epoch);
        etl.push_back((float)hist[i].train_loss);
        eta.push_back((float)hist[i].train_acc);
        evl.push_back((float)hist[i].val_loss);
        eva.push_back((float)hist[i].val_acc);
    }
    const bool live = t.job && !t.snap.finished();  // a finished run is already among the overlaid ones
    const bool overlaid = t.overlay && !t.runs.empty();
    const ImU32 batch = IM_COL32(46, 179, 189, 110), train = IM_COL32(46, 179, 189, 255), val = IM_COL32(236, 91, 102, 255);
    std::vector<ui::Series> loss, acc, legend;
    if (live || !overlaid) {
        loss = {{bl.data(), (int)bl.size(), batch, "batch", bx.data(), 1.0f},
                {etl.data(), (int)etl.size(), train, "train (epoch)", ex.data()},
                {evl.data(), (int)evl.size(), val, "val (epoch)", ex.data()}};
        acc = {{ba.data(), (int)ba.size(), batch, "batch", bx.data(), 1.0f},
               {eta.data(), (int)eta.size(), train, "train (epoch)", ex.data()},
               {eva.data(), (int)eva.size(), val, "val (epoch)", ex.data()}};
        legend = loss;
    }
    if (t.overlay)
        for (size_t k = 0; k < t.runs.size(); ++k) {
            const RunCurve& r = t.runs[k];
            const float* x = t.x_wall ? r.wall.data() : r.epoch.data();
            loss.push_back({r.val_loss.data(), (int)r.val_loss.size(), run_color((int)k), r.label.c_str(), x});
            acc.push_back({r.val_acc.data(), (int)r.val_acc.size(), run_color((int)k), r.label.c_str(), x});
            legend.push_back(loss.back());
        }
    // one legend for both plots (a finished run's entry is its settings; hover for its card, click to
    // copy its link)
    const int hovered = ui::legend_row(legend), first_run = (int)legend.size() - (t.overlay ? (int)t.runs.size() : 0);
    if (hovered >= first_run && t.overlay) {
        const RunCurve& r = t.runs[hovered - first_run];
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ui::em() * 30);
        ImGui::TextUnformatted(r.label.c_str());
        ImGui::TextDisabled("Click to copy the link to this run: it trains the same run again.");
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
        if (ImGui::IsMouseClicked(0)) copy_run_link(s, r.link, "run " + r.label.substr(0, r.label.find(' ')));
    }
    const char* xl = t.x_wall ? "wall time (s)" : "epoch";
    // side by side, or one under the other when each would be narrower than ~17 lines of text
    const bool beside = w >= e * 34;
    ImGui::BeginGroup();
    ImGui::TextUnformatted(overlaid ? "Loss (finished runs: validation)" : "Loss");
    ui::line_plot("##loss", loss, ImVec2(beside ? w * 0.5f - e * 0.4f : w, plot_h), 0.0f, 0.1f, xl, true, false);
    ImGui::EndGroup();
    if (beside) ImGui::SameLine();
    ImGui::BeginGroup();
    ImGui::TextUnformatted(overlaid ? "Accuracy (finished runs: validation)" : "Accuracy");
    ui::line_plot("##acc", acc, ImVec2(beside ? 0 : w, plot_h), 0.0f, 1.0f, xl, false, false);
    ImGui::EndGroup();
}

static void draw_feature_model_note(AppState& s, TrainState& t) {
    const std::string& name = t.job ? t.job->spec().model.name : t.settings.model;
    ImGui::PushFont(s.font_title);
    ImGui::TextUnformatted(name == "forest" ? "Random forest" : "Softmax regression");
    ImGui::PopFont();
    ui::subtle("%s is fit in one pass on the intensity and GLCM features of the training subset (see the Features tab), so "
               "there are no per-batch curves. Its validation results are below.", name.c_str());
    ImGui::Spacing();
}

static void draw_validation(TrainState& t, float w, core::Model* m) {
    ImGui::Spacing();
    // the matrix with the images behind its cells (the misclassified until a cell is clicked) beside it;
    // hovering one shows why the model predicted what it did
    draw_validation_views(t.views, t.snap.eval.n > 0 ? &t.snap.eval : nullptr, t.run_val, w, m);
}

static void draw_live(AppState& s, TrainState& t) {
    const float w = ImGui::GetContentRegionAvail().x;
    const bool feature_model = t.job ? t.job->spec().model.family != core::Family::nn : !is_network(t.settings.model);
    if (feature_model) draw_feature_model_note(s, t);
    else draw_curves(s, t, w);
    if (!t.job) return;
    // the matrix and the images behind it; filters, activations: the weights as they train, the stored
    // model after
    core::Model* live = view_model(s);
    draw_validation(t, w, live);
    if (!live) return;
    const core::Dataset& val = s.data.all.val.size() > 0 ? s.data.all.val : s.data.all.test;
    update_views(t.views, *live, val, s.stats.t);
    ImGui::Spacing();
    draw_filters_and_activations(t.views, val, w);
}

void draw_train_panel(AppState& s) {
    TrainState& t = train_state(s);
    const float e = ui::em();
    if (ui::narrow(ImGui::GetContentRegionAvail().x, 50)) {
        // a phone: one column that scrolls, controls first
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.75f, 0.3f, 1.0f));
        ui::wrapped("Training is best on a larger screen (800 pixels wide or more): here the views are stacked and small. "
                    "Classifying images works at any size.");
        ImGui::PopStyleColor();
        ui::mark_item("train.small_screen");
        ImGui::Spacing();
        ui::heading("Training");
        draw_controls(s, t);
        ImGui::Spacing();
        draw_settings(s, t);
        ImGui::Spacing();
        draw_live(s, t);
        return;
    }
    ui::begin_card("##train_side", ImVec2(std::max(e * 19, ImGui::GetContentRegionAvail().x * 0.26f), 0));
    ui::heading("Training");
    draw_controls(s, t);
    ImGui::Spacing();
    draw_settings(s, t);
    ui::end_card();
    ImGui::SameLine();
    ImGui::BeginChild("##train_main", ImVec2(0, 0), false, ImGuiWindowFlags_NavFlattened);
    draw_live(s, t);
    ImGui::EndChild();
}

}  // namespace app
