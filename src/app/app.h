// The bloodcell app: all UI state in one AppState and the panels that draw it with Dear ImGui.
// No platform code and no file system access here: the platform (src/platform/web_main.cpp,
// desktop_main.cpp) creates the window and GL context, reads every file the app needs and hands it
// over as bytes (the UI font and the shaders in Platform, the bundled sample and models and the
// user's files through app_open_file), fills Platform with its hooks (file picker, downloads), and
// runs each frame through platform::run_frame (src/platform/frame.cpp), which calls app_frame
// between ImGui's NewFrame and Render.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/gfx.h"
#include "app/model_store.h"
#include "core/dataset.h"
#include "core/features.h"
#include "core/image.h"
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
    // The bundled files ("sample.npz", "vgg6_w32.bcm", ...) the platform hands over after app_init,
    // each through app_open_file(name, ..., "asset") or app_asset_failed, in this order (the page
    // downloads them while the app already draws; the desktop reads them from its assets folder).
    // The app says they are loading until they arrive.
    std::vector<std::string> assets_later;
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
    std::string source;                  // "assets/sample.npz" or the user's file name
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
struct ClassifiedImage {
    std::string name;
    int width = 0, height = 0;           // of the decoded original
    core::Crop crop;
    Texture preview;                     // the original, downscaled for display (<= 512 px)
    int preview_w = 0, preview_h = 0;
    std::vector<uint8_t> input;          // 28x28x3, what the model sees
    Texture input_tex;
    std::vector<float> probs;            // kClasses, calibrated; empty until a model predicts
    int top = -1;
    bool unsure = false;                 // probs[top] below the model's threshold (model_predict)
    double ms = 0;                       // inference time
    std::string model_name;              // the model that produced probs
};
struct ClassifyState {
    std::vector<std::unique_ptr<ClassifiedImage>> items;
    int selected = -1;
    float low_confidence = 0.6f;
    bool tta = false;                    // average the 8 flips/rotations of the input
    std::string last_error;
    std::string path_ui;
};

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
    std::vector<std::vector<double>> props;  // [prop][angle] for `distance`
    std::vector<double> intensity;       // kIntensityFeatures
    // distributions by class over the current data view
    int dist_feature = 0;
    std::vector<std::string> names;
    std::vector<double> table;           // view.size() x names.size()
    int table_n = -1;                    // rows in table (view size when computed)
    uint64_t table_key = 0;
};

struct FrameStats {
    double frame_ms = 0, frame_ms_avg = 0;   // time between frames
    double work_ms = 0;                       // time spent in app_frame (CPU)
    double slice_ms = 0;                      // last training slice
    double t = 0;                             // seconds since start
    int64_t frames = 0;
};

// Where things were drawn last frame, in display pixels (for the state hook: tests aim real
// input at them and check that nothing moved).
struct Layout {
    ImVec4 tabs[(int)Tab::Count] = {};   // x, y, w, h of each tab of the tab bar
    ImVec4 notice = {};                  // the notice overlay; w = 0 while none shows
    ImVec4 gallery = {};                 // the Data tab's gallery (while that tab shows)
};

struct TrainState;    // run_control.h
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
    FrameStats stats;
    ImFont* font_body = nullptr;
    ImFont* font_title = nullptr;
    ImFont* font_big = nullptr;
    std::vector<uint8_t> font_bytes;  // the UI font, kept alive for ImGui's atlas (rebuilt on DPI changes)
    std::vector<std::string> assets_pending;  // of platform.assets_later: not arrived yet
    std::vector<std::string> assets_failed;   // "name: why" of those that will not arrive
    Layout layout;
    bool focus_path = false;          // Ctrl+O without a file chooser: focus the Classify path field
    bool show_welcome = true;
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
// A file from the user (picker, drop, path argument). purpose: "data", "images", "model" or ""
// (decide from the content). Bad files leave everything loaded as it was. purpose "asset": one of
// Platform::assets_later arriving (the bundled sample .npz or a pretrained .bcm).
void app_open_file(AppState& s, const std::string& name, const uint8_t* bytes, size_t size,
                   const std::string& purpose);
// One of Platform::assets_later will not arrive (why: "HTTP 404", ...): the app says so and goes on.
void app_asset_failed(AppState& s, const std::string& name, const std::string& why);
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
void ensure_atlas(DataState& d);   // (re)builds the gallery texture when the view changed
void draw_data_panel(AppState& s);
// A path field with an Open button (the desktop's stand-in for a file dialog).
void path_open_row(AppState& s, std::string& buf, const char* hint, const char* purpose);
void draw_classify_panel(AppState& s);
void draw_features_panel(AppState& s);
void draw_train_panel(AppState& s);
void draw_compare_panel(AppState& s);
void draw_log_panel(AppState& s);
void classify_image(AppState& s, const std::string& name, const uint8_t* bytes, size_t size);
void classify_rgb28(AppState& s, const std::string& name, const uint8_t* rgb28);
void classify_rerun_all(AppState& s);
std::string predictions_csv(const AppState& s);  // one row per classified image
// Classify a random test image of the loaded data; save the predictions table (both "" or the problem).
std::string classify_test_image(AppState& s);
std::string save_predictions_csv(AppState& s);
void release_compare_views(AppState& s);
std::string model_summary(const AppState& s);   // "vgg6 (pretrained)" or "none"
// Bundled assets of one kind (".npz": the sample, ".bcm": pretrained models) that the platform
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
