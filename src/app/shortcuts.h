// Keyboard: the shortcuts for the main actions and Tab through every item. Called by app_frame at
// the start of each frame, before any item is drawn.
//   Ctrl+O          choose images to classify (the file chooser; on the desktop, the path field)
//   Ctrl+Enter      start or pause training
//   Ctrl+1..Ctrl+6  switch to the tab of that number
//   Tab, Shift+Tab  move the keyboard focus (Enter or Space activates the focused item)
#pragma once

namespace app {

struct AppState;

enum class Shortcut { ChooseImages, TrainStartPause };
// "Ctrl+O", "Ctrl+Enter": for tooltips.
const char* shortcut_keys(Shortcut sc);
// A tooltip for the last item when it is hovered or has the keyboard focus: "what (keys)".
void shortcut_tooltip(const char* what, const char* keys);

void handle_keyboard(AppState& s);

// Starts training, or pauses it when it runs: the one place the keyboard does this.
void toggle_training(AppState& s);

}  // namespace app
