// See input_queue.h.
#include "platform/input_queue.h"

namespace platform {

void InputQueue::push(const Event& e) {
    // A stalled app (a long frame) must not make the queue grow without bound: beyond this many
    // events the oldest go (the state they would have set is then skipped, not replayed late).
    constexpr std::size_t kMax = 4096;
    if (q_.size() >= kMax) q_.pop_front();
    q_.push_back(e);
}

void InputQueue::move(float x, float y) { push({Kind::Move, 0, false, x, y}); }
void InputQueue::leave() { push({Kind::Move, 0, false, -FLT_MAX, -FLT_MAX}); }
void InputQueue::button(int b, bool down) {
    if (b >= 0 && b < (int)st_.buttons.size()) push({Kind::Button, b, down, 0, 0});
}
void InputQueue::wheel(float dx, float dy) {
    if (dx != 0 || dy != 0) push({Kind::Wheel, 0, false, dx, dy});
}
void InputQueue::key(int code, bool down) {
    if (code >= 0 && code < InputState::kKeys) push({Kind::Key, code, down, 0, 0});
}
void InputQueue::text(unsigned codepoint) {
    if (codepoint != 0 && codepoint <= 0x10FFFF) push({Kind::Char, (int)codepoint, false, 0, 0});
}

const InputState& InputQueue::next_frame() {
    st_.wheel_x = st_.wheel_y = 0;
    st_.chars.clear();
    bool moved = false, wheeled = false, key_pressed = false, key_changed_any = false;
    std::array<bool, InputState::kKeys> key_changed{};
    unsigned buttons_changed = 0;
    while (!q_.empty()) {
        const Event& e = q_.front();
        if (e.kind == Kind::Move) {
            // a move after a press or a wheel turn waits, so that they apply where they happened
            if (buttons_changed || wheeled) break;
            if (e.x != st_.x || e.y != st_.y) moved = true;
            st_.x = e.x;
            st_.y = e.y;
        } else if (e.kind == Kind::Button) {
            // a press (or release) after a move waits one frame: ImGui must hover the new position
            // first; a second change of the same button waits for the next frame too
            if (moved || wheeled || (buttons_changed & (1u << e.code))) break;
            if (st_.buttons[e.code] != e.down) buttons_changed |= 1u << e.code;
            st_.buttons[e.code] = e.down;
        } else if (e.kind == Kind::Wheel) {
            if (moved || buttons_changed) break;
            st_.wheel_x += e.x;
            st_.wheel_y += e.y;
            wheeled = true;
        } else if (e.kind == Kind::Char) {
            // a character waits for a frame in which no key changed: Playwright's Control+A then "8"
            // (or a fast typist) put Ctrl up and the 8 between the same two frames, and the 8 came
            // while ImGui still saw Ctrl held (threads.test.js typed 8 into a slider; it stayed 64)
            if (key_changed_any || buttons_changed) break;
            st_.chars.push_back((unsigned)e.code);
        } else {
            // a key's press and its release land in different frames; keys after a click wait; a
            // release after another key's press waits too: X11 (xdotool, GLFW) may deliver Ctrl+O as
            // Ctrl down, O down, Ctrl up, O up, and Ctrl up in O's frame would hide the chord
            if (buttons_changed) break;
            if (st_.keys[e.code] != e.down) {
                // (and a key change after a typed character waits too: Enter after "8" commits it)
                if (key_changed[e.code] || (!e.down && key_pressed) || !st_.chars.empty()) break;
                key_changed[e.code] = true;
                key_changed_any = true;
                key_pressed = key_pressed || e.down;
            }
            st_.keys[e.code] = e.down;
        }
        q_.pop_front();
    }
    return st_;
}

}  // namespace platform
