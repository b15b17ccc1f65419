// What the two GLFW entry points (web_main.cpp, desktop_main.cpp) share: reading the files the UI
// needs at start into app::Platform, routing GLFW's pointer and key events through an InputQueue,
// and one frame of the app (backends' NewFrame, the queued input, app::app_frame, rendering).
#pragma once
#include <string>

#include "app/app.h"
#include "platform/input_queue.h"

struct GLFWwindow;

namespace platform {

// Reads the heatmap shaders (shader_dir/heatmap.vert, .frag) and the UI font into p. A file that
// cannot be read is left empty (the app then colors heatmaps on the CPU / uses ImGui's font);
// returns what was missing, "" when everything was read.
std::string read_ui_files(app::Platform& p, const std::string& shader_dir, const std::string& font_path);

// Sends the window's key events, and its pointer events (mouse, wheel) unless the platform feeds
// those itself (the page: they come from the browser's events with touch and wheel units), to
// `queue` instead of ImGui's own callbacks. Call after ImGui_ImplGlfw_InitForOpenGL.
void route_input(GLFWwindow* window, InputQueue* queue, bool pointer);

// The size of the frame: framebuffer pixels, and ImGui's display size when the platform decides it
// (the page: canvas pixels); display.x == 0 keeps what the GLFW backend measured.
struct Screen {
    int fb_w = 0, fb_h = 0;
    float display_w = 0, display_h = 0;
};

// One frame: the backends' NewFrame, this frame's share of the queued input, app_frame, rendering
// into the current GL context (the caller swaps buffers when it needs to). now: seconds since start.
void run_frame(app::AppState& s, InputQueue& input, const Screen& screen, double now);

}  // namespace platform
