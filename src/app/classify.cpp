// Classify's operations (the panel, panel_classify.cpp, only draws and calls these): images in
// (decoded, center-cropped, reduced to 28x28, predicted) as rows of the review session; the review's
// typed operations (accept, relabel, sort, filter, Clear and its undo, CSV and report); the session
// kept by the platform (stored when it changes, restored at start, a damaged one set aside).
#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "app/app.h"
#include "core/labelled.h"

namespace app {

// [SECTION] the model in use
std::string model_summary(const AppState& s) {
    const StoredModel* m = s.models.active_model();
    return m ? m->label : "none";
}

bool model_ready(const AppState& s) { return s.models.active() >= 0; }

float model_unsure_threshold(const AppState& s) {
    const StoredModel* m = s.models.active_model();
    if (!m) return 0.f;
    return m->model->calibration().mode(s.classify.tta && m->model->spec().family == core::Family::nn).threshold;
}

bool model_predict(AppState& s, const uint8_t* rgb28, std::vector<float>& probs, std::string& model_name, bool* unsure) {
    StoredModel* m = s.models.active_model();
    if (unsure) *unsure = false;
    if (!m) {
        probs.clear();
        return false;
    }
    probs = m->model->predict(rgb28, 1, s.classify.tta);
    if (unsure && probs.size() == core::kClasses) *unsure = m->model->unsure(probs.data(), s.classify.tta);
    model_name = m->label + (s.classify.tta && m->model->spec().family == core::Family::nn ? ", 8 views" : "");
    return probs.size() == core::kClasses;
}

// The one place that decides which predictions are "unsure" (with review.h is_unsure): the threshold
// the model in use stores (chosen on val for its mode, core/calibration.h; 0.60 in files older than
// calibration), the default without a model.
float unsure_threshold(const AppState& s) { return model_ready(s) ? model_unsure_threshold(s) : kDefaultUnsureBelow; }

static std::string now_iso() { return iso_date_utc((long long)std::time(nullptr)); }

static void predict_row(AppState& s, int i) {
    ReviewSession& r = s.classify.review;
    Prediction p;
    p.date = now_iso();
    StoredModel* m = s.models.active_model();
    auto t0 = std::chrono::steady_clock::now();
    std::string model;
    if (m && (int)r.at(i).input.size() == core::kImageBytes && model_predict(s, r.at(i).input.data(), p.probs, model) &&
        (int)p.probs.size() == core::kClasses) {
        p.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        p.model = model;
        p.model_file = m->file;
        p.model_crc32 = ModelStore::checksum(*m);
        p.unsure_below = unsure_threshold(s);
    } else {
        p.probs.clear();
    }
    r.set_prediction(i, p);
}

// The display copy of an image: nearest-neighbour downscale to pw x ph.
static std::vector<uint8_t> small_copy(const core::Image& im, int pw, int ph) {
    std::vector<uint8_t> small((size_t)pw * ph * 3);
    for (int y = 0; y < ph; ++y) {
        int sy = (int)((int64_t)y * im.height / ph);
        for (int x = 0; x < pw; ++x) {
            int sx = (int)((int64_t)x * im.width / pw);
            std::copy_n(&im.rgb[((size_t)sy * im.width + sx) * 3], 3, &small[((size_t)y * pw + x) * 3]);
        }
    }
    return small;
}

static void prune_views(ClassifyState& c) {
    for (auto it = c.views.begin(); it != c.views.end();)
        it = c.review.index_of(it->first) < 0 ? c.views.erase(it) : std::next(it);
}

static void add_row(AppState& s, ReviewRow row, ImageView view) {
    ClassifyState& c = s.classify;
    const int i = c.review.add(std::move(row));
    c.views[c.review.at(i).id] = std::move(view);
    predict_row(s, i);
    const ReviewRow& r = c.review.at(i);
    if (r.predicted >= 0) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s: %s (%.1f%%%s) in %.2f ms", r.file.c_str(), core::kClassNames[r.predicted],
                 100.0 * r.confidence(), r.unsure ? ", unsure" : "", r.ms);
        s.log.info(buf);
    } else {
        s.log.info(r.file + ": ready; no model loaded to classify it");
    }
    c.selected = i;
    c.focus_selected = true;
    c.last_error.clear();
    s.features.source = FeaturesState::FromClassify;
    s.features.computed_key = 0;
    s.show_welcome = false;
}

