// Shape printing and the sample-splitting parallel_for, on a pool of threads made once.
//
// Why a pool: parallel_for used to start a std::thread per call and join it, a few dozen per batch.
// Natively that cost ~50 us a call; in the threaded WebAssembly build a thread started from a Web
// Worker (the app's training job runs on one) is made by the page's main thread, between its frames,
// so two threads ran slower than one. The pool's threads are made once (lazily, or up front by
// start_threads(), which the page calls from its main thread) and then wait for work.
//
// One call with T threads cuts [0, n) into p = min(n, kPartsPerThread x T) parts (p = 1 for one
// thread); part t is always the same range. The caller and the pool threads take parts from a shared
// counter until none is left, so when the system or the browser stops one thread for a while, the
// others take its share instead of waiting at the end of the call (with one fixed slice per thread,
// 2 threads ran CNN training 1.66-1.93x one thread's speed in Chromium from run to run). A caller
// that sums per part (index t) and adds the parts in order gets the same bits whoever ran which part.
// Pool threads spin a little after each call (the next call usually comes within microseconds: the
// layers of one batch), then sleep on a condition variable. The caller does the same while it waits
// for parts still running elsewhere; it never waits for a thread that has not started on a part.
//
// Callers that cannot have the pool run the same p parts one after the other themselves, in order,
// with the same t (same results, no waiting on anyone): a parallel_for inside a part (nested), a
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

// Parts per thread in one call: enough for a stalled thread's share to be taken by the others, few
// enough that each part keeps its GEMMs large (natively, CNN training on 2 threads: 1.73x one
// thread's speed with 4 parts per thread, 1.92x with 1, 1.98-2.01x with 2).
constexpr int kPartsPerThread = 2;

inline int slice_begin(int n, int t, int parts) { return (int)((long long)n * t / parts); }

// the p slices run in order on the calling thread
void run_inline(int n, int parts, const std::function<void(int, int, int)>& fn) {
    for (int t = 0; t < parts; ++t) fn(slice_begin(n, t, parts), slice_begin(n, t + 1, parts), t);
}

#if BLOODCELL_HAVE_THREADS
using Clock = std::chrono::steady_clock;
// How long a pool thread keeps spinning after a call before it sleeps, and how long the caller spins
// for parts still running elsewhere. The layers of one training step call back to back, but between
// steps the trainer's own serial work (the next batch, the finiteness checks, small Adam updates)
// takes a few hundred microseconds; a sleeping thread takes ~10-50 us to wake natively and more in a
// browser. Chromium, 2 threads, CNN training vs one thread (3 runs each): 1.76-1.85x with 200 us,
// 1.84-1.91x with 2 ms.
constexpr auto kWorkerSpin = std::chrono::microseconds(2000);
constexpr auto kCallerSpin = std::chrono::microseconds(2000);

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
    // Runs fn's `parts` parts on the caller and up to `helpers` pool threads; false (nothing run) when
    // the pool is taken by another call or stopped.
    bool run(int n, int parts, int helpers, const std::function<void(int, int, int)>& fn) {
        if (busy_.exchange(true, std::memory_order_acquire)) return false;  // nested, or another caller
        if (stopped_.load() || !grow(helpers)) {
            busy_.store(false, std::memory_order_release);
            return false;
        }
        fn_ = &fn;
        n_ = n;
        parts_ = parts;
        next_.store(0, std::memory_order_relaxed);
        error_ = nullptr;
        gate_.store(0, std::memory_order_release);  // open: helpers may join from here on
        {
            std::lock_guard<std::mutex> lk(m_);
            for (int t = 0; t < helpers; ++t) workers_[t]->ticket.fetch_add(1, std::memory_order_release);
        }
        wake_.notify_all();
        take_parts();
        // closed: a helper that wakes from now on skips this call; wait for those inside it
        auto done = [this] { return gate_.load(std::memory_order_acquire) == kClosed; };
        gate_.fetch_or(kClosed, std::memory_order_acq_rel);
        if (!spin_until(done, kCallerSpin)) {
            std::unique_lock<std::mutex> lk(m_);
            done_.wait(lk, done);
        }
        fn_ = nullptr;
        std::exception_ptr error = error_;
        busy_.store(false, std::memory_order_release);
        if (error) std::rethrow_exception(error);  // a part threw (bad_alloc): the rest of the call ended first
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
            Worker* wp = w.get();
            try {
                w->thread = std::thread([this, wp] { loop(*wp); });
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

    // Parts from the shared counter until none is left (or one has thrown); the first error is kept.
    void take_parts() {
        for (;;) {
            const int t = next_.fetch_add(1, std::memory_order_relaxed);
            if (t >= parts_) return;
            try {
                (*fn_)(slice_begin(n_, t, parts_), slice_begin(n_, t + 1, parts_), t);
            } catch (...) {
                std::lock_guard<std::mutex> lk(m_);
                if (!error_) error_ = std::current_exception();
                next_.store(parts_, std::memory_order_relaxed);  // no new parts; those running end
            }
        }
    }

    void loop(Worker& w) {
        unsigned seen = 0;
        auto called = [&] { return w.ticket.load(std::memory_order_acquire) != seen; };
        for (;;) {
            if (!spin_until(called, kWorkerSpin)) {
                std::unique_lock<std::mutex> lk(m_);
                wake_.wait(lk, [&] { return quit_ || called(); });
                if (!called()) return;  // quit_
            }
            seen = w.ticket.load(std::memory_order_acquire);
            // join the call unless its caller has closed it (all parts taken and done, or being done)
            int g = gate_.load(std::memory_order_acquire);
            while (!(g & kClosed) && !gate_.compare_exchange_weak(g, g + 1, std::memory_order_acq_rel)) {
            }
            if (g & kClosed) continue;
            take_parts();
            if (gate_.fetch_sub(1, std::memory_order_acq_rel) == (kClosed | 1)) {
                std::lock_guard<std::mutex> lk(m_);  // the caller may be between its check and its wait
                done_.notify_one();
            }
        }
    }

    static constexpr int kClosed = 1 << 30;
    std::atomic<bool> busy_{false}, stopped_{false};
    std::vector<std::unique_ptr<Worker>> workers_;
    // the call in flight, written by the owner before the tickets are bumped
    const std::function<void(int, int, int)>* fn_ = nullptr;
    int n_ = 0, parts_ = 0;
    std::exception_ptr error_;
    std::atomic<int> next_{0};  // the next part to take
    // pool threads inside the call, | kClosed once the caller has taken its last part (a thread that
    // comes later skips the call; the next call reopens it)
    std::atomic<int> gate_{kClosed};
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

int max_parts() {
    const int t = num_threads();
    return t <= 1 ? 1 : t * kPartsPerThread;
}

int parallel_for(int n, const std::function<void(int, int, int)>& fn) {
    if (n <= 0) return 0;
    const int threads = t_limit > 0 ? std::min(t_limit, num_threads()) : num_threads();
    if (threads <= 1 || n == 1) {
        fn(0, n, 0);
        return 1;
    }
    const int parts = std::min(n, threads * kPartsPerThread);
#if BLOODCELL_HAVE_THREADS
    if (pool().run(n, parts, std::min(threads, parts) - 1, fn)) return parts;
#endif
    run_inline(n, parts, fn);
    return parts;
}

}  // namespace core::nn
