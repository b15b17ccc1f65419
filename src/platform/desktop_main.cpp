// Desktop entry point: GLFW window with an OpenGL 3.3 core context, the same UI as the web page.
// Implemented:
//  [X] files by drag and drop onto the window, by path arguments and typed paths (npz, images, .bcm
//      models): read here and handed to the app as bytes, like the page's files
//  [X] the bundled teaching set and models read from the assets folder at start and handed over in the
//      page's order (app_open_file with purpose "asset"); the shaders and the UI font likewise
//  [X] high-DPI via the window content scale
//  [X] pointer and keys through platform::InputQueue (a click or key tap is never lost to a slow frame)
//  [X] --screenshot FILE.png [--frames N]: render N frames, save the window, exit (tests under Xvfb)
//  [X] --tab NAME, --cmd COMMAND (repeatable), --size WxH, --assets DIR for scripted screenshots;
//      --state FILE keeps the app's JSON state (app_state_json) in FILE (every 0.25 s and at exit), for tests
//  [X] the review session kept in a file (--session FILE, or $BLOODCELL_SESSION; default
//      $XDG_STATE_HOME/bloodcell/review-session.bcr, i.e. ~/.local/state/...; "none" keeps nothing),
//      written atomically when it changes and read back at start; a damaged one is renamed aside
// Missing:
//  [ ] a native file dialog (drop files or pass paths; the Data tab also takes a typed path)
#include <GLFW/glfw3.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "app/app.h"
#include "app/gl.h"
#include "core/io.h"
#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"
#include "platform/frame.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif
#include <stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#ifndef BLOODCELL_ASSET_DIR
#define BLOODCELL_ASSET_DIR "assets"
#endif
#ifndef BLOODCELL_SHADER_DIR
#define BLOODCELL_SHADER_DIR "shaders"
#endif

namespace {
app::AppState* g_state = nullptr;

std::string base_name(const std::string& path) {
    size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A folder of class folders (labelled images): every file in it, recursively, named by its path
// from the folder's parent ("cells/neutrophil/a.jpg"), then the end of the folder.
std::string open_folder(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path root = fs::path(path).lexically_normal();
    const fs::path parent = root.has_filename() ? root.parent_path() : root.parent_path().parent_path();
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        auto bytes = core::io::read_file(it->path().string());
        if (!bytes.ok()) return bytes.error;
        const std::string rel = fs::relative(it->path(), parent, ec).generic_string();
        app::app_open_file(*g_state, rel, bytes.value.data(), bytes.value.size(), "labelled");
    }
    if (ec) return path + ": cannot list the folder (" + ec.message() + ")";
    app::app_open_file(*g_state, base_name(path), nullptr, 0, "labelled-end");
    return "";
}

// Reads a file (or a folder of labelled images) and hands it to the app; "" or the problem.
std::string open_path(const std::string& path, const char* purpose) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) return open_folder(path);
    auto bytes = core::io::read_file(path);
    if (!bytes.ok()) return bytes.error;
    app::app_open_file(*g_state, base_name(path), bytes.value.data(), bytes.value.size(), purpose);
    return "";
}

void drop_callback(GLFWwindow*, int count, const char** paths) {
    for (int i = 0; i < count; ++i) {
        std::string err = open_path(paths[i], "");
        if (!err.empty()) app::notify(*g_state, app::LogEntry::Error, err);
    }
}

// The bundled files: the teaching set and the shipped models in the order the page hands them over
// (ASSETS in web/bloodcell.js: the first model to arrive is the one Classify starts with), then any
// other .bcm in the folder, sorted. The teaching set is always announced, so its absence is reported.
std::vector<std::string> bundled_assets(const std::string& dir) {
    std::vector<std::string> names = {"teaching.npz"}, known = {"vgg6_w32.bcm", "vgg6_w16.bcm"}, other;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        std::string n = entry.path().filename().string();
        if (n.size() > 4 && n.compare(n.size() - 4, 4, ".bcm") == 0 && std::find(known.begin(), known.end(), n) == known.end())
            other.push_back(n);
    }
    std::sort(other.begin(), other.end());
    for (auto& k : known)
        if (std::filesystem::exists(dir + "/" + k, ec)) names.push_back(k);
    names.insert(names.end(), other.begin(), other.end());
    return names;
}

void deliver_assets(app::AppState& s, const std::string& dir) {
    for (const std::string& name : s.platform.assets_later) {
        auto bytes = core::io::read_file(dir + "/" + name);
        if (bytes.ok()) app::app_open_file(s, name, bytes.value.data(), bytes.value.size(), "asset");
        else app::app_asset_failed(s, name, "not in " + dir);
    }
}

