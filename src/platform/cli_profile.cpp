// `bloodcell profile`: where a training step's time goes, layer by layer. Drives the layers of a
// named network one at a time on random images (batch B) and prints the median milliseconds (or
// with --stat min the fastest repetition) of each layer's forward and backward, of the loss and of
// the optimizer step (Adam, gradients zeroed included), so the rows add up to one training step.
// Natively and under Node:
//   bloodcell profile --model cnn      node --no-experimental-fetch build-wasm/bloodcell.js profile
// Timings on a shared machine drift: compare variants within one run.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "core/dataset.h"
#include "core/gemm.h"
#include "core/model.h"
#include "platform/cli_common.h"

namespace cli {
namespace {

bool g_use_min = false;  // --stat min: the fastest repetition, steadier than the median on a busy machine

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    if (g_use_min) return *std::min_element(v.begin(), v.end());
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
}

// Milliseconds of each layer's forward and backward, the loss, the optimizer step and the whole
// step, over repeated training steps on random images (the first, allocating pass left out).
struct Timings {
    std::vector<std::vector<double>> fw, bw;
    std::vector<double> loss, opt, step;
};
Timings time_steps(core::nn::Network& net, core::InputKind input, int batch, double seconds) {
    namespace nn = core::nn;
    const int L = net.layer_count();
    core::Rng rng(1);
    std::vector<uint8_t> images((size_t)batch * core::kImageBytes);
    for (auto& v : images) v = (uint8_t)rng.below(256);
    std::vector<nn::Tensor> act(L + 1), grad(L + 1);
    core::images_to_tensor(images.data(), batch, input, act[0]);
    std::vector<int> labels(batch);
    for (int i = 0; i < batch; ++i) labels[i] = i % 8;
    nn::Context ctx;
    ctx.training = true;
    ctx.rng = &rng;
    nn::Tensor probs;
    nn::Optimizer opt;
    Timings tm;
    auto &fw = tm.fw, &bw = tm.bw;
    fw.resize(L);
    bw.resize(L);
    auto &loss_ms = tm.loss, &opt_ms = tm.opt, &step_ms = tm.step;
    auto ms = [] { return now_seconds() * 1000.0; };
    const double t_end = now_seconds() + seconds;
    for (int rep = 0; rep < 4 || (now_seconds() < t_end && rep < 5000); ++rep) {
        const double t_step = ms();
        for (int i = 0; i < L; ++i) {
            double t = ms();
            net.layer(i).forward(act[i], act[i + 1], ctx);
            fw[i].push_back(ms() - t);
        }
        double t = ms();
        nn::softmax_cross_entropy(act[L], labels.data(), probs, &grad[L]);
        loss_ms.push_back(ms() - t);
        for (int i = L; i-- > 0;) {
            t = ms();
            net.layer(i).backward(act[i], act[i + 1], grad[i + 1], i > 0 ? &grad[i] : nullptr);
            bw[i].push_back(ms() - t);
        }
        t = ms();
        opt.step(net.params(), 1e-5f);
        net.zero_grad();
        opt_ms.push_back(ms() - t);
        step_ms.push_back(ms() - t_step);
    }
    if (fw[0].size() > 1)  // the first pass allocates: leave it out
        for (auto* v : {&loss_ms, &opt_ms, &step_ms}) v->erase(v->begin());
    for (int i = 0; i < L && fw[0].size() > 1; ++i) fw[i].erase(fw[i].begin()), bw[i].erase(bw[i].begin());

    return tm;
}

// --infer: Network::infer's steps (a layer with the ones it fuses) on one batch of random images: the
// median (or min) ms of each step, over repeated passes. Rows name the first layer and the fused count.
int profile_infer(const std::string& name, core::nn::Network& net, core::InputKind input, int batch, double seconds) {
    namespace nn = core::nn;
    const int L = net.layer_count();
    core::Rng rng(1);
    std::vector<uint8_t> images((size_t)batch * core::kImageBytes);
    for (auto& v : images) v = (uint8_t)rng.below(256);
    nn::Tensor x, buf[2];
    core::images_to_tensor(images.data(), batch, input, x);
    std::vector<nn::Layer*> raw(L);
    for (int i = 0; i < L; ++i) raw[i] = &net.layer(i);
    std::vector<std::vector<double>> ms(L);
    std::vector<int> fused(L, 0);
    std::vector<double> total;
    const double t_end = now_seconds() + seconds;
    for (int rep = 0; rep < 5 || (now_seconds() < t_end && rep < 20000); ++rep) {
        const double t0 = now_seconds();
        int cur = -1;
        for (int i = 0; i < L;) {
            const double t = now_seconds();
            if (raw[i]->kind() == nn::LayerKind::flatten || raw[i]->kind() == nn::LayerKind::dropout) {
                if (cur < 0) buf[cur = 0] = x;
                buf[cur].s = raw[i]->out_shape();
                fused[i] = 1;
            } else {
                const int dst = cur == 0 ? 1 : 0;
                fused[i] = raw[i]->infer(cur < 0 ? x : buf[cur], buf[dst], raw.data() + i + 1, L - i - 1);
                cur = dst;
            }
            if (rep > 0) ms[i].push_back(1000.0 * (now_seconds() - t));
            i += fused[i];
        }
        if (rep > 0) total.push_back(1000.0 * (now_seconds() - t0));
    }
    const double all = median(total);
    std::printf("%s inference, batch %d, gemm %s, %d thread(s), %zu passes: %s %.3f ms = %.0f img/s, %.4f ms/img\n", name.c_str(),
                batch, core::gemm_backend(), nn::num_threads(), total.size(), g_use_min ? "min" : "median", all,
                batch * 1000.0 / all, all / batch);
    std::printf("%-3s %-34s %-10s %10s %7s\n", "#", "layers (fused)", "out", "ms", "share");
    for (int i = 0; i < L; i += std::max(1, fused[i])) {
        std::string what = raw[i]->spec().str();
        for (int j = 1; j < fused[i]; ++j) what += " + " + raw[i + j]->spec().str();
        const double m = median(ms[i]);
        std::printf("%-3d %-34s %-10s %10.3f %6.1f%%\n", i, what.c_str(), raw[i + std::max(1, fused[i]) - 1]->out_shape().str().c_str(),
                    m, 100.0 * m / all);
    }
    return 0;
}

int cmd_profile(const Args& a) {
    namespace nn = core::nn;
    bool ok = true;
    core::ModelOptions mo;
    mo.width = a.get_int("width", mo.width, ok);
    mo.hidden = a.get_int("hidden", mo.hidden, ok);
    int batch = a.get_int("batch", 64, ok);
    double seconds = a.get_double("seconds", 3.0, ok);
    int threads = a.get_int("threads", 0, ok);
    if (!ok) return 1;
    const std::string stat = a.get("stat", "median");
    if (stat != "median" && stat != "min") return fail("--stat: want median or min");
    g_use_min = stat == "min";
    if (batch < 1 || batch > 1024) return fail("--batch: want 1..1024");
    if (threads > 0) nn::set_num_threads(threads);
    const std::string name = a.get("model", "cnn");
    auto spec = core::model_spec(name, mo);
    if (!spec) return fail(spec.error);
    if (spec.value.family != core::Family::nn) return fail("profile: " + name + " is a feature model; profile measures networks");
    auto model = core::Model::create(spec.value, 1);
    if (!model) return fail(model.error);
    nn::Network& net = model.value.network();
    const int L = net.layer_count();
    if (a.has("infer")) return profile_infer(name, net, spec.value.input, batch, seconds);

    Timings tm = time_steps(net, spec.value.input, batch, seconds);
    const std::vector<double>& step_ms = tm.step;
    const double step = median(step_ms);
    const bool json = a.has("json");
    std::string out = "{\"model\":\"" + name + "\",\"batch\":" + std::to_string(batch) + ",\"gemm\":\"" +
                      core::gemm_backend() + "\",\"threads\":" + std::to_string(nn::num_threads()) +
                      ",\"steps\":" + std::to_string(step_ms.size()) + ",\"stat\":\"" + stat + "\"" + ",\"step_ms\":" + fmt(step, 4) +
                      ",\"train_images_per_second\":" + fmt(batch * 1000.0 / step) + ",\"rows\":[";
    if (!json) {
        std::printf("%s, batch %d, gemm %s, %d thread(s), %zu steps: %s %.3f ms/step = %.0f img/s\n", name.c_str(), batch,
                    core::gemm_backend(), nn::num_threads(), step_ms.size(), stat.c_str(), step, batch * 1000.0 / step);
        std::printf("%-3s %-22s %-10s %10s %10s %7s\n", "#", "layer", "out", "fwd ms", "bwd ms", "share");
    }
    bool first = true;
    auto row = [&](const std::string& idx, const std::string& what, const std::string& shape, double f, double b) {
        if (!json)
            std::printf("%-3s %-22s %-10s %10.3f %10.3f %6.1f%%\n", idx.c_str(), what.c_str(), shape.c_str(), f, b,
                        100.0 * (f + b) / step);
        out += std::string(first ? "" : ",") + "{\"layer\":\"" + what + "\",\"forward_ms\":" + fmt(f, 4) +
               ",\"backward_ms\":" + fmt(b, 4) + "}";
        first = false;
    };
    for (int i = 0; i < L; ++i)
        row(std::to_string(i), net.layer(i).spec().str(), net.layer(i).out_shape().str(), median(tm.fw[i]), median(tm.bw[i]));
    row("", "softmax xent", "", median(tm.loss), 0);
    row("", "adam + zero_grad", "", 0, median(tm.opt));
    if (json) std::printf("%s]}\n", out.c_str());
    return 0;
}

BLOODCELL_COMMAND("profile", "profile [--model NAME] [--width W] [--hidden H] [--batch B] [--seconds S] [--threads N] [--stat median|min] [--json] [--infer]",
                  "median (or min) ms of each layer's forward and backward in a training step (random images); "
                  "--infer: of each step of inference (a layer with the ones it fuses)", cmd_profile, {"infer"});

}  // namespace
}  // namespace cli
