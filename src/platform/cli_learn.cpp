// CLI commands over models: `train`, `eval`, `predict`, `tune`, `compare` and `bench`.
// They drive the same core API as the app: Trainer::step in a loop, Model::predict, metrics.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <thread>

#ifdef __EMSCRIPTEN__
#include <emscripten/heap.h>
#else
#include <sys/resource.h>
#endif

#include "core/gemm.h"

#include "core/dataset.h"
#include "core/forest.h"
#include "core/image.h"
#include "core/io.h"
#include "core/job.h"
#include "core/logreg.h"
#include "core/metrics.h"
#include "core/model.h"
#include "core/text.h"
#include "core/train.h"
#include "platform/cli_common.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb_image_write.h>
#include <stb_easy_font.h>

namespace cli {
namespace {

// ---- [SECTION] shared option handling -----------------------------------------------------------
// A run's settings: the model's recipe (core/recipe.h), then every setting given on the command line.
// Numbers are checked here first so a typo names its option ("--epochs: expected an integer").
bool parse_settings(const Args& a, const std::string& model, core::RunSettings& s, std::string& err) {
    static const char* ints[] = {"epochs", "batch", "patience", "seed", "width", "hidden", "trees", "max-depth", "iterations"};
    static const char* reals[] = {"lr", "wd", "momentum", "ema", "dropout"};
    static const char* words[] = {"optimizer", "schedule", "layers"};
    s = core::recipe(model);
    bool ok = true;
    auto set = [&](const std::string& key, const std::string& value) {
        core::Status st = core::set_option(s, key, value);
        if (!st) err = st.message;
        return st.ok;
    };
    for (const char* k : ints)
        if (a.has(k)) {
            a.get_int(k, 0, ok);
            if (!ok || !set(k, a.get(k))) return false;
        }
    for (const char* k : reals)
        if (a.has(k)) {
            a.get_double(k, 0, ok);
            if (!ok || !set(k, a.get(k))) return false;
        }
    for (const char* k : words)
        if (a.has(k) && !set(k, a.get(k))) return false;
    if (a.has("pixels")) set("pixels", "1");
    if (a.has("centered")) set("centered", "1");
    if (a.has("uncentered")) set("centered", "0");
    if (a.has("augment")) set("augment", "1");
    else if (a.has("no-augment")) set("augment", "0");
    s.fit.threads = core::nn::num_threads();
    return true;
}

// The checked spec of a run from the command line (err names the problem).
bool parse_spec(const Args& a, const std::string& model, core::TrainJobSpec& spec, std::string& err) {
    core::RunSettings s;
    if (!parse_settings(a, model, s, err)) return false;
    auto r = core::resolve(s);
    if (!r) {
        err = r.error;
        return false;
    }
    spec = r.value;
    return true;
}

// A comma-separated list of names ("fcnn,cnn"); empty items are skipped.
std::vector<std::string> names_in(const std::string& list) {
    std::vector<std::string> out;
    for (std::string& n : core::split(list, ','))
        if (!n.empty()) out.push_back(std::move(n));
    return out;
}

bool apply_threads(const Args& a) {
    bool ok = true;
    int t = a.get_int("threads", 0, ok);
    if (ok && t > 0) core::nn::set_num_threads(t);
    return ok;
}

std::string eval_json(const core::Evaluation& e) {
    std::string o = "{\"n\":" + std::to_string(e.n) + ",\"acc\":" + fmt(e.acc) + ",\"auc\":" + fmt(e.auc) +
                    ",\"loss\":" + fmt(e.loss) + ",\"macro_f1\":" + fmt(e.macro_f1) + ",\"ms_per_image\":" +
                    fmt(e.ms_per_image) + ",\"per_class\":[";
    for (int c = 0; c < core::kClasses; ++c)
        o += std::string(c ? "," : "") + "{\"class\":\"" + core::kClassNames[c] + "\",\"precision\":" + fmt(e.precision[c]) +
             ",\"recall\":" + fmt(e.recall[c]) + ",\"f1\":" + fmt(e.f1[c]) + ",\"auc\":" + fmt(e.class_auc[c]) +
             ",\"support\":" + std::to_string(e.support[c]) + "}";
    o += "],\"confusion\":[";
    for (int t = 0; t < core::kClasses; ++t) {
        o += t ? ",[" : "[";
        for (int p = 0; p < core::kClasses; ++p) o += (p ? "," : "") + std::to_string(e.confusion[t][p]);
        o += "]";
    }
    return o + "]}";
}

// Trains any model on `train` (selecting on `val`) as a core::TrainJob; progress on stderr.
struct TrainOutcome {
    core::Model model;
    core::TrainMetrics metrics;
    double seconds = 0;
    std::string error;
};

// One line per finished epoch and a progress bar within it (networks).
void print_epochs(const core::TrainMetrics& m, int& shown, std::unique_ptr<Progress>& bar, long per_epoch) {
    if (bar) {
        long in_epoch = (long)std::llround(m.progress * m.epochs * per_epoch) - (long)m.epoch * per_epoch;
        char extra[96];
        std::snprintf(extra, sizeof extra, "loss %.4f  %.0f img/s", m.batches.empty() ? 0.f : m.batches.back().loss,
                      m.images_per_second);
        if (m.epoch == shown) bar->update(std::max(0L, in_epoch), extra);
    }
    while (shown < m.epoch) {
        const core::EpochRecord& r = m.history[shown];
        char line[256];
        std::snprintf(line, sizeof line, "train loss %.4f acc %.4f | val loss %.4f acc %.4f auc %.4f | lr %.2g%s", r.train_loss,
                      r.train_acc, r.val_loss, r.val_acc, r.val_auc, r.lr, m.best_epoch == r.epoch ? " *best" : "");
        if (bar) bar->finish(line);
        bar.reset();
        ++shown;
    }
}

TrainOutcome train_model(const core::TrainJobSpec& spec, const core::Dataset& train, const core::Dataset& val, bool quiet,
                         const std::string& checkpoint = "") {
    TrainOutcome out;
    auto made = core::TrainJob::create(spec, train, val);
    if (!made) {
        out.error = made.error;
        return out;
    }
    core::TrainJob& job = *made.value;
    const bool nn = spec.model.family == core::Family::nn;
    if (nn && !quiet)
        std::fprintf(stderr, "%s: %zu parameters, %.1f MFLOP/image, %d train / %d val images, %d epochs\n",
                     spec.model.name.c_str(), job.live_model()->param_count(), job.live_model()->flops_per_image() / 1e6,
                     train.size(), val.size(), spec.train.epochs);
    const long per_epoch = train.size() + val.size();
    std::unique_ptr<Progress> bar;
    if (!nn && !quiet) bar.reset(new Progress("fit " + spec.model.name, 1000));
    int shown = 0, saved_epoch = 0;
    core::JobSnapshot snap;
    for (bool more = true; more;) {
        if (nn && !bar && !quiet)
            bar.reset(new Progress("epoch " + std::to_string(shown + 1) + "/" + std::to_string(spec.train.epochs), per_epoch));
        more = job.step({nn ? spec.train.batch * 4L : 256L, 0});
        snap = job.snapshot();
        if (!nn) {
            if (bar) bar->update((long)(snap.progress * 1000));
            continue;
        }
        if (!quiet) print_epochs(snap.train, shown, bar, per_epoch);
        if (!checkpoint.empty() && snap.train.best_epoch > saved_epoch) {
            saved_epoch = snap.train.best_epoch;
            core::Model best = job.best_model_copy();
            auto bytes = best.save();
            core::Status w = core::io::write_file_atomic(checkpoint, bytes.data(), bytes.size());
            if (!w) std::fprintf(stderr, "warning: checkpoint not written: %s\n", w.message.c_str());
        }
    }
    if (snap.status == core::JobStatus::waiting) {
        // the CLI cannot ask for a new rate mid-run: report it and leave any model file untouched
        if (bar) bar->finish("diverged");
        out.error = snap.message + " (CLI: run again with a lower --lr.)";
        if (!checkpoint.empty() && saved_epoch > 0) out.error += " The best epoch so far is in " + checkpoint + ".";
        return out;
    }
    if (snap.status != core::JobStatus::done) {
        out.error = snap.message;
        return out;
    }
    if (bar) bar->finish();
    out.metrics = snap.train;
    out.model = job.take_model();
    out.seconds = snap.seconds;
    return out;
}

core::Result<core::BloodMnist> load_data(const Args& a) {
    std::string path = a.get("data");
    if (path.empty()) return core::Result<core::BloodMnist>::fail("--data DATA.npz is required");
    std::fprintf(stderr, "reading %s\n", path.c_str());
    return core::load_bloodmnist_file(path);
}

core::Result<core::Model> load_model_file(const std::string& path) {
    auto bytes = core::io::read_file(path);
    if (!bytes) return core::Result<core::Model>::fail(bytes.error);
    return core::Model::load(bytes.value.data(), bytes.value.size(), path);
}

// The training images (the train split, or the --subset of the split it names) and the validation
// images the recipe pairs with them (core::validation_subset: all of val unless capped per class).
struct Picked {
    core::Dataset train, val;
};
core::Result<Picked> pick_data(const Args& a, const core::BloodMnist& data) {
    Picked p;
    if (!a.has("subset")) {
        p.train = data.train;
        p.val = data.val;
        return core::Result<Picked>::of(std::move(p));
    }
    auto ss = core::parse_subset(a.get("subset"));
    // the message already starts with "subset", so "--" makes it name the option once
    if (!ss) return core::Result<Picked>::fail("--" + ss.error);
    p.train = core::make_subset(data.split(ss.value.split), ss.value);
    p.val = core::make_subset(data.val, core::validation_subset(ss.value));
    return core::Result<Picked>::of(std::move(p));
}

// ---- [SECTION] train --------------------------------------------------------------------------
int cmd_train(const Args& a) {
    if (!a.has("model")) return fail("train: --model NAME is required (fcnn, cnn, vgg6, logreg, forest)");
    if (!a.has("out")) return fail("train: --out MODEL.bcm is required");
    if (!apply_threads(a)) return 1;
    core::TrainJobSpec spec;
    std::string err;
    if (!parse_spec(a, a.get("model"), spec, err)) return err.empty() ? 1 : fail("train: " + err);
    auto data = load_data(a);
    if (!data) return fail(data.error);
    auto picked = pick_data(a, data.value);
    if (!picked) return fail(picked.error);
    const core::Dataset& train = picked.value.train;
    if (train.size() == 0) return fail("train: the subset is empty");
    const std::string out_path = a.get("out");
    TrainOutcome r = train_model(spec, train, picked.value.val, a.has("quiet"), a.has("checkpoint") ? out_path : "");
    if (!r.error.empty()) return fail("train: " + r.error);
    core::TrainRecord rec = r.model.record();
    rec.data = a.get("data");
    r.model.set_record(rec);
    auto bytes = r.model.save();
    core::Status w = core::io::write_file_atomic(out_path, bytes.data(), bytes.size());
    if (!w) return fail(w.message);
    core::Evaluation val = core::evaluate_model(r.model, data.value.val);
    std::fprintf(stderr, "wrote %s (%zu bytes) in %.1fs; val ACC %.4f AUC %.4f\n", out_path.c_str(), bytes.size(),
                 r.seconds, val.acc, val.auc);
    if (a.has("json")) {
        std::string o = "{\"model\":\"" + json_escape(spec.model.name) + "\",\"out\":\"" + json_escape(out_path) +
                        "\",\"bytes\":" + std::to_string(bytes.size()) + ",\"params\":" + std::to_string(r.model.param_count()) +
                        ",\"train_images\":" + std::to_string(train.size()) + ",\"seconds\":" + fmt(r.seconds) +
                        ",\"images_per_second\":" + fmt(r.metrics.images_per_second) + ",\"best_epoch\":" +
                        std::to_string(r.metrics.best_epoch) + ",\"val\":" + eval_json(val) + ",\"history\":[";
        for (size_t i = 0; i < r.metrics.history.size(); ++i) {
            const auto& h = r.metrics.history[i];
            o += std::string(i ? "," : "") + "{\"epoch\":" + std::to_string(h.epoch) + ",\"train_loss\":" + fmt(h.train_loss) +
                 ",\"train_acc\":" + fmt(h.train_acc) + ",\"val_loss\":" + fmt(h.val_loss) + ",\"val_acc\":" + fmt(h.val_acc) +
                 ",\"val_auc\":" + fmt(h.val_auc) + ",\"lr\":" + fmt(h.lr) + ",\"seconds\":" + fmt(h.seconds) + "}";
        }
        std::printf("%s]}\n", o.c_str());
    }
    return 0;
}

// ---- [SECTION] eval ---------------------------------------------------------------------------
int cmd_eval(const Args& a) {
    if (!a.has("model")) return fail("eval: --model MODEL.bcm is required");
    if (!apply_threads(a)) return 1;
    auto model = load_model_file(a.get("model"));
    if (!model) return fail(model.error);
    auto split = core::parse_split(a.get("split", "test"));
    if (!split) return fail("--split: " + split.error);
    auto data = load_data(a);
    if (!data) return fail(data.error);
    const core::Dataset& d = data.value.split(split.value);
    bool tta = a.has("tta");
    std::fprintf(stderr, "evaluating %s (%s) on %d %s images%s\n", a.get("model").c_str(), model.value.spec().name.c_str(),
                 d.size(), core::split_name(split.value), tta ? " with 8-view test-time averaging" : "");
    auto shared = std::make_shared<core::Model>(std::move(model.value));
    core::EvalJob job(shared, &d, tta);
    Progress bar("evaluate", d.size());
    while (job.step({0, 250.0})) bar.update(job.snapshot().done);
    bar.finish();
    core::JobSnapshot snap = job.snapshot();
    if (snap.status != core::JobStatus::done) return fail("eval: " + snap.message);
    const core::Evaluation& e = snap.eval;
    const std::string trained = shared->record().summary();
    if (a.has("json")) {
        std::printf("{\"model\":\"%s\",\"arch\":\"%s\",\"trained\":\"%s\",\"split\":\"%s\",\"tta\":%s,\"eval\":%s}\n",
                    json_escape(a.get("model")).c_str(), json_escape(shared->spec().name).c_str(), json_escape(trained).c_str(),
                    core::split_name(split.value), tta ? "true" : "false", eval_json(e).c_str());
    } else {
        std::printf("%s on %s (%s)%s\ntrained: %s\n%s\ninference %.3f ms/image\n", a.get("model").c_str(),
                    core::split_name(split.value), shared->spec().name.c_str(), tta ? ", 8-view TTA" : "", trained.c_str(),
                    core::format_evaluation(e).c_str(), e.ms_per_image);
    }
    return 0;
}

// ---- [SECTION] predict ------------------------------------------------------------------------
int cmd_predict(const Args& a) {
    if (!a.has("model")) return fail("predict: --model MODEL.bcm is required");
    if (a.positional.empty()) return fail("predict: give one or more IMAGE files (PNG/JPG, any size)");
    auto model = load_model_file(a.get("model"));
    if (!model) return fail(model.error);
    bool tta = a.has("tta"), json = a.has("json");
    // files that cannot be read are reported in order and skipped; the rest is one batch job
    std::vector<core::ClassifyItem> items;
    std::vector<std::string> unread;  // per position: the read error, or "" if queued
    for (const std::string& path : a.positional) {
        auto bytes = core::io::read_file(path);
        unread.push_back(bytes ? "" : bytes.error);
        if (bytes) items.push_back({path, std::move(bytes.value)});
    }
    core::ClassifyJob job(std::make_shared<core::Model>(std::move(model.value)), std::move(items), tta);
    while (job.step({64, 0})) {
    }
    std::string o = "{\"model\":\"" + json_escape(a.get("model")) + "\",\"predictions\":[";
    int rc = 0;
    bool first = true;
    size_t next = 0;
    for (const std::string& why : unread) {
        if (!why.empty()) {
            rc = fail(why);
            continue;
        }
        const core::ClassifyResult& r = job.results()[next++];
        if (!r.error.empty()) {
            rc = fail(r.error);
            continue;
        }
        const std::vector<float>& p = r.probs;
        if (json) {
            o += std::string(first ? "" : ",") + "{\"file\":\"" + json_escape(r.name) + "\",\"class\":\"" +
                 core::kClassNames[r.top] + "\",\"label\":" + std::to_string(r.top) + ",\"probabilities\":[";
            for (int c = 0; c < core::kClasses; ++c) o += (c ? "," : "") + fmt(p[c], 5);
            o += "]}";
        } else {
            std::printf("%s: %s (%.3f)", r.name.c_str(), core::kClassNames[r.top], p[r.top]);
            for (int c = 0; c < core::kClasses; ++c) std::printf(" %s=%.3f", core::kClassShortNames[c], p[c]);
            std::printf("\n");
        }
        first = false;
    }
    if (json) std::printf("%s]}\n", o.c_str());
    return rc;
}

BLOODCELL_COMMAND("train",
                  "train --model NAME --data DATA.npz [--epochs E] [--batch B] [--lr LR] [--seed S] "
                  "[--subset per-class=N,fraction=F] [--augment] [--width W] [--hidden H] [--dropout P] "
                  "[--optimizer adam|sgd] [--wd WD] [--schedule cosine|constant|step] [--patience P] [--ema DECAY] "
                  "[--layers \"conv3x3 16 same;relu;gap;dense 8\"] [--trees T] [--pixels] [--centered|--uncentered] [--threads N] "
                  "[--checkpoint] --out MODEL.bcm",
                  "train a model (best epoch on val) and write its model file", cmd_train,
                  {"pixels", "checkpoint", "no-augment", "centered", "uncentered"});
BLOODCELL_COMMAND("eval", "eval --model MODEL.bcm --data DATA.npz [--split test] [--tta]",
                  "ACC, AUC, per-class precision/recall/F1, confusion matrix", cmd_eval);
BLOODCELL_COMMAND("predict", "predict --model MODEL.bcm [--tta] IMAGE...",
                  "class and the 8 probabilities per image", cmd_predict);

// ---- [SECTION] tune ---------------------------------------------------------------------------
// --grid "lr=1e-3,3e-4;batch=32,64;hidden=250,500": every combination (or --random N of them), run as
// one core::TuneJob; one row per trial.
int cmd_tune(const Args& a) {
    if (!a.has("model")) return fail("tune: --model NAME is required");
    if (!a.has("grid")) return fail("tune: --grid \"lr=1e-3,3e-4;batch=32,64\" is required");
    if (!apply_threads(a)) return 1;
    bool ok = true;
    int random = a.get_int("random", 0, ok);
    int seed = a.get_int("seed", 0, ok);
    if (!ok) return 1;
    core::RunSettings base;
    std::string err;
    if (!parse_settings(a, a.get("model"), base, err)) return err.empty() ? 1 : fail("tune: " + err);
    auto trials = core::grid_trials(base, a.get("grid"), random, (uint64_t)seed);
    if (!trials) return fail("--" + trials.error);
    auto data = load_data(a);
    if (!data) return fail(data.error);
    auto picked = pick_data(a, data.value);
    if (!picked) return fail(picked.error);
    const size_t n = trials.value.size();
    std::fprintf(stderr, "tune %s: %zu trials on %d train images, selecting on %d val images\n", a.get("model").c_str(), n,
                 picked.value.train.size(), picked.value.val.size());
    auto made = core::TuneJob::create(std::move(trials.value), std::move(picked.value.train), std::move(picked.value.val));
    if (!made) return fail("tune: " + made.error);
    core::TuneJob& job = *made.value;
    size_t reported = 0;
    core::JobSnapshot snap;
    for (bool more = true; more;) {
        more = job.step({0, 500.0});
        snap = job.snapshot();
        for (; reported < n && snap.trials[reported].status != "queued" && snap.trials[reported].status != "running"; ++reported) {
            const core::TrialResult& r = snap.trials[reported];
            std::fprintf(stderr, "trial %zu/%zu: %s -> %s, val ACC %.4f AUC %.4f in %.1fs\n", reported + 1, n, r.desc().c_str(),
                         r.status.c_str(), r.val_acc, r.val_auc, r.seconds);
        }
    }
    std::string csv = "trial";
    for (auto& p : snap.trials[0].params) csv += "," + p.first;
    csv += ",val_acc,val_auc,best_epoch,seconds,status\n";
    std::string json = "{\"model\":\"" + json_escape(a.get("model")) + "\",\"trials\":[";
    for (size_t t = 0; t < n; ++t) {
        const core::TrialResult& r = snap.trials[t];
        csv += std::to_string(t + 1);
        json += std::string(t ? "," : "") + "{\"trial\":" + std::to_string(t + 1) + ",\"params\":{";
        for (size_t k = 0; k < r.params.size(); ++k) {
            csv += "," + r.params[k].second;
            json += std::string(k ? "," : "") + "\"" + r.params[k].first + "\":" + fmt(std::strtod(r.params[k].second.c_str(), nullptr));
        }
        csv += "," + fmt(r.val_acc) + "," + fmt(r.val_auc) + "," + std::to_string(r.best_epoch) + "," + fmt(r.seconds, 4) + "," +
               r.status + "\n";
        json += "},\"val_acc\":" + fmt(r.val_acc) + ",\"val_auc\":" + fmt(r.val_auc) + ",\"best_epoch\":" +
                std::to_string(r.best_epoch) + ",\"seconds\":" + fmt(r.seconds, 4) + ",\"status\":\"" + r.status + "\"}";
    }
    if (snap.best_trial < 0) return fail("tune: no trial finished (every one diverged or failed)");
    json += "],\"best_trial\":" + std::to_string(snap.best_trial + 1) + "}";
    if (a.has("csv-out")) {
        core::Status w = core::io::write_text_file(a.get("csv-out"), csv);
        if (!w) return fail(w.message);
    }
    if (a.has("json")) std::printf("%s\n", json.c_str());
    else std::printf("%s", csv.c_str());
    std::fprintf(stderr, "best: trial %d (val ACC %.4f)\n", snap.best_trial + 1, snap.trials[snap.best_trial].val_acc);
    return 0;
}

// ---- [SECTION] compare ------------------------------------------------------------------------
// Draws a horizontal bar chart of test ACC per model (with labels from stb_easy_font) into a PNG.
bool write_bar_png(const std::string& path, const std::vector<std::string>& names, const std::vector<double>& acc,
                   const std::vector<double>& auc) {
    const int W = 640, row = 40, H = 50 + row * (int)names.size() + 20, x0 = 120, x1 = W - 60;
    std::vector<uint8_t> px((size_t)W * H * 3, 255);
    auto rect = [&](int ax, int ay, int bx, int by, uint8_t r, uint8_t g, uint8_t b) {
        for (int y = std::max(0, ay); y < std::min(H, by); ++y)
            for (int x = std::max(0, ax); x < std::min(W, bx); ++x) {
                uint8_t* p = &px[((size_t)y * W + x) * 3];
                p[0] = r, p[1] = g, p[2] = b;
            }
    };
    auto text = [&](int x, int y, const std::string& s, int scale) {
        static char buf[60000];
        int quads = stb_easy_font_print(0, 0, (char*)s.c_str(), nullptr, buf, sizeof buf);
        const float* v = (const float*)buf;  // 4 vertices per quad: x, y, z, color(4 bytes)
        for (int q = 0; q < quads; ++q) {
            const float* a0 = v + q * 16;
            const float* a2 = v + q * 16 + 8;
            rect(x + (int)(a0[0] * scale), y + (int)(a0[1] * scale), x + (int)(a2[0] * scale), y + (int)(a2[1] * scale), 20, 20, 20);
        }
    };
    text(10, 10, "BloodMNIST test accuracy (bar) and macro AUC", 2);
    // scale: ACC from 0.5 to 1.0 so differences near the top are visible
    const double lo = 0.5;
    for (size_t i = 0; i < names.size(); ++i) {
        int y = 50 + row * (int)i;
        text(10, y + 8, names[i], 2);
        double f = std::max(0.0, std::min(1.0, (acc[i] - lo) / (1.0 - lo)));
        rect(x0, y + 4, x0 + (int)((x1 - x0) * f), y + row - 6, 150, 185, 230);
        char b[64];
        std::snprintf(b, sizeof b, "%.3f / %.4f", acc[i], auc[i]);
        text(x0 + 6, y + 12, b, 2);
    }
    for (int t = 0; t <= 5; ++t) {
        int x = x0 + (x1 - x0) * t / 5;
        rect(x, 44, x + 1, H - 14, 150, 150, 150);
        char b[16];
        std::snprintf(b, sizeof b, "%.1f", lo + 0.1 * t);
        text(x - 8, H - 12, b, 1);
    }
    // encoded in memory, then written like the model files: a temporary file and a rename
    int len = 0;
    unsigned char* png = stbi_write_png_to_mem(px.data(), W * 3, W, H, 3, &len);
    if (!png) return false;
    core::Status w = core::io::write_file_atomic(path, png, (size_t)len);
    std::free(png);
    return w.ok;
}

int cmd_compare(const Args& a) {
    if (!apply_threads(a)) return 1;
    auto data = load_data(a);
    if (!data) return fail(data.error);
    std::vector<std::string> names = names_in(a.get("models", "logreg,forest,fcnn,cnn,vgg6"));
    // --use vgg6=assets/vgg6_w32.bcm,cnn=cnn.bcm: evaluate these files instead of training
    std::map<std::string, std::string> use;
    for (const std::string& kv : names_in(a.get("use"))) {
        size_t eq = kv.find('=');
        if (eq == std::string::npos) return fail("--use: '" + kv + "' is not NAME=MODEL.bcm");
        use[kv.substr(0, eq)] = kv.substr(eq + 1);
        if (std::find(names.begin(), names.end(), kv.substr(0, eq)) == names.end()) names.push_back(kv.substr(0, eq));
    }
    auto picked = pick_data(a, data.value);
    if (!picked) return fail(picked.error);
    const core::Dataset& train = picked.value.train;
    const core::Dataset& test = data.value.test;
    struct Row {
        std::string name, how;
        double acc, auc, f1, train_s, infer_ms;
        size_t params;
    };
    std::vector<Row> rows;
    for (const std::string& name : names) {
        Row r{name, "", 0, 0, 0, NAN, 0, 0};
        core::Model model;
        if (use.count(name)) {
            auto m = load_model_file(use[name]);
            if (!m) return fail(m.error);
            model = std::move(m.value);
            r.how = use[name];
            if (auto ts = model.record().train_seconds) r.train_s = *ts;
        } else {
            core::TrainJobSpec spec;
            std::string err;
            if (!parse_spec(a, name, spec, err)) return err.empty() ? 1 : fail("compare: " + name + ": " + err);
            std::fprintf(stderr, "== %s\n", name.c_str());
            TrainOutcome t = train_model(spec, train, picked.value.val, a.has("quiet"));
            if (!t.error.empty()) return fail("compare: " + name + ": " + t.error);
            model = std::move(t.model);
            r.train_s = t.seconds;
            r.how = spec.summary;
        }
        core::Evaluation e = core::evaluate_model(model, test);
        r.acc = e.acc, r.auc = e.auc, r.f1 = e.macro_f1, r.infer_ms = e.ms_per_image, r.params = model.param_count();
        std::fprintf(stderr, "%s: test ACC %.4f AUC %.4f, %.2f ms/image\n", name.c_str(), e.acc, e.auc, e.ms_per_image);
        rows.push_back(r);
    }
    std::string md = "| model | test ACC | test AUC | macro F1 | train s | infer ms/image | parameters | trained |\n"
                     "| --- | --- | --- | --- | --- | --- | --- | --- |\n";
    std::string csv = "model,test_acc,test_auc,macro_f1,train_seconds,infer_ms_per_image,params,trained\n";
    std::string json = "{\"test_images\":" + std::to_string(test.size()) + ",\"models\":[";
    for (size_t i = 0; i < rows.size(); ++i) {
        const Row& r = rows[i];
        char b[512];
        std::snprintf(b, sizeof b, "| %s | %.4f | %.4f | %.4f | %s | %.3f | %zu | %s |\n", r.name.c_str(), r.acc, r.auc, r.f1,
                      std::isnan(r.train_s) ? "?" : fmt(r.train_s, 4).c_str(), r.infer_ms, r.params, r.how.c_str());
        md += b;
        csv += core::csv_field(r.name) + "," + fmt(r.acc) + "," + fmt(r.auc) + "," + fmt(r.f1) + "," + fmt(r.train_s, 4) + "," +
               fmt(r.infer_ms, 4) + "," + std::to_string(r.params) + "," + core::csv_field(r.how) + "\n";
        json += std::string(i ? "," : "") + "{\"model\":\"" + json_escape(r.name) + "\",\"test_acc\":" + fmt(r.acc) +
                ",\"test_auc\":" + fmt(r.auc) + ",\"macro_f1\":" + fmt(r.f1) + ",\"train_seconds\":" + fmt(r.train_s, 4) +
                ",\"infer_ms_per_image\":" + fmt(r.infer_ms, 4) + ",\"params\":" + std::to_string(r.params) +
                ",\"trained\":\"" + json_escape(r.how) + "\"}";
    }
    json += "]}";
    if (a.has("csv-out")) {
        core::Status w = core::io::write_text_file(a.get("csv-out"), csv);
        if (!w) return fail(w.message);
    }
    if (a.has("md-out")) {
        core::Status w = core::io::write_text_file(a.get("md-out"), md);
        if (!w) return fail(w.message);
    }
    if (a.has("png")) {
        std::vector<std::string> n;
        std::vector<double> acc, auc;
        for (auto& r : rows) n.push_back(r.name), acc.push_back(r.acc), auc.push_back(r.auc);
        if (!write_bar_png(a.get("png"), n, acc, auc)) return fail(a.get("png") + ": cannot write the PNG");
    }
    if (a.has("json")) std::printf("%s\n", json.c_str());
    else if (a.has("csv")) std::printf("%s", csv.c_str());
    else std::printf("%s", md.c_str());
    return 0;
}

// ---- [SECTION] bench --------------------------------------------------------------------------
// Peak memory so far, MB: the process's peak resident set natively; the WebAssembly heap (which only
// grows) in the browser or under Node.
double peak_memory_mb() {
#ifdef __EMSCRIPTEN__
    return emscripten_get_heap_size() / 1048576.0;
#else
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
    return ru.ru_maxrss / 1024.0;  // Linux reports KB
#endif
}

// Throughput: training images/s (forward + backward + Adam, batch B), inference images/s (batch 256)
// and single-image latency, for each network. On random images, or with --data on the full train
// split of a BloodMNIST .npz (so peak memory includes the loaded data, as in the page).
int cmd_bench(const Args& a) {
    if (!apply_threads(a)) return 1;
    bool ok = true;
    double seconds = a.get_double("seconds", 3.0, ok);
    int batch = a.get_int("batch", 64, ok);
    if (!ok) return 1;
    if (batch < 1 || batch > 1024) return fail("--batch: want 1..1024");
    if (!(seconds > 0) || seconds > 3600) return fail("--seconds: want more than 0 and at most 3600");
    std::vector<std::string> names;
    if (a.has("model")) {
        names = names_in(a.get("model"));
        if (names.empty()) return fail("--model: name at least one network (fcnn, cnn, vgg6)");
    } else {
        names = {"fcnn", "cnn", "vgg6"};
    }
    core::BloodMnist data;
    core::Dataset random;
    const core::Dataset* d = &random;
    if (a.has("data")) {
        auto loaded = load_data(a);
        if (!loaded) return fail(loaded.error);
        data = std::move(loaded.value);
        d = &data.train;
    } else {
        core::Rng rng(1);
        const int n = 512;
        random.images.resize((size_t)n * core::kImageBytes);
        for (auto& v : random.images) v = (uint8_t)rng.below(256);
        for (int i = 0; i < n; ++i) random.labels.push_back((uint8_t)(i % 8));
    }
    const int infer_n = std::min(256, d->size());
    if (infer_n < 1) return fail("bench: no training images");
    std::string json = "{\"threads\":" + std::to_string(core::nn::num_threads()) + ",\"gemm\":\"" + core::gemm_backend() +
                       "\",\"data\":\"" + (a.has("data") ? "train split (" + std::to_string(d->size()) + " images)" : "random") +
                       "\",\"models\":[";
    // with --json, stdout carries only the JSON object; the table goes to stderr with the progress
    FILE* table = a.has("json") ? stderr : stdout;
    std::fprintf(table, "%-10s %10s %10s %12s %12s %14s %12s %10s\n", "model", "params", "MFLOP/img", "train img/s", "infer img/s",
                "latency ms", "train GFLOP/s", "peak MB");
    for (size_t i = 0; i < names.size(); ++i) {
        core::TrainJobSpec spec;
        std::string err;
        Args b = a;
        b.options["batch"] = std::to_string(batch);
        b.options["epochs"] = "1000";
        if (!parse_spec(b, names[i], spec, err)) return err.empty() ? 1 : fail("bench: " + err);
        if (spec.model.family != core::Family::nn) return fail("bench: " + names[i] + " is a feature model; bench measures networks");
        auto tr = core::Trainer::create(spec.model, *d, {}, spec.train);
        if (!tr) return fail(tr.error);
        tr.value->step(batch);  // warm-up (allocations)
        double t0 = now_seconds();
        long images0 = tr.value->metrics().images;
        while (now_seconds() - t0 < seconds) tr.value->step(batch);
        double train_ips = (tr.value->metrics().images - images0) / (now_seconds() - t0);
        core::Model& m = tr.value->model();
        m.predict(d->images.data(), infer_n);
        t0 = now_seconds();
        long done = 0;
        while (now_seconds() - t0 < seconds / 2) {
            m.predict(d->images.data(), infer_n);
            done += infer_n;
        }
        double infer_ips = done / (now_seconds() - t0);
        // one image at a time, as the page classifies a dropped image
        m.predict(d->images.data(), 1);
        t0 = now_seconds();
        long singles = 0;
        while (singles < 20 || now_seconds() - t0 < seconds / 4) {
            m.predict(d->images.data() + (size_t)(singles % infer_n) * core::kImageBytes, 1);
            ++singles;
        }
        double latency_ms = 1000.0 * (now_seconds() - t0) / singles;
        double mflop = m.flops_per_image() / 1e6;
        double gflops = train_ips * mflop * 3 / 1000.0;  // forward + backward ~ 3x forward
        double peak = peak_memory_mb();
        std::fprintf(table, "%-10s %10zu %10.1f %12.0f %12.0f %14.4f %12.1f %10.0f\n", names[i].c_str(), m.param_count(), mflop,
                    train_ips, infer_ips, latency_ms, gflops, peak);
        json += std::string(i ? "," : "") + "{\"model\":\"" + json_escape(names[i]) + "\",\"params\":" + std::to_string(m.param_count()) +
                ",\"mflop_per_image\":" + fmt(mflop) + ",\"train_images_per_second\":" + fmt(train_ips) +
                ",\"infer_images_per_second\":" + fmt(infer_ips) + ",\"infer_ms_per_image\":" + fmt(1000.0 / infer_ips) +
                ",\"infer_batch\":" + std::to_string(infer_n) + ",\"latency_ms\":" + fmt(latency_ms) +
                ",\"train_gflops\":" + fmt(gflops) + ",\"peak_mb\":" + fmt(peak) + ",\"batch\":" + std::to_string(batch) + "}";
    }
    if (a.has("json")) std::printf("%s]}\n", json.c_str());
    return 0;
}

BLOODCELL_COMMAND("tune",
                  "tune --model NAME --data DATA.npz --grid \"lr=1e-3,3e-4;batch=32,64;hidden=250,500\" [--random N] "
                  "[--epochs E] [--subset ...] [--csv-out FILE] [--json]",
                  "grid or random search: one row per trial with its val ACC and seconds", cmd_tune,
                  {"pixels", "no-augment", "centered", "uncentered"});
BLOODCELL_COMMAND("compare",
                  "compare --data DATA.npz [--models logreg,forest,fcnn,cnn,vgg6] [--use vgg6=MODEL.bcm] [--epochs E] "
                  "[--subset ...] [--md-out FILE] [--csv-out FILE] [--png FILE] [--csv|--json]",
                  "every model side by side on the test split: ACC, AUC, train s, inference ms/image", cmd_compare,
                  {"pixels", "no-augment", "centered", "uncentered"});
BLOODCELL_COMMAND("bench", "bench [--model NAME[,NAME...]] [--data DATA.npz] [--width W] [--batch B] [--seconds S] [--threads N] [--json]",
                  "training and inference throughput, single-image latency and peak memory (random images, or the train split of --data)", cmd_bench);

}  // namespace
}  // namespace cli