bool save_screenshot(const char* path, int w, int h) {
    std::vector<uint8_t> px((size_t)w * h * 3);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, px.data());
    stbi_flip_vertically_on_write(1);
    return stbi_write_png(path, w, h, 3, px.data(), w * 3) != 0;
}

std::string font_path() {
    static const char* candidates[] = {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                                       "/usr/share/fonts/TTF/DejaVuSans.ttf"};
    std::error_code ec;
    for (const char* c : candidates)
        if (std::filesystem::exists(c, ec)) return c;
    return "";
}

void usage() {
    fprintf(stderr,
            "usage: bloodcell_desktop [FILE...] [--tab NAME] [--cmd COMMAND]... [--size WxH] [--assets DIR]\n"
            "                         [--screenshot OUT.png] [--frames N] [--state OUT.json] [--session FILE|none]\n"
            "                         [--settings TEXT]\n"
            "  --settings: a run's settings as its link holds them (v=1&model=...), for the Train tab\n"
            "  FILE: a BloodMNIST .npz, images to classify (PNG/JPG), or a .bcm model\n");
}

// Where the review session is kept: --session, $BLOODCELL_SESSION, else the XDG state folder.
std::string default_session_path() {
    if (const char* env = getenv("BLOODCELL_SESSION"); env && *env) return env;
    const char* xdg = getenv("XDG_STATE_HOME");
    const char* home = getenv("HOME");
    std::string dir = xdg && *xdg ? std::string(xdg) : home && *home ? std::string(home) + "/.local/state" : std::string();
    return dir.empty() ? "none" : dir + "/bloodcell/review-session.bcr";
}

struct Options {
    std::vector<std::string> files, cmds;
    std::string screenshot, state_out, asset_dir = BLOODCELL_ASSET_DIR, session = default_session_path();
    std::string settings;  // --settings: a run card's text (core/recipe.h)
    int frames = 0, width = 1280, height = 800;
};

// Returns -1 to go on, else the exit code.
int parse_args(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) { fprintf(stderr, "bloodcell_desktop: %s needs a value\n", a.c_str()); exit(2); }
            return argv[++i];
        };
        if (a == "--screenshot") o.screenshot = next();
        else if (a == "--state") o.state_out = next();
        else if (a == "--frames") o.frames = atoi(next().c_str());
        else if (a == "--tab") o.cmds.push_back("tab:" + next());
        else if (a == "--cmd") o.cmds.push_back(next());
        else if (a == "--assets") o.asset_dir = next();
        else if (a == "--session") o.session = next();
        else if (a == "--settings") o.settings = next();
        else if (a == "--size") {
            std::string v = next();
            if (sscanf(v.c_str(), "%dx%d", &o.width, &o.height) != 2 || o.width < 320 || o.height < 240) {
                fprintf(stderr, "bloodcell_desktop: --size %s: want WxH, at least 320x240\n", v.c_str());
                return 2;
            }
        } else if (a == "-h" || a == "--help") { usage(); return 0; }
        else if (!a.empty() && a[0] == '-') { fprintf(stderr, "bloodcell_desktop: unknown option %s\n", a.c_str()); usage(); return 2; }
        else o.files.push_back(a);
    }
    if (!o.screenshot.empty() && o.frames <= 0) o.frames = 30;
    return -1;
}

// The review session in a file: written atomically on each change; a damaged one renamed aside.
void session_hooks(app::Platform& p, const std::string& path) {
    p.session_later = true;  // read right after app_init (restore_session)
    p.store_session = [path](const std::vector<uint8_t>& bytes) {
        std::error_code ec;
        std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
        auto st = core::io::write_file_atomic(path, bytes.data(), bytes.size());
        if (!st.ok) app::notify(*g_state, app::LogEntry::Error, "Could not keep the review session: " + st.message);
    };
    p.set_aside_session = [path](const std::vector<uint8_t>&) -> std::string {
        std::string aside = path + ".damaged-" + app::iso_date_utc((long long)time(nullptr));
        std::error_code ec;
        std::filesystem::rename(path, aside, ec);
        return ec ? std::string() : aside;
    };
}

void restore_session(app::AppState& s, const std::string& path) {
    if (path == "none") return;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        app::app_restore_session(s, path, nullptr, 0);
        return;
    }
    auto bytes = core::io::read_file(path);
    if (bytes.ok()) {
        app::app_restore_session(s, path, bytes.value.data(), bytes.value.size());
    } else {
        // unreadable (permissions, a folder): say so, and store nothing over it
        app::notify(s, app::LogEntry::Error, "Could not read the review session: " + bytes.error + "; this run keeps none.");
    }
}

