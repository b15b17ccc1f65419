// The one monotonic clock core (and the CLI) time work with.
#pragma once
#include <chrono>

namespace core {

// Milliseconds on a monotonic clock (steady_clock); only differences mean anything.
inline double now_ms() {
    using namespace std::chrono;
    return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace core
