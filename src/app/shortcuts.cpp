// See shortcuts.h. Uses Dear ImGui internals (imgui_internal.h) for Tab: ImGui 1.86 tabs only
// through text fields, sliders and drags; newer versions go through every item, as web pages do.
#include "app/shortcuts.h"

#include "app/app.h"
#include "app/run_control.h"
#include "imgui.h"
#include "imgui_internal.h"

namespace app {

const char* shortcut_keys(Shortcut sc) {
    switch (sc) {
        case Shortcut::ChooseImages: return "Ctrl+O";
        case Shortcut::TrainStartPause: return "Ctrl+Enter";
    }
    return "";
}

void shortcut_tooltip(const char* what, const char* keys) {
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s (%s)", what, keys);
}

void toggle_training(AppState& s) {
    if (s.train && s.train->running) {
        pause_training(s);
        return;
    }
    core::Status st = start_training(s);
    if (!st.ok) notify(s, LogEntry::Warn, "Training: " + st.message);
    else s.request_tab = Tab::Train;
}

// Tab / Shift+Tab: the focus moves to the next / previous item in drawing order (wrapping), with
// the keyboard-focus frame shown. Replaces the tabbing request ImGui made from the same key press
// with one that counts every item (ImGuiNavMoveFlags_FocusApi, as SetKeyboardFocusHere does).
static void tab_focus() {
    ImGuiContext& g = *ImGui::GetCurrentContext();
    const ImGuiIO& io = g.IO;
    static bool clicked_before = false;
    if (io.MouseClicked[0] || io.MouseClicked[1]) clicked_before = true;
    if (!ImGui::IsKeyPressed(io.KeyMap[ImGuiKey_Tab]) || io.KeyCtrl || io.KeyAlt) return;
    if (g.OpenPopupStack.Size > 0) return;  // inside a popup ImGui's own tabbing stays
    if (!g.NavWindow) {
        ImGuiWindow* main = ImGui::FindWindowByName("##bloodcell");
        if (!main) return;
        ImGui::FocusWindow(main);
    }
    // From the item last clicked or focused; the first Tab of a session starts at the first item
    // (ImGui has put its focus, unseen, on a default item of the new window)
    const bool from_start = g.NavId == 0 || (g.NavDisableHighlight && !clicked_before);
    g.NavTabbingDir = io.KeyShift ? -1 : from_start ? 0 : +1;
    ImGui::NavMoveRequestSubmit(ImGuiDir_None, g.NavTabbingDir < 0 ? ImGuiDir_Up : ImGuiDir_Down,
                                ImGuiNavMoveFlags_Tabbing | ImGuiNavMoveFlags_FocusApi,
                                ImGuiScrollFlags_KeepVisibleEdgeX | ImGuiScrollFlags_KeepVisibleEdgeY);
    g.NavTabbingResultFirst.Clear();
    g.NavTabbingCounter = -1;
}

static bool pressed_key(const AppState& s, char c) {
    return s.platform.key_code && ImGui::IsKeyPressed(s.platform.key_code(c), false);
}

void handle_keyboard(AppState& s) {
    tab_focus();
    const ImGuiIO& io = ImGui::GetIO();
    if (!io.KeyCtrl || io.KeyAlt || io.KeyShift) return;
    if (pressed_key(s, 'O')) {
        if (s.platform.pick_files) s.platform.pick_files("image/*,.png,.jpg,.jpeg,.bmp", true, "images");
        else s.focus_path = true;  // the Classify tab's path field takes the focus
        s.request_tab = Tab::Classify;
    }
    if (ImGui::IsKeyPressed(io.KeyMap[ImGuiKey_Enter], false) || ImGui::IsKeyPressed(io.KeyMap[ImGuiKey_KeyPadEnter], false))
        toggle_training(s);
    for (int i = 0; i < (int)Tab::Count; ++i)
        if (pressed_key(s, (char)('1' + i))) s.request_tab = (Tab)i;
}

}  // namespace app
