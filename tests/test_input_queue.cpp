// platform::InputQueue: events that arrive between two frames reach ImGui 1.86 in an order it can
// read (a move before the press it carries, a press and its release in different frames).
#include <doctest/doctest.h>

#include "platform/input_queue.h"

using platform::InputQueue;

TEST_CASE("input queue: a press that comes with a move is applied one frame after the move") {
    InputQueue q;
    q.move(10, 10);
    CHECK(q.next_frame().x == 10);
    // a tap or a click without a hover: move, press, release all before the next frame
    q.move(200, 50);
    q.button(0, true);
    q.button(0, false);
    const auto& f1 = q.next_frame();
    CHECK(f1.x == 200);
    CHECK(f1.y == 50);
    CHECK_FALSE(f1.buttons[0]);  // ImGui first hovers the new position
    CHECK(q.next_frame().buttons[0]);  // then sees the press there
    const auto& f3 = q.next_frame();
    CHECK_FALSE(f3.buttons[0]);  // and the release a frame later
    CHECK(f3.x == 200);
    CHECK(q.pending() == 0);
}

TEST_CASE("input queue: a press without a move applies at once; moves coalesce; a move after a press waits") {
    InputQueue q;
    q.move(5, 5);
    q.next_frame();
    q.button(1, true);
    CHECK(q.next_frame().buttons[1]);
    q.move(6, 6);
    q.move(7, 8);
    q.button(1, false);
    const auto& f = q.next_frame();  // both moves, then the release waits
    CHECK(f.x == 7);
    CHECK(f.y == 8);
    CHECK(f.buttons[1]);
    CHECK_FALSE(q.next_frame().buttons[1]);
    // a drag: press, then a move in the same frame: the move waits for the next frame
    q.button(0, true);
    q.move(50, 60);
    const auto& g = q.next_frame();
    CHECK(g.buttons[0]);
    CHECK(g.x == 7);
    CHECK(q.next_frame().x == 50);
}

TEST_CASE("input queue: wheel notches add up within a frame and wait for a move to apply first") {
    InputQueue q;
    q.move(100, 100);
    q.wheel(0, -1);  // one notch towards the user: scroll down
    const auto& f1 = q.next_frame();
    CHECK(f1.x == 100);
    CHECK(f1.wheel_y == 0);
    const auto& f2 = q.next_frame();
    CHECK(f2.wheel_y == -1);
    q.wheel(0, -0.5f);
    q.wheel(0.25f, -0.5f);
    const auto& f3 = q.next_frame();
    CHECK(f3.wheel_y == -1);
    CHECK(f3.wheel_x == 0.25f);
    CHECK(q.next_frame().wheel_y == 0);  // the wheel is per frame, not a state
    q.wheel(0, 0);
    CHECK(q.pending() == 0);  // no-op turns are not queued
}

TEST_CASE("input queue: a key tap shows as down for one frame; different keys change together; a chord stays whole") {
    InputQueue q;
    q.key(341, true);   // Ctrl
    q.key(79, true);    // O
    q.key(79, false);
    q.key(341, false);
    const auto& f1 = q.next_frame();
    CHECK(f1.keys[341]);
    CHECK(f1.keys[79]);
    const auto& f2 = q.next_frame();
    CHECK_FALSE(f2.keys[79]);
    CHECK_FALSE(f2.keys[341]);
    // X11 may release the modifier first (xdotool key ctrl+o through GLFW): Ctrl down comes in
    // one frame, then O down and Ctrl up together; O must be seen with Ctrl still down
    q.key(341, true);
    CHECK(q.next_frame().keys[341]);
    q.key(79, true);
    q.key(341, false);
    q.key(79, false);
    const auto& g1 = q.next_frame();
    CHECK(g1.keys[79]);
    CHECK(g1.keys[341]);
    const auto& g2 = q.next_frame();
    CHECK_FALSE(g2.keys[341]);
    CHECK_FALSE(g2.keys[79]);
    CHECK(q.pending() == 0);
    q.key(-1, true);
    q.key(platform::InputState::kKeys, true);
    CHECK(q.pending() == 0);  // out-of-range codes are ignored
}

TEST_CASE("input queue: leaving the window clears the position; out-of-range buttons are ignored") {
    InputQueue q;
    q.move(1, 2);
    q.leave();
    CHECK(q.next_frame().x == -FLT_MAX);
    q.button(7, true);
    CHECK(q.pending() == 0);
}

TEST_CASE("input queue: a typed character waits for a frame in which no key changed") {
    InputQueue q;
    // Ctrl+A then "8" then Enter, all between two frames (Playwright's press('Control+A'),
    // type('8'), press('Enter') on a busy page): the 8 must reach ImGui with Ctrl up, after the chord
    q.key(341, true);  // Ctrl
    q.key(65, true);   // A
    q.key(65, false);
    q.key(341, false);
    q.key(56, true);   // the 8 key, its character, its release
    q.text('8');
    q.key(56, false);
    q.key(257, true);  // Enter
    q.key(257, false);
    bool saw_8 = false;
    for (int frame = 0; frame < 10 && (q.pending() || frame == 0); ++frame) {
        const auto& f = q.next_frame();
        for (unsigned c : f.chars) {
            CHECK(c == '8');
            CHECK_FALSE(f.keys[341]);  // not with Ctrl held: ImGui would drop it
            CHECK_FALSE(f.keys[257]);  // and before Enter commits the field
            saw_8 = true;
        }
        if (f.keys[257]) CHECK(saw_8);
    }
    CHECK(saw_8);
    CHECK(q.pending() == 0);
    // characters typed with no key events between them (an input method) come in one frame; a
    // frame later they are gone
    q.text(0x00E9);
    q.text('x');
    q.text(0);  // ignored
    const auto& g = q.next_frame();
    REQUIRE(g.chars.size() == 2);
    CHECK(g.chars[0] == 0x00E9);
    CHECK(g.chars[1] == 'x');
    CHECK(q.next_frame().chars.empty());
}