void classify_image(AppState& s, const std::string& name, const uint8_t* bytes, size_t size) {
    // 40 Mpixel (e.g. 6000 x 6000) keeps decoding under a few seconds and ~200 MB in the browser;
    // a cell image needs far less: BloodMNIST's sources are 360 x 363.
    core::ImageLimits limits;
    limits.max_pixels = 40'000'000;
    auto img = core::decode_image(bytes, size, name, limits);
    if (!img.ok()) {
        s.classify.last_error = img.error;
        std::string hint = img.error.find("larger than") != std::string::npos   ? ". Crop or scale the image to the cell first."
                           : img.error.find("cannot decode") != std::string::npos ? ": the file looks truncated or damaged."
                                                                                   : "";
        notify(s, LogEntry::Error, img.error + hint + " (images already shown are kept)");
        return;
    }
    const core::Image& im = img.value;
    ReviewRow row;
    row.file = name;
    row.key = core::content_key(bytes, size);
    row.width = im.width;
    row.height = im.height;
    row.crop = core::bloodmnist_crop(im.width, im.height);
    row.input = core::to_bloodmnist(im);
    row.thumb = make_thumbnail(im, row.crop);
    ImageView v;
    v.input_tex.upload_rgb(row.input.data(), core::kSide, core::kSide, true);
    // display copy: nearest-neighbour downscale to at most 512 px on the long side
    int maxs = std::max(im.width, im.height);
    int pw = im.width, ph = im.height;
    if (maxs > 512) { pw = std::max(1, im.width * 512 / maxs); ph = std::max(1, im.height * 512 / maxs); }
    v.original_rgb = pw == im.width && ph == im.height ? im.rgb : small_copy(im, pw, ph);
    v.preview.upload_rgb(v.original_rgb.data(), pw, ph, false);
    v.preview_w = pw;
    v.preview_h = ph;
    v.original = true;
    add_row(s, std::move(row), std::move(v));
    // memory stays bounded: only the newest originals are kept for cropping again
    int kept = 0;
    for (auto it = s.classify.views.rbegin(); it != s.classify.views.rend(); ++it)
        if (!it->second.original_rgb.empty() && ++kept > kKeepOriginals) std::vector<uint8_t>().swap(it->second.original_rgb);
}

bool classify_recrop(AppState& s, int row, core::Crop crop) {
    ImageView* v = classify_view(s, row);
    if (!v || v->original_rgb.empty()) return false;
    const ReviewRow& r = s.classify.review.at(row);
    // the crop in the display copy's pixels (the original's own when it is at most 512 px)
    const double f = (double)v->preview_w / std::max(1, r.width);
    core::Crop c{(int)std::lround(crop.x0 * f), (int)std::lround(crop.y0 * f), (int)std::lround(crop.side * f)};
    c.side = std::clamp(c.side, 1, std::min(v->preview_w, v->preview_h));
    c.x0 = std::clamp(c.x0, 0, v->preview_w - c.side);
    c.y0 = std::clamp(c.y0, 0, v->preview_h - c.side);
    const core::Image img{v->preview_w, v->preview_h, v->original_rgb};
    std::vector<uint8_t> input = core::area_resize(img, c, core::kSide), thumb = make_thumbnail(img, c);
    v->input_tex.upload_rgb(input.data(), core::kSide, core::kSide, true);
    v->thumb_tex.upload_rgb(thumb.data(), kThumbSide, kThumbSide, false);
    s.classify.review.set_crop(row, crop, std::move(input), std::move(thumb));
    predict_row(s, row);
    s.features.computed_key = 0;
    return true;
}

