// The bloodcell app: all UI state in one AppState and the panels that draw it with Dear ImGui.
// No platform code and no file system access here: the platform (src/platform/web_main.cpp,
// desktop_main.cpp) creates the window and GL context, reads every file the app needs and hands it
// over as bytes (the UI font and the shaders in Platform, the bundled teaching set and models and the
// user's files through app_open_file), fills Platform with its hooks (file picker, downloads), and
// runs each frame through platform::run_frame (src/platform/frame.cpp), which calls app_frame
// between ImGui's NewFrame and Render.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/gfx.h"
#include "app/model_store.h"
#include "app/pacing.h"
#include "app/review.h"
#include "core/dataset.h"
#include "core/features.h"
#include "core/image.h"
#include "core/job.h"
#include "core/json.h"

namespace app {

// What the platform provides. Every hook may be empty (the UI then hides that button).
struct Platform {
    std::string name = "desktop";        // "web" or "desktop", shown in the status bar
    std::string glsl_version = "#version 330 core";
    // The heatmap shaders (shaders/heatmap.vert, .frag: GLSL ES 3.0 without a version line), read by
    // the platform; empty: heatmaps are colored on the CPU instead.
    std::string heatmap_vert, heatmap_frag;
    // A TTF for the UI, read by the platform; ImGui's built-in font when empty.
    std::vector<uint8_t> font_ttf;
    float ui_scale = 1.0f;                // device pixels per UI unit
    // The io.KeysDown index of a letter or digit key ('O', '1'): the keyboard shortcuts use it.
    std::function<int(char)> key_code;
    // Opens a file chooser; chosen files come back through app_open_file with `purpose`.
    std::function<void(const char* accept, bool multiple, const char* purpose)> pick_files;
    // Opens a folder chooser for labelled images (class folders): its files come back through
    // app_open_file with purpose "labelled" (named by their path from the folder's parent), then one
    // call with purpose "labelled-end" (name: the folder).
    std::function<void()> pick_folder;
    // Opens a file the user typed the path of (the desktop's stand-in for a file chooser): the
    // platform reads it and hands it to app_open_file with `purpose`. Returns "" or the problem.
    std::function<std::string(const std::string& path, const char* purpose)> open_path;
    // Saves text for the user (a download in the browser, a file next to the app on the desktop).
    // Returns where it went, or "" on failure.
    std::function<std::string(const std::string& filename, const std::string& text)> save_text;
    std::function<std::string(const std::string& filename, const std::vector<uint8_t>& bytes)> save_bytes;
    // Memory the app uses (WebAssembly heap, or resident set on the desktop), for the Train panel.
    std::function<size_t()> memory_bytes;
    // Threads a training worker thread may use for its own work (0 = all the core's threads). In the
    // page a thread started from a worker waits for the main thread to make it, once per frame.
    int worker_threads = 0;
    // The bundled files ("teaching.npz", "vgg6_w32.bcm", ...) the platform hands over after app_init,
    // each through app_open_file(name, ..., "asset") or app_asset_failed, in this order (the page
    // downloads them while the app already draws; the desktop reads them from its assets folder).
    // The app says they are loading until they arrive.
    std::vector<std::string> assets_later;
    // The review session kept across reloads and restarts (IndexedDB in the page, a file on the
    // desktop): store_session keeps the latest bytes (ReviewSession::save); set_aside_session keeps the
    // bytes of a saved session that could not be read under another name and returns that name ("" if
    // it could not), so nothing is silently dropped. session_later: the platform hands the saved session
    // over through app_restore_session (nothing is stored until it has).
    // A run as a link (core/recipe.h: the run card's text). link_at_start: the settings the app was
    // opened with (the page's URL fragment, the desktop's --settings), applied by app_init; set_link:
    // keeps the address showing the current settings (the page replaces its fragment; no reload, no
    // history entry); copy_link: puts the link to these settings on the clipboard (the page: its own
    // address with them as the fragment). Without copy_link the settings text itself is copied.
    std::string link_at_start;
    std::function<void(const std::string& settings)> set_link;
    std::function<void(const std::string& settings)> copy_link;
    std::function<void(const std::vector<uint8_t>& bytes)> store_session;
    std::function<std::string(const std::vector<uint8_t>& bytes)> set_aside_session;
    bool session_later = false;
};

enum class Tab { Classify = 0, Data, Features, Train, Compare, Log, Count };
extern const char* const kTabNames[(int)Tab::Count];

// [SECTION] log
struct LogEntry {
    enum Level { Info = 0, Warn, Error } level = Info;
    std::string clock;   // HH:MM:SS local time
    double t = 0;        // seconds since start
    std::string text;
};
struct Log {
    std::vector<LogEntry> entries;
    int errors = 0, warnings = 0;
    void add(LogEntry::Level level, std::string text);
    void info(std::string t) { add(LogEntry::Info, std::move(t)); }
    void warn(std::string t) { add(LogEntry::Warn, std::move(t)); }
    void error(std::string t) { add(LogEntry::Error, std::move(t)); }
};

// A transient banner at the top of the window (errors from bad input, confirmations).
struct Notice {
    LogEntry::Level level = LogEntry::Info;
    std::string text;
    double until = 0;
};

// [SECTION] data
struct DataState {
    bool loaded = false;
    std::string source;                  // "teaching set (assets/teaching.npz)" or the user's file name
    core::BloodMnist all;
    core::SubsetSpec spec;               // what the view is made of
    int per_class_ui = 0;                // UI copies of spec (applied with "Apply")
    float fraction_ui = 1.0f;
    int seed_ui = 0;
    int split_ui = 0;
    core::Dataset view;                  // the current subset (used by the gallery, features, training)
    std::vector<std::vector<int>> by_class;  // indices into view, per class
    Texture atlas;                       // gallery thumbnails: kClasses rows x kGalleryCols
    bool atlas_dirty = true;
    int selected = -1;                   // index into view (Features panel source)
    std::string last_error;
    std::string path_ui;                 // desktop: a path typed in
    float gallery_scroll = 0, gallery_scroll_max = 0;  // of the gallery, last frame (state hook)
};
constexpr int kGalleryCols = 24;

// [SECTION] classify
// The images classified are the rows of a review session (review.h: ImGui-free, saved by the
// platform). What Classify draws of a row: textures made from the row's bytes when first drawn; the
// original image only while this run has it (a restored row shows its thumbnail instead).
struct ImageView {
    Texture preview;                     // the original, downscaled for display (<= 512 px), or the thumbnail
    int preview_w = 0, preview_h = 0;
    bool original = false;               // preview holds the original (else the thumbnail)
    std::vector<uint8_t> original_rgb;   // preview's pixels (preview_w x preview_h RGB), to crop again;
                                         // kept for the kKeepOriginals newest images of this run

