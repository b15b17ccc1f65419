// When a display refresh draws a frame. Where WebGL runs on the CPU (SwiftShader, as in headless
// Chromium), composing one 1280x800 frame costs ~0.1 s of CPU in the browser's GPU process, so a page
// that draws at every refresh keeps both cores of a small machine busy drawing the same picture, and
// the training gets what is left. The platform asks frame_due() at every refresh and draws only
// then: at once on input (and at full rate for a moment after it, while ImGui settles hovers and
// an item is being dragged or typed into), at busy_fps while work runs, and a few times a second
// when nothing moves. Refreshes that do not draw go to the work (app_background). ImGui-free, so
// the policy is tested natively (tests/test_model_store.cpp).
#pragma once
#include <cstdint>

namespace app {

struct FramePacing {
    bool enabled = false;         // set by a platform that asks frame_due (the page)
    float busy_fps = 12;          // while training, tuning, evaluating or loading
    float idle_fps = 4;           // when nothing moves
    // While a batch of images is classified, at most this. In the one-thread page each frame drawn
    // costs the batch ~35 ms of its thread (measured: ~16 ms drawing, ~19 ms waiting for the browser
    // to present it), so 10 frames/s took a third of the batch's time; with a worker thread the frames
    // and the browser's drawing of them take the cores the worker shares.
    float batch_fps = 5;
    bool batch = false;           // set by the app before frame_due: a batch of images runs
    // Set by the app before frame_due: the work's smallest piece in this thread, in ms (a training
    // batch in the one-thread page; 0: none). While busy, a frame comes up to half of it early, so
    // that a 70 ms batch does not start 5 ms before a frame is due and put the frame off by 65 ms.
    double quantum_ms = 0;
    double after_input_s = 0.5;   // full rate this long after input
    bool wake = true;             // a file, a command or an asset arrived: draw at the next refresh
    double last_draw = -1e9, last_input = -1e9;
    int64_t refreshes = 0, drawn = 0;
};

// Whether the refresh at `now` (seconds) draws; records the draw. input: events are waiting;
// busy: work runs; active: an item is held (a dragged slider, a text field).
bool frame_due(FramePacing& p, double now, bool input, bool busy, bool active);

// Milliseconds until the next frame is due while busy (at least min_ms): the budget of the work a
// refresh that does not draw may do in the drawing thread.
double ms_until_frame(const FramePacing& p, double now, double min_ms);

// The budget of the work in a refresh that does not draw (the one-thread page): until a quarter of a
// refresh before the refresh at which the next frame is due (refreshes every refresh_ms, the display's
// beat), at least min_ms. Work that stops earlier leaves the thread idle until the next refresh; work
// that runs past that refresh delays the frame.
double work_budget_ms(const FramePacing& p, double now, double min_ms, double refresh_ms = 1000.0 / 60);

}  // namespace app
