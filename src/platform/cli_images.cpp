// The user's own labelled images on the command line (issue 12 item 6): `eval --images DIR|ZIP`
// (accuracy and confusion matrix of a model on class-named subfolders) and `train --init MODEL.bcm
// --images DIR|ZIP` (fine-tune a pretrained network on a seeded split of them, reported on the
// held-out part before and after). Files that cannot be used are listed on stderr with the reason
// and skipped (core/labelled.h); the rest goes on.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <system_error>

#include "core/io.h"
#include "core/labelled.h"
#include "platform/cli_learn.h"

namespace cli {

namespace fs = std::filesystem;

// A folder (read recursively; paths relative to it) or a .zip, decoded and labelled by folder.
core::Result<core::LabelledSet> load_labelled(const std::string& path, bool quiet) {
    using R = core::Result<core::LabelledSet>;
    std::error_code ec;
    std::unique_ptr<core::LabelledImportJob> job;
    if (fs::is_directory(path, ec)) {
        std::vector<core::ClassifyItem> files;
        for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (!it->is_regular_file(ec)) continue;
            const std::string rel = fs::relative(it->path(), path, ec).generic_string();
            auto bytes = core::io::read_file(it->path().string());
            if (!bytes) return R::fail(bytes.error);
            files.push_back({rel, std::move(bytes.value)});
        }
        if (ec) return R::fail(path + ": cannot list the folder (" + ec.message() + ")");
        job = core::LabelledImportJob::from_files(std::move(files), path);
    } else {
        auto bytes = core::io::read_file(path);
        if (!bytes) return R::fail(bytes.error);
        auto made = core::LabelledImportJob::from_zip(std::move(bytes.value), path);
        if (!made) return R::fail(made.error);
        job = std::move(made.value);
    }
    std::unique_ptr<Progress> bar;
    if (!quiet) bar.reset(new Progress("read images", job->snapshot().total));
    while (job->step({0, 200.0}))
        if (bar) bar->update(job->snapshot().done);
    if (bar) bar->finish();
    const core::JobSnapshot snap = job->snapshot();
    core::LabelledSet set = job->take_set();
    for (const core::Skipped& s : set.skipped) std::fprintf(stderr, "skipped %s: %s\n", s.path.c_str(), s.reason.c_str());
    if (snap.status != core::JobStatus::done) return R::fail(snap.message);
    if (!quiet) {
        std::string counts;
        const auto c = set.counts();
        for (int k = 0; k < core::kClasses; ++k) counts += std::string(k ? ", " : "") + core::kClassShortNames[k] + " " + std::to_string(c[k]);
        std::fprintf(stderr, "%s: %d images (%s); %zu skipped%s\n", path.c_str(), set.data.size(), counts.c_str(), set.skipped.size(),
                     set.ignored ? (", " + std::to_string(set.ignored) + " folders or system files ignored").c_str() : "");
    }
    return R::of(std::move(set));
}

std::string skipped_json(const core::LabelledSet& set) {
    std::string o = "[";
    for (size_t i = 0; i < set.skipped.size(); ++i)
        o += std::string(i ? "," : "") + "{\"file\":\"" + json_escape(set.skipped[i].path) + "\",\"kind\":\"" +
             core::skip_kind_name(set.skipped[i].kind) + "\",\"reason\":\"" + json_escape(set.skipped[i].reason) + "\"}";
    return o + "]";
}

static core::Evaluation evaluate(const std::shared_ptr<core::Model>& m, const core::Dataset& d, const char* what) {
    core::EvalJob job(m, &d);
    Progress bar(what, d.size());
    while (job.step({0, 250.0})) bar.update(job.snapshot().done);
    bar.finish();
    return job.snapshot().eval;
}

// eval --model MODEL.bcm --images DIR|ZIP [--json]
int eval_images(const Args& a) {
    auto model = load_model_file(a.get("model"));
    if (!model) return fail(model.error);
    auto set = load_labelled(a.get("images"), false);
    if (!set) return fail(set.error);
    auto shared = std::make_shared<core::Model>(std::move(model.value));
    std::fprintf(stderr, "evaluating %s (%s) on %d labelled images\n", a.get("model").c_str(), shared->spec().name.c_str(), set.value.data.size());
    const core::Evaluation e = evaluate(shared, set.value.data, "evaluate");
    if (a.has("json")) {
        std::printf("{\"model\":\"%s\",\"arch\":\"%s\",\"images\":\"%s\",\"n\":%d,\"skipped\":%s,\"eval\":%s}\n",
                    json_escape(a.get("model")).c_str(), json_escape(shared->spec().name).c_str(), json_escape(a.get("images")).c_str(),
                    set.value.data.size(), skipped_json(set.value).c_str(), eval_json(e).c_str());
    } else {
        std::printf("%s on %s (%s), %zu file(s) skipped\n%s", a.get("model").c_str(), a.get("images").c_str(), shared->spec().name.c_str(),
                    set.value.skipped.size(), core::format_evaluation(e).c_str());
    }
    return 0;
}

