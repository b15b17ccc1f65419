// The labelled-images view's operations (labelled.h): reading a zip or a folder, evaluating the model
// in use on it, fine-tuning on a seeded split and comparing on the held-out part; each a core job
// stepped a slice at a time.
#include "app/labelled.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "app/app.h"
#include "core/zip.h"

namespace app {

LabelledState& labelled_state(AppState& s) {
    if (!s.labelled) s.labelled = std::make_shared<LabelledState>();
    return *s.labelled;
}

bool zip_is_labelled_images(const uint8_t* bytes, size_t size) {
    auto entries = core::zip::entries(bytes, size, "zip");
    if (!entries) return false;
    for (const core::zip::Entry& e : entries.value) {
        const std::string& n = e.name;
        if (n.size() > 4 && n.compare(n.size() - 4, 4, ".npy") == 0) return false;
    }
    return !entries.value.empty();
}

static void start_import(AppState& s, std::unique_ptr<core::LabelledImportJob> job) {
    LabelledState& l = labelled_state(s);
    labelled_cancel(s);
    l.import = std::move(job);
    l.import_snap = l.import->snapshot();
    l.error.clear();
    l.open = true;
    s.request_tab = Tab::Classify;
    s.log.info("Reading labelled images: " + l.import_snap.title);
}

void labelled_open_zip(AppState& s, const std::string& name, const uint8_t* bytes, size_t size) {
    auto job = core::LabelledImportJob::from_zip(std::vector<uint8_t>(bytes, bytes + size), name);
    if (!job) {
        labelled_state(s).error = job.error;
        notify(s, LogEntry::Error, job.error);
        return;
    }
    start_import(s, std::move(job.value));
}

void labelled_add_file(AppState& s, const std::string& path, const uint8_t* bytes, size_t size) {
    labelled_state(s).incoming.push_back({path, std::vector<uint8_t>(bytes, bytes + size)});
}

void labelled_end(AppState& s, const std::string& name) {
    LabelledState& l = labelled_state(s);
    std::vector<core::ClassifyItem> files = std::move(l.incoming);
    l.incoming.clear();
    if (files.empty()) {
        l.error = name + ": the folder holds no files";
        notify(s, LogEntry::Error, l.error + " (want class folders: " + core::class_folder_names() + ")");
        return;
    }
    start_import(s, core::LabelledImportJob::from_files(std::move(files), name));
}

bool labelled_busy(const AppState& s) {
    const LabelledState* l = s.labelled.get();
    if (!l) return false;
    return (l->import && !l->import_snap.finished()) || l->eval || (l->tune && !l->tune_snap.finished()) || l->before_job || l->after_job;
}

void labelled_cancel(AppState& s) {
    LabelledState& l = labelled_state(s);
    l.import.reset();
    l.import_snap = core::JobSnapshot();
    l.eval.reset();
    l.tune.reset();
    l.tune_snap = core::JobSnapshot();
    l.before_job.reset();
    l.after_job.reset();
}

void labelled_close(AppState& s) { labelled_state(s).open = false; }

static void import_finished(AppState& s, LabelledState& l) {
    const core::JobSnapshot snap = l.import->snapshot();
    core::LabelledSet set = l.import->take_set();
    l.import.reset();
    for (const core::Skipped& k : set.skipped) s.log.warn(set.source + ": skipped " + k.path + ": " + k.reason);
    if (snap.status != core::JobStatus::done) {
        l.error = snap.message;
        notify(s, LogEntry::Error, snap.message + (l.loaded ? " (the labelled images read before are kept)" : ""));
        return;
    }
    l.set = std::move(set);
    l.loaded = true;
    l.evaluated = l.compared = false;
    l.eval_of.reset();
    l.tuned.reset();
    char b[200];
    std::snprintf(b, sizeof b, "Read %d labelled images from %s; %d file(s) skipped", l.set.data.size(), l.set.source.c_str(),
                  (int)l.set.skipped.size());
    notify(s, l.set.skipped.empty() ? LogEntry::Info : LogEntry::Warn, b);
}

std::string labelled_fine_tune(AppState& s) {
    LabelledState& l = labelled_state(s);
    StoredModel* m = s.models.active_model();
    if (!l.loaded) return "no labelled images: open a .zip or a folder of class folders first";
    if (!m) return "no model to fine-tune";
    if (l.tune && !l.tune_snap.finished()) return "fine-tuning is running";
    auto spec = core::fine_tune_spec(m->model->save(), l.epochs, (uint64_t)l.seed);
    if (!spec) return spec.error;
    const core::HoldoutSplit split = core::split_holdout(l.set.data, l.held_fraction, (uint64_t)l.seed);
    if (split.fit.empty() || split.held.empty()) return "too few images to hold some out";
    l.fit = core::take(l.set.data, split.fit);
    l.held = core::take(l.set.data, split.held);
    auto job = core::TrainJob::create(spec.value, l.fit, core::Dataset{});
    if (!job) return job.error;
    l.tune = std::move(job.value);
    l.tune_snap = l.tune->snapshot();
    l.base = m->model;
    l.base_label = m->label;
    l.base_file = m->file;
    l.tuned.reset();
    l.compared = false;
    l.before_job = std::make_unique<core::EvalJob>(l.base, &l.held);
    l.after_job.reset();
    s.log.info(spec.value.summary + " on " + std::to_string(l.fit.size()) + " of " + l.set.source + "'s images; " +
               std::to_string(l.held.size()) + " held out (seed " + std::to_string(l.seed) + ")");
    return "";
}

std::string labelled_use_tuned(AppState& s) {
    LabelledState& l = labelled_state(s);
    if (!l.tuned) return "no fine-tuned model yet";
    for (int i = 0; i < s.models.size(); ++i)
        if (s.models.at(i).model == l.tuned) {
            s.models.set_active(i);
            classify_rerun_all(s);
            return "";
        }
    auto e = std::make_unique<StoredModel>();
    e->model = l.tuned;
    e->label = l.base_label.substr(0, l.base_label.find(" (")) + " (fine-tuned)";
    e->origin = "fine-tuned here from " + l.base_label + " on " + std::to_string(l.fit.size()) + " images of " + l.set.source;
    e->hyper = l.tune_snap.title;
    e->train_seconds = l.tune_snap.seconds;
    s.models.add(std::move(e), true);
    classify_rerun_all(s);
    notify(s, LogEntry::Info, "Using the fine-tuned model for Classify (the pretrained one stays in the Compare tab)");
    return "";
}

std::string labelled_save_tuned(AppState& s) {
    LabelledState& l = labelled_state(s);
    if (!l.tuned) return "no fine-tuned model yet";
    if (!s.platform.save_bytes) return "this platform cannot save files";
    const std::string where = s.platform.save_bytes("fine_tuned.bcm", l.tuned->save());
    if (where.empty()) return "could not save fine_tuned.bcm";
    notify(s, LogEntry::Info, "Saved the fine-tuned model to " + where);
    return "";
}

// One evaluation job's slice; true when it finished (into `out`).
static bool eval_slice(std::unique_ptr<core::EvalJob>& job, double ms, core::Evaluation& out) {
    if (!job) return false;
    if (job->step({0, std::max(1.0, ms)})) return false;
    out = job->snapshot().eval;
    job.reset();
    return true;
}

double labelled_work(AppState& s, double budget_ms) {
    LabelledState* lp = s.labelled.get();
    if (!lp) return 0;
    LabelledState& l = *lp;
    const bool was_busy = labelled_busy(s);
    const auto t0 = std::chrono::steady_clock::now();
    const double ms = std::max(1.0, budget_ms);
    if (l.import && !l.import_snap.finished()) {
        l.import->step({0, ms});
        l.import_snap = l.import->snapshot();
        if (l.import_snap.finished()) import_finished(s, l);
    } else if (l.tune && !l.tune_snap.finished()) {
        l.tune->step({0, ms});
        l.tune_snap = l.tune->snapshot();
        if (l.tune_snap.status == core::JobStatus::done) {
            core::Model m = l.tune->take_model();
            core::TrainRecord r = m.record();
            r.data = l.set.source;
            r.extra["fine_tuned_from"] = l.base_file.empty() ? l.base_label : l.base_file;
            r.extra["held_out"] = std::to_string(l.held.size());
            m.set_record(r);
            l.tuned = std::make_shared<core::Model>(std::move(m));
            l.after_job = std::make_unique<core::EvalJob>(l.tuned, &l.held);
        } else if (l.tune_snap.finished()) {
            notify(s, LogEntry::Error, "Fine-tuning stopped: " + l.tune_snap.message);
        }
    } else if (l.before_job || l.after_job) {
        eval_slice(l.before_job, ms, l.before);
        if (!l.before_job && eval_slice(l.after_job, ms, l.after)) {
            l.compared = true;
            char b[200];
            std::snprintf(b, sizeof b, "Fine-tuned on %d images: held-out ACC %.3f before, %.3f after (%d images)", l.fit.size(), l.before.acc,
                          l.after.acc, l.held.size());
            notify(s, LogEntry::Info, b);
        }
    } else if (l.loaded) {
        // the model in use on the whole set (again when another model is chosen)
        StoredModel* m = s.models.active_model();
        if (m && l.eval_of != m->model) {
            l.eval = std::make_unique<core::EvalJob>(m->model, &l.set.data);
            l.eval_of = m->model;
            l.eval_label = m->label;
            l.evaluated = false;
        }
        if (eval_slice(l.eval, ms, l.result)) {
            l.evaluated = true;
            char b[200];
            std::snprintf(b, sizeof b, "%s on %s (%d labelled images): ACC %.3f", l.eval_label.c_str(), l.set.source.c_str(), l.result.n, l.result.acc);
            s.log.info(b);
        }
    }
    if (was_busy && !labelled_busy(s)) s.pacing.wake = true;  // draw the end at once
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace app
