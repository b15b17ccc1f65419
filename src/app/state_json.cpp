// The read-only JSON snapshot of the app for the browser tests and debugging (bc_state_json).
#include <algorithm>
#include <cmath>
#include <sstream>

#include "app/inspect.h"
#include "app/labelled.h"
#include "app/run_control.h"
#include "imgui_internal.h"

namespace app {

namespace {
const char* b(bool v) { return v ? "true" : "false"; }

void data_json(std::ostringstream& o, const AppState& s) {
    o << ",\"data\":{\"loaded\":" << b(s.data.loaded) << ",\"source\":\"" << json_escape(s.data.source) << "\"";
    if (s.data.loaded) {
        o << ",\"splits\":{\"train\":" << s.data.all.train.size() << ",\"val\":" << s.data.all.val.size()
          << ",\"test\":" << s.data.all.test.size() << "}";
        o << ",\"view\":{\"split\":\"" << core::split_name(s.data.spec.split) << "\",\"size\":" << s.data.view.size()
          << ",\"per_class\":[";
        auto counts = s.data.view.class_counts();
        for (int k = 0; k < core::kClasses; ++k) o << (k ? "," : "") << counts[k];
        o << "]}";
    }
    o << ",\"gallery_scroll\":" << s.data.gallery_scroll << ",\"gallery_scroll_max\":" << s.data.gallery_scroll_max;
    o << ",\"error\":\"" << json_escape(s.data.last_error) << "\"}";
}

void differential_json(std::ostringstream& o, const Differential& d) {
    o << "{\"images\":" << d.images << ",\"classified\":" << d.classified << ",\"unsure\":" << d.unsure << ",\"reviewed\":" << d.reviewed
      << ",\"relabelled\":" << d.relabelled << ",\"totals\":[";
    for (int c = 0; c < Differential::Columns; ++c) o << (c ? "," : "") << d.totals[c];
    o << "],\"counts\":[";
    for (int c = 0; c < Differential::Columns; ++c) {
        o << (c ? ",[" : "[");
        for (int k = 0; k < core::kClasses; ++k) o << (k ? "," : "") << d.counts[c][k];
        o << "]";
    }
    o << "]}";
}

void evaluation_json(std::ostringstream& o, const core::Evaluation& e) {
    o << "{\"n\":" << e.n << ",\"acc\":" << e.acc << ",\"confusion\":[";
    for (int t = 0; t < core::kClasses; ++t) {
        o << (t ? ",[" : "[");
        for (int p = 0; p < core::kClasses; ++p) o << (p ? "," : "") << e.confusion[t][p];
        o << "]";
    }
    o << "]}";
}

// The labelled images (labelled.h): the set read, the files skipped, the model on it, fine-tuning.
void labelled_json(std::ostringstream& o, const AppState& s) {
    static const LabelledState none;
    const LabelledState& l = s.labelled ? *s.labelled : none;
    o << "{\"open\":" << b(l.open) << ",\"busy\":" << b(labelled_busy(s)) << ",\"loaded\":" << b(l.loaded) << ",\"source\":\""
      << json_escape(l.set.source) << "\",\"images\":" << l.set.data.size() << ",\"counts\":[";
    const auto counts = l.set.counts();
    for (int k = 0; k < core::kClasses; ++k) o << (k ? "," : "") << counts[k];
    o << "],\"ignored\":" << l.set.ignored << ",\"skipped\":[";
    for (size_t i = 0; i < l.set.skipped.size(); ++i)
        o << (i ? "," : "") << "{\"file\":\"" << json_escape(l.set.skipped[i].path) << "\",\"kind\":\"" << core::skip_kind_name(l.set.skipped[i].kind)
          << "\",\"reason\":\"" << json_escape(l.set.skipped[i].reason) << "\"}";
    o << "],\"error\":\"" << json_escape(l.error) << "\",\"reading\":" << (l.import ? l.import_snap.progress : -1)
      << ",\"evaluated\":" << b(l.evaluated) << ",\"model\":\"" << json_escape(l.eval_label) << "\",\"eval\":";
    evaluation_json(o, l.result);
    o << ",\"tune\":{\"status\":\"" << (l.tune ? core::job_status_name(l.tune_snap.status) : "") << "\",\"progress\":" << l.tune_snap.progress
      << ",\"fit\":" << l.fit.size() << ",\"held\":" << l.held.size() << ",\"compared\":" << b(l.compared) << ",\"before\":";
    evaluation_json(o, l.before);
    o << ",\"after\":";
    evaluation_json(o, l.after);
    o << "}}";
}

// items: every row in order of arrival; view: the rows' indices in the order the table shows them.
void classify_json(std::ostringstream& o, const AppState& s) {
    const ClassifyState& c = s.classify;
    const ReviewSession& r = c.review;
    o << ",\"classify\":{\"count\":" << r.size() << ",\"selected\":" << c.selected << ",\"recrop_note\":\""
      << json_escape(classify_recrop_note(c, c.selected)) << "\",\"items\":[";
    for (int i = 0; i < r.size(); ++i) {
        const ReviewRow& it = r.at(i);
        o << (i ? "," : "") << "{\"name\":\"" << json_escape(it.file) << "\",\"width\":" << it.width << ",\"height\":" << it.height
          << ",\"top\":" << it.predicted << ",\"class\":\"" << (it.predicted >= 0 ? core::kClassNames[it.predicted] : "")
          << "\",\"confidence\":" << it.confidence() << ",\"unsure\":" << b(it.unsure) << ",\"reviewed\":" << it.reviewed
          << ",\"relabelled\":" << b(it.relabelled()) << ",\"model\":\"" << json_escape(it.model) << "\",\"crop\":[" << it.crop.x0
          << "," << it.crop.y0 << "," << it.crop.side << "],\"probs\":[";
        for (size_t k = 0; k < it.probs.size(); ++k) o << (k ? "," : "") << it.probs[k];
        o << "]}";
    }
    o << "],\"view\":[";
    const std::vector<int> view = r.view();
    for (size_t j = 0; j < view.size(); ++j) o << (j ? "," : "") << view[j];
    o << "],\"sort\":\"" << kReviewColumnNames[(int)r.sort_column()] << "\",\"descending\":" << b(r.sort_descending())
      << ",\"unsure_only\":" << b(r.unsure_only()) << ",\"unsure_below\":" << unsure_threshold(s)
      << ",\"can_undo_clear\":" << b(r.can_undo_clear()) << ",\"cleared\":" << r.cleared_count() << ",\"differential\":";
    differential_json(o, r.differential());
    o << ",\"session\":{\"revision\":" << r.revision() << ",\"stored_revision\":" << c.stored_revision << ",\"restore_pending\":"
      << b(c.restore_pending) << ",\"restored\":" << c.restored << ",\"error\":\"" << json_escape(c.session_error) << "\"}";
    // the heat map of the shown row ("why did it say that"), when it is on
    o << ",\"heat\":{\"on\":" << b(c.heat);
    auto v = c.selected >= 0 && c.selected < r.size() ? c.views.find(r.at(c.selected).id) : c.views.end();
    if (v != c.views.end()) {
        float hi = 0, sum = 0;
        for (float x : v->second.heat) hi = std::max(hi, x), sum += x;
        o << ",\"cls\":" << v->second.heat_cls << ",\"pixels\":" << v->second.heat.size() << ",\"max\":" << hi << ",\"mean\":"
          << (v->second.heat.empty() ? 0.f : sum / v->second.heat.size()) << ",\"error\":\"" << json_escape(v->second.heat_error) << "\"";
    }
    o << "}";
    const core::JobSnapshot& bs = c.batch_snap;
    o << ",\"batch\":{\"busy\":" << b(classify_busy(s)) << ",\"worker\":" << b(classify_on_worker(s)) << ",\"queued\":" << c.queue.size() << ",\"done\":" << (c.batch ? bs.done : 0)
      << ",\"total\":" << (c.batch ? bs.total : 0) << ",\"status\":\"" << (c.batch ? core::job_status_name(bs.status) : "")
      << "\",\"rows\":" << c.batch_rows << ",\"seconds\":" << c.batch_seconds << ",\"rows_ms\":" << c.batch_rows_ms << ",\"phase_ms\":{";
    if (c.batch)
        for (size_t i = 0; i < bs.phase_ms.size(); ++i) o << (i ? "," : "") << "\"" << bs.phase_ms[i].first << "\":" << bs.phase_ms[i].second;
    o << "}"
      << ",\"memory\":" << (s.platform.memory_bytes ? s.platform.memory_bytes() : 0) << ",\"skipped\":[";
    for (size_t i = 0; i < c.skipped.size(); ++i) o << (i ? "," : "") << "\"" << json_escape(c.skipped[i]) << "\"";
    o << "]},\"labelled\":";
    labelled_json(o, s);
    o << ",\"error\":\"" << json_escape(c.last_error) << "\"}";
}

void features_json(std::ostringstream& o, const AppState& s) {
    o << ",\"features\":{\"levels\":" << s.features.levels << ",\"distance\":" << s.features.distance << ",\"props\":[";
    if (!s.features.props.empty())
        for (int p = 0; p < core::kGlcmProps; ++p) {
            double m = 0;
            for (double v : s.features.props[p]) m += v;
            o << (p ? "," : "") << m / std::max<size_t>(1, s.features.props[p].size());
        }
    // the distributions' table (rows computed so far, at the levels and distance above) and the shown
    // image's value of the plotted feature
    const FeaturesState& f = s.features;
    const bool have = f.current.size() == f.names.size() && !f.names.empty();
    o << "],\"table_rows\":" << std::max(0, f.table_n) << ",\"table_features\":" << f.names.size() << ",\"feature\":\""
      << (f.dist_feature < (int)f.names.size() ? json_escape(f.names[f.dist_feature]) : "") << "\",\"current\":";
    if (have) o << f.current[f.dist_feature];
    else o << "null";
    o << ",\"scatter\":" << b(f.scatter) << "}";
}

void strings_json(std::ostringstream& o, const std::vector<std::string>& v) {
    o << "[";
    for (size_t i = 0; i < v.size(); ++i) o << (i ? "," : "") << "\"" << json_escape(v[i]) << "\"";
    o << "]";
}

void models_json(std::ostringstream& o, const AppState& s) {
    const ModelStore& ms = s.models;
    o << "\"model_ready\":" << b(ms.active() >= 0) << ",\"active\":\"" << (ms.active_model() ? json_escape(ms.active_model()->label) : "")
      << "\",\"models\":[";
    for (int i = 0; i < ms.size(); ++i) {
        const StoredModel& e = ms.at(i);
        const bool ev = ms.evaluated(e);
        o << (i ? "," : "") << "{\"label\":\"" << json_escape(e.label) << "\",\"params\":" << e.params << ",\"hyper\":\""
          << json_escape(e.hyper) << "\",\"link\":\"" << json_escape(e.link) << "\",\"evaluated\":" << b(ev) << ",\"n\":" << (ev ? e.test.n : 0) << ",\"acc\":" << (ev ? e.test.acc : -1)
          << ",\"auc\":" << (ev && std::isfinite(e.test.auc) ? e.test.auc : -1) << ",\"eval_error\":\"" << json_escape(ms.eval_error(e))
          << "\"}";
    }
    o << "]";
}

void run_json(std::ostringstream& o, const TrainState& t) {
    const core::JobSnapshot& r = t.snap;
    const core::TrainMetrics& m = r.train;
    o << ",\"run\":{\"model\":\"" << json_escape(t.job->spec().model.name) << "\",\"settings\":\"" << json_escape(t.run_summary)
      << "\",\"status\":\"" << core::job_status_name(r.status) << "\",\"done\":" << b(r.status == core::JobStatus::done)
      << ",\"error\":\"" << (r.status == core::JobStatus::failed ? json_escape(r.message) : "") << "\",\"seconds\":" << r.seconds
      << ",\"wall_seconds\":" << r.wall_seconds << ",\"wall_left\":" << r.wall_left()
      << ",\"progress\":" << r.progress << ",\"teaching\":" << b(r.teaching) << ",\"epoch\":" << m.epoch << ",\"epochs\":" << m.epochs << ",\"step\":" << m.step
      << ",\"images_per_second\":" << m.images_per_second << ",\"losses\":[";
    size_t n = m.batches.size(), from = n > 200 ? n - 200 : 0;
    for (size_t i = from; i < n; ++i) o << (i > from ? "," : "") << m.batches[i].loss;
    o << "],\"first_loss\":" << (n ? m.batches[0].loss : 0) << ",\"val_acc\":[";
    for (size_t i = 0; i < m.history.size(); ++i) o << (i ? "," : "") << m.history[i].val_acc;
    o << "],\"loss_count\":" << n << ",\"best_val_acc\":" << m.best_val_acc << ",\"link\":\"" << json_escape(t.run_link)
      << "\",\"line\":\"" << json_escape(t.run_line) << "\",\"val_n\":" << t.run_val.size() << ",\"confusion\":[";
    for (int i = 0; i < core::kClasses; ++i)
        for (int j = 0; j < core::kClasses; ++j) o << (i + j ? "," : "") << r.eval.confusion[i][j];
    // the images behind the matrix that the Train tab lists: the chosen cell (-1: the misclassified)
    o << "],\"behind\":{\"cell\":" << t.views.cell << ",\"count\":" << t.views.behind.size() << ",\"items\":[";
    for (size_t k = 0; k < t.views.behind.size() && k < 300; ++k) {
        const int i = t.views.behind[k];
        o << (k ? "," : "") << "[" << i << "," << (int)t.run_val.labels[i] << "," << (int)r.eval.predicted[i] << "]";
    }
    o << "]},\"final_val_acc\":" << r.eval.acc << ",\"diverged\":" << b(m.diverged) << ",\"diverged_message\":\""
      << json_escape(m.diverged_message) << "\",\"divergences\":" << m.divergences << "}";
}

// Where the tabs and the notice were drawn and where the keyboard focus is (display pixels), so
// tests can aim real input and check what it did.
void layout_json(std::ostringstream& o, const AppState& s) {
    auto rect = [&](const ImVec4& r) { o << "[" << r.x << "," << r.y << "," << r.z << "," << r.w << "]"; };
    o << ",\"layout\":{\"tabs\":[";
    for (int i = 0; i < (int)Tab::Count; ++i) {
        if (i) o << ",";
        rect(s.layout.tabs[i]);
    }
    o << "],\"notice\":";
    rect(s.layout.notice);
    o << ",\"gallery\":";
    rect(s.layout.gallery);
    // text that did not fit where it was drawn last frame, and the items tests aim input at
    o << ",\"cut\":[";
    for (size_t i = 0; i < ui::cuts().size(); ++i) o << (i ? "," : "") << "\"" << json_escape(ui::cuts()[i]) << "\"";
    o << "],\"items\":{";
    for (size_t i = 0; i < ui::marks().size(); ++i) {
        o << (i ? "," : "") << "\"" << json_escape(ui::marks()[i].first) << "\":";
        rect(ui::marks()[i].second);
    }
    o << "},\"size\":[" << ImGui::GetIO().DisplaySize.x << "," << ImGui::GetIO().DisplaySize.y << "]";
    o << ",\"original\":";
    rect(s.layout.original);
    o << ",\"review_headers\":[";
    for (int i = 0; i < (int)ReviewColumn::Count; ++i) {
        if (i) o << ",";
        rect(s.layout.review_headers[i]);
    }
    o << "]}";
    const ImGuiContext* g = ImGui::GetCurrentContext();
    const bool focus = g && g->NavId != 0 && !g->NavDisableHighlight && g->NavWindow;
    o << ",\"focus\":{\"visible\":" << (focus ? "true" : "false");
    if (focus) {
        ImRect r = ImGui::WindowRectRelToAbs(g->NavWindow, g->NavWindow->NavRectRel[g->NavLayer]);
        o << ",\"rect\":";
        rect(ImVec4(r.Min.x, r.Min.y, r.GetWidth(), r.GetHeight()));
    }
    o << "}";
}


void train_json(std::ostringstream& o, const AppState& s) {
    o << ",\"train\":{";
    models_json(o, s);
    const TrainState* t = s.train.get();
    o << ",\"running\":" << b(t && t->running);
    const core::RunSettings rs = current_card(s).settings;  // the defaults before the Train tab exists
    o << ",\"settings\":{\"model\":\"" << json_escape(rs.model) << "\",\"batch\":" << rs.train.batch << ",\"lr\":" << rs.train.lr
      << ",\"epochs\":" << rs.train.epochs << ",\"augment\":" << b(rs.train.augment) << ",\"seed\":" << rs.train.seed << "}";
    o << ",\"link\":\"" << json_escape(current_link(s)) << "\",\"copied\":\"" << json_escape(s.copied) << "\"";
    if (t) {
        if (t->job) run_json(o, *t);
        // finished runs kept for the overlay: settings, validation accuracy per epoch, wall time
        o << ",\"runs\":[";
        for (size_t k = 0; k < t->runs.size(); ++k) {
            const RunCurve& r = t->runs[k];
            o << (k ? "," : "") << "{\"label\":\"" << json_escape(r.label) << "\",\"link\":\"" << json_escape(r.link) << "\",\"val_acc\":[";
            for (size_t i = 0; i < r.val_acc.size(); ++i) o << (i ? "," : "") << r.val_acc[i];
            o << "],\"wall\":[";
            for (size_t i = 0; i < r.wall.size(); ++i) o << (i ? "," : "") << r.wall[i];
            o << "]}";
        }
        o << "],\"x_wall\":" << b(t->x_wall) << ",\"overlay\":" << b(t->overlay);
    }
    o << ",\"slice_ms\":" << s.stats.slice_ms;
    const bool tuning = t && t->tune && !t->tune_snap.finished();
    int trials = t && t->tune ? (int)t->tune_snap.trials.size() : 0, done = 0;
    for (int i = 0; i < trials; ++i) done += t->tune_snap.trials[i].status != "queued" && t->tune_snap.trials[i].status != "running";
    o << ",\"trials\":" << trials << ",\"tune_running\":" << b(tuning) << ",\"trials_done\":" << done << "}";
}
}  // namespace

std::string app_state_json(const AppState& s) {
    std::ostringstream o;
    o << "{\"platform\":\"" << s.platform.name << "\",\"tab\":\"" << kTabNames[(int)s.tab] << "\"";
    o << ",\"frames\":" << s.stats.frames << ",\"frame_ms\":" << s.stats.frame_ms_avg << ",\"work_ms\":" << s.stats.work_ms;
    {  // what the last frame handed to GL: draw calls, textures bound, vertices (drawing cost without a GPU)
        int cmds = 0, vtx = 0;
        if (const ImDrawData* dd = ImGui::GetDrawData())
            for (int i = 0; i < dd->CmdListsCount; ++i) { cmds += dd->CmdLists[i]->CmdBuffer.Size; vtx += dd->CmdLists[i]->VtxBuffer.Size; }
        o << ",\"draw\":{\"calls\":" << cmds << ",\"vertices\":" << vtx << "}";
    }
    o << ",\"pacing\":{\"enabled\":" << b(s.pacing.enabled) << ",\"busy_fps\":" << s.pacing.busy_fps << ",\"refreshes\":" << s.pacing.refreshes
      << ",\"drawn\":" << s.pacing.drawn << "}";
    data_json(o, s);
    classify_json(o, s);
    features_json(o, s);
    o << ",\"log\":{\"count\":" << s.log.entries.size() << ",\"errors\":" << s.log.errors << ",\"warnings\":" << s.log.warnings
      << ",\"last\":\"" << (s.log.entries.empty() ? "" : json_escape(s.log.entries.back().text)) << "\",\"error_texts\":[";
    std::vector<const std::string*> errors;  // the latest errors, newest last
    for (const LogEntry& e : s.log.entries)
        if (e.level == LogEntry::Error) errors.push_back(&e.text);
    for (size_t i = errors.size() > 8 ? errors.size() - 8 : 0, first = i; i < errors.size(); ++i)
        o << (i > first ? "," : "") << "\"" << json_escape(*errors[i]) << "\"";
    o << "]}";
    o << ",\"notice\":\"" << json_escape(s.notice.text) << "\"";
    layout_json(o, s);
    o << ",\"shaders\":" << b(gfx_shaders_ready());
    o << ",\"assets\":{\"pending\":";
    strings_json(o, s.assets_pending);
    o << ",\"failed\":";
    strings_json(o, s.assets_failed);
    o << "}";
    train_json(o, s);
    o << "}";
    return o.str();
}

}  // namespace app
