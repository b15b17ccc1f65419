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
//  [X] pointer input from the browser's own events (mouse, touch, wheel) into platform::InputQueue:
//      Emscripten 3.1.6's GLFW gives touches no position (each tap acted on the previous tap's place)
//      and passes the wheel's raw deltaY (reversed, 100 per notch); here a tap moves the pointer
//      before it presses, and the wheel is counted in notches as browsers define them (deltaMode)
//  [X] the shaders and the UI font (embedded in the .wasm's file system) read here and handed to the
//      app as bytes, like every other file
//  [X] the review session kept in the browser's IndexedDB (web/bloodcell.js storeSession): the app
//      hands over its bytes when it changes; the page reads them back at start (bc_restore_session)
//      and keeps a damaged one under another key (setAsideSession); flushed when the page is hidden
//  [X] assets served next to the page: the .wasm holds only what the first frame needs (shaders, the
//      UI font); the page downloads the sample and the pretrained models (assets/ on the server) and
//      names them on main's command line (--assets-later a,b,...), so the app draws at once and says
//      they are loading; their bytes come through bc_open_file(name, "asset", ...), a failed
//      download through bc_asset_failed(name, why)
//  [X] the run's settings in the address: the fragment the page was opened with comes as --link
//      (Platform::link_at_start), the app keeps the fragment in step (set_link -> bloodcell.setLink),
//      a fragment the user edits arrives through bc_open_link, copy_link copies the page's address
//      with a run's settings (bloodcell.copyLink)
// Training runs in bounded slices inside the frame (on the main thread; its GEMMs split over the
// core's threads in the threaded build).
#include <GLFW/glfw3.h>
#include <emscripten/emscripten.h>
#include <emscripten/heap.h>
#include <emscripten/html5.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "app/app.h"
#include "app/gl.h"
#include "core/nn/tensor.h"
#include "core/text.h"
#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"
#include "platform/frame.h"
#include "platform/input_queue.h"

// WebGL state that ImGui's OpenGL backend reads back at every frame (to restore it afterwards) and that
// the browser does not keep on the page's side: getParameter(SCISSOR_BOX, BLEND_SRC_RGB, ...) is then a
// synchronous round trip to the GPU process, which first runs every command queued before it. Under
// SwiftShader (headless Chromium) the 7 of them took ~7 ms of each frame drawn (0.3 ms an image of a
// 1,000-image batch at 5 frames/s: bench/batch_classify.mjs). The context's setters are wrapped to keep
// those values here, so the backend reads the same values without waiting for the GPU process.
EM_JS(void, bc_cache_gl_state, (), {
    var gl = GLctx;
    if (!gl || gl.bcStateCached) return;
    gl.bcStateCached = true;
    var get = gl.getParameter.bind(gl);
    var cached = [gl.SCISSOR_BOX, gl.BLEND_SRC_RGB, gl.BLEND_DST_RGB, gl.BLEND_SRC_ALPHA, gl.BLEND_DST_ALPHA,
                  gl.BLEND_EQUATION_RGB, gl.BLEND_EQUATION_ALPHA];
    var st = {};  // the values known; a value not known (yet, or after a call that may have failed) is read
    // Calls whose arguments WebGL could refuse (leaving the state as it was) make the values unknown:
    // blend factors outside this list or the constant ones (some pairs of them are refused), a
    // negative scissor size, blend equations outside this list.
    var factor = function(v) { return [0, 1, 0x300, 0x301, 0x302, 0x303, 0x304, 0x305, 0x306, 0x307, 0x308].indexOf(v) >= 0; };
    var equation = function(v) { return [0x8006, 0x8007, 0x8008, 0x800A, 0x800B].indexOf(v) >= 0; };
    var set = function(names, values, ok) {
        for (var i = 0; i < names.length; ++i) {
            if (ok) st[names[i]] = values[i];
            else delete st[names[i]];
        }
    };
    var wrap = function(name, keep) {
        var f = gl[name].bind(gl);
        gl[name] = function() { f.apply(null, arguments); keep.apply(null, arguments); };
    };
    wrap("scissor", function(x, y, w, h) { set([gl.SCISSOR_BOX], [new Int32Array([x, y, w, h])], w >= 0 && h >= 0); });
    wrap("blendFunc", function(s, d) {
        set([gl.BLEND_SRC_RGB, gl.BLEND_SRC_ALPHA, gl.BLEND_DST_RGB, gl.BLEND_DST_ALPHA], [s, s, d, d], factor(s) && factor(d));
    });
    wrap("blendFuncSeparate", function(sr, dr, sa, da) {
        set([gl.BLEND_SRC_RGB, gl.BLEND_DST_RGB, gl.BLEND_SRC_ALPHA, gl.BLEND_DST_ALPHA], [sr, dr, sa, da],
            factor(sr) && factor(dr) && factor(sa) && factor(da));
    });
    wrap("blendEquation", function(m) { set([gl.BLEND_EQUATION_RGB, gl.BLEND_EQUATION_ALPHA], [m, m], equation(m)); });
    wrap("blendEquationSeparate", function(c, a) {
        set([gl.BLEND_EQUATION_RGB, gl.BLEND_EQUATION_ALPHA], [c, a], equation(c) && equation(a));
    });
    gl.getParameter = function(p) {
        if (cached.indexOf(p) < 0 || gl.isContextLost()) return get(p);
        if (!(p in st)) st[p] = get(p);
        var v = st[p];
        return v instanceof Int32Array ? new Int32Array(v) : v;
    };
    // a restored context starts from WebGL's defaults
    gl.canvas.addEventListener("webglcontextrestored", function() { st = {}; });
});

