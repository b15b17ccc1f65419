// Train panel and the app's model store. Training runs inside the frame loop in bounded slices
// (core::Trainer::step with a time budget), so the page stays responsive: the status bar shows the
// frame time and the slice time. Live views: loss and accuracy per batch and per epoch, the
// confusion matrix and per-class scores of the latest validation, first-layer filters, activations
// of one image, and the misclassified validation images.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <dirent.h>
#include <sstream>

#include "app/models.h"
#include "app/ui.h"
#include "core/io.h"
#include "core/preprocess.h"

namespace app {

using Clock = std::chrono::steady_clock;
static double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// [SECTION] model store
TrainState& train_state(AppState& s) {
    if (!s.train) s.train = std::make_shared<TrainState>();
    return *s.train;
}

bool Predictor::step(core::Model& m, double budget_ms, int chunk) {
    auto t0 = Clock::now();
    while (pos < n) {
        int k = std::min(chunk, n - pos);
        auto p = m.predict(data->image(pos), k);
        std::copy(p.begin(), p.end(), probs.begin() + (size_t)pos * core::kClasses);
        pos += k;
        if (ms_since(t0) > budget_ms) break;
    }
    seconds += ms_since(t0) / 1000.0;
    return done();
}

void add_model(AppState& s, std::unique_ptr<ModelEntry> e, bool make_active) {
    TrainState& t = train_state(s);
    e->params = e->model.param_count();
    t.models.push_back(std::move(e));
    if (make_active || t.active < 0) {
        t.active = (int)t.models.size() - 1;
        classify_rerun_all(s);
    }
}

std::string model_hyper(const core::ModelSpec& spec, const core::TrainConfig& cfg) {
    char buf[200];
    if (spec.family != core::Family::nn) return spec.name;
    snprintf(buf, sizeof buf, "%d epochs, batch %d, lr %.0e, %s%s", cfg.epochs, cfg.batch, cfg.lr,
             cfg.optimizer == core::nn::OptimizerKind::adam ? "Adam" : "SGD", cfg.augment ? ", augmented" : "");
    return buf;
}

static std::string file_stem(const std::string& name) {
    size_t slash = name.find_last_of('/');
    std::string b = slash == std::string::npos ? name : name.substr(slash + 1);
    size_t dot = b.find_last_of('.');
    return dot == std::string::npos ? b : b.substr(0, dot);
}

bool open_model_bytes(AppState& s, const std::string& name, const uint8_t* bytes, size_t size) {
    auto m = core::Model::load(bytes, size, name);
    if (!m.ok()) {
        notify(s, LogEntry::Error, m.error + " (the models already loaded are kept)");
        return false;
    }
    auto e = std::make_unique<ModelEntry>();
    e->model = std::move(m.value);
    e->label = e->model.spec().name + " (" + file_stem(name) + ")";
    e->origin = "loaded from " + name;
    auto it = e->model.meta.find("epochs");
    e->hyper = it != e->model.meta.end() ? it->second + " epochs" : "";
    auto ts = e->model.meta.find("train_seconds");
    if (ts != e->model.meta.end()) e->train_seconds = atof(ts->second.c_str());
    std::string label = e->label;
    add_model(s, std::move(e), true);
    notify(s, LogEntry::Info, "Loaded model " + label + " from " + name + "; Classify now uses it");
    return true;
}

// A shipped model (from asset_dir at start, or fetched after the first frame in the page): labelled
// by its file ("vgg6_w32 (pretrained)"), and Classify uses the pretrained model with the best val
// ACC recorded in its file, unless the user already chose or trained one.
void add_pretrained(AppState& s, const std::string& file, const uint8_t* bytes, size_t size) {
    auto m = core::Model::load(bytes, size, file);
    if (!m.ok()) {
        notify(s, LogEntry::Error, "Pretrained model skipped: " + m.error);
        return;
    }
    auto val_acc = [](const core::Model& model) {
        auto v = model.meta.find("val_acc");
        return v == model.meta.end() ? 0.0 : atof(v->second.c_str());
    };
    auto e = std::make_unique<ModelEntry>();
    e->model = std::move(m.value);
    e->label = file_stem(file) + " (pretrained)";
    e->origin = "assets/" + file;
    auto ts = e->model.meta.find("train_seconds");
    if (ts != e->model.meta.end()) e->train_seconds = atof(ts->second.c_str());
    auto ep = e->model.meta.find("epochs_run");
    if (ep != e->model.meta.end()) e->hyper = ep->second + " epochs on the full training split";
    s.log.info("Pretrained model " + e->label + " loaded (" + std::to_string(e->model.param_count()) + " parameters)");
    TrainState& t = train_state(s);
    bool use = t.active < 0;
    if (!use) {
        const ModelEntry& cur = *t.models[t.active];
        use = cur.origin.rfind("assets/", 0) == 0 && val_acc(e->model) > val_acc(cur.model);
    }
    add_model(s, std::move(e), use);
}

static void load_pretrained(AppState& s) {
    DIR* dir = opendir(s.platform.asset_dir.c_str());
    if (!dir) return;
    std::vector<std::string> files;
    while (dirent* d = readdir(dir)) {
        std::string n = d->d_name;
        if (n.size() > 4 && n.substr(n.size() - 4) == ".bcm") files.push_back(n);
    }
    closedir(dir);
    std::sort(files.begin(), files.end());
    for (auto& f : files) {
        auto bytes = core::io::read_file(s.platform.asset_dir + "/" + f);
        if (!bytes.ok()) { s.log.error(bytes.error); continue; }
        add_pretrained(s, f, bytes.value.data(), bytes.value.size());
    }
}

std::string model_summary(const AppState& s) {
    if (!s.train || s.train->active < 0) return "none";
    return s.train->models[s.train->active]->label;
}

bool model_ready(const AppState& s) { return s.train && s.train->active >= 0; }

bool model_predict(AppState& s, const uint8_t* rgb28, std::vector<float>& probs, std::string& model_name) {
    if (!model_ready(s)) { probs.clear(); return false; }
    ModelEntry& e = *s.train->models[s.train->active];
    probs = e.model.predict(rgb28, 1, s.classify.tta);
    model_name = e.label + (s.classify.tta && e.model.spec().family == core::Family::nn ? ", 8 views" : "");
    return probs.size() == core::kClasses;
}

// [SECTION] runs
// A batch size whose one batch (forward + backward) takes roughly 10-20 ms: WebAssembly runs the
// GEMMs about 4x slower than native code (DESIGN.md), and a slice holds at least one batch.
int default_batch(const AppState& s, const std::string& model) {
    const bool web = s.platform.name.rfind("web", 0) == 0;  // "web, 1 thread" or "web, 2 threads"
    if (model == "fcnn") return web ? 32 : 64;
    if (model == "cnn") return web ? 8 : 32;
    if (model == "vgg6") return web ? 8 : 16;
    return 32;
}

core::Dataset training_set(const AppState& s) {
    core::SubsetSpec spec = s.data.spec;
    spec.split = core::Split::train;
    return core::make_subset(s.data.all.train, spec);
}

static core::SubsetSpec validation_spec(const AppState& s) {
    // validation keeps the per-class cap (scaled to the val/train ratio) so it stays quick
    core::SubsetSpec spec;
    spec.split = core::Split::val;
    spec.seed = s.data.spec.seed;
    if (s.data.spec.per_class > 0) spec.per_class = std::max(8, s.data.spec.per_class / 4);
    return spec;
}

core::Dataset validation_set(const AppState& s) { return core::make_subset(s.data.all.val, validation_spec(s)); }

std::unique_ptr<Run> make_run(AppState& s, const std::string& name, const core::TrainConfig& cfg, std::string& error) {
    TrainState& t = train_state(s);
    if (!s.data.loaded) { error = "no data loaded: open a BloodMNIST .npz in the Data tab"; return nullptr; }
    core::ModelOptions o;
    o.width = t.vgg_width;
    o.hidden = t.hidden;
    o.dropout = t.dropout;
    o.trees = t.trees;
    auto spec = core::model_spec(name, o);
    if (!spec.ok()) { error = spec.error; return nullptr; }
    auto st = core::validate(cfg);
    if (!st.ok) { error = st.message; return nullptr; }
    auto r = std::make_unique<Run>();
    r->spec = spec.value;
    r->cfg = cfg;
    r->fcfg = t.fcfg;
    r->fcfg.trees = t.trees;
    r->fcfg.seed = cfg.seed;
    core::Dataset train = training_set(s), val = validation_set(s);
    r->train_n = train.size();
    r->val_n = val.size();
    if (train.size() == 0) { error = "the training subset is empty: widen it in the Data tab"; return nullptr; }
    if (spec.value.family == core::Family::nn) {
        auto tr = core::Trainer::create(spec.value, std::move(train), std::move(val), cfg);
        if (!tr.ok()) { error = tr.error; return nullptr; }
        r->trainer = std::move(tr.value);
        r->params = r->trainer->model().param_count();
        r->hyper = model_hyper(spec.value, cfg);
    } else {
        r->feature_model = true;
        r->hyper = name == "forest" ? std::to_string(t.trees) + " trees" : std::to_string(r->fcfg.iterations) + " iterations";
    }
    return r;
}

bool run_step(AppState& s, Run& r, double budget_ms) {
    if (r.done) return false;
    auto t0 = Clock::now();
    if (r.trainer) {
        r.trainer->step(1 << 20, budget_ms);
        r.seconds = r.trainer->metrics().train_seconds;
        if (r.trainer->diverged()) return false;  // waits for a lower rate; the caller reports it
        if (r.trainer->done()) {
            r.val = r.trainer->metrics().last_val;
            r.result = std::make_unique<core::Model>(r.trainer->take_model());
            r.done = true;
        }
    } else if (r.feature_model) {
        // Feature models are fit in one call (quick on the subsets the page uses); the frame
        // before shows "fitting" so the pause is explained.
        if (r.feature_phase == 0) { r.feature_phase = 1; return true; }
        core::Dataset train = training_set(s), val = validation_set(s);
        auto m = core::fit_features(r.spec, train, r.fcfg);
        r.seconds = ms_since(t0) / 1000.0;
        if (!m.ok()) { r.error = m.error; r.done = true; return false; }
        r.result = std::make_unique<core::Model>(std::move(m.value));
        if (val.size() > 0) r.val = core::evaluate_model(*r.result, val);
        r.feature_phase = 2;
        r.done = true;
    }
    s.stats.slice_ms = ms_since(t0);
    return !r.done;
}

// Stops the run when its trainer has diverged (it kept the last good weights) and says so once;
// the controls then offer a lower learning rate and a Resume.
static void report_divergence(AppState& s, TrainState& t) {
    if (!t.run || !t.run->trainer || !t.run->trainer->diverged() || !t.running) return;
    t.running = false;
    t.resume_lr = std::max(1e-6f, t.run->trainer->current_lr() / 10.f);
    notify(s, LogEntry::Error, "Training stopped: " + t.run->trainer->metrics().diverged_message);
}

static void finish_run(AppState& s, TrainState& t) {
    Run& r = *t.run;
    t.running = false;
    if (!r.error.empty()) { notify(s, LogEntry::Error, "Training failed: " + r.error); return; }
    auto e = std::make_unique<ModelEntry>();
    e->model = std::move(*r.result);
    e->label = r.spec.name + " #" + std::to_string(t.runs_started);
    e->origin = "trained here on " + std::to_string(r.train_n) + " images";
    e->hyper = r.hyper;
    e->train_seconds = r.seconds;
    e->model.meta["train_seconds"] = std::to_string(r.seconds);
    // Classify keeps the model it uses (often the pretrained one) unless it has none.
    const bool use = t.active < 0;
    char buf[300];
    snprintf(buf, sizeof buf, "Training of %s finished in %.1f s: val ACC %.3f, AUC %.3f. %s", e->label.c_str(), r.seconds,
             r.val.acc, r.val.auc, use ? "Classify now uses it." : "Compare it in the Compare tab (Use makes Classify use it).");
    r.entry = e.get();
    add_model(s, std::move(e), use);
    notify(s, LogEntry::Info, buf);
}

void train_frame(AppState& s) {
    if (!s.train) return;
    TrainState& t = *s.train;
    auto t0 = Clock::now();
    if (t.running && t.run && !t.run->done) {
        run_step(s, *t.run, t.slice_ms);
        if (t.run->done) finish_run(s, t);
        else report_divergence(s, t);
    }
    // tune trials share the frame budget with nothing else: they run when no training does
    if (!t.running && t.tune_running) {
        extern void tune_frame(AppState & s, double budget_ms);
        tune_frame(s, t.slice_ms);
    }
    // evaluations for the Compare tab, also in slices
    double left = 8.0 - ms_since(t0);
    if (left > 1.0 && s.data.loaded && s.data.all.test.size() > 0) {
        for (int i = 0; i < (int)t.models.size(); ++i) {
            ModelEntry& e = *t.models[i];
            if (e.evaluated && e.eval_data_version == t.data_version) continue;
            if (e.eval_data_version != t.data_version) {
                e.eval.reset(&s.data.all.test, s.data.all.test.size());
                e.eval_data_version = t.data_version;
                e.evaluated = false;
            }
            t.evaluating = i;
            // images per chunk: about 100 MFLOP, so one chunk of a large model stays a few ms
            int chunk = (int)std::clamp(1e8 / std::max(1L, e.model.flops_per_image()), 1.0, 16.0);
            if (e.eval.step(e.model, left, chunk)) {
                e.test = core::evaluate(e.eval.probs.data(), s.data.all.test.labels.data(), e.eval.n);
                e.test.seconds = e.eval.seconds;
                e.test.ms_per_image = e.eval.seconds * 1000.0 / std::max(1, e.eval.n);
                e.evaluated = true;
                t.evaluating = -1;
                char buf[200];
                snprintf(buf, sizeof buf, "%s on the test split (%d images): ACC %.3f, AUC %.3f, %.2f ms/image", e.label.c_str(),
                         e.eval.n, e.test.acc, e.test.auc, e.test.ms_per_image);
                s.log.info(buf);
            }
            break;
        }
    }
}

// [SECTION] live views
static void refresh_filters(TrainState& t, core::Model& m) {
    if (m.spec().family != core::Family::nn) { t.filters_n = 0; return; }
    core::nn::Network& net = m.network();
    for (int li = 0; li < net.layer_count(); ++li) {
        core::nn::Layer& L = net.layer(li);
        auto ps = L.params();
        if (ps.empty()) continue;
        const std::vector<float>& W = ps[0]->value;
        const core::nn::Shape in = net.input_shape();  // the first layer with weights sees the image (flatten has none)
        if (L.kind() == core::nn::LayerKind::conv2d) {
            int cin = in.c, cout = (int)(ps[1]->value.size());
            int k = (int)std::lround(std::sqrt((double)W.size() / cout / cin));
            int cols = 8, rows = (cout + cols - 1) / cols, tile = k + 1;
            std::vector<uint8_t> rgb((size_t)(cols * tile) * (rows * tile) * 3, 30);
            for (int f = 0; f < cout; ++f) {
                float lo = 1e30f, hi = -1e30f;
                for (int q = 0; q < k * k * cin; ++q) { float v = W[(size_t)q * cout + f]; lo = std::min(lo, v); hi = std::max(hi, v); }
                float sc = hi > lo ? 255.0f / (hi - lo) : 0;
                int ox = (f % cols) * tile, oy = (f / cols) * tile;
                for (int y = 0; y < k; ++y)
                    for (int x = 0; x < k; ++x)
                        for (int c = 0; c < 3; ++c) {
                            int ci = cin == 3 ? c : 0;
                            float v = W[(size_t)((y * k + x) * cin + ci) * cout + f];
                            rgb[((size_t)(oy + y) * cols * tile + ox + x) * 3 + c] = (uint8_t)std::lround((v - lo) * sc);
                        }
            }
            t.filters_tex.upload_rgb(rgb.data(), cols * tile, rows * tile, true);
            t.filters_rgb = true;
            t.filters_cols = cols;
            t.filters_n = cout;
            t.filters_tile = tile;
        } else if (L.kind() == core::nn::LayerKind::dense && in.h == 28 && in.w == 28) {
            int F = in.size(), U = (int)ps[1]->value.size(), n = std::min(U, 32), cols = 8, rows = (n + cols - 1) / cols, tile = 29;
            std::vector<float> v((size_t)(cols * tile) * (rows * tile), 0.f);
            for (int u = 0; u < n; ++u) {
                float mx = 1e-12f;
                for (int f = 0; f < F; ++f) mx = std::max(mx, std::fabs(W[(size_t)f * U + u]));
                int ox = (u % cols) * tile, oy = (u / cols) * tile;
                for (int y = 0; y < 28; ++y)
                    for (int x = 0; x < 28; ++x)
                        v[(size_t)(oy + y) * cols * tile + ox + x] = W[(size_t)((y * 28 + x) * in.c) * U + u] / mx;
            }
            t.filters_tex.upload_r32f(v.data(), cols * tile, rows * tile);
            t.filters_rgb = false;
            t.filters_cols = cols;
            t.filters_n = n;
            t.filters_tile = tile;
        } else {
            t.filters_n = 0;
        }
        return;
    }
    t.filters_n = 0;
}

static void refresh_activations(TrainState& t, core::Model& m, const uint8_t* rgb28) {
    t.acts_n = 0;
    if (m.spec().family != core::Family::nn || !rgb28) return;
    core::nn::Network& net = m.network();
    core::nn::Tensor x;
    core::images_to_tensor(rgb28, 1, m.spec().input, x);
    core::nn::Context ctx;
    net.forward(x, ctx);
    // the output of the first ReLU that follows a convolution: (H, W, C)
    int pick = -1;
    bool seen_conv = false;
    for (int li = 0; li < net.layer_count(); ++li) {
        auto k = net.layer(li).kind();
        if (k == core::nn::LayerKind::conv2d) seen_conv = true;
        if (k == core::nn::LayerKind::relu && seen_conv) { pick = li + 1; break; }
    }
    if (pick < 0) return;
    const core::nn::Tensor& a = net.activation(pick);
    int H = a.s.h, W = a.s.w, C = std::min(a.s.c, 32);
    if (H < 4) return;
    int cols = 8, rows = (C + cols - 1) / cols, tile = W + 2;
    std::vector<float> v((size_t)(cols * tile) * (rows * (H + 2)), 0.f);
    for (int c = 0; c < C; ++c) {
        float mx = 1e-12f;
        for (int i = 0; i < H * W; ++i) mx = std::max(mx, a.v[(size_t)i * a.s.c + c]);
        int ox = (c % cols) * tile, oy = (c / cols) * (H + 2);
        for (int y = 0; y < H; ++y)
            for (int x = 0; x < W; ++x) v[(size_t)(oy + y) * cols * tile + ox + x] = a.v[(size_t)(y * W + x) * a.s.c + c] / mx;
    }
    t.acts_tex.upload_r32f(v.data(), cols * tile, rows * (H + 2));
    t.acts_cols = cols;
    t.acts_n = C;
    t.acts_side = H;
}

void draw_confusion(const core::Evaluation& ev, Texture& tex, float side) {
    const float e = ui::em();
    std::vector<float> v(core::kClasses * core::kClasses, 0.f);
    for (int i = 0; i < core::kClasses; ++i) {
        int row = 0;
        for (int j = 0; j < core::kClasses; ++j) row += ev.confusion[i][j];
        for (int j = 0; j < core::kClasses; ++j) v[i * core::kClasses + j] = row ? (float)ev.confusion[i][j] / row : 0.f;
    }
    tex.upload_r32f(v.data(), core::kClasses, core::kClasses);
    ImVec2 p = ImGui::GetCursorScreenPos();
    const float lab = e * 3.2f, cell = (side - lab) / core::kClasses;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    ImVec2 m0(p.x + lab, p.y + e * 1.3f);
    HeatmapStyle hs;
    hs.cmap = kViridis;
    heatmap_draw(dl, tex, m0, ImVec2(m0.x + cell * 8, m0.y + cell * 8), hs);
    for (int k = 0; k < core::kClasses; ++k) {
        const char* n = core::kClassShortNames[k];
        ImVec2 ts = ImGui::CalcTextSize(n);
        dl->AddText(ImVec2(m0.x + cell * (k + 0.5f) - ts.x * 0.5f, p.y), class_color(k), n);
        dl->AddText(ImVec2(p.x, m0.y + cell * (k + 0.5f) - ts.y * 0.5f), class_color(k), n);
    }
    for (int i = 0; i < core::kClasses; ++i)
        for (int j = 0; j < core::kClasses; ++j) {
            char b[16];
            snprintf(b, sizeof b, "%d", ev.confusion[i][j]);
            ImVec2 ts = ImGui::CalcTextSize(b);
            if (ts.x > cell - 2) continue;
            ImU32 col = v[i * 8 + j] > 0.6f ? IM_COL32(20, 20, 30, 255) : IM_COL32(235, 235, 240, 255);
            dl->AddText(ImVec2(m0.x + cell * (j + 0.5f) - ts.x * 0.5f, m0.y + cell * (i + 0.5f) - ts.y * 0.5f), col, b);
        }
    ImGui::Dummy(ImVec2(side, cell * 8 + e * 1.3f));
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + side);
    ImGui::TextDisabled("rows: true class, columns: predicted; color = share of the row");
    ImGui::PopTextWrapPos();
}