std::string classify_recrop_note(const ClassifyState& c, int row) {
    if (row < 0 || row >= c.review.size()) return "";
    auto v = c.views.find(c.review.at(row).id);
    if (v == c.views.end() || !v->second.original)
        return "Its crop cannot be moved: images of a batch (more than " + std::to_string(kClassifyAtOnce) +
               " at once) and of a saved session keep only their thumbnail, not the original. Drop this file on its own to move the crop.";
    if (v->second.original_rgb.empty())
        return "Its crop can no longer be moved: only the newest " + std::to_string(kKeepOriginals) +
               " images keep their original. Drop this file again to move the crop.";
    return "";
}

void classify_rgb28(AppState& s, const std::string& name, const uint8_t* rgb28) {
    ReviewRow row;
    row.file = name;
    row.width = row.height = core::kSide;
    row.crop = core::Crop{0, 0, core::kSide};
    row.input.assign(rgb28, rgb28 + core::kImageBytes);
    core::Image im{core::kSide, core::kSide, row.input};
    row.thumb = make_thumbnail(im, row.crop);
    ImageView v;
    v.input_tex.upload_rgb(rgb28, core::kSide, core::kSide, true);
    v.preview.upload_rgb(rgb28, core::kSide, core::kSide, true);
    v.preview_w = v.preview_h = core::kSide;
    v.original = true;
    add_row(s, std::move(row), std::move(v));
}

void classify_rerun_all(AppState& s) {
    for (int i = 0; i < s.classify.review.size(); ++i) predict_row(s, i);
    // a batch under way goes on with the model and views it started with (batch.cpp): its rows name it
    const ClassifyState& c = s.classify;
    if (c.batch && !c.batch_snap.finished())
        s.log.info("The batch under way goes on with " + (c.batch_model.model.empty() ? "no model" : c.batch_model.model) + " (its rows say so)");
}

ImageView* classify_view(AppState& s, int row) {
    ClassifyState& c = s.classify;
    if (row < 0 || row >= c.review.size()) return nullptr;
    const ReviewRow& r = c.review.at(row);
    ImageView& v = c.views[r.id];
    if (!v.input_tex.valid() && (int)r.input.size() == core::kImageBytes) v.input_tex.upload_rgb(r.input.data(), core::kSide, core::kSide, true);
    const bool thumb = (int)r.thumb.size() == kThumbSide * kThumbSide * 3;
    if (!v.thumb_tex.valid() && thumb) v.thumb_tex.upload_rgb(r.thumb.data(), kThumbSide, kThumbSide, false);
    if (!v.preview.valid() && thumb) {  // a restored row: its thumbnail stands in for the original
        v.preview.upload_rgb(r.thumb.data(), kThumbSide, kThumbSide, false);
        v.preview_w = v.preview_h = kThumbSide;
        v.original = false;
    }
    return &v;
}

std::string classify_test_image(AppState& s) {
    if (!s.data.loaded || s.data.all.test.size() == 0) return "no test images loaded";
    int i = (int)(s.stats.frames * 7919 % s.data.all.test.size());
    classify_rgb28(s, "test image #" + std::to_string(i) + " (" + core::kClassNames[s.data.all.test.labels[i]] + ")",
                   s.data.all.test.image(i));
    return "";
}

// [SECTION] review
void review_accept(AppState& s, int row) { s.classify.review.accept(row); }
void review_relabel(AppState& s, int row, int k) { s.classify.review.relabel(row, k); }
void review_sort(AppState& s, ReviewColumn column, bool descending) { s.classify.review.set_sort(column, descending); }
void review_unsure_only(AppState& s, bool on) { s.classify.review.set_unsure_only(on); }

void review_move(AppState& s, int delta) {
    ClassifyState& c = s.classify;
    const std::vector<int> view = c.review.view();
    if (view.empty()) return;
    auto at = std::find(view.begin(), view.end(), c.selected);
    int pos = at == view.end() ? (delta > 0 ? -1 : (int)view.size()) : (int)(at - view.begin());
    pos = std::clamp(pos + delta, 0, (int)view.size() - 1);
    c.selected = view[pos];
    c.focus_selected = true;
}

void review_clear(AppState& s) {
    ClassifyState& c = s.classify;
    const int n = c.review.size();
    if (n == 0) return;
    c.review.clear();
    c.selected = -1;
    prune_views(c);
    s.features.source = FeaturesState::FromData;
    notify(s, LogEntry::Info, "Cleared " + std::to_string(n) + " image(s). Undo (in the Classify tab) brings them back.");
}

