// Pointer and key input for Dear ImGui 1.86, which reads input as a state once per frame (mouse
// position, buttons, keys down) and so mis-reads events that arrive together between two frames:
//  - a press that comes with a move (a tap, or a click without a hover first) is judged at the new
//    position, but ImGui's hover of the previous frame still names the old item, so the press is
//    lost on tabs (ImGuiButtonFlags_AllowItemOverlap) or lands on the old position (touch);
//  - a press and its release in the same frame (a quick key tap) never show as "down".
// The platform queues events as they come (in its own coordinates: the ones io.DisplaySize uses)
// and calls next_frame() once per frame, which applies as many events as can be seen in one frame,
// in order, and keeps the rest for the next frames: a press waits for the frame after a move, a
// release for the frame after its press (or after any key's press, so that a chord whose
// modifier is released first is still seen whole), a wheel turn for a frame without a move or press,
// a typed character for a frame in which no key changed (so the keys around it, Ctrl above all, are
// as they were when it was typed: ImGui drops characters typed with Ctrl held), and a key change
// after a character for the next frame. Newer
// Dear ImGui versions do the same in their input queue ("trickling"). No ImGui or platform types
// here, so it is tested natively (tests/test_input_queue.cpp).
#pragma once
#include <array>
#include <cfloat>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace platform {

struct InputState {
    float x = -FLT_MAX, y = -FLT_MAX;  // pointer position; -FLT_MAX: not over the window
    std::array<bool, 3> buttons{};     // left, right, middle
    float wheel_x = 0, wheel_y = 0;    // this frame's wheel, in notches: +y = away from the user (scroll up)
    static constexpr int kKeys = 512;  // io.KeysDown indices
    std::array<bool, kKeys> keys{};
    std::vector<unsigned> chars;       // characters typed, this frame's only (Unicode code points)
};

class InputQueue {
public:
    void move(float x, float y);
    void leave();                        // the pointer left the window
    void button(int b, bool down);       // b: 0 left, 1 right, 2 middle (others ignored)
    void wheel(float dx, float dy);      // notches, +dy = scroll up
    void key(int code, bool down);       // code: an io.KeysDown index (others ignored)
    void text(unsigned codepoint);       // a typed character (0 ignored)
    // Applies the events this frame can take and returns the state ImGui should see.
    const InputState& next_frame();
    const InputState& state() const { return st_; }
    std::size_t pending() const { return q_.size(); }

private:
    enum class Kind : uint8_t { Move, Button, Wheel, Key, Char };
    struct Event {
        Kind kind;
        int code;        // button, key or character
        bool down;
        float x, y;      // position or wheel
    };
    void push(const Event& e);
    std::deque<Event> q_;
    InputState st_;
};

}  // namespace platform