void draw_class_scores(const core::Evaluation& ev) {
    if (ImGui::BeginTable("##scores", 5, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingStretchProp)) {
        ImGui::TableSetupColumn("class", ImGuiTableColumnFlags_WidthStretch, 2.2f);
        ImGui::TableSetupColumn("precision");
        ImGui::TableSetupColumn("recall");
        ImGui::TableSetupColumn("F1");
        ImGui::TableSetupColumn("n");
        ImGui::TableHeadersRow();
        for (int k = 0; k < core::kClasses; ++k) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextColored(class_color_v(k), "%s", core::kClassNames[k]);
            ImGui::TableNextColumn(); ImGui::Text("%.2f", ev.precision[k]);
            ImGui::TableNextColumn(); ImGui::Text("%.2f", ev.recall[k]);
            ImGui::TableNextColumn(); ImGui::Text("%.2f", ev.f1[k]);
            ImGui::TableNextColumn(); ImGui::TextDisabled("%d", ev.support[k]);
        }
        ImGui::EndTable();
    }
}

// [SECTION] panel
static void draw_settings(AppState& s, TrainState& t) {
    const float e = ui::em();
    auto names = core::model_names();
    const bool busy = t.running || (t.run && !t.run->done);
    ui::heading("Model");
    ImGui::BeginDisabled(busy);
    ImGui::SetNextItemWidth(-1);
    if (ImGui::BeginCombo("##model", names[t.model_idx].c_str())) {
        for (int i = 0; i < (int)names.size(); ++i)
            if (ImGui::Selectable(names[i].c_str(), i == t.model_idx)) {
                t.model_idx = i;
                // batch sizes that keep one batch near the 20 ms slice budget in the browser
                t.cfg.batch = default_batch(s, names[i]);
            }
        ImGui::EndCombo();
    }
    const std::string& name = names[t.model_idx];
    const char* desc = name == "fcnn"   ? "784 gray pixels -> Dense 500 -> Dense 500 -> 8 classes"
                     : name == "cnn"    ? "Conv 32 -> pool -> Conv 64 -> pool -> Dense 128 -> 8"
                     : name == "vgg6"   ? "3 blocks of 2 conv + batch norm (w, 2w, 4w), global pool"
                     : name == "logreg" ? "softmax regression on intensity + GLCM features"
                                        : "random forest on intensity + GLCM features";
    ui::subtle("%s", desc);
    bool nn = name == "fcnn" || name == "cnn" || name == "vgg6";
    if (name == "vgg6") { ImGui::SetNextItemWidth(e * 7); ImGui::SliderInt("width w", &t.vgg_width, 8, 32); }
    if (name == "forest") { ImGui::SetNextItemWidth(e * 7); ImGui::SliderInt("trees", &t.trees, 10, 300); }
    if (name == "logreg") { ImGui::SetNextItemWidth(e * 7); ImGui::SliderInt("iterations", &t.fcfg.iterations, 50, 2000); }
    if (nn) {
        ImGui::Spacing();
        ui::heading("Hyperparameters");
        ImGui::PushItemWidth(e * 7);
        ImGui::SliderInt("epochs", &t.cfg.epochs, 1, 50);
        ImGui::SliderInt("batch", &t.cfg.batch, 4, 256);
        float lr_log = std::log10(t.cfg.lr);
        char lr_text[32];
        snprintf(lr_text, sizeof lr_text, "%.1e", t.cfg.lr);  // no '%': ImGui shows it as is
        // up to 10 on purpose: watching a run diverge (and recover) is part of the lesson
        if (ImGui::SliderFloat("learning rate", &lr_log, -5.0f, 1.0f, lr_text)) t.cfg.lr = std::pow(10.0f, lr_log);
        int opt = (int)t.cfg.optimizer;
        if (ImGui::Combo("optimizer", &opt, "Adam\0SGD + momentum\0")) t.cfg.optimizer = (core::nn::OptimizerKind)opt;
        int sch = (int)t.cfg.schedule;
        if (ImGui::Combo("schedule", &sch, "constant\0cosine\0step\0")) t.cfg.schedule = (core::Schedule)sch;
        ImGui::SliderFloat("weight decay", &t.cfg.weight_decay, 0.0f, 0.01f, "%.4f");
        int seed = (int)t.cfg.seed;
        if (ImGui::InputInt("seed", &seed)) t.cfg.seed = (uint64_t)std::max(0, seed);
        ImGui::PopItemWidth();
        ImGui::Checkbox("augment (flips, rotations)", &t.cfg.augment);
    }
    ImGui::EndDisabled();
    ImGui::Spacing();
    ui::heading("Data");
    if (s.data.loaded) {
        // counted from the subset's indices: copying the images (28 MB for the full split) every frame
        // to print two numbers cost time and, while a run held its own copy, 30+ MB of wasm heap
        core::SubsetSpec ts = s.data.spec;
        ts.split = core::Split::train;
        ImGui::TextWrapped("train subset of %s: %d images; validation %d images", s.data.source.c_str(),
                           (int)core::subset_indices(s.data.all.train, ts).size(),
                           (int)core::subset_indices(s.data.all.val, validation_spec(s)).size());
        ui::subtle("Change the subset in the Data tab (per-class cap, fraction, seed).");
    } else {
        ImGui::TextWrapped("No data loaded.");
    }
}

