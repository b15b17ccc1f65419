// Small drawing helpers shared by the panels: headings, cards, class-colored bar charts, a line
// plot, a box plot. Plain ImGui draw-list code; sizes scale with the font size.
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "imgui.h"

namespace app::ui {

float em();                                   // the current font size in pixels
float class_label_width();                    // room for a class color dot and the longest class name
void heading(const char* text);               // a title-font line with spacing
void subtle(const char* fmt, ...);            // dimmed help text, wrapped
void help_marker(const char* text);           // "(?)" with a tooltip
void hover_help(const char* text);            // a wrapped tooltip for the last item, also when it is disabled
bool primary_button(const char* label, ImVec2 size = ImVec2(0, 0));
// Flow layout: widths of items before they are drawn, and "on the same line as the last item if the
// next one (w px) fits there, else on a new line", so rows of controls wrap instead of running off
// (at the text wrap position when one is pushed).
float button_w(const char* label);
float checkbox_w(const char* label);
float labeled_w(float frame_w, const char* label);   // a slider or combo with its label on the right
void same_line_if_fits(float w, float spacing = -1);
// The width a combo needs to show `preview` whole (text, padding, the arrow).
float combo_w(const char* preview);
// Text that wraps at the right edge of the available region (never cut).
void wrapped(const char* text, bool disabled = false);
// One line of text in the available width: shortened with "..." when it does not fit (a table cell),
// the whole text in a tooltip then.
void fitted(const char* text, ImU32 color = 0);
// A window narrower than this many font sizes gets the narrow layouts (stacked columns, short texts).
bool narrow(float width, float ems);
// Sliders whose value stays readable under the grab. ImGui 1.86 draws the grab under the value text,
// and the grab of a slider being dragged is bright: exactly when the user reads the value, it hid
// part of it. These draw the value again over a backdrop of the frame's colour (the grab dims behind
// it) and mark the value's rectangle as "slider <label>" for the state hook. Every slider of the app
// goes through them (scripts/check_layout.py rejects a direct ImGui::Slider* elsewhere).
// zero_text: what to show for 0 ("off" where 0 turns a setting off); typing a value with Ctrl+click
// still reads `fmt`, so it cannot go into the format itself.
bool slider_int(const char* label, int* v, int lo, int hi, const char* fmt = "%d", ImGuiSliderFlags flags = 0,
                const char* zero_text = nullptr);
bool slider_float(const char* label, float* v, float lo, float hi, const char* fmt = "%.3f",
                  ImGuiSliderFlags flags = 0, const char* zero_text = nullptr);
// A framed child region with padding; end_card closes it.
bool begin_card(const char* id, ImVec2 size, bool border = true);
void end_card();

// Horizontal bars, one per class: label, bar (length value/max), value text. width 0 = available.
// row_h 0 = 1.75 em per row.
void class_bars(const float* values, int n, float vmax, const char* value_fmt, float width = 0,
                int highlight = -1, const float* marks = nullptr, float row_h = 0);

// A line plot of several series over a shared x range. Each series: values, color, label.
struct Series { const float* v; int n; ImU32 color; const char* label; const float* x = nullptr; float thickness = 0; };
void line_plot(const char* id, const std::vector<Series>& series, ImVec2 size, float ymin, float ymax,
               const char* x_label, bool auto_y = true, bool legend = true);
// The series' colors and labels on one row (wrapping when narrow), for plots drawn without a legend.
// Returns the index of the entry under the mouse, or -1.
int legend_row(const std::vector<Series>& series);

// A box plot row per class: whiskers min..max, box q1..q3, median line.
struct Box { float min = 0, q1 = 0, med = 0, q3 = 0, max = 0; int n = 0; };
// mark: a value to draw as a line across the rows (the current image), NaN for none.
void box_plot(const char* id, const Box* boxes, int n, float lo, float hi, ImVec2 size, float mark = NAN);

// A centered message in an empty area (e.g. "no data loaded").
void empty_state(const char* title, const char* body, float height);

}  // namespace app::ui
