// `bloodcell bench`: training and inference throughput, single-image latency and peak memory of the
// networks (the same code as the page's bench, bench/bloodcell_bench.html).
#include <algorithm>
#include <cstdio>

#ifdef __EMSCRIPTEN__
#include <emscripten/heap.h>
#else
#include <sys/resource.h>
#endif

#include "core/gemm.h"
#include "core/rng.h"
#include "core/simd_peak.h"
#include "core/train.h"
#include "platform/cli_learn.h"

namespace cli {
namespace {

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

// One network's figures: a row of the table to `table` and its JSON object in `row`. Returns the
// error ("" when fine).
std::string bench_model(const Args& a, const std::string& name, const core::Dataset& d_ref, int batch, double seconds, FILE* table,
                        std::string& row) {
    const core::Dataset* d = &d_ref;
    const int infer_n = std::min(256, d->size());
    core::TrainJobSpec spec;
    std::string err;
    Args b = a;
    b.options["batch"] = std::to_string(batch);
    b.options["epochs"] = "1000";
    if (!parse_spec(b, name, spec, err)) return "bench: " + (err.empty() ? std::string("bad option") : err);
    if (spec.model.family != core::Family::nn) return "bench: " + name + " is a feature model; bench measures networks";
    auto tr = core::Trainer::create(spec.model, *d, {}, spec.train);
    if (!tr) return tr.error;
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
    std::fprintf(table, "%-10s %10zu %10.1f %12.0f %12.0f %14.4f %12.1f %10.0f\n", name.c_str(), m.param_count(), mflop,
                train_ips, infer_ips, latency_ms, gflops, peak);
    row = "{\"model\":\"" + json_escape(name) + "\",\"params\":" + std::to_string(m.param_count()) +
            ",\"mflop_per_image\":" + fmt(mflop) + ",\"train_images_per_second\":" + fmt(train_ips) +
            ",\"infer_images_per_second\":" + fmt(infer_ips) + ",\"infer_ms_per_image\":" + fmt(1000.0 / infer_ips) +
            ",\"infer_batch\":" + std::to_string(infer_n) + ",\"latency_ms\":" + fmt(latency_ms) +
            ",\"train_gflops\":" + fmt(gflops) + ",\"peak_mb\":" + fmt(peak) + ",\"batch\":" + std::to_string(batch) + "}";
    return "";
}

// Time to accuracy (issue 13, item 6): the network's recipe (core::recipe, the seed of --seed, 1 if
// not given) on the train split, validated after each epoch, until val ACC >= target or the recipe's
// epochs end. The figure is the wall time from the first batch to the end of the validation that
// reached the target (validations included, loading not). A progress line per epoch goes to `table`.
std::string bench_to_acc(const Args& a, const std::string& name, const core::BloodMnist& data, double target, FILE* table,
                         std::string& row) {
    core::TrainJobSpec spec;
    std::string err;
    Args b = a;
    b.options["until-acc"] = fmt(target);
    if (!b.has("seed")) b.options["seed"] = "1";
    if (!parse_spec(b, name, spec, err)) return "bench: " + (err.empty() ? std::string("bad option") : err);
    if (spec.model.family != core::Family::nn) return "bench: " + name + " is a feature model; bench measures networks";
    if (data.val.size() == 0) return "bench --to-acc: the data has no val split";
    auto tr = core::Trainer::create(spec.model, data.train, data.val, spec.train);
    if (!tr) return tr.error;
    core::Trainer& t = *tr.value;
    const double t0 = now_seconds();
    int shown = 0;
    while (t.step(spec.train.batch * 16)) {
        const auto& m = t.metrics();
        if (m.epoch > shown) {
            shown = m.epoch;
            std::fprintf(table, "  %s epoch %d: val ACC %.4f at %.1f s\n", name.c_str(), m.epoch, m.last_val.acc, now_seconds() - t0);
            std::fflush(table);
        }
    }
    const double seconds = now_seconds() - t0;
    const auto& m = t.metrics();
    const bool reached = m.reached_until_acc;
    std::fprintf(table, "%-10s %s val ACC %.4f after %d epochs, %.1f s (%d threads, batch %d, lr %g, seed %llu)\n", name.c_str(),
                 reached ? "reached" : "did NOT reach", m.last_val.acc, m.epoch, seconds, core::nn::num_threads(), spec.train.batch,
                 (double)spec.train.lr, (unsigned long long)spec.train.seed);
    row = "{\"model\":\"" + json_escape(name) + "\",\"target\":" + fmt(target) + ",\"reached\":" + (reached ? "true" : "false") +
          ",\"seconds\":" + fmt(seconds) + ",\"epochs\":" + std::to_string(m.epoch) + ",\"of_epochs\":" +
          std::to_string(spec.train.epochs) + ",\"val_acc\":" + fmt(m.last_val.acc) + ",\"images\":" + std::to_string(m.images) +
          ",\"batch\":" + std::to_string(spec.train.batch) + ",\"lr\":" + fmt(spec.train.lr) + ",\"seed\":" +
          std::to_string(spec.train.seed) + ",\"params\":" + std::to_string(t.model().param_count()) + "}";
    return "";
}

// The GEMM's share of the SIMD limit (issue 13, item 5): the peak of 4-lane mul + add, then each GEMM
// shape of the networks through `gemm`, as GFLOP/s and as a fraction of that peak. Appends the JSON
// fields to `json`.
void bench_gemm_shapes(double seconds, FILE* table, std::string& json) {
    double peak = core::simd_peak_gflops(seconds / 2);
    std::fprintf(table, "4-lane mul+add peak (%s): %.1f GFLOP/s%s\n%-36s %10s %10s\n", core::gemm_backend(), peak,
                 std::string(core::gemm_backend()) != "wasm-simd128" ? " (natively Eigen/AVX-512 use the host's widest vectors and FMA: above 1 is expected)" : "",
                 "gemm shape (M x N x K)", "GFLOP/s", "of peak");
    json += ",\"simd_peak_gflops\":" + fmt(peak) + ",\"gemm_shapes\":[";
    const auto& shapes = core::gemm_bench_shapes();
    for (size_t i = 0; i < shapes.size(); ++i) {
        const auto& s = shapes[i];
        double g = core::gemm_shape_gflops(s, seconds / 4);
        char label[80];
        std::snprintf(label, sizeof label, "%d x %d x %d (%s)", s.M, s.N, s.K, s.what);
        std::fprintf(table, "%-36s %10.1f %10.2f\n", label, g, g / peak);
        json += std::string(i ? "," : "") + "{\"M\":" + std::to_string(s.M) + ",\"N\":" + std::to_string(s.N) + ",\"K\":" +
                std::to_string(s.K) + ",\"what\":\"" + json_escape(s.what) + "\",\"gflops\":" + fmt(g) +
                ",\"fraction_of_peak\":" + fmt(g / peak) + "}";
    }
    json += "]";
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
    double to_acc = a.has("to-acc") ? a.get_double("to-acc", 0.95, ok) : 0;
    if (!ok) return 1;
    if (a.has("to-acc") && !(to_acc > 0 && to_acc <= 1)) return fail("--to-acc: want a val accuracy in (0, 1]");
    if (a.has("to-acc") && !a.has("data")) return fail("--to-acc needs --data (a BloodMNIST .npz with train and val splits)");
    std::vector<std::string> names;
    if (a.has("gemm") && !a.has("model")) {
        // --gemm alone: only the GEMM shapes against the SIMD peak
    } else if (a.has("model")) {
        names = names_in(a.get("model"));
        if (names.empty()) return fail("--model: name at least one network (fcnn, cnn, vgg6)");
    } else {
        names = to_acc > 0 ? std::vector<std::string>{"cnn", "vgg6"} : std::vector<std::string>{"fcnn", "cnn", "vgg6"};
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
    // with --json, stdout carries only the JSON object; the table goes to stderr with the progress
    FILE* table = a.has("json") ? stderr : stdout;
    std::string json = "{\"threads\":" + std::to_string(core::nn::num_threads()) + ",\"gemm\":\"" + core::gemm_backend() + "\"";
    if (to_acc > 0) {
        json += ",\"to_acc\":[";
        for (size_t i = 0; i < names.size(); ++i) {
            std::string row, err = bench_to_acc(a, names[i], data, to_acc, table, row);
            if (!err.empty()) return fail(err);
            json += std::string(i ? "," : "") + row;
        }
        if (a.has("json")) std::printf("%s]}\n", json.c_str());
        return 0;
    }
    json += std::string(",\"data\":\"") + (a.has("data") ? "train split (" + std::to_string(d->size()) + " images)" : "random") +
            "\",\"models\":[";
    if (!names.empty())
        std::fprintf(table, "%-10s %10s %10s %12s %12s %14s %12s %10s\n", "model", "params", "MFLOP/img", "train img/s", "infer img/s",
                "latency ms", "train GFLOP/s", "peak MB");
    for (size_t i = 0; i < names.size(); ++i) {
        std::string row, err = bench_model(a, names[i], *d, batch, seconds, table, row);
        if (!err.empty()) return fail(err);
        json += std::string(i ? "," : "") + row;
    }
    json += "]";
    if (a.has("gemm")) bench_gemm_shapes(seconds, table, json);
    if (a.has("json")) std::printf("%s}\n", json.c_str());
    return 0;
}
BLOODCELL_COMMAND("bench", "bench [--model NAME[,NAME...]] [--gemm] [--data DATA.npz] [--width W] [--batch B] [--seconds S] [--threads N] [--json]\n"
                  "       bench --to-acc A --data DATA.npz [--model NAME[,NAME...]] [--seed S] [--threads N] [--json]",
                  "training and inference throughput, single-image latency and peak memory (random images, or the train split of --data); "
                  "--gemm: the 4-lane mul+add peak and each GEMM shape as a fraction of it (alone unless --model is given); "
                  "--to-acc: seconds from the first batch to val ACC >= A with each network's recipe (seed 1 unless --seed)", cmd_bench,
                  {"gemm"});


}  // namespace
}  // namespace cli
