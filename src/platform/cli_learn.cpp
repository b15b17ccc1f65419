// CLI commands over models: `train`, `eval` and `predict`, and the option handling and training loop
// that `tune`, `compare` (cli_compare.cpp) and `bench` (cli_bench.cpp) share (cli_learn.h). They drive
// the same core jobs as the app (core/job.h) and loop their step().
#include "platform/cli_learn.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "core/crc32.h"
#include "core/explain.h"
#include "core/image.h"
#include "core/io.h"
#include "core/text.h"
#include "platform/cli_canvas.h"

namespace cli {

// ---- [SECTION] shared option handling -----------------------------------------------------------
// A run's settings: the model's recipe (core/recipe.h), then every setting given on the command line.
// Numbers are checked here first so a typo names its option ("--epochs: expected an integer").
bool parse_settings(const Args& a, const std::string& model, core::RunSettings& s, std::string& err) {
    static const char* ints[] = {"epochs", "batch", "patience", "seed", "width", "hidden", "trees", "max-depth", "iterations", "swa"};
    static const char* reals[] = {"lr", "wd", "momentum", "ema", "dropout", "smoothing", "distill", "distill-temp", "until-acc", "cutmix"};
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

std::string calibration_text(const core::Calibration& c, bool tta, const core::CalibrationReport& before,
                             const core::CalibrationReport& after) {
    const core::Calibration::Mode& mode = c.mode(tta);
    char b[600];
    std::string fitted = mode.fitted ? "fitted on " + std::to_string(c.images) + " val images" : "none in this file: bloodcell calibrate";
    std::snprintf(b, sizeof b,
                  "calibration (%s): before ECE %.4f NLL %.4f | after (T = %.3f) ECE %.4f NLL %.4f  [ECE: %d bins]\n",
                  fitted.c_str(), before.ece, before.nll, mode.temperature, after.ece, after.nll, core::kEceBins);
    std::string o = b;
    std::string why = mode.fitted ? "chosen on val for ACC >= " + fmt(c.target, 4) : "the default, not calibrated";
    std::snprintf(b, sizeof b, "unsure below confidence %.4f (%s): coverage %.4f (%d of %d), ACC of the covered %.4f\n",
                  mode.threshold, why.c_str(), after.at.coverage, after.at.covered, after.n, after.at.accuracy);
    o += b;
    std::snprintf(b, sizeof b, "  (for comparison, the threshold chosen on these images themselves, an oracle: %.4f, coverage %.4f, ACC %.4f)\n",
                  after.oracle.threshold, after.oracle.coverage, after.oracle.accuracy);
    return o + b;
}

std::string calibration_json(const core::Calibration& c, bool tta, const core::CalibrationReport& before,
                             const core::CalibrationReport& after) {
    const core::Calibration::Mode& mode = c.mode(tta);
    std::string o = "{\"fitted\":" + std::string(mode.fitted ? "true" : "false") + ",\"temperature\":" + fmt(mode.temperature) +
                    ",\"threshold\":" + fmt(mode.threshold) + ",\"target\":" + fmt(c.target) + ",\"val_images\":" +
                    std::to_string(c.images) + ",\"bins\":" + std::to_string(core::kEceBins) + ",\"before\":{\"ece\":" +
                    fmt(before.ece) + ",\"nll\":" + fmt(before.nll) + "},\"after\":{\"ece\":" + fmt(after.ece) +
                    ",\"nll\":" + fmt(after.nll) + "},\"coverage\":" + fmt(after.at.coverage) + ",\"covered\":" +
                    std::to_string(after.at.covered) + ",\"covered_acc\":" + fmt(after.at.accuracy) + ",\"oracle\":{\"threshold\":" +
                    fmt(after.oracle.threshold) + ",\"coverage\":" + fmt(after.oracle.coverage) + ",\"covered_acc\":" +
                    fmt(after.oracle.accuracy) + "},\"reliability\":[";
    for (size_t i = 0; i < after.bins.size(); ++i) {
        const core::ReliabilityBin& r = after.bins[i];
        o += std::string(i ? "," : "") + "{\"lo\":" + fmt(r.lo, 4) + ",\"hi\":" + fmt(r.hi, 4) + ",\"count\":" +
             std::to_string(r.count) + ",\"confidence\":" + fmt(r.confidence) + ",\"accuracy\":" + fmt(r.accuracy) + "}";
    }
    return o + "]}";
}

// One line per finished epoch and a progress bar within it (networks).
static void print_epochs(const core::TrainMetrics& m, int& shown, std::unique_ptr<Progress>& bar, long per_epoch) {
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
        if (m.last_val.n > 0)
            std::snprintf(line, sizeof line, "train loss %.4f acc %.4f | val loss %.4f acc %.4f auc %.4f | lr %.2g%s", r.train_loss,
                          r.train_acc, r.val_loss, r.val_acc, r.val_auc, r.lr, m.best_epoch == r.epoch ? " *best" : "");
        else  // no validation images (fine-tuning): the last epoch is kept
            std::snprintf(line, sizeof line, "train loss %.4f acc %.4f | lr %.2g", r.train_loss, r.train_acc, r.lr);
        if (bar) bar->finish(line);
        bar.reset();
        ++shown;
    }
}

TrainOutcome train_model(const core::TrainJobSpec& spec, const core::Dataset& train, const core::Dataset& val, bool quiet,
                         const std::string& checkpoint) {
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
        if (nn && !bar && !quiet && !snap.calibrating)
            bar.reset(new Progress("epoch " + std::to_string(shown + 1) + "/" + std::to_string(spec.train.epochs), per_epoch));
        more = job.step({nn ? spec.train.batch * 4L : 256L, 0});
        snap = job.snapshot();
        if (snap.calibrating) {  // after the last epoch: the calibration pass over val
            if (!quiet) print_epochs(snap.train, shown, bar, per_epoch);
            const long units = (long)val.size() * (spec.calibrate >= 2 ? 8 : 1);  // the pass over val, in image-views
            if (!bar && !quiet) bar.reset(new Progress("calibrate on val", units));
            if (bar) bar->update(std::max(0L, snap.done - (snap.total - units)));
            continue;
        }
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

core::Result<core::Model> load_model_file(const std::string& path, std::string* file_id) {
    auto bytes = core::io::read_file(path);
    if (!bytes) return core::Result<core::Model>::fail(bytes.error);
    if (file_id) *file_id = core::file_id_crc32(bytes.value.data(), bytes.value.size());
    return core::Model::load(bytes.value.data(), bytes.value.size(), path);
}

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

namespace {

// ---- [SECTION] train --------------------------------------------------------------------------
// The run from --settings (a run card's text, as the page's link holds it: core/recipe.h), or from
// --model and the other options with the training subset of --subset. err: the whole message
// (empty when an option's number was bad: that was printed already).
bool train_card(const Args& a, core::RunCard& card, std::string& err) {
    static const char* run_options[] = {"model", "subset", "epochs", "batch", "lr", "seed", "augment", "no-augment", "width",
                                        "hidden", "dropout", "optimizer", "wd", "schedule", "patience", "ema", "layers", "trees",
                                        "pixels", "centered", "uncentered", "iterations", "max-depth", "momentum",
                                        "smoothing", "distill", "distill-temp", "until-acc", "cutmix", "swa"};
    if (!a.has("settings")) {
        if (!parse_settings(a, a.get("model"), card.settings, err)) {
            if (!err.empty()) err = "train: " + err;
            return false;
        }
        if (a.has("subset")) {
            auto ss = core::parse_subset(a.get("subset"));
            if (!ss) return err = "--" + ss.error, false;  // the message starts with "subset"
            card.subset = ss.value;
        }
        return true;
    }
    for (const char* k : run_options)
        if (a.has(k)) return err = std::string("train: --settings holds the whole run: leave out --") + k, false;
    auto c = core::parse_run_card(a.get("settings"));
    if (!c) return err = "train: --settings: " + c.error, false;
    card = c.value;
    card.settings.fit.threads = core::nn::num_threads();
    return true;
}

int cmd_train(const Args& a) {
    // --init with a model named: go on training its weights on --data; alone: fine-tune (cli_images.cpp)
    if (a.has("init") && !a.has("model") && !a.has("settings")) return train_fine_tune(a);
    if (a.has("init") && a.has("images"))
        return fail("train --init --images fine-tunes the file's own network on your images: leave out --model and --settings");
    if (!a.has("model") && !a.has("settings"))
        return fail("train: --model NAME (fcnn, cnn, vgg6, logreg, forest) or --settings TEXT is required");
    if (!a.has("out")) return fail("train: --out MODEL.bcm is required");
    if (!apply_threads(a)) return 1;
    core::RunCard card;
    std::string err;
    if (!train_card(a, card, err)) return err.empty() ? 1 : fail(err);
    auto resolved = core::resolve(card.settings);
    if (!resolved) return fail("train: " + resolved.error);
    core::TrainJobSpec& spec = resolved.value;
    if (a.has("teacher") && !(spec.train.distill > 0)) return fail("train: --teacher needs --distill WEIGHT (the teacher's share of the target, in (0, 1])");
    if (spec.train.distill > 0 && !a.has("teacher")) return fail("train: --distill needs --teacher MODEL.bcm (whose 8-view probabilities are the soft targets)");
    std::string init_crc;
    if (a.has("init") && !read_init(a.get("init"), spec, init_crc, err)) return fail(err);
    const std::string settings = core::format_run_card(card);
    if (!a.has("quiet")) std::fprintf(stderr, "settings: %s\n", settings.c_str());
    auto data = load_data(a);
    if (!data) return fail(data.error);
    const core::Dataset train = core::make_subset(data.value.split(card.subset.split), card.subset);
    if (train.size() == 0) return fail("train: the subset is empty");
    const core::Dataset val_set = core::make_subset(data.value.val, core::validation_subset(card.subset));
    std::string teacher_crcs;
    if (spec.train.distill > 0) {
        std::string err;
        if (!distill_targets(a, train, val_set, spec, teacher_crcs, err)) return fail(err);
    }
    const std::string out_path = a.get("out");
    TrainOutcome r = train_model(spec, train, val_set, a.has("quiet"), a.has("checkpoint") ? out_path : "");
    if (!r.error.empty()) return fail("train: " + r.error);
    core::TrainRecord rec = r.model.record();
    rec.data = a.get("data");
    rec.settings = settings;
    if (a.has("init")) rec.extra["started_from"] = a.get("init") + " (CRC-32 " + init_crc + ")";
    r.model.set_record(rec);
    auto bytes = r.model.save();
    core::Status w = core::io::write_file_atomic(out_path, bytes.data(), bytes.size());
    if (!w) return fail(w.message);
    core::Evaluation val = core::evaluate_model(r.model, data.value.val);
    std::fprintf(stderr, "wrote %s (%zu bytes) in %.1fs; val ACC %.4f AUC %.4f\n", out_path.c_str(), bytes.size(),
                 r.seconds, val.acc, val.auc);
    const core::Calibration& cal = r.model.calibration();
    if (cal.single.fitted)
        std::fprintf(stderr, "calibrated on %d val images: T = %.3f, unsure below %.4f%s (for ACC >= %.4f)\n", cal.images,
                     cal.single.temperature, cal.single.threshold,
                     cal.tta.fitted ? ("; 8 views: T = " + fmt(cal.tta.temperature, 4) + ", unsure below " + fmt(cal.tta.threshold, 4)).c_str() : "",
                     cal.target);
    if (a.has("json")) {
        std::string o = "{\"model\":\"" + json_escape(spec.model.name) + "\",\"settings\":\"" + json_escape(settings) + "\",\"out\":\"" + json_escape(out_path) +
                        "\",\"bytes\":" + std::to_string(bytes.size()) + ",\"params\":" + std::to_string(r.model.param_count()) +
                        ",\"train_images\":" + std::to_string(train.size()) + ",\"seconds\":" + fmt(r.seconds) +
                        (a.has("init") ? ",\"init\":\"" + json_escape(a.get("init")) + "\",\"init_crc32\":\"" + init_crc + "\"" : std::string()) +
                        (a.has("teacher") ? ",\"teacher\":\"" + json_escape(a.get("teacher")) + "\",\"teacher_crc32\":\"" + teacher_crcs + "\"" : std::string()) +
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
    const bool several = a.get("model").find(',') != std::string::npos;
    if (a.has("images") && several) return fail("eval --images: give one model file (an ensemble is scored on --data only)");
    if (a.has("images")) return eval_images(a);
    if (several) return eval_ensemble(a);
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
    const bool views = tta && shared->spec().family == core::Family::nn;
    const core::CalibrationReport& after = job.report();
    core::CalibrationReport before =
        core::calibration_report(job.raw_probs().data(), d.labels.data(), d.size(), after.threshold, after.target);
    if (a.has("json")) {
        std::printf("{\"model\":\"%s\",\"arch\":\"%s\",\"trained\":\"%s\",\"split\":\"%s\",\"tta\":%s,\"eval\":%s,"
                    "\"calibration\":%s}\n",
                    json_escape(a.get("model")).c_str(), json_escape(shared->spec().name).c_str(), json_escape(trained).c_str(),
                    core::split_name(split.value), tta ? "true" : "false", eval_json(e).c_str(),
                    calibration_json(shared->calibration(), views, before, after).c_str());
    } else {
        std::printf("%s on %s (%s)%s\ntrained: %s\n%s\n%sinference %.3f ms/image\n", a.get("model").c_str(),
                    core::split_name(split.value), shared->spec().name.c_str(), tta ? ", 8-view TTA" : "", trained.c_str(),
                    core::format_evaluation(e).c_str(), calibration_text(shared->calibration(), views, before, after).c_str(), e.ms_per_image);
    }
    return 0;
}

// ---- [SECTION] predict ------------------------------------------------------------------------
int cmd_predict(const Args& a) {
    if (!a.has("model")) return fail("predict: --model MODEL.bcm is required");
    if (a.positional.empty()) return fail("predict: give one or more IMAGE files (PNG/JPG, any size)");
    auto model = load_model_file(a.get("model"));
    if (!model) return fail(model.error);
    bool tta = a.has("tta"), json = a.has("json"), csv = a.has("csv");
    const std::string explain = a.get("explain");
    if (a.has("explain") && explain.empty()) return fail("predict: --explain needs a file name (OUT.png)");
    if (!explain.empty() && model.value.spec().family != core::Family::nn)
        return fail("predict --explain: " + a.get("model") + " is a " + model.value.spec().name +
                    " model, which works on intensity and GLCM features, not on pixels; heat maps need a network (fcnn, cnn, vgg6)");
    const float threshold = model.value.calibration().mode(tta && model.value.spec().family == core::Family::nn).threshold;
    // files that cannot be read are reported in order and skipped; the rest is one batch job
    std::vector<core::ClassifyItem> items;
    std::vector<std::string> unread;  // per position: the read error, or "" if queued
    for (const std::string& path : a.positional) {
        auto bytes = core::io::read_file(path);
        unread.push_back(bytes ? "" : bytes.error);
        if (bytes) items.push_back({path, std::move(bytes.value)});
    }
    auto shared = std::make_shared<core::Model>(std::move(model.value));
    core::ClassifyJob job(shared, std::move(items), tta);
    while (job.step({64, 0})) {
    }
    std::string o = "{\"model\":\"" + json_escape(a.get("model")) + "\",\"tta\":" + (tta ? "true" : "false") +
                    ",\"unsure_below\":" + fmt(threshold) + ",\"predictions\":[";
    if (csv) {
        std::printf("file,class,label,confidence,unsure");
        for (int c = 0; c < core::kClasses; ++c) std::printf(",p_%s", core::kClassShortNames[c]);
        std::printf("\n");
    }
    int rc = 0;
    bool first = true;
    size_t next = 0;
    std::vector<const core::ClassifyResult*> explained;
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
        explained.push_back(&r);
        if (json) {
            o += std::string(first ? "" : ",") + "{\"file\":\"" + json_escape(r.name) + "\",\"class\":\"" +
                 core::kClassNames[r.top] + "\",\"label\":" + std::to_string(r.top) + ",\"confidence\":" + fmt(p[r.top], 5) +
                 ",\"unsure\":" + (r.unsure ? "true" : "false") + ",\"probabilities\":[";
            for (int c = 0; c < core::kClasses; ++c) o += (c ? "," : "") + fmt(p[c], 5);
            o += "]}";
        } else if (csv) {
            std::printf("%s,%s,%d,%s,%d", core::csv_field(r.name).c_str(), core::csv_field(core::kClassNames[r.top]).c_str(), r.top,
                        fmt(p[r.top], 5).c_str(), r.unsure ? 1 : 0);
            for (int c = 0; c < core::kClasses; ++c) std::printf(",%s", fmt(p[c], 5).c_str());
            std::printf("\n");
        } else {
            std::printf("%s: %s (%.3f%s)", r.name.c_str(), core::kClassNames[r.top], p[r.top], r.unsure ? ", unsure" : "");
            for (int c = 0; c < core::kClasses; ++c) std::printf(" %s=%.3f", core::kClassShortNames[c], p[c]);
            std::printf("\n");
        }
        first = false;
    }
    if (json) std::printf("%s]}\n", o.c_str());
    if (!explain.empty() && !explained.empty()) {
        core::Status w = write_explanations(explain, *shared, explained, tta);
        if (!w) return fail(w.message);
        std::fprintf(stderr, "heat maps of %d image%s: %s (%d x %d)\n", (int)explained.size(), explained.size() == 1 ? "" : "s",
                     explain.c_str(), kExplainWidth, kExplainHeader + kExplainRow * (int)explained.size());
    }
    return rc;
}

BLOODCELL_COMMAND("train",
                  "train (--model NAME | --settings TEXT) --data DATA.npz [--epochs E] [--batch B] [--lr LR] [--seed S] "
                  "[--subset per-class=N,fraction=F] [--augment] [--width W] [--hidden H] [--dropout P] "
                  "[--optimizer adam|sgd] [--wd WD] [--schedule cosine|constant|step] [--patience P] [--until-acc A] [--ema DECAY | --swa EPOCH] "
                  "[--smoothing S] [--cutmix P] [--distill WEIGHT --teacher MODEL.bcm[,MODEL.bcm...] [--distill-temp T] [--teacher-cache FILE]] "
                  "[--layers \"conv3x3 16 same;relu;gap;dense 8\"] [--trees T] [--pixels] [--centered|--uncentered] [--threads N] "
                  "[--init MODEL.bcm (start from its weights)] [--checkpoint] --out MODEL.bcm\n"
                  "       train --init MODEL.bcm --images DIR|ZIP [--holdout 0.25] [--epochs 5] [--seed S] [--lr LR] [--batch B] --out OUT.bcm",
                  "train a model (best epoch on val) and write its model file; with --init, fine-tune a pretrained network on "
                  "your labelled images (class folders) and report it on a held-out part of them before and after", cmd_train,
                  {"pixels", "checkpoint", "no-augment", "centered", "uncentered"});
BLOODCELL_COMMAND("eval", "eval --model MODEL.bcm[,MODEL.bcm...] (--data DATA.npz [--split test] [--tta] | --images DIR|ZIP)",
                  "ACC, AUC, per-class precision/recall/F1, confusion matrix, calibration (ECE, NLL) and coverage "
                  "at the unsure threshold; several files: their ensemble (mean raw probabilities, calibrated on val as one file is); --images: on your "
                  "labelled images (class folders basophil/ ... ig/ ... platelet/ in a folder or a .zip), unusable files "
                  "listed and skipped", cmd_eval);
BLOODCELL_COMMAND("predict", "predict --model MODEL.bcm [--tta] [--csv|--json] [--explain OUT.png] IMAGE...",
                  "class, calibrated probabilities and unsure flag per image; --explain draws a heat map per image of the "
                  "pixels that drove its prediction (gradient saliency, networks only)",
                  cmd_predict);

}  // namespace
}  // namespace cli
