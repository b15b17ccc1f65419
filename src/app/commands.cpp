// The test adapter: text commands (from the browser tests through bc_command, and from scripts)
// mapped onto the app's typed operations. Nothing in the app calls these strings itself.
//   tab:NAME  select:I  data:subset=per-class=N,...  classify:sample  classify:csv  classify:report
//   review:row=I (select a row)  review:accept  review:relabel=K (0..7)  review:sort=COLUMN[,asc]
//   review:unsure=0|1  review:clear  review:undo
//   train:model=NAME  train:KEY=VALUE (any core::set_option key: epochs, batch, lr, ...)
//   train:start  train:demo (the Quick demo)  train:x=epochs|wall (curves)  train:pause  train:step  train:reset  train:resume=LR
//   train:copy (the link to the current settings)  train:cell=I (the confusion cell whose images show; -1: the misclassified)
//   link:TEXT (a run's settings as the page's address holds them: what opening that link does)
//   model:select=I (Compare's details)  model:use=I  model:save=I  tune:start  tune:stop  tune:epochs=N
//   classify:heat=0|1 (the heat map)  features:levels=L  features:distance=D  features:feature=NAME
//   features:scatter=0|1  features:csv
//   classify:cancel (the batch)  labelled:open|close|cancel|use  labelled:finetune=EPOCHS,HELD,SEED
#include <cstdlib>

#include "app/labelled.h"
#include "app/run_control.h"
#include "core/text.h"

