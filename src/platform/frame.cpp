// See frame.h.
#include "platform/frame.h"

#include <GLFW/glfw3.h>

#include <algorithm>

#include "app/gl.h"
#include "core/io.h"
#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"

namespace platform {

std::string read_ui_files(app::Platform& p, const std::string& shader_dir, const std::string& font_path) {
    std::string missing;
    auto vs = core::io::read_file(shader_dir + "/heatmap.vert");
    auto fs = core::io::read_file(shader_dir + "/heatmap.frag");
    if (vs.ok() && fs.ok()) {
        p.heatmap_vert.assign(vs.value.begin(), vs.value.end());
        p.heatmap_frag.assign(fs.value.begin(), fs.value.end());
    } else {
        missing = vs.ok() ? fs.error : vs.error;
    }
    if (!font_path.empty()) {
        auto font = core::io::read_file(font_path);
        if (font.ok()) p.font_ttf = std::move(font.value);
        else missing += (missing.empty() ? "" : "; ") + font.error;
    }
    return missing;
}

// [SECTION] GLFW events into the queue
static InputQueue* queue_of(GLFWwindow* w) { return static_cast<InputQueue*>(glfwGetWindowUserPointer(w)); }

static void on_key(GLFWwindow* w, int key, int, int action, int) {
    if (action == GLFW_REPEAT) return;  // ImGui repeats held keys itself
    queue_of(w)->key(key, action == GLFW_PRESS);
}
static void on_char(GLFWwindow* w, unsigned codepoint) { queue_of(w)->text(codepoint); }
static void on_cursor(GLFWwindow* w, double x, double y) { queue_of(w)->move((float)x, (float)y); }
static void on_enter(GLFWwindow* w, int entered) {
    ImGui_ImplGlfw_CursorEnterCallback(w, entered);
    if (!entered) queue_of(w)->leave();
}
static void on_button(GLFWwindow* w, int button, int action, int) {
    // GLFW numbers buttons left 0, right 1, middle 2: ImGui's order
    queue_of(w)->button(button, action == GLFW_PRESS);
}
// Native GLFW reports the wheel in notches with +y = away from the user, ImGui's convention.
static void on_scroll(GLFWwindow* w, double dx, double dy) { queue_of(w)->wheel((float)dx, (float)dy); }

void route_input(GLFWwindow* window, InputQueue* queue, bool pointer) {
    glfwSetWindowUserPointer(window, queue);
    glfwSetKeyCallback(window, on_key);
    glfwSetCharCallback(window, on_char);  // instead of the backend's: characters keep their place among the keys
    if (pointer) {
        glfwSetCursorPosCallback(window, on_cursor);
        glfwSetCursorEnterCallback(window, on_enter);
        glfwSetMouseButtonCallback(window, on_button);
        glfwSetScrollCallback(window, on_scroll);
    } else {
        glfwSetMouseButtonCallback(window, nullptr);
        glfwSetScrollCallback(window, nullptr);
    }
}

// [SECTION] frame
// This frame's share of the queued input into ImGui's io (after the GLFW backend's NewFrame,
// which polls the mouse itself: the queue's state replaces what it read).
static void apply_input(const InputState& in) {
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = ImVec2(in.x, in.y);
    for (int b = 0; b < (int)in.buttons.size(); ++b) io.MouseDown[b] = in.buttons[b];
    io.MouseWheel += in.wheel_y;
    io.MouseWheelH += in.wheel_x;
    const int n = std::min((int)IM_ARRAYSIZE(io.KeysDown), InputState::kKeys);
    for (int k = 0; k < n; ++k) io.KeysDown[k] = in.keys[k];
    io.KeyCtrl = in.keys[GLFW_KEY_LEFT_CONTROL] || in.keys[GLFW_KEY_RIGHT_CONTROL];
    io.KeyShift = in.keys[GLFW_KEY_LEFT_SHIFT] || in.keys[GLFW_KEY_RIGHT_SHIFT];
    io.KeyAlt = in.keys[GLFW_KEY_LEFT_ALT] || in.keys[GLFW_KEY_RIGHT_ALT];
    io.KeySuper = in.keys[GLFW_KEY_LEFT_SUPER] || in.keys[GLFW_KEY_RIGHT_SUPER];
    for (unsigned c : in.chars) io.AddInputCharacter(c);
    // Keyboard navigation: ImGui 1.86 activates the focused item with Space only; Enter (without
    // Ctrl, which is a shortcut) does it too, as in newer versions and web pages.
    bool enter = in.keys[GLFW_KEY_ENTER] || in.keys[GLFW_KEY_KP_ENTER];
    if (enter && !io.KeyCtrl) io.NavInputs[ImGuiNavInput_Activate] = 1.0f;
}

void run_frame(app::AppState& s, InputQueue& input, const Screen& screen, double now) {
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGuiIO& io = ImGui::GetIO();
    if (screen.display_w > 0 && screen.display_h > 0) {
        io.DisplaySize = ImVec2(screen.display_w, screen.display_h);
        io.DisplayFramebufferScale = ImVec2(screen.fb_w / screen.display_w, screen.fb_h / screen.display_h);
    }
    apply_input(input.next_frame());
    ImGui::NewFrame();
    app::app_frame(s, now);
    ImGui::Render();
    glViewport(0, 0, screen.fb_w, screen.fb_h);
    glClearColor(0.075f, 0.09f, 0.11f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

}  // namespace platform
