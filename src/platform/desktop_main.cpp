// Desktop entry point: GLFW window with an OpenGL 3.3 core context, the same UI as the web page.
// Implemented:
//  [X] files by drag and drop onto the window and by path arguments (npz, images, .bcm models)
//  [X] high-DPI via the window content scale
//  [X] --screenshot FILE.png [--frames N]: render N frames, save the window, exit (tests under Xvfb)
//  [X] --tab NAME, --cmd COMMAND (repeatable), --size WxH, --assets DIR for scripted screenshots
// Missing:
//  [ ] a native file dialog (drop files or pass paths; the Data tab also takes a typed path)
#include <GLFW/glfw3.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "app/app.h"
#include "app/gl.h"
#include "core/io.h"
#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"

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

void open_path(const std::string& path) {
    auto bytes = core::io::read_file(path);
    if (!bytes.ok()) {
        app::notify(*g_state, app::LogEntry::Error, bytes.error);
        return;
    }
    std::string name = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
    app::app_open_file(*g_state, name, bytes.value.data(), bytes.value.size(), "");
}

void drop_callback(GLFWwindow*, int count, const char** paths) {
    for (int i = 0; i < count; ++i) open_path(paths[i]);
}

bool save_screenshot(const char* path, int w, int h) {
    std::vector<uint8_t> px((size_t)w * h * 3);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, px.data());
    stbi_flip_vertically_on_write(1);
    return stbi_write_png(path, w, h, 3, px.data(), w * 3) != 0;
}

const char* font_path() {
    static const char* candidates[] = {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                                       "/usr/share/fonts/TTF/DejaVuSans.ttf"};
    for (const char* c : candidates)
        if (FILE* f = fopen(c, "rb")) { fclose(f); return c; }
    return "";
}

void usage() {
    fprintf(stderr,
            "usage: bloodcell_desktop [FILE...] [--tab NAME] [--cmd COMMAND]... [--size WxH] [--assets DIR]\n"
            "                         [--screenshot OUT.png] [--frames N]\n"
            "  FILE: a BloodMNIST .npz, images to classify (PNG/JPG), or a .bcm model\n");
}
}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> files, cmds;
    std::string screenshot, asset_dir = BLOODCELL_ASSET_DIR;
    int frames = 0, width = 1280, height = 800;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) { fprintf(stderr, "bloodcell_desktop: %s needs a value\n", a.c_str()); exit(2); }
            return argv[++i];
        };
        if (a == "--screenshot") screenshot = next();
        else if (a == "--frames") frames = atoi(next().c_str());
        else if (a == "--tab") cmds.push_back("tab:" + next());
        else if (a == "--cmd") cmds.push_back(next());
        else if (a == "--assets") asset_dir = next();
        else if (a == "--size") {
            std::string v = next();
            if (sscanf(v.c_str(), "%dx%d", &width, &height) != 2 || width < 320 || height < 240) {
                fprintf(stderr, "bloodcell_desktop: --size %s: want WxH, at least 320x240\n", v.c_str());
                return 2;
            }
        } else if (a == "-h" || a == "--help") { usage(); return 0; }
        else if (!a.empty() && a[0] == '-') { fprintf(stderr, "bloodcell_desktop: unknown option %s\n", a.c_str()); usage(); return 2; }
        else files.push_back(a);
    }
    if (!screenshot.empty() && frames <= 0) frames = 30;

    if (!glfwInit()) { fprintf(stderr, "bloodcell_desktop: GLFW could not start (no display? try xvfb-run)\n"); return 1; }
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GL_TRUE);
    GLFWwindow* window = glfwCreateWindow(width, height, "bloodcell", nullptr, nullptr);
    if (!window) { fprintf(stderr, "bloodcell_desktop: could not create an OpenGL 3.3 window\n"); glfwTerminate(); return 1; }
    glfwMakeContextCurrent(window);
    glfwSwapInterval(1);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;
    ImGui::GetIO().ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;

    float xs = 1, ys = 1;
    glfwGetWindowContentScale(window, &xs, &ys);
    app::Platform p;
    p.name = "desktop";
    p.asset_dir = asset_dir;
    p.shader_dir = BLOODCELL_SHADER_DIR;
    p.glsl_version = "#version 330 core";
    p.font_path = font_path();
    p.ui_scale = xs > 0 ? xs : 1;
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

    auto state_ptr = std::make_unique<app::AppState>();  // destroyed before the GL context goes
    app::AppState& state = *state_ptr;
    g_state = &state;
    app::app_setup_style(state, p);
    ImGui_ImplGlfw_InitForOpenGL(window, true);
    ImGui_ImplOpenGL3_Init("#version 330 core");
    glfwSetDropCallback(window, drop_callback);
    app::app_init(state, p);
    for (auto& f : files) open_path(f);

    int frame = 0;
    while (!glfwWindowShouldClose(window)) {
        glfwPollEvents();
        if (frame == 1)
            for (auto& c : cmds) {
                std::string err = app::app_command(state, c);
                if (!err.empty()) fprintf(stderr, "bloodcell_desktop: --cmd %s: %s\n", c.c_str(), err.c_str());
            }
        ImGui_ImplOpenGL3_NewFrame();
        ImGui_ImplGlfw_NewFrame();
        ImGui::NewFrame();
        app::app_frame(state, glfwGetTime());
        ImGui::Render();
        int fw, fh;
        glfwGetFramebufferSize(window, &fw, &fh);
        glViewport(0, 0, fw, fh);
        glClearColor(0.075f, 0.09f, 0.11f, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
        ++frame;
        if (frames > 0 && frame >= frames) {
            if (!screenshot.empty()) {
                if (!save_screenshot(screenshot.c_str(), fw, fh)) { fprintf(stderr, "bloodcell_desktop: could not write %s\n", screenshot.c_str()); return 1; }
                fprintf(stderr, "bloodcell_desktop: saved %s (%dx%d)\n", screenshot.c_str(), fw, fh);
            }
            break;
        }
        glfwSwapBuffers(window);
    }
    app::app_shutdown(state);
    state_ptr.reset();
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window);
    glfwTerminate();
    return 0;
}