app::Platform make_platform(GLFWwindow* window, const Options& o) {
    float xs = 1, ys = 1;
    glfwGetWindowContentScale(window, &xs, &ys);
    app::Platform p;
    p.name = "desktop";
    p.glsl_version = "#version 330 core";
    std::string missing = platform::read_ui_files(p, BLOODCELL_SHADER_DIR, font_path());
    if (!missing.empty()) fprintf(stderr, "bloodcell_desktop: %s\n", missing.c_str());
    p.ui_scale = xs > 0 ? xs : 1;
    p.key_code = [](char c) { return (int)c; };  // GLFW_KEY_O == 'O', GLFW_KEY_1 == '1'
    p.open_path = open_path;
    p.assets_later = bundled_assets(o.asset_dir);
    p.link_at_start = o.settings;  // no address to keep in step: copy_link copies the settings text
    p.save_text = [](const std::string& filename, const std::string& text) -> std::string {
        auto st = core::io::write_text_file(filename, text);
        return st.ok ? filename : std::string();
    };
    p.memory_bytes = []() -> size_t {
        long pages = 0, resident = 0;
        FILE* f = fopen("/proc/self/statm", "r");
        if (f) { if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0; fclose(f); }
        return (size_t)resident * 4096;
    };
    p.save_bytes = [](const std::string& filename, const std::vector<uint8_t>& bytes) -> std::string {
        auto st = core::io::write_file_atomic(filename, bytes.data(), bytes.size());
        return st.ok ? filename : std::string();
    };
    if (o.session != "none") session_hooks(p, o.session);
    return p;
}

// Runs frames until the window closes (or --frames is reached: then the screenshot and the state).
int loop(GLFWwindow* window, app::AppState& state, platform::InputQueue& input, const Options& o) {
    double state_t = -1;
    for (int frame = 0; !glfwWindowShouldClose(window);) {
        glfwPollEvents();
        if (frame == 1)
            for (auto& c : o.cmds) {
                std::string err = app::app_command(state, c);
                if (!err.empty()) fprintf(stderr, "bloodcell_desktop: --cmd %s: %s\n", c.c_str(), err.c_str());
            }
        platform::Screen screen;
        glfwGetFramebufferSize(window, &screen.fb_w, &screen.fb_h);
        double now = glfwGetTime();
        platform::run_frame(state, input, screen, now);
        ++frame;
        if (!o.state_out.empty() && now - state_t >= 0.25) {
            state_t = now;
            core::io::write_text_file(o.state_out, app::app_state_json(state));
        }
        if (o.frames > 0 && frame >= o.frames) {
            if (!o.screenshot.empty()) {
                if (!save_screenshot(o.screenshot.c_str(), screen.fb_w, screen.fb_h)) {
                    fprintf(stderr, "bloodcell_desktop: could not write %s\n", o.screenshot.c_str());
                    return 1;
                }
                fprintf(stderr, "bloodcell_desktop: saved %s (%dx%d)\n", o.screenshot.c_str(), screen.fb_w, screen.fb_h);
            }
            break;
        }
        glfwSwapBuffers(window);
    }
    if (!o.state_out.empty()) core::io::write_text_file(o.state_out, app::app_state_json(state));
    return 0;
}
}  // namespace

int main(int argc, char** argv) {
    Options o;
    int rc = parse_args(argc, argv, o);
    if (rc >= 0) return rc;

    if (!glfwInit()) { fprintf(stderr, "bloodcell_desktop: GLFW could not start (no display? try xvfb-run)\n"); return 1; }
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GL_TRUE);
    GLFWwindow* window = glfwCreateWindow(o.width, o.height, "bloodcell", nullptr, nullptr);
    if (!window) { fprintf(stderr, "bloodcell_desktop: could not create an OpenGL 3.3 window\n"); glfwTerminate(); return 1; }
    glfwMakeContextCurrent(window);
    glfwSwapInterval(1);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;
    ImGui::GetIO().ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;

    app::Platform p = make_platform(window, o);
    auto state_ptr = std::make_unique<app::AppState>();  // destroyed before the GL context goes
    app::AppState& state = *state_ptr;
    g_state = &state;
    platform::InputQueue input;
    app::app_setup_style(state, p);
    ImGui_ImplGlfw_InitForOpenGL(window, true);
    ImGui_ImplOpenGL3_Init("#version 330 core");
    platform::route_input(window, &input, true);
    glfwSetDropCallback(window, drop_callback);
    app::app_init(state, p);
    restore_session(state, o.session);
    deliver_assets(state, o.asset_dir);
    for (auto& f : o.files) {
        std::string err = open_path(f, "");
        if (!err.empty()) app::notify(state, app::LogEntry::Error, err);
    }

    rc = loop(window, state, input, o);
    app::app_shutdown(state);
    state_ptr.reset();
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window);
    glfwTerminate();
    return rc;
}
