// Shape printing and the sample-splitting parallel_for, on a pool of threads made once.
//
// Why a pool: parallel_for used to start a std::thread per call and join it, a few dozen per batch.
// Natively that cost ~50 us a call; in the threaded WebAssembly build a thread started from a Web
// Worker (the app's training job runs on one) is made by the page's main thread, between its frames,
// so two threads ran slower than one. The pool's threads are made once (lazily, or up front by
// start_threads(), which the page calls from its main thread) and then wait for work.
//
// One call, with p = parts: slice t of [0, n) goes to pool thread t (t = 1..p-1), slice 0 to the
// caller. The slices and their numbering depend only on n and p, never on timing, so results are
// bit-identical for a fixed thread count. Pool threads spin a little after each slice (the next call
// usually comes within microseconds: the layers of one batch), then sleep on a condition variable.
// The caller does the same while it waits for the others' slices.
//
// Callers that cannot have the pool run the same p slices one after the other themselves, in order,
// with the same t (same results, no waiting on anyone): a parallel_for inside a slice (nested), a
// second thread calling while the pool works for another (e.g. the app's training job and a batch
// classification at once), and any call once exit has stopped the pool.
#include "core/nn/tensor.h"

#include <algorithm>
#include <atomic>
#if BLOODCELL_HAVE_THREADS
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#endif

namespace core::nn {

std::string Shape::str() const { return std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c); }

namespace {
std::atomic<int> g_threads{0};  // 0 = not chosen yet
thread_local int t_limit = 0;   // this thread's cap (0 = none)

inline int slice_begin(int n, int t, int parts) { return (int)((long long)n * t / parts); }

// the p slices run in order on the calling thread
void run_inline(int n, int parts, const std::function<void(int, int, int)>& fn) {
    for (int t = 0; t < parts; ++t) fn(slice_begin(n, t, parts), slice_begin(n, t + 1, parts), t);
}

#if BLOODCELL_HAVE_THREADS
using Clock = std::chrono::steady_clock;
// How long a pool thread keeps spinning after its slice before it sleeps, and how long the caller
// spins for the others' slices. The layers of one training step call back to back (gaps of a few
// to a few hundred microseconds of serial work); a sleeping thread takes ~10-50 us to wake natively
// and more in a browser.
constexpr auto kWorkerSpin = std::chrono::microseconds(200);
constexpr auto kCallerSpin = std::chrono::microseconds(300);

// spins until done() or `limit` has passed; true if done
template <class F>
bool spin_until(F done, Clock::duration limit) {
    if (done()) return true;
    const Clock::time_point end = Clock::now() + limit;
    for (;;) {
        for (int i = 0; i < 64; ++i)
            if (done()) return true;
        if (Clock::now() >= end) return done();
    }
}

class Pool {
public:
    // Runs fn's `parts` slices, slice 0 on the caller; false (nothing run) when the pool is taken
    // by another call or stopped.
    bool run(int n, int parts, const std::function<void(int, int, int)>& fn) {
        if (busy_.exchange(true, std::memory_order_acquire)) return false;  // nested, or another caller
        if (stopped_.load() || !grow(parts - 1)) {
            busy_.store(false, std::memory_order_release);
            return false;
        }
        fn_ = &fn;
        n_ = n;
        parts_ = parts;
        remaining_.store(parts - 1, std::memory_order_relaxed);
        {
            std::lock_guard<std::mutex> lk(m_);
            for (int t = 1; t < parts; ++t) workers_[t - 1]->ticket.fetch_add(1, std::memory_order_release);
        }
        wake_.notify_all();
        std::exception_ptr error;  // slice 0 throwing (bad_alloc): the others still use fn, wait for them
        try {
            fn(0, slice_begin(n, 1, parts), 0);
        } catch (...) {
            error = std::current_exception();
        }
        auto done = [this] { return remaining_.load(std::memory_order_acquire) == 0; };
        if (!spin_until(done, kCallerSpin)) {
            std::unique_lock<std::mutex> lk(m_);
            done_.wait(lk, done);
        }
        fn_ = nullptr;
        busy_.store(false, std::memory_order_release);
        if (error) std::rethrow_exception(error);
        return true;
    }