namespace {
// Threads the app's worker-thread jobs (training, batch classify) use in the threaded build (0 = all of
// nn::num_threads()). Measured with bench/in_page.mjs, see the commit that set it.
constexpr int kWorkerThreads = 0;

struct Web {
    GLFWwindow* window = nullptr;
    app::AppState state;
    app::Platform platform;
    platform::InputQueue input;
    double dpr = 1;
    double css_w = 1;           // canvas CSS width: event coordinates are CSS pixels
    int width = 0, height = 0;  // canvas backing store, device pixels
    std::string json, reply;
    bool pump_posted = false;  // a bc_background task is on its way (one chain of them at a time)
} web;

// Matches the canvas backing store to its CSS size x devicePixelRatio; true when the ratio changed.
bool fit_canvas() {
    double css_w = 0, css_h = 0;
    emscripten_get_element_css_size("#canvas", &css_w, &css_h);
    web.css_w = css_w > 0 ? css_w : 1;
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

// Work between frames in tasks of their own (MessageChannel messages: not throttled like timers, and
// the browser still runs its frames between them): one task at a time, each posting the next.
void post_background() {
    if (web.pump_posted) return;
    web.pump_posted = true;
    EM_ASM({ Module.bcPump.port2.postMessage(0); });
}
void start_background_tasks() {
    EM_ASM({
        Module.bcPump = new MessageChannel();
        Module.bcPump.port1.onmessage = () => Module._bc_background();
    });
}

// Every display refresh: draws when the app's pacing says so (app_frame_due: input, work under way,
// or a slow idle beat), else gives the refresh to the work (app_background).
void frame() {
    const int w0 = web.width, h0 = web.height;
    const bool dpr_changed = fit_canvas();
    glfwPollEvents();
    const double now = emscripten_get_now() / 1000.0;
    const bool resized = dpr_changed || web.width != w0 || web.height != h0;
    if (!app::app_frame_due(web.state, now, resized || web.input.pending() > 0)) {
        app::app_background(web.state, now);
        return;
    }
    if (dpr_changed) {
        web.platform.ui_scale = (float)web.dpr;
        web.state.platform.ui_scale = (float)web.dpr;
        ImGui_ImplOpenGL3_DestroyFontsTexture();
        app::app_setup_style(web.state, web.platform);
        ImGui_ImplOpenGL3_CreateFontsTexture();
    }
    platform::Screen screen;
    screen.fb_w = web.width;
    screen.fb_h = web.height;
    screen.display_w = (float)web.width;  // ImGui works in canvas pixels, as the pointer events below
    screen.display_h = (float)web.height;
    platform::run_frame(web.state, web.input, screen, now);
    // a run training (or a batch classified) in this thread goes on at once in a task of its own,
    // after the browser has taken the frame, not at the next display refresh (up to 16 ms later)
    if (app::work_in_this_thread(web.state)) post_background();
    static bool first = true;
    if (first) {
        first = false;
        EM_ASM({ if (window.bloodcell && window.bloodcell.firstFrame) window.bloodcell.firstFrame(); });
    }
}

// [SECTION] pointer events (CSS pixels relative to the page; the canvas fills the page at 0,0)
float to_canvas(long css) { return (float)(css * (web.width / web.css_w)); }

EM_BOOL on_mouse_move(int, const EmscriptenMouseEvent* e, void*) {
    web.input.move(to_canvas(e->clientX), to_canvas(e->clientY));
    return EM_FALSE;
}
// DOM buttons: 0 left, 1 middle, 2 right; ImGui: 0 left, 1 right, 2 middle.
int imgui_button(unsigned short dom) { return dom == 1 ? 2 : dom == 2 ? 1 : dom; }
EM_BOOL on_mouse_button(int type, const EmscriptenMouseEvent* e, void*) {
    web.input.move(to_canvas(e->clientX), to_canvas(e->clientY));
    web.input.button(imgui_button(e->button), type == EMSCRIPTEN_EVENT_MOUSEDOWN);
    return EM_FALSE;
}
// One notch is 100 pixels, 3 lines or 1/80 of a page (what SDL and newer Dear ImGui count); a
// positive deltaY scrolls the page down, which is ImGui's negative wheel.
EM_BOOL on_wheel(int, const EmscriptenWheelEvent* e, void*) {
    double per_unit = e->deltaMode == DOM_DELTA_PIXEL ? 1.0 / 100 : e->deltaMode == DOM_DELTA_LINE ? 1.0 / 3 : 80.0;
    web.input.move(to_canvas(e->mouse.clientX), to_canvas(e->mouse.clientY));
    web.input.wheel((float)(-e->deltaX * per_unit), (float)(-e->deltaY * per_unit));
    return EM_TRUE;  // not the page's scroll or zoom
}
// The first finger is the pointer: it moves there, then presses (the queue keeps them a frame
// apart); lifting it releases, and the pointer leaves the window a frame later. Handled here
// (preventDefault), so no emulated mouse events follow.
long g_touch_id = -1;
EM_BOOL on_touch(int type, const EmscriptenTouchEvent* e, void*) {
    for (int i = 0; i < e->numTouches; ++i) {
        const EmscriptenTouchPoint& t = e->touches[i];
        if (!t.isChanged) continue;
        if (type == EMSCRIPTEN_EVENT_TOUCHSTART && g_touch_id < 0) g_touch_id = t.identifier;
        if (t.identifier != g_touch_id) continue;
        web.input.move(to_canvas(t.clientX), to_canvas(t.clientY));
        if (type == EMSCRIPTEN_EVENT_TOUCHSTART) web.input.button(0, true);
        if (type == EMSCRIPTEN_EVENT_TOUCHEND || type == EMSCRIPTEN_EVENT_TOUCHCANCEL) {
            web.input.button(0, false);
            web.input.leave();  // a lifted finger hovers nothing (a tapped tab kept its tooltip up)
            g_touch_id = -1;
        }
    }
    return EM_TRUE;
}

void route_pointer_events() {
    emscripten_set_mousedown_callback("#canvas", nullptr, true, on_mouse_button);
    emscripten_set_mouseup_callback(EMSCRIPTEN_EVENT_TARGET_WINDOW, nullptr, true, on_mouse_button);
    emscripten_set_mousemove_callback(EMSCRIPTEN_EVENT_TARGET_WINDOW, nullptr, true, on_mouse_move);
    emscripten_set_wheel_callback("#canvas", nullptr, true, on_wheel);
    emscripten_set_touchstart_callback("#canvas", nullptr, true, on_touch);
    emscripten_set_touchmove_callback("#canvas", nullptr, true, on_touch);
    emscripten_set_touchend_callback("#canvas", nullptr, true, on_touch);
    emscripten_set_touchcancel_callback("#canvas", nullptr, true, on_touch);
}

// Threads a job on a worker thread (training, batch classify) uses: the nn code's helper threads,
// made by main() at start; `?worker-threads=N` in the page's address overrides (benchmarks:
// bench/in_page.mjs --query).
int worker_threads() {
    const int asked = EM_ASM_INT({
        var m = /[?&]worker-threads=([0-9]+)/.exec(location.search);
        return m ? Number(m[1]) : 0;
    });
    return asked > 0 ? asked : kWorkerThreads;
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
// The review session: IndexedDB through the page (copied out of the heap: the store is asynchronous).
void session_hooks(app::Platform& p) {
    p.session_later = true;  // web/bloodcell.js calls bc_restore_session once it has read IndexedDB
    p.store_session = [](const std::vector<uint8_t>& bytes) {
        EM_ASM({ if (window.bloodcell) window.bloodcell.storeSession(HEAPU8.slice($0, $0 + $1)); }, bytes.data(), (int)bytes.size());
    };
    p.set_aside_session = [](const std::vector<uint8_t>& bytes) -> std::string {
        std::string key = "review-damaged-" + app::iso_date_utc((long long)std::time(nullptr));
        int ok = EM_ASM_INT({ return window.bloodcell ? window.bloodcell.setAsideSession(UTF8ToString($0), HEAPU8.slice($1, $1 + $2)) : 0; },
                            key.c_str(), bytes.data(), (int)bytes.size());
        return ok ? "'" + key + "' in this browser's storage (IndexedDB bloodcell)" : std::string();
    };
}
// main's arguments from web/bloodcell.js: --assets-later teaching.npz,vgg6_w32.bcm (the assets the
// page downloads after the app) and --link TEXT (the address's fragment: a run's settings).
void read_args(int argc, char** argv, app::Platform& p) {
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::string(argv[i]) == "--assets-later") {
            for (const std::string& name : core::split(argv[++i], ','))
                if (!name.empty()) p.assets_later.push_back(name);
        } else if (std::string(argv[i]) == "--link") {
            p.link_at_start = argv[++i];
        }
    }
    // the address's fragment follows the settings; Copy link copies the address with a run's settings
    p.set_link = [](const std::string& text) {
        EM_ASM({ if (window.bloodcell) window.bloodcell.setLink(UTF8ToString($0)); }, text.c_str());
    };
    p.copy_link = [](const std::string& text) {
        EM_ASM({ if (window.bloodcell) window.bloodcell.copyLink(UTF8ToString($0)); }, text.c_str());
    };
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
    web.state.pacing.wake = true;
}
// The saved review session read from IndexedDB (size 0: none); web/bloodcell.js calls it once.
EMSCRIPTEN_KEEPALIVE void bc_restore_session(const uint8_t* bytes, int size) {
    app::app_restore_session(web.state, "the review session saved in this browser", bytes, size > 0 ? (size_t)size : 0);
}
// The page is being hidden or closed: store the session now if it changed.
EMSCRIPTEN_KEEPALIVE void bc_flush_session() { app::session_flush(web.state); }
// The address's fragment changed (the user edited or pasted a link): the run's settings it holds.
EMSCRIPTEN_KEEPALIVE void bc_open_link(const char* text) {
    app::app_open_link(web.state, text ? text : "");
    web.state.pacing.wake = true;
}
// A task posted by post_background: the next slice of the work, then the next task while work is
// left. The display refreshes are not enough: a hidden page gets none, and Chromium gives a page
// whose window is behind another tab one a second (training went ~10x slower there).
EMSCRIPTEN_KEEPALIVE void bc_background() {
    web.pump_posted = false;
    app::app_background(web.state, emscripten_get_now() / 1000.0);
    if (app::work_in_this_thread(web.state)) post_background();
}
EMSCRIPTEN_KEEPALIVE void bc_asset_failed(const char* name, const char* why) {
    app::app_asset_failed(web.state, name ? name : "asset", why ? why : "failed");
}
}