bool review_undo_clear(AppState& s) {
    ClassifyState& c = s.classify;
    const int n = c.review.cleared_count();
    if (!c.review.undo_clear()) return false;
    c.selected = c.review.size() - 1;
    s.show_welcome = false;
    notify(s, LogEntry::Info, "Brought back " + std::to_string(n) + " cleared image(s).");
    return true;
}

std::string save_predictions_csv(AppState& s) {
    if (!s.platform.save_text) return "this platform cannot save files";
    std::string where = s.platform.save_text("bloodcell_predictions.csv", s.classify.review.csv());
    if (where.empty()) {
        notify(s, LogEntry::Error, "Could not save bloodcell_predictions.csv");
        return "could not save bloodcell_predictions.csv";
    }
    notify(s, LogEntry::Info, "Saved the predictions to " + where);
    return "";
}

std::string save_review_report(AppState& s) {
    if (!s.platform.save_text) return "this platform cannot save files";
    ReportInfo info;
    std::time_t now = std::time(nullptr);
    char date[64];
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
    info.date = date;
    if (StoredModel* m = s.models.active_model()) {
        info.model = m->label;
        info.model_file = m->file;
        info.model_crc32 = ModelStore::checksum(*m);
        info.unsure_below = unsure_threshold(s);
    } else {
        info.model = "none loaded";
    }
    std::string where = s.platform.save_text("bloodcell_report.html", s.classify.review.report_html(info));
    if (where.empty()) {
        notify(s, LogEntry::Error, "Could not save bloodcell_report.html");
        return "could not save bloodcell_report.html";
    }
    notify(s, LogEntry::Info, "Saved the report to " + where + ": open it in a browser and print it.");
    return "";
}

// [SECTION] the session kept by the platform
void session_flush(AppState& s) {
    ClassifyState& c = s.classify;
    if (!s.platform.store_session || c.restore_pending || c.review.revision() == c.stored_revision) return;
    s.platform.store_session(c.review.save());
    c.stored_revision = c.review.revision();
    c.stored_t = s.stats.t;
}

void session_frame(AppState& s) {
    // while a batch runs its rows are stored once, at its end (each store copies every thumbnail),
    // one frame later: storing 1,000 rows took ~140 ms in the page (bench/batch_classify.mjs), which
    // the frame that draws the batch's last rows then waited for
    if (classify_busy(s)) return;
    if (s.classify.store_next_frame) {
        s.classify.store_next_frame = false;
        return;
    }
    // a big session takes longer to write: at most every 0.5 s, plus 1 ms per image
    if (s.stats.t - s.classify.stored_t >= 0.5 + s.classify.review.size() / 1000.0) session_flush(s);
}

void app_restore_session(AppState& s, const std::string& name, const uint8_t* bytes, size_t size) {
    ClassifyState& c = s.classify;
    c.restore_pending = false;
    if (size == 0) return;
    auto loaded = ReviewSession::load(bytes, size, name);
    if (!loaded.ok()) {
        c.session_error = loaded.error;
        std::string where = s.platform.set_aside_session ? s.platform.set_aside_session(std::vector<uint8_t>(bytes, bytes + size)) : "";
        notify(s, LogEntry::Error, "Could not restore " + loaded.error +
                                       (where.empty() ? ". It could not be set aside either; a new session starts."
                                                      : ". It was kept aside as " + where + "; a new session starts."));
        return;
    }
    const bool was_empty = c.review.size() == 0 && !c.review.can_undo_clear();
    const int n = loaded.value.size();
    int reviewed = 0;
    for (const ReviewRow& r : loaded.value.rows()) reviewed += r.reviewed >= 0;
    c.review.merge_before(std::move(loaded.value));
    c.restored = n;
    if (was_empty) c.stored_revision = c.review.revision();  // what is stored already
    if (n > 0) {
        c.selected = c.review.size() - 1;
        s.show_welcome = false;
        s.log.info("Restored the review session: " + std::to_string(n) + " image(s), " + std::to_string(reviewed) + " reviewed");
    }
}

}  // namespace app