static void draw_controls(AppState& s, TrainState& t) {
    auto names = core::model_names();
    Run* r = t.run.get();
    const bool active = r && !r->done;
    float bw = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x * 3) / 4;
    const bool diverged = r && r->trainer && r->trainer->diverged();
    if (!t.running) {
        ImGui::BeginDisabled(diverged);  // after a divergence the way on is "Resume at this rate" below
        if (ui::primary_button(active ? "Resume" : "Start", ImVec2(bw, 0))) train_command(s, "train:start");
        ImGui::EndDisabled();
    } else if (ImGui::Button("Pause", ImVec2(bw, 0))) {
        train_command(s, "train:pause");
    }
    ImGui::SameLine();
    ImGui::BeginDisabled(t.running || (r && r->feature_model));
    if (ImGui::Button("Step", ImVec2(bw, 0))) train_command(s, "train:step");
    ImGui::EndDisabled();
    ImGui::SameLine();
    ImGui::BeginDisabled(!r);
    if (ImGui::Button("Reset", ImVec2(bw, 0))) train_command(s, "train:reset");
    ImGui::EndDisabled();
    ImGui::SameLine();
    ImGui::SetNextItemWidth(bw);
    ImGui::SliderFloat("##budget", &t.slice_ms, 2.0f, 30.0f, "%.0f ms");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Time budget per frame for training (at least one batch runs per slice)");
    if (!r) {
        ui::subtle("Press Start to train %s on the subset; Step runs one slice. Training runs between frames, so "
                   "the page stays responsive.", names[t.model_idx].c_str());
        return;
    }
    if (r->trainer && r->trainer->diverged()) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.45f, 0.4f, 1.0f));
        ImGui::TextWrapped("%s", r->trainer->metrics().diverged_message.c_str());
        ImGui::PopStyleColor();
        float lr_log = std::log10(t.resume_lr);
        char lr_text[32];
        snprintf(lr_text, sizeof lr_text, "%.1e", t.resume_lr);
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
        if (ImGui::SliderFloat("new learning rate", &lr_log, -6.0f, 1.0f, lr_text)) t.resume_lr = std::pow(10.0f, lr_log);
        char cmd[64];
        snprintf(cmd, sizeof cmd, "train:resume=%g", t.resume_lr);
        if (ui::primary_button("Resume at this rate", ImVec2(-1, 0))) train_command(s, cmd);
    }
    if (r->trainer) {
        const core::TrainMetrics& m = r->trainer->metrics();
        ImGui::ProgressBar((float)m.progress, ImVec2(-1, 0),
                           (std::string(m.validating ? "validating, " : "") + "epoch " + std::to_string(std::min(m.epoch + 1, m.epochs)) +
                            " of " + std::to_string(m.epochs)).c_str());
        double eta = m.progress > 0.001 ? r->seconds * (1 - m.progress) / m.progress : 0;
        if (ImGui::BeginTable("##stats", 2, ImGuiTableFlags_SizingStretchProp)) {
            auto row = [](const char* k, const char* fmt, double v) {
                ImGui::TableNextRow();
                ImGui::TableNextColumn();
                ImGui::TextDisabled("%s", k);
                ImGui::TableNextColumn();
                ImGui::Text(fmt, v);
            };
            row("batches", "%.0f", (double)m.step);
            row("images/s", "%.0f", m.images_per_second);
            row("time training", "%.1f s", r->seconds);
            row("time left (est.)", "%.0f s", eta);
            if (!r->done && m.epochs > 0) {
                // this epoch's share of the progress still to go, at the same rate
                double per_epoch = 1.0 / m.epochs, into = m.progress - m.epoch * per_epoch;
                double rate = m.progress > 0.001 ? r->seconds / m.progress : 0;
                row("epoch ends in", "%.0f s", std::max(0.0, (per_epoch - into) * rate));
            }
            if (!r->done) row("learning rate", "%.2e", (double)r->trainer->current_lr());
            if (m.best_epoch > 0) row("best val ACC", "%.3f", m.best_val_acc);
            row("slice", "%.1f ms", s.stats.slice_ms);
            row("parameters", "%.0f", (double)r->params);
            if (s.platform.memory_bytes) row("memory in use", "%.0f MB", s.platform.memory_bytes() / 1048576.0);
            ImGui::EndTable();
        }
        if (s.stats.slice_ms > 25)
            ImGui::TextColored(ImVec4(1.0f, 0.75f, 0.3f, 1.0f), "One batch takes %.0f ms: lower the batch size for smoother frames.", s.stats.slice_ms);
    } else if (r->feature_model) {
        ImGui::ProgressBar(r->done ? 1.0f : 0.5f, ImVec2(-1, 0), r->done ? "done" : "fitting (this takes a moment)");
    }
    if (r->done && r->error.empty()) {
        ImGui::TextColored(ImVec4(0.5f, 0.9f, 0.6f, 1.0f), "Done in %.1f s: val ACC %.3f", r->seconds, r->val.acc);
        ModelEntry* me = r->entry;
        bool in_use = me && t.active >= 0 && t.models[t.active].get() == me;
        if (me && !in_use) {
            if (ui::primary_button("Use it in Classify", ImVec2(-1, 0))) {
                for (int i = 0; i < (int)t.models.size(); ++i)
                    if (t.models[i].get() == me) t.active = i;
                classify_rerun_all(s);
                s.log.info("Classify now uses " + me->label);
            }
        }
        ui::subtle(in_use ? "Classify uses this model; the Compare tab puts it beside the others."
                          : "The model was added to the Compare tab.");
    }
}

