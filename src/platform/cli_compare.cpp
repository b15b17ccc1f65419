// CLI commands that train several models: `tune` (a grid or random search, one core::TuneJob) and
// `compare` (every model side by side on the test split, as Markdown, CSV, JSON and a PNG chart).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

#include "core/calibration.h"
#include "core/io.h"
#include "core/text.h"
#include "platform/cli_canvas.h"
#include "platform/cli_learn.h"

namespace cli {
namespace {

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
struct CompareRow {
    std::string name, how;
    double acc = 0, auc = 0, f1 = 0, train_s = NAN, infer_ms = 0;
    size_t params = 0;
    double ece_raw = 0;                 // before the model's temperature
    core::CalibrationReport cal;        // of the calibrated probabilities
};

const uint8_t kSeries[6][3] = {{46, 179, 189}, {236, 91, 102}, {240, 190, 70}, {150, 120, 230}, {120, 200, 110}, {230, 130, 200}};

// A horizontal bar of test ACC per model, scaled from 0.5 to 1.0 so differences near the top show.
void draw_bars(Canvas& c, const std::vector<CompareRow>& rows) {
    const int row = 40, x0 = 120, x1 = c.W - 60, bottom = 50 + row * (int)rows.size() + 6;
    c.text(10, 10, "BloodMNIST test accuracy (bar) and macro AUC", 2);
    const double lo = 0.5;
    for (size_t i = 0; i < rows.size(); ++i) {
        int y = 50 + row * (int)i;
        c.text(10, y + 8, rows[i].name, 2);
        double f = std::max(0.0, std::min(1.0, (rows[i].acc - lo) / (1.0 - lo)));
        c.rect(x0, y + 4, x0 + (int)((x1 - x0) * f), y + row - 6, 150, 185, 230);
        char b[64];
        std::snprintf(b, sizeof b, "%.3f / %.4f", rows[i].acc, rows[i].auc);
        c.text(x0 + 6, y + 12, b, 2);
    }
    for (int t = 0; t <= 5; ++t) {
        int x = x0 + (x1 - x0) * t / 5;
        c.rect(x, 44, x + 1, bottom, 150, 150, 150);
        char b[16];
        std::snprintf(b, sizeof b, "%.1f", lo + 0.1 * t);
        c.text(x - 8, bottom + 2, b, 1);
    }
}

// One reliability diagram (side x side, top-left at x, y): accuracy per 15-bin confidence bin
// against the diagonal, the gap in red.
void draw_reliability(Canvas& c, int x, int y, int side, const CompareRow& r) {
    char b[96];
    c.text(x, y - 26, r.name, 1);
    std::snprintf(b, sizeof b, "ECE %.4f (%.4f before)", r.cal.ece, r.ece_raw);
    c.text(x, y - 13, b, 1);
    c.rect(x, y, x + side, y + side, 240, 240, 240);
    for (const core::ReliabilityBin& bin : r.cal.bins) {
        if (!bin.count) continue;
        const int bx0 = x + (int)(bin.lo * side), bx1 = x + (int)(bin.hi * side) - 1;
        c.rect(bx0, y + side - (int)(bin.accuracy * side), bx1, y + side, 46, 179, 189);
        const double lo = std::min(bin.accuracy, bin.confidence), hi = std::max(bin.accuracy, bin.confidence);
        c.rect(bx0, y + side - (int)(hi * side), bx1, y + side - (int)(lo * side) + 1, 236, 91, 102);
    }
    c.line(x, y + side, x + side, y, 90, 90, 90);
}

// Coverage (0.5..1) against the accuracy of the covered images, one curve per model, the target as a
// gray line and each model's unsure threshold as a square.
void draw_coverage(Canvas& c, int x, int y, int w, int h, const std::vector<CompareRow>& rows) {
    double lo = 1.0, target = rows.empty() ? core::kDefaultTargetAccuracy : rows[0].cal.target;
    for (const CompareRow& r : rows)
        for (const core::CoveragePoint& p : r.cal.curve)
            if (p.coverage >= 0.5) lo = std::min(lo, p.accuracy);
    lo = std::max(0.0, std::min(lo, target) - 0.005);
    auto X = [&](double cov) { return x + (cov - 0.5) / 0.5 * w; };
    auto Y = [&](double acc) { return y + h - (acc - lo) / (1.0 - lo) * h; };
    c.text(x, y - 14, "coverage 0.5..1 (most confident first) vs ACC of the covered; squares: unsure threshold", 1);
    c.rect(x, y, x + w, y + h, 240, 240, 240);
    c.line(x, Y(target), x + w, Y(target), 160, 160, 160);
    char b[64];
    std::snprintf(b, sizeof b, "%.3f", target);
    c.text(x - 36, (int)Y(target) - 3, b, 1);
    std::snprintf(b, sizeof b, "%.3f", lo);
    c.text(x - 36, y + h - 6, b, 1);
    for (size_t i = 0; i < rows.size(); ++i) {
        const uint8_t* k = kSeries[i % 6];
        const auto& curve = rows[i].cal.curve;
        for (size_t j = 1; j < curve.size(); ++j)
            if (curve[j].coverage >= 0.5)
                c.line(X(std::max(0.5, curve[j - 1].coverage)), Y(std::max(lo, curve[j - 1].accuracy)), X(curve[j].coverage),
                       Y(std::max(lo, curve[j].accuracy)), k[0], k[1], k[2]);
        const core::CoveragePoint& at = rows[i].cal.at;
        if (at.coverage >= 0.5) c.rect((int)X(at.coverage) - 4, (int)Y(at.accuracy) - 4, (int)X(at.coverage) + 4, (int)Y(at.accuracy) + 4, k[0], k[1], k[2]);
        std::snprintf(b, sizeof b, "%s: unsure below %.3f, coverage %.3f, ACC %.4f", rows[i].name.c_str(), rows[i].cal.threshold,
                      at.coverage, at.accuracy);
        c.rect(x, y + h + 10 + 14 * (int)i, x + 10, y + h + 18 + 14 * (int)i, k[0], k[1], k[2]);
        c.text(x + 16, y + h + 10 + 14 * (int)i, b, 1);
    }
}

// The PNG: ACC bars, then a reliability diagram per model, then the coverage/accuracy curves.
bool write_compare_png(const std::string& path, const std::vector<CompareRow>& rows) {
    const int W = 640, side = 130, per_row = 4, n = (int)rows.size();
    const int bars_h = 50 + 40 * n + 30, rel_h = ((n + per_row - 1) / per_row) * (side + 50) + 20, cov_h = 220 + 14 * n + 30;
    Canvas c(W, bars_h + rel_h + cov_h);
    draw_bars(c, rows);
    c.text(10, bars_h, "Reliability on the test split (15 bins): accuracy per confidence bin vs the diagonal", 1);
    for (int i = 0; i < n; ++i)
        draw_reliability(c, 20 + (i % per_row) * (side + 20), bars_h + 46 + (i / per_row) * (side + 50), side, rows[i]);
    draw_coverage(c, 60, bars_h + rel_h + 20, W - 90, 200, rows);
    return write_png(path, c.px.data(), W, c.H).ok;
}

// One row: the model file --use names for it, or a model trained with the command's settings, then
// evaluated on the test split. Returns the error ("" when fine).
std::string compare_row(const Args& a, const std::string& name, const std::string& use_file, const Picked& picked,
                        const core::Dataset& test, CompareRow& r) {
    r.name = name;
    core::Model model;
    if (!use_file.empty()) {
        auto m = load_model_file(use_file);
        if (!m) return m.error;
        model = std::move(m.value);
        r.how = use_file;
        if (auto ts = model.record().train_seconds) r.train_s = *ts;
    } else {
        core::TrainJobSpec spec;
        std::string err;
        if (!parse_spec(a, name, spec, err)) return "compare: " + name + ": " + err;
        std::fprintf(stderr, "== %s\n", name.c_str());
        TrainOutcome t = train_model(spec, picked.train, picked.val, a.has("quiet"));
        if (!t.error.empty()) return "compare: " + name + ": " + t.error;
        model = std::move(t.model);
        r.train_s = t.seconds;
        r.how = spec.summary;
    }
    const double t0 = now_seconds();
    std::vector<float> raw = model.predict_raw(test.images.data(), test.size());
    const double seconds = now_seconds() - t0;
    std::vector<float> probs = raw;
    model.calibrate(probs.data(), test.size(), false);
    core::Evaluation e = core::evaluate(probs, test.labels);
    const core::Calibration& c = model.calibration();
    r.cal = core::calibration_report(probs.data(), test.labels.data(), test.size(), c.single.threshold, c.target);
    r.ece_raw = core::ece(raw.data(), test.labels.data(), test.size());
    r.acc = e.acc, r.auc = e.auc, r.f1 = e.macro_f1, r.params = model.param_count();
    r.infer_ms = test.size() ? seconds * 1000.0 / test.size() : 0;
    std::fprintf(stderr, "%s: test ACC %.4f AUC %.4f ECE %.4f, %.2f ms/image\n", name.c_str(), e.acc, e.auc, r.cal.ece, r.infer_ms);
    return "";
}

// The table as Markdown (stdout by default, --md-out), CSV (--csv, --csv-out), JSON (--json) and a PNG.
int write_compare(const Args& a, const std::vector<CompareRow>& rows, int test_n) {
    std::string md = "| model | test ACC | test AUC | macro F1 | ECE | coverage | ACC covered | train s | infer ms/image | parameters | trained |\n"
                     "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
    std::string csv = "model,test_acc,test_auc,macro_f1,ece,coverage,covered_acc,train_seconds,infer_ms_per_image,params,trained\n";
    std::string json = "{\"test_images\":" + std::to_string(test_n) + ",\"models\":[";
    for (size_t i = 0; i < rows.size(); ++i) {
        const CompareRow& r = rows[i];
        char b[512];
        std::snprintf(b, sizeof b, "| %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %s | %.3f | %zu | %s |\n", r.name.c_str(), r.acc,
                      r.auc, r.f1, r.cal.ece, r.cal.at.coverage, r.cal.at.accuracy,
                      std::isnan(r.train_s) ? "?" : fmt(r.train_s, 4).c_str(), r.infer_ms, r.params, r.how.c_str());
        md += b;
        csv += core::csv_field(r.name) + "," + fmt(r.acc) + "," + fmt(r.auc) + "," + fmt(r.f1) + "," + fmt(r.cal.ece) + "," +
               fmt(r.cal.at.coverage) + "," + fmt(r.cal.at.accuracy) + "," + fmt(r.train_s, 4) + "," + fmt(r.infer_ms, 4) + "," +
               std::to_string(r.params) + "," + core::csv_field(r.how) + "\n";
        json += std::string(i ? "," : "") + "{\"model\":\"" + json_escape(r.name) + "\",\"test_acc\":" + fmt(r.acc) +
                ",\"test_auc\":" + fmt(r.auc) + ",\"macro_f1\":" + fmt(r.f1) + ",\"ece\":" + fmt(r.cal.ece) + ",\"ece_before\":" +
                fmt(r.ece_raw) + ",\"unsure_below\":" + fmt(r.cal.threshold) + ",\"coverage\":" + fmt(r.cal.at.coverage) +
                ",\"covered_acc\":" + fmt(r.cal.at.accuracy) + ",\"train_seconds\":" + fmt(r.train_s, 4) +
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
    if (a.has("png") && !write_compare_png(a.get("png"), rows)) return fail(a.get("png") + ": cannot write the PNG");
    if (a.has("json")) std::printf("%s\n", json.c_str());
    else if (a.has("csv")) std::printf("%s", csv.c_str());
    else std::printf("%s", md.c_str());
    return 0;
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
    std::vector<CompareRow> rows(names.size());
    for (size_t i = 0; i < names.size(); ++i) {
        std::string err = compare_row(a, names[i], use.count(names[i]) ? use[names[i]] : "", picked.value, data.value.test, rows[i]);
        if (!err.empty()) return fail(err);
    }
    return write_compare(a, rows, data.value.test.size());
}

BLOODCELL_COMMAND("tune",
                  "tune --model NAME --data DATA.npz --grid \"lr=1e-3,3e-4;batch=32,64;hidden=250,500\" [--random N] "
                  "[--epochs E] [--subset ...] [--csv-out FILE] [--json]",
                  "grid or random search: one row per trial with its val ACC and seconds", cmd_tune,
                  {"pixels", "no-augment", "centered", "uncentered"});
BLOODCELL_COMMAND("compare",
                  "compare --data DATA.npz [--models logreg,forest,fcnn,cnn,vgg6] [--use vgg6=MODEL.bcm] [--epochs E] "
                  "[--subset ...] [--md-out FILE] [--csv-out FILE] [--png FILE] [--csv|--json]",
                  "every model side by side on the test split: ACC, AUC, ECE, coverage at the unsure threshold, train s, "
                  "inference ms/image; --png adds reliability diagrams and coverage/accuracy curves", cmd_compare,
                  {"pixels", "no-augment", "centered", "uncentered"});

}  // namespace
}  // namespace cli
