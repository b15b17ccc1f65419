// What the last frame drew, for the state hook (bc_state_json): the text that did not fit where it
// was drawn (cut by a window, a table column or a button, or spilling out of a plot), and the
// rectangles of a few named items that tests aim real input at.
// A frame runs inspect_begin_frame() before the first window and inspect_end_frame() after the last;
// the lists of the last complete frame are what cuts() and marks() return.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "imgui.h"

namespace app::ui {

// Records that `what` needs `need` px where it has `room` px (nothing when it fits, within 1 px).
void report_cut(const std::string& what, float need, float room);
// Whether `text` fits in `room` px at the current font; when not, records it as cut ("what 'text'").
bool text_fits(const char* what, const char* text, float room);
// Whether a button's label fits a button `width` px wide (0: sized to its label, always fits).
bool button_fits(const char* label, float width);

// The last item's rectangle under `name` (screen pixels), e.g. "train.lr".
void mark_item(const char* name);
// A rectangle (screen pixels, min and max corners) under `name`.
void mark_rect(const char* name, ImVec2 min, ImVec2 max);

void inspect_begin_frame();
// Scans the windows and tables this frame drew (call after the last ImGui::End, before Render):
// a window whose content is wider than its visible area (or taller, for one without a scroll bar)
// and a table column whose text or header does not fit are cut too.
void inspect_end_frame();

const std::vector<std::string>& cuts();                     // "what: needs N px, has M px"
const std::vector<std::pair<std::string, ImVec4>>& marks();  // name, x, y, w, h

}  // namespace app::ui
