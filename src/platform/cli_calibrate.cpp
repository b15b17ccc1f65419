// `calibrate`: fits the temperature and the unsure threshold of an existing model file on the
// validation split (a core::CalibrateJob, the same as the end of training) and writes the model with
// them; weights and training record are unchanged.
#include <memory>

#include "core/calibration.h"
#include "core/io.h"
#include "platform/cli_learn.h"

namespace cli {
namespace {

int cmd_calibrate(const Args& a) {
    if (!a.has("model")) return fail("calibrate: --model MODEL.bcm is required");
    if (!a.has("out")) return fail("calibrate: --out OUT.bcm is required");
    if (!apply_threads(a)) return 1;
    bool ok = true;
    const double target = a.get_double("target", core::kDefaultTargetAccuracy, ok);
    if (!ok) return 1;
    if (!(target > 0 && target <= 1)) return fail("--target " + a.get("target") + ": want an accuracy in 0..1, e.g. 0.995");
    auto model = load_model_file(a.get("model"));
    if (!model) return fail(model.error);
    auto split = core::parse_split(a.get("split", "val"));
    if (!split) return fail("--split: " + split.error);
    auto data = load_data(a);
    if (!data) return fail(data.error);
    const core::Dataset& d = data.value.split(split.value);
    auto shared = std::make_shared<core::Model>(std::move(model.value));
    const bool views = !a.has("no-tta") && shared->spec().family == core::Family::nn;
    std::fprintf(stderr, "calibrating %s on %d %s images (single view%s) for ACC >= %.4f\n", a.get("model").c_str(), d.size(),
                 core::split_name(split.value), views ? " and 8-view averaging" : "", target);
    core::CalibrateJob job(shared, &d, target, views);
    Progress bar("calibrate", d.size());
    while (job.step({0, 250.0})) bar.update(job.snapshot().done);
    bar.finish();
    core::JobSnapshot snap = job.snapshot();
    if (snap.status != core::JobStatus::done) return fail("calibrate: " + snap.message);
    std::string json = "{\"model\":\"" + json_escape(a.get("model")) + "\",\"out\":\"" + json_escape(a.get("out")) +
                       "\",\"split\":\"" + core::split_name(split.value) + "\"";
    std::string text;
    for (int tta = 0; tta < (views ? 2 : 1); ++tta) {
        const std::vector<float>& raw = tta ? job.raw_tta() : job.raw_single();
        const core::Calibration::Mode& mode = shared->calibration().mode(tta);
        const auto r = core::calibration_before_after(raw, d.labels.data(), d.size(), mode.temperature, mode.threshold, target);
        text += std::string(tta ? "8-view averaging" : "single view") + " on " + core::split_name(split.value) + ":\n" +
                calibration_text(shared->calibration(), tta, r.before, r.after);
        json += std::string(tta ? ",\"tta\":" : ",\"single\":") + calibration_json(shared->calibration(), tta, r.before, r.after);
    }
    auto bytes = shared->save();
    core::Status w = core::io::write_file_atomic(a.get("out"), bytes.data(), bytes.size());
    if (!w) return fail(w.message);
    std::fprintf(stderr, "wrote %s (%zu bytes)\n", a.get("out").c_str(), bytes.size());
    if (a.has("json")) std::printf("%s}\n", json.c_str());
    else std::printf("%s", text.c_str());
    return 0;
}

BLOODCELL_COMMAND("calibrate",
                  "calibrate --model MODEL.bcm --data DATA.npz [--split val] [--target 0.995] [--no-tta] --out OUT.bcm",
                  "fit the temperature and the unsure threshold on val (single view and 8-view averaging) and write "
                  "the model with them",
                  cmd_calibrate, {"no-tta"});

}  // namespace
}  // namespace cli