// train --init MODEL.bcm --images DIR|ZIP [--holdout F] [--epochs E] [--seed S] [--lr LR] [--batch B] --out OUT.bcm
int train_fine_tune(const Args& a) {
    if (!a.has("images")) return fail("train --init: --images DIR|ZIP (class folders of labelled images) is required");
    if (!a.has("out")) return fail("train: --out MODEL.bcm is required");
    if (!apply_threads(a)) return 1;
    bool ok = true;
    const int epochs = a.get_int("epochs", 5, ok);
    const int seed = a.get_int("seed", 0, ok);
    const double holdout = a.get_double("holdout", 0.25, ok);
    if (!ok) return 1;
    if (!(holdout > 0 && holdout < 1)) return fail("--holdout " + a.get("holdout") + ": want a fraction in (0, 1)");
    auto init = core::io::read_file(a.get("init"));
    if (!init) return fail(init.error);
    auto spec = core::fine_tune_spec(init.value, epochs, (uint64_t)seed);
    if (!spec) return fail(a.get("init") + ": " + spec.error);
    if (a.has("lr")) spec.value.train.lr = (float)a.get_double("lr", 0, ok);
    if (a.has("batch")) spec.value.train.batch = a.get_int("batch", 32, ok);
    if (!ok) return 1;
    if (core::Status v = core::validate(spec.value.train); !v) return fail("train: " + v.message);
    auto set = load_labelled(a.get("images"), false);
    if (!set) return fail(set.error);
    const core::HoldoutSplit split = core::split_holdout(set.value.data, holdout, (uint64_t)seed);
    if (split.fit.empty() || split.held.empty())
        return fail(a.get("images") + ": " + std::to_string(set.value.data.size()) + " image(s) cannot be split into fine-tune and held-out parts");
    const core::Dataset fit = core::take(set.value.data, split.fit), held = core::take(set.value.data, split.held);
    std::fprintf(stderr, "%s; %zu images to fine-tune on, %zu held out (seed %d)\n", spec.value.summary.c_str(), split.fit.size(),
                 split.held.size(), seed);
    auto before_model = core::Model::load(init.value.data(), init.value.size(), a.get("init"));
    if (!before_model) return fail(before_model.error);
    const core::Evaluation before = evaluate(std::make_shared<core::Model>(std::move(before_model.value)), held, "held out, before");
    TrainOutcome r = train_model(spec.value, fit, core::Dataset{}, a.has("quiet"));
    if (!r.error.empty()) return fail("train: " + r.error);
    core::TrainRecord rec = r.model.record();
    rec.data = a.get("images");
    rec.extra["fine_tuned_from"] = a.get("init");
    rec.extra["held_out"] = std::to_string(split.held.size());
    r.model.set_record(rec);
    auto bytes = r.model.save();
    auto tuned = std::make_shared<core::Model>(std::move(r.model));
    const core::Evaluation after = evaluate(tuned, held, "held out, after");
    const std::string out = a.get("out");
    core::Status w = core::io::write_file_atomic(out, bytes.data(), bytes.size());
    if (!w) return fail(w.message);
    std::fprintf(stderr, "wrote %s (%zu bytes) in %.1fs; held-out ACC %.4f before, %.4f after fine-tuning\n", out.c_str(), bytes.size(),
                 r.seconds, before.acc, after.acc);
    if (a.has("json")) {
        std::printf("{\"init\":\"%s\",\"images\":\"%s\",\"out\":\"%s\",\"epochs\":%d,\"seed\":%d,\"holdout\":%s,\"fit_images\":%zu,"
                    "\"held_out\":%zu,\"skipped\":%s,\"seconds\":%s,\"before\":%s,\"after\":%s}\n",
                    json_escape(a.get("init")).c_str(), json_escape(a.get("images")).c_str(), json_escape(out).c_str(), epochs, seed,
                    fmt(holdout).c_str(), split.fit.size(), split.held.size(), skipped_json(set.value).c_str(), fmt(r.seconds).c_str(),
                    eval_json(before).c_str(), eval_json(after).c_str());
    } else {
        std::printf("held out (%zu images), before fine-tuning (%s):\n%s\nheld out, after fine-tuning (%s):\n%s", split.held.size(),
                    a.get("init").c_str(), core::format_evaluation(before).c_str(), out.c_str(), core::format_evaluation(after).c_str());
    }
    return 0;
}

}  // namespace cli
