// CLI commands that train several models: `tune` (a grid or random search, one core::TuneJob) and
// `compare` (every model side by side on the test split, as Markdown, CSV, JSON and a PNG chart).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

#include "core/io.h"
#include "core/text.h"
#include "platform/cli_learn.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb_easy_font.h>
#include <stb_image_write.h>

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

struct CompareRow {
    std::string name, how;
    double acc = 0, auc = 0, f1 = 0, train_s = NAN, infer_ms = 0;
    size_t params = 0;
};

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
    core::Evaluation e = core::evaluate_model(model, test);
    r.acc = e.acc, r.auc = e.auc, r.f1 = e.macro_f1, r.infer_ms = e.ms_per_image, r.params = model.param_count();
    std::fprintf(stderr, "%s: test ACC %.4f AUC %.4f, %.2f ms/image\n", name.c_str(), e.acc, e.auc, e.ms_per_image);
    return "";
}

// The table as Markdown (stdout by default, --md-out), CSV (--csv, --csv-out), JSON (--json) and a PNG.
int write_compare(const Args& a, const std::vector<CompareRow>& rows, int test_n) {
    std::string md = "| model | test ACC | test AUC | macro F1 | train s | infer ms/image | parameters | trained |\n"
                     "| --- | --- | --- | --- | --- | --- | --- | --- |\n";
    std::string csv = "model,test_acc,test_auc,macro_f1,train_seconds,infer_ms_per_image,params,trained\n";
    std::string json = "{\"test_images\":" + std::to_string(test_n) + ",\"models\":[";
    for (size_t i = 0; i < rows.size(); ++i) {
        const CompareRow& r = rows[i];
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
                  "every model side by side on the test split: ACC, AUC, train s, inference ms/image", cmd_compare,
                  {"pixels", "no-augment", "centered", "uncentered"});

}  // namespace
}  // namespace cli
