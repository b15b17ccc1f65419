// Frame pacing (src/app/pacing.h): which display refreshes draw. Refreshes come every 1/60 s here,
// as from requestAnimationFrame.
#include <doctest/doctest.h>

#include "app/pacing.h"

namespace {
// Counts the frames drawn over `seconds` of 60 Hz refreshes from `t0` with the given state.
int drawn(app::FramePacing& p, double t0, double seconds, bool busy, bool input = false, bool active = false) {
    int n = 0;
    for (int i = 0; i < (int)(seconds * 60); ++i) n += app::frame_due(p, t0 + i / 60.0, input, busy, active);
    return n;
}
}  // namespace

TEST_CASE("pacing: the first refresh draws, then an idle page draws a few frames a second") {
    app::FramePacing p;
    CHECK(app::frame_due(p, 0.0, false, false, false));  // wake is set at start
    CHECK_FALSE(p.wake);
    CHECK(app::frame_due(p, 1 / 60.0, false, false, false));  // full rate just after it
    // after the half second of full rate that the wake counts as input
    const int n = drawn(p, 1.0, 10.0, false);
    CHECK(n >= 38);
    CHECK(n <= 42);  // idle_fps 4
}

TEST_CASE("pacing: work under way draws at busy_fps, every other refresh goes to the work") {
    app::FramePacing p;
    p.wake = false;
    const int n = drawn(p, 0.0, 10.0, true);
    CHECK(n >= 115);  // busy_fps 12: 120 frames in 10 s, never fewer than 10/s
    CHECK(n <= 121);
    p.busy_fps = 5;
    CHECK(drawn(p, 10.0, 10.0, true) == doctest::Approx(50).epsilon(0.05));
    // a batch of images in the drawing thread: at most batch_fps (the slider's rate when lower)
    p.busy_fps = 12;
    p.batch = true;
    p.batch_fps = 4;
    CHECK(drawn(p, 20.0, 10.0, true) == doctest::Approx(40).epsilon(0.05));
    p.busy_fps = 2;
    CHECK(drawn(p, 30.0, 10.0, true) == doctest::Approx(20).epsilon(0.05));
    p.batch = false;
    // the work's budget: until the next frame is due
    app::FramePacing q;
    q.wake = false;
    q.busy_fps = 10;
    REQUIRE(app::frame_due(q, 5.0, false, true, false));
    CHECK(app::ms_until_frame(q, 5.02, 4.0) == doctest::Approx(80.0));
    CHECK(app::ms_until_frame(q, 5.099, 4.0) == doctest::Approx(4.0));  // never below the minimum
    // aligned to the display's refreshes (every 10 ms here): work until a quarter refresh before the
    // refresh at which the frame is due, so the thread neither idles nor delays the frame
    CHECK(app::work_budget_ms(q, 5.02, 4.0, 10.0) == doctest::Approx(77.5));   // due at 5.10: 8 refreshes on
    CHECK(app::work_budget_ms(q, 5.087, 4.0, 10.0) == doctest::Approx(7.5));   // 13 ms left: the next refresh draws
    CHECK(app::work_budget_ms(q, 5.098, 4.0, 10.0) == doctest::Approx(4.0));   // 2 ms left: the minimum
    // work in pieces of 60 ms (a batch): the frame comes up to 30 ms early rather than 55 ms late
    q.quantum_ms = 60;
    CHECK_FALSE(app::frame_due(q, 5.06, false, true, false));
    CHECK(app::frame_due(q, 5.065, false, true, false));
    CHECK(app::work_budget_ms(q, 5.075, 4.0, 10.0) == doctest::Approx(57.5));  // due at 5.135
    CHECK(app::ms_until_frame(q, 5.075, 4.0) == doctest::Approx(60.0));
    // never more than half the period early, however long the piece
    q.quantum_ms = 1000;
    CHECK_FALSE(app::frame_due(q, 5.105, false, true, false));
    CHECK(app::frame_due(q, 5.115, false, true, false));
    // the piece does not hurry the idle beat
    q.quantum_ms = 60;
    q.idle_fps = 4;
    CHECK_FALSE(app::frame_due(q, 5.3, false, false, false));
    CHECK(app::frame_due(q, 5.37, false, false, false));
}

TEST_CASE("pacing: input draws at once and at full rate for a moment, as does a held item") {
    app::FramePacing p;
    p.wake = false;
    drawn(p, 0.0, 2.0, false);
    CHECK(app::frame_due(p, 2.004, true, false, false));  // the refresh right after an event
    CHECK(drawn(p, 2.02, 0.4, false) == 24);               // every refresh of the next 0.4 s
    CHECK(drawn(p, 3.0, 1.0, false, false, true) == 60);   // a slider being dragged
    // a command or a file arriving (wake) draws the next refresh
    drawn(p, 5.0, 2.0, false);
    p.wake = true;
    CHECK(app::frame_due(p, 7.001, false, false, false));
    CHECK_FALSE(p.wake);
}