static void draw_live(AppState& s, TrainState& t) {
    const float e = ui::em();
    Run* r = t.run.get();
    float w = ImGui::GetContentRegionAvail().x;
    float plot_h = std::max(e * 11, ImGui::GetContentRegionAvail().y * 0.36f);
    std::vector<float> bx, bl, ba, ex, etl, eta, evl, eva;
    if (r && r->trainer) {
        const core::TrainMetrics& m = r->trainer->metrics();
        for (auto& b : m.batches) { bx.push_back(b.epoch); bl.push_back(b.loss); ba.push_back(b.acc); }
        for (auto& h : m.history) {
            ex.push_back((float)h.epoch);
            etl.push_back((float)h.train_loss);
            eta.push_back((float)h.train_acc);
            evl.push_back((float)h.val_loss);
            eva.push_back((float)h.val_acc);
        }
    }
    if (r && r->feature_model) {
        ImGui::PushFont(s.font_title);
        ImGui::TextUnformatted(r->spec.name == "forest" ? "Random forest" : "Softmax regression");
        ImGui::PopFont();
        ui::subtle("%s is fit in one pass on the intensity and GLCM features of the training subset (see the Features "
                   "tab), so there are no per-batch curves. Its validation results are below.",
                   r->spec.name.c_str());
        ImGui::Spacing();
    } else {
    ImGui::BeginGroup();
    ImGui::TextUnformatted("Loss");
    ui::line_plot("##loss", {{bl.data(), (int)bl.size(), IM_COL32(46, 179, 189, 110), "batch", bx.data(), 1.0f},
                             {etl.data(), (int)etl.size(), IM_COL32(46, 179, 189, 255), "train (epoch)", ex.data()},
                             {evl.data(), (int)evl.size(), IM_COL32(236, 91, 102, 255), "val (epoch)", ex.data()}},
                  ImVec2(w * 0.5f - e * 0.4f, plot_h), 0.0f, 0.1f, "epoch");
    ImGui::EndGroup();
    ImGui::SameLine();
    ImGui::BeginGroup();
    ImGui::TextUnformatted("Accuracy");
    ui::line_plot("##acc", {{ba.data(), (int)ba.size(), IM_COL32(46, 179, 189, 110), "batch", bx.data(), 1.0f},
                            {eta.data(), (int)eta.size(), IM_COL32(46, 179, 189, 255), "train (epoch)", ex.data()},
                            {eva.data(), (int)eva.size(), IM_COL32(236, 91, 102, 255), "val (epoch)", ex.data()}},
                  ImVec2(0, plot_h), 0.0f, 1.0f, "epoch", false);
    ImGui::EndGroup();
    }

    if (!r) return;
    const core::Evaluation* ev = nullptr;
    if (r->trainer && r->trainer->metrics().best_epoch > 0) ev = &r->trainer->metrics().last_val;
    if (r->done && r->val.n > 0) ev = &r->val;
    ImGui::Spacing();
    float side = std::min(e * 17, w * 0.32f);
    ImGui::BeginGroup();
    ImGui::TextUnformatted("Confusion matrix (validation)");
    if (ev) draw_confusion(*ev, t.conf_tex, side);
    else { ImGui::Dummy(ImVec2(side, e * 2)); ImGui::TextDisabled("after the first epoch"); }
    ImGui::EndGroup();
    ImGui::SameLine(0, e * 1.5f);
    ImGui::BeginGroup();
    ImGui::TextUnformatted("Per class (validation)");
    ImGui::BeginChild("##pc", ImVec2(std::min(e * 22, w - side - e * 2), side + e * 1.5f), false);
    if (ev) {
        draw_class_scores(*ev);
        ImGui::Text("ACC %.3f   AUC %.3f   macro F1 %.3f", ev->acc, ev->auc, ev->macro_f1);
    }
    ImGui::EndChild();
    ImGui::EndGroup();

    // filters, activations, misclassified: refreshed twice a second while training
    // after training, the trainer's and the run's model were moved into the model store
    core::Model* live = !r->done && r->trainer ? &r->trainer->model() : r->entry ? &r->entry->model : nullptr;
    if (!live) return;
    const core::Dataset& val = s.data.all.val.size() > 0 ? s.data.all.val : s.data.all.test;
    if (s.stats.t - t.views_t > 0.5) {
        t.views_t = s.stats.t;
        refresh_filters(t, *live);
        if (val.size() > 0) refresh_activations(t, *live, val.image(std::min(t.act_image, val.size() - 1)));
    }
    ImGui::Spacing();
    const float tile_side = std::floor(std::min(e * 2.6f, (w - e * 3) / 2 / 8 - 3));
    if (t.filters_n > 0) {
        ImGui::BeginGroup();
        ImGui::TextUnformatted(t.filters_rgb ? "First-layer filters (RGB, each scaled to its range)" : "First-layer weights (32 units)");
        ImDrawList* dl = ImGui::GetWindowDrawList();
        ImVec2 p = ImGui::GetCursorScreenPos();
        const int tile = t.filters_tile, cols = t.filters_cols;
        const float tw = (float)t.filters_tex.width(), th = (float)t.filters_tex.height();
        HeatmapStyle hs;
        hs.cmap = kDiverging;
        hs.vmin = -1;
        hs.vmax = 1;
        for (int f = 0; f < t.filters_n; ++f) {
            int cx = f % cols, cy = f / cols;
            ImVec2 q(p.x + cx * (tile_side + 3), p.y + cy * (tile_side + 3));
            ImVec2 uv0(cx * tile / tw, cy * tile / th), uv1((cx * tile + tile - 1) / tw, (cy * tile + tile - 1) / th);
            if (t.filters_rgb) dl->AddImage(t.filters_tex.im(), q, ImVec2(q.x + tile_side, q.y + tile_side), uv0, uv1);
            else {
                // heatmap_draw covers the whole texture; draw the sub-rectangle through a clip
                float fw = tile_side * tw / (tile - 1), fh = tile_side * th / (tile - 1);
                ImVec2 o(q.x - uv0.x * fw, q.y - uv0.y * fh);
                dl->PushClipRect(q, ImVec2(q.x + tile_side, q.y + tile_side), true);
                heatmap_draw(dl, t.filters_tex, o, ImVec2(o.x + fw, o.y + fh), hs);
                dl->PopClipRect();
            }
        }
        int rows = (t.filters_n + cols - 1) / cols;
        ImGui::Dummy(ImVec2(cols * (tile_side + 3), rows * (tile_side + 3)));
        ImGui::EndGroup();
        ImGui::SameLine(0, e * 1.5f);
    }
    if (t.acts_n > 0) {
        ImGui::BeginGroup();
        ImGui::Text("Activations after the first ReLU (validation image %d)", t.act_image);
        ImDrawList* dl = ImGui::GetWindowDrawList();
        ImVec2 p = ImGui::GetCursorScreenPos();
        const int cols = t.acts_cols, H = t.acts_side;
        const float tw = (float)t.acts_tex.width(), th = (float)t.acts_tex.height();
        const float tile_w = tw / cols, tile_h = H + 2.0f;
        HeatmapStyle hs;
        hs.cmap = kViridis;
        for (int c = 0; c < t.acts_n; ++c) {
            int cx = c % cols, cy = c / cols;
            ImVec2 q(p.x + cx * (tile_side + 3), p.y + cy * (tile_side + 3));
            float fw = tile_side * tw / H, fh = tile_side * th / H;
            ImVec2 o(q.x - cx * tile_w / tw * fw, q.y - cy * tile_h / th * fh);
            dl->PushClipRect(q, ImVec2(q.x + tile_side, q.y + tile_side), true);
            heatmap_draw(dl, t.acts_tex, o, ImVec2(o.x + fw, o.y + fh), hs);
            dl->PopClipRect();
        }
        int rows = (t.acts_n + cols - 1) / cols;
        ImGui::Dummy(ImVec2(cols * (tile_side + 3), rows * (tile_side + 3)));
        ImGui::SetNextItemWidth(e * 8);
        ImGui::SliderInt("image##act", &t.act_image, 0, std::max(0, val.size() - 1));
        ImGui::EndGroup();
    }

    // misclassified validation images (up to 256 checked, a slice per frame)
    int epochs_done = r->trainer ? r->trainer->metrics().epoch : (r->done ? 1 : 0);
    if (epochs_done > 0 && epochs_done != t.wrong_epoch && !t.running) {
        t.wrong_pred.reset(&val, 256);
        t.wrong_epoch = epochs_done;
    } else if (epochs_done > 0 && epochs_done != t.wrong_epoch && t.wrong_pred.done()) {
        t.wrong_pred.reset(&val, 256);
        t.wrong_epoch = epochs_done;
    }
    if (t.wrong_pred.n > 0 && !t.wrong_pred.done()) {
        int chunk = (int)std::clamp(1e8 / std::max(1L, live->flops_per_image()), 1.0, 16.0);
        if (t.wrong_pred.step(*live, 4.0, chunk)) {
            t.wrong_idx.clear();
            t.wrong_pred_class.clear();
            for (int i = 0; i < t.wrong_pred.n; ++i) {
                int p = core::argmax(&t.wrong_pred.probs[(size_t)i * 8], 8);
                if (p != val.labels[i]) { t.wrong_idx.push_back(i); t.wrong_pred_class.push_back(p); }
            }
            int n = std::min<int>((int)t.wrong_idx.size(), 32);
            std::vector<uint8_t> rgb((size_t)n * core::kImageBytes);
            for (int i = 0; i < n; ++i)
                for (int y = 0; y < 28; ++y)
                    std::copy_n(val.image(t.wrong_idx[i]) + y * 84, 84, &rgb[((size_t)y * n * 28 + i * 28) * 3]);
            if (n > 0) t.wrong_tex.upload_rgb(rgb.data(), n * 28, 28, true);
        }
    }
    if (!t.wrong_idx.empty() && t.wrong_tex.valid()) {
        ImGui::Spacing();
        ImGui::Text("Misclassified validation images: %d of %d checked (label -> prediction)", (int)t.wrong_idx.size(), t.wrong_pred.n);
        int n = std::min<int>((int)t.wrong_idx.size(), 32);
        float th = std::round(e * 3.2f);
        int per_row = std::max(1, (int)((w + 6) / (th + e * 0.5f)));
        for (int i = 0; i < n; ++i) {
            if (i % per_row) ImGui::SameLine(0, e * 0.5f);
            ImGui::BeginGroup();
            ImGui::Image(t.wrong_tex.im(), ImVec2(th, th), ImVec2(i / (float)n, 0), ImVec2((i + 1) / (float)n, 1));
            int truth = val.labels[t.wrong_idx[i]], pred = t.wrong_pred_class[i];
            ImVec2 q = ImGui::GetItemRectMin();
            ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(q.x, q.y + th - 4), ImVec2(q.x + th / 2, q.y + th), class_color(truth));
            ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(q.x + th / 2, q.y + th - 4), ImVec2(q.x + th, q.y + th), class_color(pred));
            ImGui::EndGroup();
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s, predicted %s", core::kClassNames[truth], core::kClassNames[pred]);
        }
    }
}

