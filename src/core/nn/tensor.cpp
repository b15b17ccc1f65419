// Shape printing and the sample-splitting parallel_for (std::thread per call: a few dozen spawns
// per batch cost far less than one convolution, and keep the code free of pool state).
#include "core/nn/tensor.h"

#include <algorithm>
#if BLOODCELL_HAVE_THREADS
#include <thread>
#endif

namespace core::nn {

std::string Shape::str() const { return std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c); }

namespace {
int g_threads = 0;              // 0 = not chosen yet
thread_local int t_limit = 0;   // this thread's cap (0 = none)
}

int num_threads() {
#if BLOODCELL_HAVE_THREADS
    if (g_threads <= 0) {
        unsigned hw = std::thread::hardware_concurrency();
        g_threads = (int)std::max(1u, std::min(2u, hw));
    }
    return g_threads;
#else
    return 1;
#endif
}

void set_num_threads(int n) { g_threads = std::max(1, std::min(n, 64)); }

void set_thread_limit(int n) { t_limit = std::max(0, n); }

int parallel_for(int n, const std::function<void(int, int, int)>& fn) {
    if (n <= 0) return 0;
    int parts = std::min(t_limit > 0 ? std::min(t_limit, num_threads()) : num_threads(), n);
    if (parts <= 1) {
        fn(0, n, 0);
        return 1;
    }
#if BLOODCELL_HAVE_THREADS
    std::vector<std::thread> th;
    th.reserve(parts - 1);
    for (int t = 1; t < parts; ++t) {
        int b = (int)((long)n * t / parts), e = (int)((long)n * (t + 1) / parts);
        th.emplace_back([&fn, b, e, t] { fn(b, e, t); });
    }
    fn(0, (int)((long)n / parts), 0);
    for (auto& x : th) x.join();
#endif
    return parts;
}

}  // namespace core::nn
