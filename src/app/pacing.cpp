// See pacing.h.
#include "app/pacing.h"

#include <algorithm>
#include <cmath>

namespace app {

// Frames per second while work runs.
static double busy_rate(const FramePacing& p) {
    return std::max(0.5f, p.batch ? std::min(p.busy_fps, p.batch_fps) : p.busy_fps);
}

bool frame_due(FramePacing& p, double now, bool input, bool busy, bool active) {
    p.refreshes++;
    if (input || p.wake || active) p.last_input = now;
    bool due = now - p.last_input < p.after_input_s;
    if (!due) {
        const double fps = busy ? busy_rate(p) : std::max(0.5f, p.idle_fps);
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
    const double next = p.last_draw + 1.0 / busy_rate(p);
    return std::max(min_ms, (next - now) * 1000.0);
}

double work_budget_ms(const FramePacing& p, double now, double min_ms, double refresh_ms) {
    const double until = (p.last_draw + 1.0 / busy_rate(p) - now) * 1000.0;
    const double refreshes = std::floor((until + 0.5 * refresh_ms) / refresh_ms);  // the due frame's refresh
    return std::max(min_ms, refreshes * refresh_ms - 0.25 * refresh_ms);
}

}  // namespace app
