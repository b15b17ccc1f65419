// Browser entry point: GLFW (Emscripten's -sUSE_GLFW=3) on a WebGL2 canvas, the browser's
// requestAnimationFrame loop, and a few functions exported to the page's JavaScript (web/bloodcell.js).
// Implemented:
//  [X] high-DPI: the canvas backing store follows its CSS size x devicePixelRatio, fonts rebuilt on change
//  [X] files in: bc_open_file(name, purpose, bytes, size) from the file picker and drag and drop
//  [X] files out: downloads through the page (window.bloodcell.download)
//  [X] tests: bc_state_json() returns a JSON snapshot of the app, bc_command() runs app commands
//  [X] threads: a second build with -pthread (bloodcell_web_mt, build-wasm-mt); the page loads it when
//      it is cross-origin isolated, and the log says which build runs with how many threads
//  [X] first frame: window.bloodcell.firstFrame() once the first frame is drawn (benchmarks time it)
//  [X] assets served next to the page: the .wasm holds only what the first frame needs (shaders, the
//      UI font); the page downloads the sample and the pretrained models (assets/ on the server) and
//      names them on main's command line (--assets-later a,b,...), so the app draws at once and says
//      they are loading; their bytes come through bc_open_file(name, "asset", ...), a failed
//      download through bc_asset_failed(name, why)
// Training runs in bounded slices inside the frame (on the main thread; its GEMMs split over the
// core's threads in the threaded build).
#include <GLFW/glfw3.h>
#include <emscripten/emscripten.h>
#include <emscripten/heap.h>
#include <emscripten/html5.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "app/app.h"
#include "app/gl.h"
#include "core/nn/tensor.h"
#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"

