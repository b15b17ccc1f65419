// App lifecycle: style and fonts, the log and notices, the bundled assets, routing of user files.
// The frame (header, tabs, status bar) is in app_frame.cpp, the panels in panel_*.cpp.
#include "app/app.h"
#include "app/labelled.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sstream>

#include "app/run_control.h"
#include "app/shortcuts.h"
#include "app/ui.h"
#include "imgui.h"

namespace app {

const char* const kTabNames[(int)Tab::Count] = {"Classify", "Data", "Features", "Train", "Compare", "Log"};

// [SECTION] colors
static const ImU32 kClassColors[core::kClasses] = {
    IM_COL32(86, 180, 233, 255),   // basophil       sky blue
    IM_COL32(230, 159, 0, 255),    // eosinophil     orange
    IM_COL32(204, 121, 167, 255),  // erythroblast   pink
    IM_COL32(0, 158, 115, 255),    // immature gran. green
    IM_COL32(240, 228, 66, 255),   // lymphocyte     yellow
    IM_COL32(213, 94, 0, 255),     // monocyte       vermilion
    IM_COL32(120, 140, 255, 255),  // neutrophil     blue
    IM_COL32(180, 180, 180, 255),  // platelet       gray
};

ImU32 class_color(int k, float alpha) {
    ImU32 c = kClassColors[(k % core::kClasses + core::kClasses) % core::kClasses];
    return (c & 0x00FFFFFF) | ((ImU32)(alpha * 255.0f) << 24);
}
ImVec4 class_color_v(int k) { return ImGui::ColorConvertU32ToFloat4(class_color(k)); }

// [SECTION] log and notices
void Log::add(LogEntry::Level level, std::string text) {
    LogEntry e;
    e.level = level;
    e.text = std::move(text);
    std::time_t now = std::time(nullptr);
    char buf[16];
    std::strftime(buf, sizeof buf, "%H:%M:%S", std::localtime(&now));
    e.clock = buf;
    e.t = ImGui::GetCurrentContext() ? ImGui::GetTime() : 0.0;
    if (level == LogEntry::Error) ++errors;
    if (level == LogEntry::Warn) ++warnings;
    entries.push_back(std::move(e));
    if (entries.size() > 5000) entries.erase(entries.begin(), entries.begin() + 1000);
}

void notify(AppState& s, LogEntry::Level level, const std::string& text) {
    s.log.add(level, text);
    s.notice.level = level;
    s.notice.text = text;
    s.notice.until = s.stats.t + (level == LogEntry::Error ? 12.0 : 5.0);
}

// [SECTION] style
void app_setup_style(AppState& s, const Platform& p) {
    ImGuiIO& io = ImGui::GetIO();
    const float scale = p.ui_scale > 0 ? p.ui_scale : 1.0f;
    io.Fonts->Clear();
    bool have_font = false;
    if (s.font_bytes.empty() && p.font_ttf.size() > 1000) s.font_bytes = p.font_ttf;
    if (!s.font_bytes.empty()) {
        ImFontConfig cfg;
        cfg.FontDataOwnedByAtlas = false;  // AppState keeps one copy alive for the three sizes
        cfg.OversampleH = 2;
        auto add = [&](float px) {
            return io.Fonts->AddFontFromMemoryTTF(s.font_bytes.data(), (int)s.font_bytes.size(), std::round(px * scale), &cfg);
        };
        s.font_body = add(15.0f);
        s.font_title = add(19.0f);
        s.font_big = add(30.0f);
        have_font = s.font_body && s.font_title && s.font_big;
    }
    if (!have_font) {
        io.Fonts->Clear();
        ImFontConfig cfg;
        cfg.SizePixels = std::round(13.0f * scale);
        s.font_body = io.Fonts->AddFontDefault(&cfg);
        cfg.SizePixels = std::round(17.0f * scale);
        s.font_title = io.Fonts->AddFontDefault(&cfg);
        cfg.SizePixels = std::round(26.0f * scale);
        s.font_big = io.Fonts->AddFontDefault(&cfg);
    }

    ImGuiStyle& st = ImGui::GetStyle();
    st = ImGuiStyle();
    st.WindowPadding = ImVec2(14, 12);
    st.FramePadding = ImVec2(9, 5);
    st.ItemSpacing = ImVec2(10, 8);
    st.ItemInnerSpacing = ImVec2(7, 6);
    st.CellPadding = ImVec2(8, 4);
    st.ScrollbarSize = 13;
    st.GrabMinSize = 7;  // a thin grab: the slider's value is printed over it
    st.WindowRounding = 6;
    st.ChildRounding = 6;
    st.FrameRounding = 5;
    st.PopupRounding = 6;
    st.ScrollbarRounding = 8;
    st.GrabRounding = 4;
    st.TabRounding = 5;
    st.WindowBorderSize = 0;
    st.ChildBorderSize = 1;
    st.FrameBorderSize = 0;
    st.TabBorderSize = 0;
    ImVec4* c = st.Colors;
    // dark blue-gray surfaces, one teal accent; cards (ui::begin_card) sit between bg and frames
    const ImVec4 bg(0.075f, 0.090f, 0.110f, 1.0f), frame(0.150f, 0.175f, 0.210f, 1.0f), accent(0.18f, 0.70f, 0.74f, 1.0f),
        text(0.90f, 0.93f, 0.95f, 1.0f);
    c[ImGuiCol_Text] = text;
    c[ImGuiCol_TextDisabled] = ImVec4(0.55f, 0.60f, 0.66f, 1.0f);
    c[ImGuiCol_WindowBg] = bg;
    c[ImGuiCol_ChildBg] = ImVec4(0, 0, 0, 0);
    c[ImGuiCol_PopupBg] = ImVec4(0.12f, 0.14f, 0.17f, 0.98f);
    c[ImGuiCol_Border] = ImVec4(0.22f, 0.26f, 0.31f, 1.0f);
    c[ImGuiCol_BorderShadow] = ImVec4(0, 0, 0, 0);
    c[ImGuiCol_FrameBg] = ImVec4(0.135f, 0.160f, 0.195f, 1.0f);
    c[ImGuiCol_FrameBgHovered] = ImVec4(0.165f, 0.195f, 0.235f, 1.0f);
    c[ImGuiCol_FrameBgActive] = ImVec4(0.19f, 0.22f, 0.27f, 1.0f);
    c[ImGuiCol_TitleBg] = bg;
    c[ImGuiCol_TitleBgActive] = bg;
    c[ImGuiCol_MenuBarBg] = frame;
    c[ImGuiCol_ScrollbarBg] = ImVec4(0, 0, 0, 0);
    c[ImGuiCol_ScrollbarGrab] = ImVec4(0.25f, 0.29f, 0.34f, 1.0f);
    c[ImGuiCol_ScrollbarGrabHovered] = ImVec4(0.32f, 0.37f, 0.43f, 1.0f);
    c[ImGuiCol_ScrollbarGrabActive] = accent;
    c[ImGuiCol_CheckMark] = accent;
    c[ImGuiCol_SliderGrab] = ImVec4(accent.x, accent.y, accent.z, 0.5f);  // under the value, which stays readable
    c[ImGuiCol_SliderGrabActive] = ImVec4(0.30f, 0.82f, 0.85f, 1.0f);
    c[ImGuiCol_Button] = frame;
    c[ImGuiCol_ButtonHovered] = ImVec4(0.21f, 0.25f, 0.30f, 1.0f);
    c[ImGuiCol_ButtonActive] = ImVec4(0.26f, 0.31f, 0.37f, 1.0f);
    c[ImGuiCol_Header] = ImVec4(0.16f, 0.40f, 0.44f, 0.55f);
    c[ImGuiCol_HeaderHovered] = ImVec4(0.18f, 0.50f, 0.55f, 0.60f);
    c[ImGuiCol_HeaderActive] = ImVec4(0.18f, 0.58f, 0.62f, 0.75f);
    c[ImGuiCol_Separator] = ImVec4(0.22f, 0.26f, 0.31f, 1.0f);
    c[ImGuiCol_Tab] = ImVec4(0.11f, 0.13f, 0.16f, 1.0f);
    c[ImGuiCol_TabHovered] = ImVec4(0.18f, 0.45f, 0.49f, 1.0f);
    c[ImGuiCol_TabActive] = ImVec4(0.14f, 0.38f, 0.42f, 1.0f);
    c[ImGuiCol_TabUnfocused] = c[ImGuiCol_Tab];
    c[ImGuiCol_TabUnfocusedActive] = c[ImGuiCol_TabActive];
    c[ImGuiCol_PlotLines] = accent;
    c[ImGuiCol_PlotLinesHovered] = ImVec4(0.55f, 0.88f, 0.90f, 1.0f);  // headings
    c[ImGuiCol_PlotHistogram] = accent;
    c[ImGuiCol_TableHeaderBg] = ImVec4(0.13f, 0.155f, 0.185f, 1.0f);
    c[ImGuiCol_TableBorderStrong] = ImVec4(0.22f, 0.26f, 0.31f, 1.0f);
    c[ImGuiCol_TableBorderLight] = ImVec4(0.17f, 0.20f, 0.24f, 1.0f);
    c[ImGuiCol_TableRowBgAlt] = ImVec4(1, 1, 1, 0.025f);
    c[ImGuiCol_TextSelectedBg] = ImVec4(0.18f, 0.70f, 0.74f, 0.35f);
    c[ImGuiCol_NavHighlight] = accent;
    st.ScaleAllSizes(scale);
}

// [SECTION] lifecycle
static void load_bundled_data(AppState& s, const std::string& name, const uint8_t* bytes, size_t size) {
    auto data = core::load_bloodmnist(bytes, size, name);
    if (!data.ok()) {
        if (s.data.last_error != data.error) notify(s, LogEntry::Error, data.error);
        s.data.last_error = data.error;
        return;
    }
    set_data(s, std::move(data.value), "teaching set (assets/" + name + ")");
}

static bool contains(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

void app_init(AppState& s, const Platform& p) {
    s.platform = p;
    s.assets_pending = p.assets_later;
    s.classify.restore_pending = p.session_later;
    s.log.info("bloodcell " + p.name + " started");
    std::string err = gfx_init(p.heatmap_vert, p.heatmap_frag, p.glsl_version);
    if (!err.empty()) s.log.warn(err);
    if (!s.assets_pending.empty()) {
        std::string names;
        for (auto& n : s.assets_pending) names += (names.empty() ? "" : ", ") + n;
        s.log.info("Loading: " + names);
    }
    if (!contains(p.assets_later, "teaching.npz"))
        s.log.warn("No bundled teaching set; open a BloodMNIST .npz in the Data tab.");
    if (!p.link_at_start.empty()) app_open_link(s, p.link_at_start);
}

AssetState asset_state(const AppState& s, const char* ext, std::string* detail) {
    auto is = [&](const std::string& n) {
        size_t k = strlen(ext);
        return n.size() >= k && n.compare(n.size() - k, k, ext) == 0;
    };
    std::string coming, failed;
    for (auto& n : s.assets_pending)
        if (is(n)) coming += (coming.empty() ? "" : ", ") + n;
    for (auto& f : s.assets_failed)
        if (is(f.substr(0, f.find(':')))) failed += (failed.empty() ? "" : "; ") + f;
    if (!coming.empty()) {
        if (detail) *detail = coming;
        return AssetState::Coming;
    }
    if (!failed.empty()) {
        if (detail) *detail = failed;
        return AssetState::Failed;
    }
    return AssetState::None;
}

static bool ends_with(const std::string& s, const char* suf);

static void asset_done(AppState& s, const std::string& name) {
    s.assets_pending.erase(std::remove(s.assets_pending.begin(), s.assets_pending.end(), name), s.assets_pending.end());
}

static void asset_arrived(AppState& s, const std::string& name, const uint8_t* bytes, size_t size) {
    asset_done(s, name);
    if (ends_with(name, ".bcm")) {
        add_pretrained(s, name, bytes, size);
    } else if (s.data.loaded) {
        s.log.info("The teaching set arrived after your own data (" + s.data.source + "), which stays loaded");
    } else {
        load_bundled_data(s, name, bytes, size);
    }
}

void app_asset_failed(AppState& s, const std::string& name, const std::string& why) {
    s.pacing.wake = true;
    asset_done(s, name);
    s.assets_failed.push_back(name + ": " + why);
    s.log.error("Could not load assets/" + name + " (" + why + ")");
    // one notice for all that failed so far (they often fail together: the server lacks assets/)
    std::string list;
    bool sample = false, model = false;
    for (auto& f : s.assets_failed) {
        size_t c = f.find(':');
        list += (list.empty() ? "assets/" : ", assets/") + f.substr(0, c) + " (" + f.substr(c + 2) + ")";
        (ends_with(f.substr(0, c), ".bcm") ? model : sample) = true;
    }
    std::string todo = sample && model ? "open a BloodMNIST .npz in the Data tab and load a .bcm model in the Compare tab (or train one)"
                       : sample        ? "open a BloodMNIST .npz in the Data tab"
                                       : "load a .bcm model in the Compare tab or train one in the Train tab to classify images";
    s.notice.level = LogEntry::Error;
    s.notice.text = "Could not load " + list + ". Everything else works: " + todo + ".";
    s.notice.until = s.stats.t + 20.0;
}

void app_shutdown(AppState& s) {
    s.data.atlas.release();
    session_flush(s);
    s.classify.views.clear();
    s.features.gray_tex.release();
    s.features.glcm_tex.release();
    classify_shutdown(s);
    training_shutdown(s);
    release_compare_views(s);
    gfx_shutdown();
}

// [SECTION] files
static bool ends_with(const std::string& s, const char* suf) {
    size_t n = strlen(suf);
    if (s.size() < n) return false;
    for (size_t i = 0; i < n; ++i)
        if (tolower((unsigned char)s[s.size() - n + i]) != suf[i]) return false;
    return true;
}

void app_open_file(AppState& s, const std::string& name, const uint8_t* bytes, size_t size,
                   const std::string& purpose) {
    s.pacing.wake = true;  // draw what arrived
    if (purpose == "asset") {
        asset_arrived(s, name, bytes, size);
        return;
    }
    // labelled images (labelled.h): a folder's files one by one then its end, or a zip of class folders
    if (purpose == "labelled") return labelled_add_file(s, name, bytes, size);
    if (purpose == "labelled-end") return labelled_end(s, name);
    const bool zip = size >= 4 && bytes[0] == 'P' && bytes[1] == 'K';
    if (purpose == "labelled-zip" || (zip && purpose != "data" && zip_is_labelled_images(bytes, size))) {
        labelled_open_zip(s, name, bytes, size);
        return;
    }
    if (purpose == "data" || (purpose.empty() && (zip || ends_with(name, ".npz")))) {
        if (size == 0) { notify(s, LogEntry::Error, name + ": file is empty; want a BloodMNIST .npz"); return; }
        if (!zip) {
            notify(s, LogEntry::Error, name + ": not an .npz file (no zip signature); want a MedMNIST BloodMNIST .npz. The data already loaded is kept.");
            return;
        }
        auto data = core::load_bloodmnist(bytes, size, name);
        if (!data.ok()) {
            s.data.last_error = data.error;
            notify(s, LogEntry::Error, data.error + " (the data already loaded is kept)");
            return;
        }
        s.data.last_error.clear();
        set_data(s, std::move(data.value), name);
        notify(s, LogEntry::Info, "Loaded " + name + ": " + std::to_string(s.data.all.train.size()) + " train / " +
                                      std::to_string(s.data.all.val.size()) + " val / " +
                                      std::to_string(s.data.all.test.size()) + " test images");
        s.request_tab = Tab::Data;
        return;
    }
    if (purpose == "model" || (purpose.empty() && ends_with(name, ".bcm"))) {
        open_model_file(s, name, bytes, size);
        return;
    }
    // anything else: an image to classify (queued: a batch is classified between frames, batch.cpp)
    classify_enqueue(s, name, bytes, size);
    s.request_tab = Tab::Classify;
}

}  // namespace app