void draw_train_panel(AppState& s) {
    TrainState& t = train_state(s);
    const float e = ui::em();
    ui::begin_card("##train_side", ImVec2(std::max(e * 19, ImGui::GetContentRegionAvail().x * 0.26f), 0));
    ui::heading("Training");
    draw_controls(s, t);
    ImGui::Spacing();
    draw_settings(s, t);
    ui::end_card();
    ImGui::SameLine();
    ImGui::BeginChild("##train_main", ImVec2(0, 0), false);
    draw_live(s, t);
    ImGui::EndChild();
}

// [SECTION] commands and JSON
std::string train_command(AppState& s, const std::string& cmd) {
    TrainState& t = train_state(s);
    auto names = core::model_names();
    if (cmd == "init") {
        t.cfg.batch = default_batch(s, names[t.model_idx]);
        load_pretrained(s);
        return "";
    }
    if (cmd == "shutdown") { t.conf_tex.release(); t.filters_tex.release(); t.acts_tex.release(); t.wrong_tex.release(); return ""; }
    if (cmd == "data-changed") {
        // predictions in flight point into the old splits: drop them
        t.data_version++;
        t.wrong_pred.reset(nullptr, 0);
        t.wrong_idx.clear();
        t.wrong_pred_class.clear();
        t.wrong_epoch = -1;
        t.act_image = 0;
        t.views_t = -1;
        return "";
    }
    if (cmd.rfind("train:model=", 0) == 0) {
        std::string n = cmd.substr(12);
        for (int i = 0; i < (int)names.size(); ++i)
            if (names[i] == n) {
                if (t.running) return "training is running";
                t.model_idx = i;
                t.cfg.batch = default_batch(s, n);
                return "";
            }
        return "unknown model '" + n + "'";
    }
    if (cmd.rfind("train:epochs=", 0) == 0) { t.cfg.epochs = std::max(1, atoi(cmd.c_str() + 13)); return ""; }
    if (cmd.rfind("train:batch=", 0) == 0) { t.cfg.batch = std::max(1, atoi(cmd.c_str() + 12)); return ""; }
    if (cmd == "train:start" || cmd == "train:step") {
        if (!t.run || t.run->done) {
            std::string err;
            auto r = make_run(s, names[t.model_idx], t.cfg, err);
            if (!r) { notify(s, LogEntry::Error, "Cannot train: " + err); return err; }
            t.run = std::move(r);
            t.runs_started++;
            t.wrong_epoch = -1;
            t.wrong_idx.clear();
            t.views_t = -1;
            s.log.info("Training " + t.run->spec.name + " on " + std::to_string(t.run->train_n) + " images (" + t.run->hyper + ")");
        }
        if (t.run->trainer && t.run->trainer->diverged()) {
            std::string why = "training diverged: pick a lower learning rate and press Resume at this rate";
            notify(s, LogEntry::Warn, why);
            return why;
        }
        if (cmd == "train:start") t.running = true;
        else {
            run_step(s, *t.run, t.slice_ms);
            if (t.run->done) finish_run(s, t);
            else if (t.run->trainer && t.run->trainer->diverged()) {
                t.running = true;  // so report_divergence speaks once
                report_divergence(s, t);
            }
        }
        return "";
    }
    if (cmd.rfind("train:resume=", 0) == 0) {
        if (!t.run || !t.run->trainer || !t.run->trainer->diverged()) return "nothing to resume: no run has diverged";
        float lr = (float)atof(cmd.c_str() + 13);
        core::Status ok = t.run->trainer->resume(lr);
        if (!ok) { notify(s, LogEntry::Error, "Cannot resume: " + ok.message); return ok.message; }
        t.cfg.lr = lr;
        t.running = true;
        char msg[96];
        snprintf(msg, sizeof msg, "Resuming with learning rate %.1e from the last good weights", lr);
        s.log.info(msg);
        return "";
    }
    if (cmd.rfind("train:lr=", 0) == 0) {
        float lr = (float)atof(cmd.c_str() + 9);
        core::TrainConfig c = t.cfg;
        c.lr = lr;
        core::Status ok = core::validate(c);
        if (!ok) return ok.message;
        t.cfg.lr = lr;
        return "";
    }
    if (cmd == "train:pause") { t.running = false; return ""; }
    if (cmd == "train:reset") { t.running = false; t.run.reset(); t.wrong_idx.clear(); t.wrong_epoch = -1; return ""; }
    if (cmd.rfind("model:save=", 0) == 0) {
        int i = atoi(cmd.c_str() + 11);
        if (i < 0 || i >= (int)t.models.size()) return "no model " + cmd.substr(11);
        if (!s.platform.save_bytes) return "this platform cannot save files";
        std::string where = s.platform.save_bytes("model.bcm", t.models[i]->model.save());
        return where.empty() ? "could not save model.bcm" : "";
    }
    if (cmd.rfind("model:use=", 0) == 0) {
        int i = atoi(cmd.c_str() + 10);
        if (i < 0 || i >= (int)t.models.size()) return "no model " + cmd.substr(10);
        t.active = i;
        classify_rerun_all(s);
        return "";
    }
    if (cmd.rfind("compare:", 0) == 0 || cmd.rfind("tune:", 0) == 0) {
        extern std::string compare_command(AppState & s, const std::string& cmd);
        return compare_command(s, cmd);
    }
    return "unknown command '" + cmd + "'";
}