namespace {
struct Web {
    GLFWwindow* window = nullptr;
    app::AppState state;
    app::Platform platform;
    double dpr = 1;
    int width = 0, height = 0;  // canvas backing store, device pixels
    std::string json, reply;
} web;

// Matches the canvas backing store to its CSS size x devicePixelRatio; true when the ratio changed.
bool fit_canvas() {
    double css_w = 0, css_h = 0;
    emscripten_get_element_css_size("#canvas", &css_w, &css_h);
    double dpr = emscripten_get_device_pixel_ratio();
    if (dpr <= 0) dpr = 1;
    int w = std::max(1, (int)std::lround(css_w * dpr)), h = std::max(1, (int)std::lround(css_h * dpr));
    if (w != web.width || h != web.height) {
        emscripten_set_canvas_element_size("#canvas", w, h);
        web.width = w;
        web.height = h;
    }
    bool changed = std::fabs(dpr - web.dpr) > 0.01;
    web.dpr = dpr;
    return changed;
}

void frame() {
    if (fit_canvas()) {
        web.platform.ui_scale = (float)web.dpr;
        web.state.platform.ui_scale = (float)web.dpr;
        ImGui_ImplOpenGL3_DestroyFontsTexture();
        app::app_setup_style(web.state, web.platform);
        ImGui_ImplOpenGL3_CreateFontsTexture();
    }
    glfwPollEvents();
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2((float)web.width, (float)web.height);  // mouse positions are canvas pixels too
    io.DisplayFramebufferScale = ImVec2(1, 1);
    ImGui::NewFrame();
    app::app_frame(web.state, emscripten_get_now() / 1000.0);
    ImGui::Render();
    glViewport(0, 0, web.width, web.height);
    glClearColor(0.075f, 0.09f, 0.11f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    static bool first = true;
    if (first) {
        first = false;
        EM_ASM({ if (window.bloodcell && window.bloodcell.firstFrame) window.bloodcell.firstFrame(); });
    }
}

// One log line that says which WebAssembly build runs and why (the page picks it: web/bloodcell.js).
std::string build_description() {
    int cores = EM_ASM_INT({ return (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) || 1; });
#if BLOODCELL_HAVE_THREADS
    return "WebAssembly with threads: training and inference use " + std::to_string(core::nn::num_threads()) +
           " threads (the browser reports " + std::to_string(cores) + " cores)";
#else
    bool isolated = EM_ASM_INT({ return self.crossOriginIsolated ? 1 : 0; });
    return std::string("WebAssembly without threads (one core of ") + std::to_string(cores) + "): " +
           (isolated ? "the threaded build is not on this server"
                     : "threads need a cross-origin isolated page (COOP/COEP headers, as scripts/serve.js sends)");
#endif
}
}  // namespace

extern "C" {
EMSCRIPTEN_KEEPALIVE void bc_open_file(const char* name, const char* purpose, const uint8_t* bytes, int size) {
    app::app_open_file(web.state, name ? name : "file", bytes, size > 0 ? (size_t)size : 0, purpose ? purpose : "");
}
EMSCRIPTEN_KEEPALIVE const char* bc_state_json() {
    web.json = app::app_state_json(web.state);
    return web.json.c_str();
}
EMSCRIPTEN_KEEPALIVE const char* bc_command(const char* cmd) {
    web.reply = app::app_command(web.state, cmd ? cmd : "");
    return web.reply.c_str();
}
EMSCRIPTEN_KEEPALIVE void bc_log_error(const char* text) {
    app::notify(web.state, app::LogEntry::Error, text ? text : "error");
}
EMSCRIPTEN_KEEPALIVE void bc_asset_failed(const char* name, const char* why) {
    app::app_asset_failed(web.state, name ? name : "asset", why ? why : "failed");
}
}

int main(int argc, char** argv) {
    std::vector<std::string> assets_later;  // --assets-later sample.npz,vgg6_w32.bcm (web/bloodcell.js)
    for (int i = 1; i + 1 < argc; ++i)
        if (std::string(argv[i]) == "--assets-later") {
            std::string list = argv[++i];
            for (size_t a = 0; a <= list.size();) {
                size_t b = std::min(list.find(',', a), list.size());
                if (b > a) assets_later.push_back(list.substr(a, b - a));
                a = b + 1;
            }
        }

    if (!glfwInit()) {
        EM_ASM({ if (window.bloodcell) window.bloodcell.fatal("GLFW could not start."); });
        return 1;
    }
    glfwWindowHint(GLFW_CLIENT_API, GLFW_OPENGL_ES_API);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
    web.window = glfwCreateWindow(1280, 800, "bloodcell", nullptr, nullptr);
    if (!web.window) {
        EM_ASM({ if (window.bloodcell) window.bloodcell.fatal("This browser could not create a WebGL2 context."); });
        return 1;
    }
    glfwMakeContextCurrent(web.window);
    web.width = web.height = 0;
    web.dpr = 0;
    fit_canvas();

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;  // nothing persisted in the browser
    io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;

#if BLOODCELL_HAVE_THREADS
    // A thread that is not in the page's worker pool starts only once main() returns to the browser,
    // and the main thread waits for its threads: so never more threads than the pool holds (the
    // feature and forest code start `threads` workers; the nn code threads - 1 besides the caller).
    core::nn::set_num_threads(std::min(core::nn::num_threads(), BLOODCELL_THREAD_POOL));
    web.platform.name = "web, " + std::to_string(core::nn::num_threads()) + " threads";  // shown in the status bar
#else
    web.platform.name = "web, 1 thread";
#endif
    web.platform.asset_dir = "/assets";  // empty in the page: its assets arrive through bc_open_file
    web.platform.assets_later = assets_later;
    web.platform.shader_dir = BLOODCELL_SHADER_DIR;
    web.platform.glsl_version = "#version 300 es";
    web.platform.font_path = "/fonts/ui.ttf";
    web.platform.ui_scale = (float)web.dpr;
    web.platform.pick_files = [](const char* accept, bool multiple, const char* purpose) {
        EM_ASM({ if (window.bloodcell) window.bloodcell.pickFiles(UTF8ToString($0), !!$1, UTF8ToString($2)); }, accept,
               multiple ? 1 : 0, purpose);
    };
    web.platform.save_text = [](const std::string& filename, const std::string& text) -> std::string {
        EM_ASM({ if (window.bloodcell) window.bloodcell.download(UTF8ToString($0), HEAPU8.subarray($1, $1 + $2)); },
               filename.c_str(), text.data(), (int)text.size());
        return "your downloads (" + filename + ")";
    };
    web.platform.memory_bytes = []() -> size_t { return emscripten_get_heap_size(); };
    web.platform.save_bytes = [](const std::string& filename, const std::vector<uint8_t>& bytes) -> std::string {
        EM_ASM({ if (window.bloodcell) window.bloodcell.download(UTF8ToString($0), HEAPU8.subarray($1, $1 + $2)); },
               filename.c_str(), bytes.data(), (int)bytes.size());
        return "your downloads (" + filename + ")";
    };

    app::app_setup_style(web.state, web.platform);
    ImGui_ImplGlfw_InitForOpenGL(web.window, true);
    ImGui_ImplOpenGL3_Init("#version 300 es");
    app::app_init(web.state, web.platform);
    web.state.log.add(app::LogEntry::Info, build_description());
    EM_ASM({ if (window.bloodcell) window.bloodcell.started(); });
    emscripten_set_main_loop(frame, 0, true);
    return 0;
}
