// See pacing.h.
#include "app/pacing.h"

#include <algorithm>

namespace app {

bool frame_due(FramePacing& p, double now, bool input, bool busy, bool active) {
    p.refreshes++;
    if (input || p.wake || active) p.last_input = now;
    bool due = now - p.last_input < p.after_input_s;
    if (!due) {
        const double fps = std::max(0.5f, busy ? p.busy_fps : p.idle_fps);
        // refreshes come every ~16.7 ms: a frame is due at the refresh nearest its time
        due = now - p.last_draw >= 1.0 / fps - 0.008;
    }
    if (due) {
        p.last_draw = now;
        p.wake = false;
        p.drawn++;
    }
    return due;
}

double ms_until_frame(const FramePacing& p, double now, double min_ms) {
    const double next = p.last_draw + 1.0 / std::max(0.5f, p.busy_fps);
    return std::max(min_ms, (next - now) * 1000.0);
}

}  // namespace app