    Texture input_tex;                   // the 28x28 model input
    Texture thumb_tex;                   // the thumbnail (table rows)
    // "why did it say that" (explain_view.h): the saliency of the model in use for this input
    std::vector<float> heat;             // 28x28 in 0..1, empty when none
    int heat_cls = -1;                   // the class it explains
    uint64_t heat_key = 0;               // the model and input it was computed for
    std::string heat_error;              // why there is none (a feature model)
};
constexpr int kKeepOriginals = 32;
struct BatchWorker;  // batch.cpp
struct ClassifyState {
    ReviewSession review;
    bool dragging_crop = false;          // the crop box is being dragged on the original
    core::Crop drag_start, drag_crop;    // (in the original's pixels)
    std::map<uint64_t, ImageView> views; // by ReviewRow::id
    int selected = -1;                   // row index in review
    bool focus_selected = false;         // the keyboard moved the selection: bring it into view
    bool tta = false;                    // average the 8 flips/rotations of the input
    bool heat = false;                   // show the heat map of why the model said what it said
    bool confirm_clear = false;          // Clear was pressed: ask (the popup opens next)
    std::string last_error;
    std::string path_ui;
    // the session kept by the platform (Platform::store_session)
    bool restore_pending = false;        // the platform will hand over the saved session
    uint64_t stored_revision = 0;        // review.revision() last stored
    double stored_t = -1e9;              // when
    bool store_next_frame = false;       // a batch ended: its rows are stored at the frame after the one that shows them
    int restored = 0;                    // rows brought back from the saved session
    std::string session_error;           // why the saved session could not be read
    // batches (batch.cpp): files handed over wait in `queue`; a few are classified at once with their
    // originals (classify_image), more go through a core::ClassifyJob sliced between frames, whose
    // rows keep thumbnails only
    std::vector<core::ClassifyItem> queue;
    std::unique_ptr<core::ClassifyJob> batch;
    // with threads (the threaded page, the desktop) a worker thread steps `batch` (batch.cpp); it is
    // joined before the job goes, and when the app ends (classify_shutdown)
    std::shared_ptr<BatchWorker> batch_worker;
    core::JobSnapshot batch_snap;        // of `batch`, at the end of its last slice
    // The model `batch` predicts with, as it was when the batch started (label, file, CRC-32, unsure
    // threshold): its rows carry these even when the user picks another model before they arrive.
    Prediction batch_model;
    int batch_rows = 0;                  // rows the running batch added
    double batch_seconds = 0;            // time spent in its slices
    double batch_rows_ms = 0;            // time spent making its results rows of the review
    std::vector<std::string> skipped;    // "file: why" of every file a batch skipped, this run
};
constexpr int kClassifyAtOnce = 4;       // up to this many queued files are classified in the frame

// [SECTION] features
struct FeaturesState {
    enum Source { FromData = 0, FromClassify } source = FromData;
    int levels = 256, distance = 1, angle = 4;   // angle 0..3, 4 = mean over angles (display)
    Colormap glcm_cmap = kMagma;
    bool glcm_log = true;
    uint64_t computed_key = 0;           // what the textures below show
    std::vector<uint8_t> gray;           // 28x28
    Texture gray_tex;                    // float texture of the gray image
    Texture glcm_tex;                    // levels x levels
    float glcm_max = 1;
    std::vector<float> glcm_values;      // the matrix shown (levels x levels), read when hovered
    std::vector<std::vector<double>> props;  // [prop][angle] for `distance`
    std::vector<double> intensity;       // kIntensityFeatures
    std::vector<double> current;         // the shown image's features (the table's levels and distance)
    // distributions by class over the current data view, at the chosen levels and distance
    int dist_feature = 0;
    bool scatter = false;                // two features against each other instead of one by class
    int scatter_x = 0, scatter_y = 1;
    std::vector<std::string> names;
    std::vector<double> table;           // view.size() x names.size()
    int table_n = -1;                    // rows in table (view size when computed); -1: start again
    uint64_t table_key = 0;              // the levels and distance of the table
};
struct AppState;
// The data view's feature table (Features tab) as CSV: index, label, class, then every feature at the
// chosen levels and distance; "" until it is computed.
std::string features_csv(const AppState& s);
std::string save_features_csv(AppState& s);  // through Platform::save_text; "" or the problem

struct FrameStats {
    double frame_ms = 0, frame_ms_avg = 0;   // time between frames
    double work_ms = 0;                       // time spent in app_frame (CPU)
    double slice_ms = 0;                      // last training slice
    double t = 0;                             // seconds since start
    int64_t frames = 0;
    bool item_active = false;                 // an item was held at the end of the last frame
};

// Where things were drawn last frame, in display pixels (for the state hook: tests aim real
// input at them and check that nothing moved).
struct Layout {
    ImVec4 tabs[(int)Tab::Count] = {};   // x, y, w, h of each tab of the tab bar
    ImVec4 notice = {};                  // the notice overlay; w = 0 while none shows
    ImVec4 gallery = {};                 // the Data tab's gallery (while that tab shows)
    ImVec4 review_headers[(int)ReviewColumn::Count] = {};  // the Classify table's column headers
    ImVec4 original = {};                // the shown image's original (where its crop can be dragged)
};

struct TrainState;    // run_control.h
struct LabelledState; // labelled.h
struct CompareState;  // panel_compare.cpp

struct AppState {
    Platform platform;
    Log log;
    Notice notice;
    Tab tab = Tab::Classify;
    Tab request_tab = Tab::Count;    // set to switch tabs programmatically
    DataState data;
    ClassifyState classify;
    FeaturesState features;
    ModelStore models;               // what Classify and Compare use (model_store.h)
    std::shared_ptr<TrainState> train;
    std::shared_ptr<CompareState> compare;
    std::shared_ptr<LabelledState> labelled;  // the user's labelled images (labelled.h)
    FrameStats stats;
    FramePacing pacing;              // which refreshes draw (pacing.h; the page)
    ImFont* font_body = nullptr;
    ImFont* font_title = nullptr;
    ImFont* font_big = nullptr;
    std::vector<uint8_t> font_bytes;  // the UI font, kept alive for ImGui's atlas (rebuilt on DPI changes)
    std::vector<std::string> assets_pending;  // of platform.assets_later: not arrived yet
    std::vector<std::string> assets_failed;   // "name: why" of those that will not arrive
    Layout layout;
    bool focus_path = false;          // Ctrl+O without a file chooser: focus the Classify path field
    bool show_welcome = true;
    std::string link_shown;           // the settings last handed to Platform::set_link
    double link_t = -1e9;             // when (stats.t)
    std::string copied;               // the settings text last copied as a link (the state hook shows it)
    ImGuiTextFilter log_filter;
    int log_min_level = 0;
};

// [SECTION] API for the platform
// Fonts and theme; call before the renderer backend creates the font texture.
void app_setup_style(AppState& s, const Platform& p);
// Keeps the platform's hooks, prepares the heatmap shaders; then the platform hands over
// Platform::assets_later through app_open_file(..., "asset").
void app_init(AppState& s, const Platform& p);
// Draws the whole UI (call between ImGui::NewFrame and ImGui::Render). now = seconds since start.
void app_frame(AppState& s, double now);
// Pacing (pacing.h), for a platform that decides per display refresh: whether this refresh draws
// (input: events are waiting), and the work of a refresh that does not (the one-thread build's
// training until the next frame is due, the Compare evaluations).
bool app_frame_due(AppState& s, double now, bool input);
void app_background(AppState& s, double now);
// A run trains in this thread (the one-thread page): its batch's time in ms (> 0), else 0.
double training_quantum_ms(const AppState& s);
// A run trains or a batch of images is classified in this thread (the one-thread page).
bool work_in_this_thread(const AppState& s);
// A file from the user (picker, drop, path argument). purpose: "data", "images", "model" or ""
// (decide from the content). Bad files leave everything loaded as it was. purpose "asset": one of
// Platform::assets_later arriving (the bundled teaching set .npz or a pretrained .bcm).
void app_open_file(AppState& s, const std::string& name, const uint8_t* bytes, size_t size,
                   const std::string& purpose);
// The saved review session (Platform::store_session's bytes; size 0: none saved). A damaged one is
// reported and set aside (Platform::set_aside_session); the rows it holds go before any classified since.
// `name` says where it was kept (errors start with it).
void app_restore_session(AppState& s, const std::string& name, const uint8_t* bytes, size_t size);
// One of Platform::assets_later will not arrive (why: "HTTP 404", ...): the app says so and goes on.
void app_asset_failed(AppState& s, const std::string& name, const std::string& why);
// A run's settings as a link (the run card's text, core/recipe.h; the page's URL fragment, from its
// start or when the user changes it): they become the Train tab's settings and the Data tab's subset.
// A malformed or out-of-range one is reported in the Log with the field named, and nothing changes.
void app_open_link(AppState& s, const std::string& settings);
// A small read-only JSON snapshot of the app's state for tests and debugging.
std::string app_state_json(const AppState& s);
// The test adapter (commands.cpp): text commands for tests and scripting ("tab:Train", "train:start",
// "classify:sample"), mapped onto the typed operations. Returns an empty string when done, else the problem.
std::string app_command(AppState& s, const std::string& cmd);
void app_shutdown(AppState& s);

// [SECTION] internals shared by the panels
void notify(AppState& s, LogEntry::Level level, const std::string& text);
void set_data(AppState& s, core::BloodMnist data, const std::string& source);
void apply_subset(AppState& s);
// Sets the Data tab's subset (split x per-class cap x fraction x seed: what the gallery, the feature
// plots and training use), its controls, and logs it.
void set_subset(AppState& s, const core::SubsetSpec& spec);
void ensure_atlas(DataState& d);   // (re)builds the gallery texture when the view changed
void draw_data_panel(AppState& s);
// A path field with an Open button (the desktop's stand-in for a file dialog).
void path_open_row(AppState& s, std::string& buf, const char* hint, const char* purpose);
void draw_classify_panel(AppState& s);
void draw_review_area(AppState& s);   // panel_review.cpp: the review table and the differential
void review_keys(AppState& s);        // 1-8 relabel, arrows move, Enter accepts (the Classify tab)
void draw_features_panel(AppState& s);
void draw_train_panel(AppState& s);
void draw_compare_panel(AppState& s);
void draw_log_panel(AppState& s);
void classify_image(AppState& s, const std::string& name, const uint8_t* bytes, size_t size);
void classify_rgb28(AppState& s, const std::string& name, const uint8_t* rgb28);
void classify_rerun_all(AppState& s);
// Batches (batch.cpp): queue files to classify (the frame takes them: classify_work); cancel what is
// left of a batch (the rows classified so far stay); whether a batch runs or files wait.
void classify_enqueue(AppState& s, const std::string& name, const uint8_t* bytes, size_t size);
double classify_work(AppState& s, double budget_ms);   // returns the milliseconds spent
void classify_shutdown(AppState& s);                   // stops the batch's worker thread
bool classify_on_worker(const AppState& s);            // a worker thread steps the batch
void classify_cancel_batch(AppState& s);
bool classify_busy(const AppState& s);
// {"count":rows,"busy":b,"skipped":n,"memory":bytes}: what the state JSON says of a batch, without its
// rows (that JSON lists every row: ~10-100 ms of the page's thread for 1,000, which a benchmark that
// polls it takes from the batch it measures; bench/batch_classify.mjs polls this instead)
std::string classify_progress_json(const AppState& s);
void draw_batch_progress(AppState& s);                   // the progress bar, Cancel, the skipped files
void draw_labelled_sources(AppState& s);                 // panel_labelled.cpp: open a labelled .zip / folder
// Classify a random test image of the loaded data; save the predictions table (both "" or the problem).
std::string classify_test_image(AppState& s);
std::string save_predictions_csv(AppState& s);
// Typed operations of the review (classify.cpp): row = index in s.classify.review.
void review_accept(AppState& s, int row);
void review_relabel(AppState& s, int row, int k);
void review_sort(AppState& s, ReviewColumn column, bool descending);
void review_unsure_only(AppState& s, bool on);
void review_clear(AppState& s);        // (the panel asks first)
bool review_undo_clear(AppState& s);
std::string save_review_report(AppState& s);  // "" or the problem
// Classifies row `row` again from another crop of its original (the cell was not centred); false
// when this run no longer has the original (a restored row, or one of many).
bool classify_recrop(AppState& s, int row, core::Crop crop);
// Why row `row`'s crop cannot be moved, in words for the user; "" when it can (this run has its
// original). Rows of a batch or of a saved session keep a thumbnail only.
std::string classify_recrop_note(const ClassifyState& c, int row);
// Moves the selection by `delta` rows of the displayed order (the keyboard's arrows).
void review_move(AppState& s, int delta);
// The texture set of a row, made on first use; null for a bad row index.
ImageView* classify_view(AppState& s, int row);
// The unsure threshold in use (the active model's for the current mode; kDefaultUnsureBelow without
// a model): the one accessor every unsure flag comes from.
float unsure_threshold(const AppState& s);
void session_frame(AppState& s);      // stores the session when it changed, at most every 0.5 s + 1 ms per image (app_frame)
void session_flush(AppState& s);      // stores it now if it changed (at exit, when the page is hidden)
void release_compare_views(AppState& s);
void compare_select(AppState& s, int index);  // the model whose details (and run card) Compare shows
std::string model_summary(const AppState& s);   // "vgg6 (pretrained)" or "none"
// Bundled assets of one kind (".npz": the teaching set, ".bcm": pretrained models) that the platform
// delivers later: Coming while one is on its way, Failed when one did not arrive (detail: the
// names coming, or "name: why"), None otherwise (read at start, or never announced).
enum class AssetState { None, Coming, Failed };
AssetState asset_state(const AppState& s, const char* ext, std::string* detail = nullptr);
bool model_ready(const AppState& s);
// Runs the current model on one 28x28x3 image: calibrated probabilities (the model's temperature,
// core/calibration.h) and whether the prediction is unsure (confidence below the model's threshold,
// chosen on val). false (and an empty probs) without a model.
bool model_predict(AppState& s, const uint8_t* rgb28, std::vector<float>& probs, std::string& model_name,
                   bool* unsure = nullptr);
// The unsure threshold of the model in use for the current mode (8 views or not); 0 without a model.
float model_unsure_threshold(const AppState& s);
using core::json_escape;  // core/json.h: one escaping for the state hook and the CLI

// The class colors used everywhere (bars, gallery headers, confusion matrix labels).
ImU32 class_color(int k, float alpha = 1.0f);
ImVec4 class_color_v(int k);

}  // namespace app