int main(int argc, char** argv) {
    read_args(argc, argv, web.platform);

    if (!glfwInit()) {
        EM_ASM({ if (window.bloodcell) window.bloodcell.fatal("GLFW could not start."); });
        return 1;
    }
    glfwWindowHint(GLFW_CLIENT_API, GLFW_OPENGL_ES_API);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
    // ImGui needs no depth or stencil and the page is opaque (Emscripten's GLFW asks for all three):
    // the browser neither clears those buffers nor blends the canvas at each frame
    glfwWindowHint(GLFW_ALPHA_BITS, 0);
    glfwWindowHint(GLFW_DEPTH_BITS, 0);
    glfwWindowHint(GLFW_STENCIL_BITS, 0);
    web.window = glfwCreateWindow(1280, 800, "bloodcell", nullptr, nullptr);
    if (!web.window) {
        EM_ASM({ if (window.bloodcell) window.bloodcell.fatal("This browser could not create a WebGL2 context."); });
        return 1;
    }
    glfwMakeContextCurrent(web.window);
    bc_cache_gl_state();
    web.dpr = 0;  // the canvas's size and ratio from fit_canvas (its width and height start at 0)
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
    // the nn code's helper threads, made now by this (the main) thread: a job's thread that needed
    // one later would wait for this thread to make it, between frames
    core::nn::start_threads();
    web.platform.name = "web, " + std::to_string(core::nn::num_threads()) + " threads";  // shown in the status bar
#else
    web.platform.name = "web, 1 thread";
#endif
    web.platform.glsl_version = "#version 300 es";
    // embedded in the .wasm (CMakeLists.txt: --embed-file): what the first frame needs
    std::string missing = platform::read_ui_files(web.platform, BLOODCELL_SHADER_DIR, "/fonts/ui.ttf");
    if (!missing.empty()) printf("bloodcell: %s\n", missing.c_str());
    web.platform.key_code = [](char c) { return (int)c; };  // Emscripten's GLFW: GLFW_KEY_O == 'O'
    web.platform.ui_scale = (float)web.dpr;
    web.platform.pick_files = [](const char* accept, bool multiple, const char* purpose) {
        EM_ASM({ if (window.bloodcell) window.bloodcell.pickFiles(UTF8ToString($0), !!$1, UTF8ToString($2)); }, accept,
               multiple ? 1 : 0, purpose);
    };
    web.platform.pick_folder = []() { EM_ASM({ if (window.bloodcell) window.bloodcell.pickFolder(); }); };
    web.platform.save_text = [](const std::string& filename, const std::string& text) -> std::string {
        EM_ASM({ if (window.bloodcell) window.bloodcell.download(UTF8ToString($0), HEAPU8.subarray($1, $1 + $2)); },
               filename.c_str(), text.data(), (int)text.size());
        return "your downloads (" + filename + ")";
    };
    web.platform.memory_bytes = []() -> size_t { return emscripten_get_heap_size(); };
    web.platform.worker_threads = worker_threads();
    web.platform.save_bytes = [](const std::string& filename, const std::vector<uint8_t>& bytes) -> std::string {
        EM_ASM({ if (window.bloodcell) window.bloodcell.download(UTF8ToString($0), HEAPU8.subarray($1, $1 + $2)); },
               filename.c_str(), bytes.data(), (int)bytes.size());
        return "your downloads (" + filename + ")";
    };
    session_hooks(web.platform);
    app::app_setup_style(web.state, web.platform);
    ImGui_ImplGlfw_InitForOpenGL(web.window, true);
    ImGui_ImplOpenGL3_Init("#version 300 es");
    platform::route_input(web.window, &web.input, false);
    route_pointer_events();
    app::app_init(web.state, web.platform);
    web.state.pacing.enabled = true;  // frame() draws only the refreshes app_frame_due asks for
    web.state.log.add(app::LogEntry::Info, build_description());
    start_background_tasks();
    EM_ASM({ if (window.bloodcell) window.bloodcell.started(); });
    emscripten_set_main_loop(frame, 0, true);
    return 0;
}
