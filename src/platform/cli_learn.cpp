// CLI commands over models: `train`, `eval`, `predict`, `tune`, `compare` and `bench`.
// They drive the same core API as the app: Trainer::step in a loop, Model::predict, metrics.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>

#include "core/dataset.h"
#include "core/forest.h"
#include "core/image.h"
#include "core/io.h"
#include "core/logreg.h"
#include "core/metrics.h"
#include "core/model.h"
#include "core/train.h"
#include "platform/cli_common.h"

namespace cli {
namespace {

// ---- [SECTION] shared option handling -----------------------------------------------------------
struct Learn {
    core::ModelSpec spec;
    core::TrainConfig train;
    core::FeatureFitConfig fit;
};

// Reads --width/--hidden/--dropout/--pixels/--layers into a spec and the training knobs into configs.
bool parse_learn(const Args& a, const std::string& model, Learn& L, std::string& err) {
    bool ok = true;
    core::ModelOptions mo;
    mo.width = a.get_int("width", mo.width, ok);
    mo.hidden = a.get_int("hidden", mo.hidden, ok);
    mo.dropout = (float)a.get_double("dropout", 0.0, ok);
    mo.pixels = a.has("pixels");
    if (!ok) return false;
    auto spec = model_spec(model, mo);
    if (!spec) {
        err = spec.error;
        return false;
    }
    L.spec = spec.value;
    if (a.has("layers")) {  // a custom layer list on RGB input
        auto layers = core::parse_layers(a.get("layers"));
        if (!layers) {
            err = "--layers: " + layers.error;
            return false;
        }
        L.spec.family = core::Family::nn;
        L.spec.input = core::InputKind::rgb;
        L.spec.layers = layers.value;
        if (model != "cnn" && model != "vgg6" && model != "fcnn") L.spec.name = model;
    }
    core::TrainConfig& c = L.train;
    c.epochs = a.get_int("epochs", c.epochs, ok);
    c.batch = a.get_int("batch", c.batch, ok);
    c.lr = (float)a.get_double("lr", c.lr, ok);
    c.weight_decay = (float)a.get_double("wd", c.weight_decay, ok);
    c.momentum = (float)a.get_double("momentum", c.momentum, ok);
    c.patience = a.get_int("patience", c.patience, ok);
    c.seed = (uint64_t)a.get_int("seed", 0, ok);
    c.augment = a.has("augment");
    if (!ok) return false;
    if (a.has("optimizer")) {
        std::string o = a.get("optimizer");
        if (o != "adam" && o != "sgd") {
            err = "--optimizer '" + o + "': want adam or sgd";
            return false;
        }
        c.optimizer = o == "adam" ? core::nn::OptimizerKind::adam : core::nn::OptimizerKind::sgd;
    }
    if (a.has("schedule")) {
        auto s = core::parse_schedule(a.get("schedule"));
        if (!s) {
            err = "--schedule: " + s.error;
            return false;
        }
        c.schedule = s.value;
    }
    core::Status v = core::validate(c);
    if (!v) {
        err = v.message;
        return false;
    }
    L.fit.seed = c.seed;
    L.fit.trees = a.get_int("trees", L.fit.trees, ok);
    L.fit.max_depth = a.get_int("max-depth", L.fit.max_depth, ok);
    L.fit.iterations = a.get_int("iterations", L.fit.iterations, ok);
    L.fit.threads = core::nn::num_threads();
    if (!ok) return false;
    if (L.fit.trees < 1 || L.fit.trees > 5000) {
        err = "--trees " + std::to_string(L.fit.trees) + ": want 1..5000";
        return false;
    }
    return true;
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

// Trains any model on `train` (selecting on `val` for networks); progress on stderr.
struct TrainOutcome {
    core::Model model;
    core::TrainMetrics metrics;
    double seconds = 0;
    std::string error;
};

TrainOutcome train_model(const Learn& L, const core::Dataset& train, const core::Dataset& val, bool quiet,
                         const std::string& checkpoint = "") {
    TrainOutcome out;
    double t0 = now_seconds();
    if (L.spec.family != core::Family::nn) {
        Progress bar("fit " + L.spec.name, 1000);
        auto m = core::fit_features(L.spec, train, L.fit, [&](double f) {
            if (!quiet) bar.update((long)(f * 1000));
        });
        if (!m) {
            out.error = m.error;
            return out;
        }
        if (!quiet) bar.finish();
        out.model = std::move(m.value);
        out.seconds = now_seconds() - t0;
        return out;
    }
    auto tr = core::Trainer::create(L.spec, train, val, L.train);
    if (!tr) {
        out.error = tr.error;
        return out;
    }
    core::Trainer& t = *tr.value;
    const int epochs = L.train.epochs;
    if (!quiet)
        std::fprintf(stderr, "%s: %zu parameters, %.1f MFLOP/image, %d train / %d val images, %d epochs\n",
                     L.spec.name.c_str(), t.model().param_count(), t.model().flops_per_image() / 1e6, train.size(),
                     val.size(), epochs);
    const long per_epoch = train.size() + val.size();
    std::unique_ptr<Progress> bar;
    int shown = 0;
    while (!t.done()) {
        if (!bar && !quiet) bar.reset(new Progress("epoch " + std::to_string(t.metrics().epoch + 1) + "/" + std::to_string(epochs), per_epoch));
        t.step(L.train.batch * 4);
        const auto& m = t.metrics();
        if (bar) {
            long in_epoch = (long)std::llround(m.progress * epochs * per_epoch) - (long)m.epoch * per_epoch;
            char extra[96];
            std::snprintf(extra, sizeof extra, "loss %.4f  %.0f img/s", m.batches.empty() ? 0.f : m.batches.back().loss,
                          m.images_per_second);
            if (m.epoch == shown) bar->update(std::max(0L, in_epoch), extra);
        }
        if (m.epoch > shown) {
            const core::EpochRecord& r = m.history.back();
            char line[256];
            std::snprintf(line, sizeof line, "train loss %.4f acc %.4f | val loss %.4f acc %.4f auc %.4f | lr %.2g%s",
                          r.train_loss, r.train_acc, r.val_loss, r.val_acc, r.val_auc, r.lr,
                          m.best_epoch == r.epoch ? " *best" : "");
            if (bar) bar->finish(line);
            bar.reset();
            shown = m.epoch;
            if (!checkpoint.empty() && m.best_epoch == r.epoch) {
                core::Model best = t.best_model_copy();
                auto bytes = best.save();
                core::io::write_file_atomic(checkpoint, bytes.data(), bytes.size());
            }
        }
    }
    out.metrics = t.metrics();
    out.model = t.take_model();
    out.seconds = now_seconds() - t0;
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

// ---- [SECTION] train --------------------------------------------------------------------------
int cmd_train(const Args& a) {
    if (!a.has("model")) return fail("train: --model NAME is required (fcnn, cnn, vgg6, logreg, forest)");
    if (!a.has("out")) return fail("train: --out MODEL.bcm is required");
    if (!apply_threads(a)) return 1;
    Learn L;
    std::string err;
    if (!parse_learn(a, a.get("model"), L, err)) return err.empty() ? 1 : fail("train: " + err);
    auto data = load_data(a);
    if (!data) return fail(data.error);
    core::Dataset train = data.value.train;
    if (a.has("subset")) {
        auto ss = core::parse_subset(a.get("subset"));
        if (!ss) return fail("--subset: " + ss.error);
        train = core::make_subset(data.value.split(ss.value.split), ss.value);
    }
    if (train.size() == 0) return fail("train: the subset is empty");
    const std::string out_path = a.get("out");
    TrainOutcome r = train_model(L, train, data.value.val, a.has("quiet"), a.has("checkpoint") ? out_path : "");
    if (!r.error.empty()) return fail("train: " + r.error);
    r.model.meta["model"] = L.spec.name;
    r.model.meta["data"] = a.get("data");
    auto bytes = r.model.save();
    core::Status w = core::io::write_file_atomic(out_path, bytes.data(), bytes.size());
    if (!w) return fail(w.message);
    core::Evaluation val = core::evaluate_model(r.model, data.value.val);
    std::fprintf(stderr, "wrote %s (%zu bytes) in %.1fs; val ACC %.4f AUC %.4f\n", out_path.c_str(), bytes.size(),
                 r.seconds, val.acc, val.auc);
    if (a.has("json")) {
        std::string o = "{\"model\":\"" + json_escape(L.spec.name) + "\",\"out\":\"" + json_escape(out_path) +
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
    core::Evaluation e = core::evaluate_model(model.value, d, tta);
    if (a.has("json")) {
        std::printf("{\"model\":\"%s\",\"arch\":\"%s\",\"split\":\"%s\",\"tta\":%s,\"eval\":%s}\n",
                    json_escape(a.get("model")).c_str(), json_escape(model.value.spec().name).c_str(),
                    core::split_name(split.value), tta ? "true" : "false", eval_json(e).c_str());
    } else {
        std::printf("%s on %s (%s)%s\n%s\ninference %.3f ms/image\n", a.get("model").c_str(), core::split_name(split.value),
                    model.value.spec().name.c_str(), tta ? ", 8-view TTA" : "", core::format_evaluation(e).c_str(),
                    e.ms_per_image);
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
    std::string o = "{\"model\":\"" + json_escape(a.get("model")) + "\",\"predictions\":[";
    int rc = 0;
    for (size_t i = 0; i < a.positional.size(); ++i) {
        const std::string& path = a.positional[i];
        auto bytes = core::io::read_file(path);
        if (!bytes) {
            rc = fail(bytes.error);
            continue;
        }
        auto img = core::decode_image(bytes.value.data(), bytes.value.size(), path);
        if (!img) {
            rc = fail(img.error);
            continue;
        }
        std::vector<uint8_t> px = core::to_bloodmnist(img.value);
        std::vector<float> p = model.value.predict(px.data(), 1, tta);
        int best = core::argmax(p.data(), core::kClasses);
        if (json) {
            o += std::string(i ? "," : "") + "{\"file\":\"" + json_escape(path) + "\",\"class\":\"" + core::kClassNames[best] +
                 "\",\"label\":" + std::to_string(best) + ",\"probabilities\":[";
            for (int c = 0; c < core::kClasses; ++c) o += (c ? "," : "") + fmt(p[c], 5);
            o += "]}";
        } else {
            std::printf("%s: %s (%.3f)", path.c_str(), core::kClassNames[best], p[best]);
            for (int c = 0; c < core::kClasses; ++c) std::printf(" %s=%.3f", core::kClassShortNames[c], p[c]);
            std::printf("\n");
        }
    }
    if (json) std::printf("%s]}\n", o.c_str());
    return rc;
}

BLOODCELL_COMMAND("train",
                  "train --model NAME --data DATA.npz [--epochs E] [--batch B] [--lr LR] [--seed S] "
                  "[--subset per-class=N,fraction=F] [--augment] [--width W] [--hidden H] [--dropout P] "
                  "[--optimizer adam|sgd] [--wd WD] [--schedule cosine|constant|step] [--patience P] "
                  "[--layers \"conv3x3 16 same;relu;gap;dense 8\"] [--trees T] [--pixels] [--threads N] "
                  "[--checkpoint] --out MODEL.bcm",
                  "train a model (best epoch on val) and write its model file", cmd_train,
                  {"pixels", "checkpoint"});
BLOODCELL_COMMAND("eval", "eval --model MODEL.bcm --data DATA.npz [--split test] [--tta]",
                  "ACC, AUC, per-class precision/recall/F1, confusion matrix", cmd_eval);
BLOODCELL_COMMAND("predict", "predict --model MODEL.bcm [--tta] IMAGE...",
                  "class and the 8 probabilities per image", cmd_predict);

}  // namespace
}  // namespace cli
