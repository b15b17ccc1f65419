// See pacing.h.
#include "app/pacing.h"

#include <algorithm>
#include <cmath>

namespace app {

// Frames per second while work runs.
static double busy_rate(const FramePacing& p) {
    return std::max(0.5f, p.batch ? std::min(p.busy_fps, p.batch_fps) : p.busy_fps);
}

// Seconds from a frame to the next while work runs: 1/busy_rate, less half the work's smallest piece
// (at most half the period): a piece that would end well after the frame's time starts after the
// frame instead, rather than put it off by a whole piece.
static double busy_period(const FramePacing& p) {
    const double period = 1.0 / busy_rate(p);
    return period - std::clamp(p.quantum_ms / 2000.0, 0.0, period / 2);
}

bool frame_due(FramePacing& p, double now, bool input, bool busy, bool active) {
    p.refreshes++;
    if (input || p.wake || active) p.last_input = now;
    bool due = now - p.last_input < p.after_input_s;
    if (!due) {
        const double period = busy ? busy_period(p) : 1.0 / std::max(0.5f, p.idle_fps);
        // refreshes come every ~16.7 ms: a frame is due at the refresh nearest its time
        due = now - p.last_draw >= period - 0.008;
    }
    if (due) {
        p.last_draw = now;
        p.wake = false;
        p.drawn++;
    }
    return due;
}

double ms_until_frame(const FramePacing& p, double now, double min_ms) {
    const double next = p.last_draw + busy_period(p);
    return std::max(min_ms, (next - now) * 1000.0);
}

double work_budget_ms(const FramePacing& p, double now, double min_ms, double refresh_ms) {
    const double until = (p.last_draw + busy_period(p) - now) * 1000.0;
    const double refreshes = std::floor((until + 0.5 * refresh_ms) / refresh_ms);  // the due frame's refresh
    return std::max(min_ms, refreshes * refresh_ms - 0.25 * refresh_ms);
}

}  // namespace app
