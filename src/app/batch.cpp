// Batches of images (issue 12 item 7): files handed over wait in a queue; up to kClassifyAtOnce are
// classified in the frame with their originals (the crop can be dragged), more go through one
// core::ClassifyJob: with threads (the threaded page, the desktop) a worker thread steps it with its
// own copy of the model and each frame takes the finished rows; in the one-thread page it is stepped
// in slices between frames (app_background), so the page keeps drawing. Its rows keep the 28x28
// input and a thumbnail, never the decoded original, so memory stays bounded (and their crop cannot
// be moved: the panel says so). A progress bar with Cancel shows while it runs; files that are not
// images, cannot be decoded or repeat an earlier file of the batch or a row of the session are listed
// with the reason and skipped, and the rest goes on.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#if BLOODCELL_HAVE_THREADS
#include <thread>
#endif

#include "app/app.h"
#include "core/labelled.h"
#include "core/nn/tensor.h"
#include "app/inspect.h"
#include "app/ui.h"
#include "imgui.h"

namespace app {

// The thread that steps a batch (threaded builds): until the job finishes or stop is set.
struct BatchWorker {
    std::atomic<bool> stop{false};
#if BLOODCELL_HAVE_THREADS
    std::thread thread;
    BatchWorker(core::ClassifyJob* job, int threads) {
        thread = std::thread([this, job, threads] {
            core::nn::set_thread_limit(threads);
            while (!stop.load() && job->step({0, 20.0})) {
            }
        });
    }
    ~BatchWorker() { join(); }
    void join() {
        stop.store(true);
        if (thread.joinable()) thread.join();
    }
#else
    BatchWorker(core::ClassifyJob*, int) {}
    void join() {}
#endif
};

static bool on_worker(const ClassifyState& c) { return c.batch_worker != nullptr; }
bool classify_on_worker(const AppState& s) { return on_worker(s.classify); }

static void stop_batch_worker(ClassifyState& c) {
    if (c.batch_worker) c.batch_worker->join();
    c.batch_worker.reset();
}

void classify_shutdown(AppState& s) {
    if (s.classify.batch) s.classify.batch->cancel();
    stop_batch_worker(s.classify);
}

void classify_enqueue(AppState& s, const std::string& name, const uint8_t* bytes, size_t size) {
    ClassifyState& c = s.classify;
    c.queue.push_back({name, std::vector<uint8_t>(bytes, bytes + size)});
    s.pacing.wake = true;
}

bool classify_busy(const AppState& s) {
    return !s.classify.queue.empty() || (s.classify.batch && !s.classify.batch_snap.finished());
}

static void batch_finished(AppState& s);
static void take_results(AppState& s);

static void start_or_extend_batch(AppState& s) {
    ClassifyState& c = s.classify;
    if (c.batch && !c.batch_snap.finished() && c.batch->add(c.queue)) return;  // the running job takes them
    if (c.batch && !c.batch_snap.finished()) {
        // it finished between its last snapshot and now: its end first, then a new job for these
        stop_batch_worker(c);
        c.batch_snap = c.batch->snapshot();
        take_results(s);
        batch_finished(s);
    }
    stop_batch_worker(c);
    core::ClassifyOptions o;
    o.tta = c.tta;
    o.thumb_side = kThumbSide;
    o.skip_duplicates = true;
    // the files already in the session are duplicates too (rows of older saved sessions have no key)
    for (int i = 0; i < c.review.size(); ++i)
        if (c.review.at(i).key) o.known.emplace_back(c.review.at(i).key, c.review.at(i).file + ", already in the session");
    StoredModel* m = s.models.active_model();
    std::shared_ptr<core::Model> model = m ? m->model : nullptr;
    const bool threads = BLOODCELL_HAVE_THREADS != 0;
    if (model && threads) {
        // the worker predicts with its own copy: the frame's thread uses the model in use meanwhile
        // (single images, Compare's evaluation, heat maps), and a network's forward pass keeps state
        std::vector<uint8_t> bytes = model->save();
        auto copy = core::Model::load(bytes.data(), bytes.size(), m->label);
        model = copy ? std::make_shared<core::Model>(std::move(copy.value)) : nullptr;
    }
    c.batch_model = Prediction();
    if (m && model) {
        c.batch_model.model = m->label + (c.tta && m->model->spec().family == core::Family::nn ? ", 8 views" : "");
        c.batch_model.model_file = m->file;
        c.batch_model.model_crc32 = ModelStore::checksum(*m);
        c.batch_model.unsure_below = unsure_threshold(s);
    }
    c.batch = std::make_unique<core::ClassifyJob>(model, std::move(c.queue), o);
    c.queue.clear();
    c.batch_rows = 0;
    c.batch_seconds = 0;
    c.batch_rows_ms = 0;
    c.batch_snap = c.batch->snapshot();
    s.log.info("Classifying a batch of " + std::to_string(c.batch_snap.total) + " images" + (threads ? " on a worker thread" : ""));
    if (threads) c.batch_worker = std::make_shared<BatchWorker>(c.batch.get(), s.platform.worker_threads);
}

// The finished results of the batch become rows of the review.
static void take_results(AppState& s) {
    ClassifyState& c = s.classify;
    std::vector<core::ClassifyResult> ready = c.batch->take_ready();
    if (ready.empty()) return;
    const auto t0 = std::chrono::steady_clock::now();
    // the model the job predicts with, not the one in use now (the user may have picked another since)
    Prediction p = c.batch_model;
    p.date = iso_date_utc((long long)std::time(nullptr));
    const double ms = c.batch_snap.done > 0 ? 1000.0 * c.batch_seconds / c.batch_snap.done : 0;
    for (core::ClassifyResult& r : ready) {
        if (!r.error.empty()) {
            c.skipped.push_back(r.error);
            s.log.warn("Skipped " + r.error);
            continue;
        }
        ReviewRow row;
        row.file = r.name;
        row.key = r.key;
        row.width = r.width;
        row.height = r.height;
        row.crop = r.crop;
        row.input = std::move(r.input);
        row.thumb = std::move(r.thumb);
        const int i = c.review.add(std::move(row));
        p.probs = std::move(r.probs);
        p.ms = ms;
        c.review.set_prediction(i, p);
        c.selected = i;
        ++c.batch_rows;
    }
    s.show_welcome = false;
    c.batch_rows_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

static void batch_finished(AppState& s) {
    ClassifyState& c = s.classify;
    const core::JobSnapshot& b = c.batch_snap;
    const long skipped = b.done - c.batch_rows;
    char line[200];
    std::snprintf(line, sizeof line, "%s %d of %ld images in %.1f s (%.0f images/s)%s", b.status == core::JobStatus::cancelled ? "Cancelled: classified" : "Classified",
                  c.batch_rows, b.total, c.batch_seconds, c.batch_seconds > 0 ? b.done / c.batch_seconds : 0.0,
                  skipped > 0 ? (", " + std::to_string(skipped) + " skipped (listed in the Classify tab)").c_str() : "");
    notify(s, skipped > 0 ? LogEntry::Warn : LogEntry::Info, line);
    c.focus_selected = true;
    c.store_next_frame = true;
    s.features.source = FeaturesState::FromClassify;
    s.features.computed_key = 0;
}

double classify_work(AppState& s, double budget_ms) {
    ClassifyState& c = s.classify;
    if (!classify_busy(s)) return 0;
    const auto t0 = std::chrono::steady_clock::now();
    const bool running = c.batch && !c.batch_snap.finished();
    if (!running && !c.queue.empty() && (int)c.queue.size() <= kClassifyAtOnce) {
        std::vector<core::ClassifyItem> few = std::move(c.queue);
        c.queue.clear();
        for (core::ClassifyItem& it : few) {
            // as a batch does: a file whose bytes are already in the session is listed and skipped
            const int dup = c.review.duplicate_of(core::content_key(it.bytes.data(), it.bytes.size()));
            if (dup >= 0) {
                const std::string why = it.name + ": duplicate of " + c.review.at(dup).file + ", already in the session (the same bytes)";
                c.skipped.push_back(why);
                s.log.warn("Skipped " + why);
                continue;
            }
            classify_image(s, it.name, it.bytes.data(), it.bytes.size());
        }
    } else {
        if (!c.queue.empty()) start_or_extend_batch(s);
        if (!on_worker(c))  // at least one image a slice, so a batch moves even when the frames leave no time
            c.batch->step({budget_ms > 0 ? 0L : 1L, std::max(0.0, budget_ms)});
        c.batch_snap = c.batch->snapshot();
        if (c.batch_snap.finished()) stop_batch_worker(c);  // (it has returned: the join is at once)
        c.batch_seconds = c.batch_snap.seconds;
        take_results(s);
        if (c.batch_snap.finished()) batch_finished(s);
    }
    s.pacing.wake = s.pacing.wake || !classify_busy(s);  // draw the end at once
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::string classify_progress_json(const AppState& s) {
    const ClassifyState& c = s.classify;
    return "{\"count\":" + std::to_string(c.review.size()) + ",\"busy\":" + (classify_busy(s) ? "true" : "false") +
           ",\"skipped\":" + std::to_string(c.skipped.size()) +
           ",\"memory\":" + std::to_string(s.platform.memory_bytes ? s.platform.memory_bytes() : 0) + "}";
}

void classify_cancel_batch(AppState& s) {
    ClassifyState& c = s.classify;
    c.queue.clear();
    if (!c.batch || c.batch_snap.finished()) return;
    c.batch->cancel();
    stop_batch_worker(c);   // waits for the worker's slice in progress
    c.batch->step({1, 0});  // records the cancellation (unless the job finished first)
    c.batch_snap = c.batch->snapshot();
    c.batch_seconds = c.batch_snap.seconds;
    take_results(s);
    batch_finished(s);
}

void draw_batch_progress(AppState& s) {
    ClassifyState& c = s.classify;
    const float e = ui::em();
    if (classify_busy(s) && c.batch) {
        const core::JobSnapshot& b = c.batch_snap;
        char over[96];
        std::snprintf(over, sizeof over, "%ld / %ld images", b.done, b.total);
        const float cancel_w = ImGui::CalcTextSize("Cancel").x + ImGui::GetStyle().FramePadding.x * 2;
        ImGui::ProgressBar((float)b.progress, ImVec2(std::max(e * 6, std::min(e * 24, ImGui::GetContentRegionAvail().x - cancel_w - e * 12)), 0), over);
        ImGui::SameLine();
        if (ImGui::Button("Cancel##batch")) classify_cancel_batch(s);
        ui::mark_item("classify.cancel");
        ImGui::SameLine();
        ImGui::TextDisabled("%.0f images/s", c.batch_seconds > 0 ? b.done / c.batch_seconds : 0.0);
    }
    if (c.skipped.empty()) return;
    char label[64];
    std::snprintf(label, sizeof label, "%d file(s) skipped###skipped", (int)c.skipped.size());
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.75f, 0.3f, 1.0f));
    const bool open = ImGui::TreeNode(label);
    ImGui::PopStyleColor();
    if (!open) return;
    ImGui::BeginChild("##skipped", ImVec2(0, std::min(e * 6, (float)c.skipped.size() * ImGui::GetTextLineHeightWithSpacing() + e * 0.5f)), true);
    const int shown = std::min((int)c.skipped.size(), 200);  // the newest 200 (all are in the Log tab)
    for (int i = (int)c.skipped.size() - shown; i < (int)c.skipped.size(); ++i) ui::wrapped(c.skipped[i].c_str(), true);
    if (shown < (int)c.skipped.size()) ImGui::TextDisabled("... and %d more in the Log tab", (int)c.skipped.size() - shown);
    ImGui::EndChild();
    if (ImGui::SmallButton("Forget this list")) c.skipped.clear();
    ImGui::TreePop();
}

}  // namespace app