namespace app {

namespace {
std::string why(const core::Status& st) { return st.ok ? "" : st.message; }

bool take(const std::string& cmd, const char* prefix, std::string& rest) {
    const size_t n = std::char_traits<char>::length(prefix);
    if (cmd.compare(0, n, prefix) != 0) return false;
    rest = cmd.substr(n);
    return true;
}

std::string train_command(AppState& s, const std::string& c) {
    TrainState& t = train_state(s);
    std::string v;
    if (c == "start") return why(start_training(s));
    if (c == "demo") return why(start_quick_demo(s));
    if (c == "step") return why(step_training(s));
    if (c == "pause") return pause_training(s), "";
    if (c == "reset") return reset_training(s), "";
    if (take(c, "resume=", v)) return why(resume_training(s, (float)std::atof(v.c_str())));
    if (take(c, "model=", v)) return why(select_model(s, v));
    if (c == "copy") return copy_run_link(s, current_link(s), "these settings"), "";
    if (take(c, "cell=", v)) {
        const int k = std::atoi(v.c_str());
        if (k < -1 || k >= core::kClasses * core::kClasses) return "want a cell 0..63 (true * 8 + predicted) or -1, not '" + v + "'";
        t.views.cell = k;
        return "";
    }
    if (take(c, "x=", v)) {  // the curves' x axis
        if (v != "epochs" && v != "wall") return "want epochs or wall, not '" + v + "'";
        t.x_wall = v == "wall";
        return "";
    }
    size_t eq = c.find('=');
    if (eq == std::string::npos) return "unknown command 'train:" + c + "'";
    if (training_busy(s)) return "training is running: pause and reset it first";
    core::RunSettings next = t.settings;
    core::Status ok = core::set_option(next, c.substr(0, eq), c.substr(eq + 1));
    if (ok) ok = core::resolve(next).ok() ? ok : core::Status::error(core::resolve(next).error);
    if (ok) t.settings = next;
    return why(ok);
}
std::string review_command(AppState& s, const std::string& c) {
    ClassifyState& cl = s.classify;
    std::string v;
    if (take(c, "row=", v)) {
        int i = std::atoi(v.c_str());
        if (i < 0 || i >= cl.review.size()) return "no row " + v;
        cl.selected = i;
        cl.focus_selected = true;
        return "";
    }
    if (c == "accept") return cl.review.size() ? (review_accept(s, cl.selected), "") : "no image to review";
    if (take(c, "relabel=", v)) {
        int k = std::atoi(v.c_str());
        if (cl.review.size() == 0 || k < 0 || k >= core::kClasses) return "cannot relabel to '" + v + "'";
        return review_relabel(s, cl.selected, k), "";
    }
    if (take(c, "sort=", v)) {
        const bool asc = v.size() > 4 && v.compare(v.size() - 4, 4, ",asc") == 0;
        if (asc) v.resize(v.size() - 4);
        for (int i = 0; i < (int)ReviewColumn::Count; ++i)
            if (v == kReviewColumnNames[i]) return review_sort(s, (ReviewColumn)i, !asc), "";
        return "unknown column '" + v + "'";
    }
    if (take(c, "unsure=", v)) return review_unsure_only(s, v == "1"), "";
    if (c == "clear") return review_clear(s), "";
    if (c == "undo") return review_undo_clear(s) ? "" : "nothing to undo";
    return "unknown command 'review:" + c + "'";
}
// labelled:open  labelled:close  labelled:cancel  labelled:use  labelled:finetune=EPOCHS,HELD,SEED
std::string labelled_command(AppState& s, const std::string& c) {
    LabelledState& l = labelled_state(s);
    std::string v;
    if (c == "open") return l.open = true, "";
    if (c == "close") return labelled_close(s), "";
    if (c == "cancel") return labelled_cancel(s), "";
    if (c == "use") return labelled_use_tuned(s);
    if (take(c, "finetune=", v)) {
        const std::vector<std::string> p = core::split(v, ',');
        if (p.size() != 3) return "labelled:finetune=EPOCHS,HELD,SEED";
        l.epochs = std::atoi(p[0].c_str());
        l.held_fraction = (float)std::atof(p[1].c_str());
        l.seed = std::atoi(p[2].c_str());
        return labelled_fine_tune(s);
    }
    return "unknown command 'labelled:" + c + "'";
}
}  // namespace

std::string app_command(AppState& s, const std::string& cmd) {
    if (cmd == "classify:progress") return classify_progress_json(s);  // a question: nothing to draw
    s.pacing.wake = true;  // draw what the command changed
    std::string v;
    if (take(cmd, "tab:", v)) {
        for (int i = 0; i < (int)Tab::Count; ++i)
            if (v == kTabNames[i]) return s.request_tab = (Tab)i, "";
        return "unknown tab '" + v + "'";
    }
    if (take(cmd, "select:", v)) {
        int i = std::atoi(v.c_str());
        if (i < 0 || i >= s.data.view.size()) return "no image " + v + " in the view";
        s.data.selected = i;
        s.features.source = FeaturesState::FromData;
        return "";
    }
    if (take(cmd, "data:subset=", v)) {  // "per-class=32,fraction=1,seed=0,split=train" (any of the keys)
        auto spec = core::parse_subset(v, s.data.spec);
        if (!spec) return spec.error;
        set_subset(s, spec.value);
        return "";
    }
    if (take(cmd, "link:", v)) {
        const int errors = s.log.errors;
        app_open_link(s, v);
        return s.log.errors > errors ? s.log.entries.back().text : "";
    }
    if (cmd == "classify:sample") return classify_test_image(s);
    if (take(cmd, "classify:heat=", v)) return s.classify.heat = v == "1", "";
    if (take(cmd, "features:levels=", v)) {
        const int L = std::atoi(v.c_str());
        if (L != 8 && L != 16 && L != 32 && L != 64 && L != 128 && L != 256) return "levels must be 8, 16, 32, 64, 128 or 256";
        return s.features.levels = L, "";
    }
    if (take(cmd, "features:distance=", v)) {
        const int d = std::atoi(v.c_str());
        if (d < 1 || d > 5) return "distance must be in 1..5";
        return s.features.distance = d, "";
    }
    if (take(cmd, "features:feature=", v)) {  // the box plots' feature, by name (the table's names)
        const auto names = core::feature_names([&] { core::FeatureSpec f; f.glcm.distances = {s.features.distance}; return f; }());
        for (size_t i = 0; i < names.size(); ++i)
            if (names[i] == v) return s.features.dist_feature = (int)i, "";
        return "no feature '" + v + "'";
    }
    if (take(cmd, "features:scatter=", v)) return s.features.scatter = v == "1", "";
    if (cmd == "features:csv") return save_features_csv(s);
    if (cmd == "classify:cancel") return classify_cancel_batch(s), "";
    if (take(cmd, "labelled:", v)) return labelled_command(s, v);
    if (cmd == "classify:csv") return save_predictions_csv(s);
    if (cmd == "classify:report") return save_review_report(s);
    if (take(cmd, "review:", v)) return review_command(s, v);
    if (take(cmd, "train:", v)) return train_command(s, v);
    if (take(cmd, "model:select=", v)) {  // the model Compare details
        const int i = std::atoi(v.c_str());
        if (i < 0 || i >= s.models.size()) return "no model " + v;
        return compare_select(s, i), "";
    }
    if (take(cmd, "model:use=", v)) return why(use_model(s, std::atoi(v.c_str())));
    if (take(cmd, "model:save=", v)) return why(save_model(s, std::atoi(v.c_str())));
    if (cmd == "tune:start") return why(start_tune(s));
    if (cmd == "tune:stop") return stop_tune(s), "";
    if (take(cmd, "tune:epochs=", v)) {
        train_state(s).tune_epochs = std::max(1, std::atoi(v.c_str()));
        return "";
    }
    return "unknown command '" + cmd + "'";
}

}  // namespace app