std::string train_state_json(const AppState& s) {
    if (!s.train) return "";
    const TrainState& t = *s.train;
    std::ostringstream o;
    o << "{\"model_ready\":" << (t.active >= 0 ? "true" : "false") << ",\"active\":\""
      << (t.active >= 0 ? json_escape(t.models[t.active]->label) : "") << "\",\"running\":" << (t.running ? "true" : "false");
    o << ",\"models\":[";
    for (size_t i = 0; i < t.models.size(); ++i) {
        const ModelEntry& e = *t.models[i];
        o << (i ? "," : "") << "{\"label\":\"" << json_escape(e.label) << "\",\"params\":" << e.params
          << ",\"evaluated\":" << (e.evaluated ? "true" : "false") << ",\"acc\":" << (e.evaluated ? e.test.acc : -1)
          << ",\"auc\":" << (e.evaluated && std::isfinite(e.test.auc) ? e.test.auc : -1) << "}";
    }
    o << "]";
    if (t.run) {
        const Run& r = *t.run;
        o << ",\"run\":{\"model\":\"" << r.spec.name << "\",\"done\":" << (r.done ? "true" : "false") << ",\"error\":\""
          << json_escape(r.error) << "\",\"seconds\":" << r.seconds;
        if (r.trainer) {
            const core::TrainMetrics& m = r.trainer->metrics();
            o << ",\"epoch\":" << m.epoch << ",\"epochs\":" << m.epochs << ",\"step\":" << m.step << ",\"progress\":" << m.progress
              << ",\"images_per_second\":" << m.images_per_second << ",\"losses\":[";
            size_t n = m.batches.size(), from = n > 200 ? n - 200 : 0;
            for (size_t i = from; i < n; ++i) o << (i > from ? "," : "") << m.batches[i].loss;
            o << "],\"first_loss\":" << (n ? m.batches[0].loss : 0) << ",\"val_acc\":[";
            for (size_t i = 0; i < m.history.size(); ++i) o << (i ? "," : "") << m.history[i].val_acc;
            o << "],\"diverged\":" << (m.diverged ? "true" : "false") << ",\"diverged_message\":\""
              << json_escape(m.diverged_message) << "\",\"divergences\":" << m.divergences;
        }
        o << "}";
    }
    o << ",\"slice_ms\":" << s.stats.slice_ms << ",\"trials\":" << t.trials.size() << ",\"tune_running\":" << (t.tune_running ? "true" : "false");
    int tdone = 0;
    for (auto& tr : t.trials) tdone += tr.status == "done";
    o << ",\"trials_done\":" << tdone << "}";
    return o.str();
}

}  // namespace app