    // Makes pool threads until there are `helpers`, without waiting for them to run (in a browser a
    // new thread may only start once the main thread, which may be the caller, yields). Returns the
    // number of pool threads.
    int start(int helpers) {
        if (busy_.exchange(true, std::memory_order_acquire)) return size();
        if (!stopped_.load()) grow(helpers);
        busy_.store(false, std::memory_order_release);
        return size();
    }

    // Makes pool threads until there are `helpers` (only the pool's owner calls this).
    bool grow(int helpers) {
        while ((int)workers_.size() < helpers) {
            auto w = std::make_unique<Worker>();
            const int t = (int)workers_.size() + 1;
            Worker* wp = w.get();
            try {
                w->thread = std::thread([this, wp, t] { loop(*wp, t); });
            } catch (...) {
                return false;  // no thread to be had: the caller runs the slices itself
            }
            workers_.push_back(std::move(w));
        }
        return true;
    }

    // Ends the pool threads (after the call in flight, if any). For good (at exit): later calls run
    // on their caller; otherwise the next call makes them again.
    void stop(bool for_good) {
        while (busy_.exchange(true, std::memory_order_acquire)) std::this_thread::yield();
        if (for_good) stopped_.store(true);
        {
            std::lock_guard<std::mutex> lk(m_);
            quit_ = true;
        }
        wake_.notify_all();
        for (auto& w : workers_)
            if (w->thread.joinable()) w->thread.join();
        workers_.clear();
        quit_ = false;
        busy_.store(false, std::memory_order_release);
    }

    int size() const { return (int)workers_.size(); }

private:
    struct Worker {
        std::atomic<unsigned> ticket{0};  // bumped once per call this thread takes part in
        std::thread thread;
    };

    void loop(Worker& w, int t) {
        unsigned seen = 0;
        auto called = [&] { return w.ticket.load(std::memory_order_acquire) != seen; };
        for (;;) {
            if (!spin_until(called, kWorkerSpin)) {
                std::unique_lock<std::mutex> lk(m_);
                wake_.wait(lk, [&] { return quit_ || called(); });
                if (!called()) return;  // quit_
            }
            seen = w.ticket.load(std::memory_order_acquire);
            (*fn_)(slice_begin(n_, t, parts_), slice_begin(n_, t + 1, parts_), t);
            if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
                std::lock_guard<std::mutex> lk(m_);  // the caller may be between its check and its wait
                done_.notify_one();
            }
        }
    }

    std::atomic<bool> busy_{false}, stopped_{false};
    std::vector<std::unique_ptr<Worker>> workers_;
    // the call in flight, written by the owner before the tickets are bumped
    const std::function<void(int, int, int)>* fn_ = nullptr;
    int n_ = 0, parts_ = 0;
    std::atomic<int> remaining_{0};
    std::mutex m_;
    std::condition_variable wake_, done_;
    bool quit_ = false;
};

// Never destroyed (a call during static destruction still finds it); its threads are stopped and
// joined at exit, after which calls run on their caller.
Pool& pool() {
    static Pool* p = new Pool;
    static struct AtExit {
        ~AtExit() { p->stop(true); }
    } at_exit;
    return *p;
}
#endif
}  // namespace

int num_threads() {
#if BLOODCELL_HAVE_THREADS
    int n = g_threads.load(std::memory_order_relaxed);
    if (n <= 0) {
        unsigned hw = std::thread::hardware_concurrency();
        n = (int)std::max(1u, std::min(2u, hw));
        g_threads.store(n, std::memory_order_relaxed);
    }
    return n;
#else
    return 1;
#endif
}

void set_num_threads(int n) { g_threads.store(std::max(1, std::min(n, 64)), std::memory_order_relaxed); }

void set_thread_limit(int n) { t_limit = std::max(0, n); }

int start_threads() {
#if BLOODCELL_HAVE_THREADS
    return pool().start(num_threads() - 1);
#else
    return 0;
#endif
}

void stop_threads() {
#if BLOODCELL_HAVE_THREADS
    pool().stop(false);
#endif
}

int parallel_for(int n, const std::function<void(int, int, int)>& fn) {
    if (n <= 0) return 0;
    int parts = std::min(t_limit > 0 ? std::min(t_limit, num_threads()) : num_threads(), n);
    if (parts <= 1) {
        fn(0, n, 0);
        return 1;
    }
#if BLOODCELL_HAVE_THREADS
    if (pool().run(n, parts, fn)) return parts;
#endif
    run_inline(n, parts, fn);
    return parts;
}

}  // namespace core::nn
