// The one tensor type of the nn engine: a float32 block in N,H,W,C order (channels innermost, as
// TensorFlow lays out images), plus a small parallel_for that splits work over samples (on a pool
// of threads made once).
// Dense activations are (N,1,1,F). No views, no autograd: layers own their caches.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace core::nn {

struct Shape {
    int h = 1, w = 1, c = 1;  // per sample; the batch size N lives in the Tensor
    int size() const { return h * w * c; }
    bool operator==(const Shape& o) const { return h == o.h && w == o.w && c == o.c; }
    bool operator!=(const Shape& o) const { return !(*this == o); }
    std::string str() const;  // "28x28x3"
};

struct Tensor {
    int n = 0;
    Shape s;
    std::vector<float> v;  // n * s.size() floats
    void resize(int n_, Shape s_) {
        n = n_;
        s = s_;
        v.resize((size_t)n * s.size());
    }
    void zero() { std::fill(v.begin(), v.end(), 0.0f); }
    float* data() { return v.data(); }
    const float* data() const { return v.data(); }
    float* sample(int i) { return v.data() + (size_t)i * s.size(); }
    const float* sample(int i) const { return v.data() + (size_t)i * s.size(); }
    size_t size() const { return v.size(); }
};

// Worker threads used by the layers (1 when built without threads, e.g. WebAssembly without
// -pthread). Defaults to min(2, hardware threads). Results are deterministic for a fixed count.
int num_threads();
void set_num_threads(int n);
// At most n threads for the parallel_for calls made by the calling thread (0 = num_threads()).
void set_thread_limit(int n);

// Calls fn(begin, end, t) on `parts` contiguous parts of [0, n): parts = 1 with one thread, else
// min(n, 2 x threads), threads = min(num_threads(), the caller's limit). The caller and a pool of
// threads made once take the parts as they come free; part t is the same range whoever runs it, so a
// caller that keeps per-part results (index t, below max_parts()) and combines them in order gets the
// same bits on every run with the same thread count. Returns the number of parts. A call that cannot
// have the pool (made inside a part, or while another thread's call holds it, or after stop_threads)
// runs the same parts in order on its caller. A part that throws stops new parts from starting; the
// call rethrows once the running ones have ended.
int parallel_for(int n, const std::function<void(int begin, int end, int t)>& fn);
// The most parts a parallel_for can use with num_threads() threads (per-part workspaces).
int max_parts();

// Makes the pool's num_threads() - 1 threads now instead of at the first parallel_for; returns how
// many there are. In a browser, threads are Web Workers the page's main thread hands out: call this
// from the main thread before a worker thread needs them.
int start_threads();
// Ends the pool's threads (waits for the call in flight); the next parallel_for makes them again.
// At exit they are ended for good (later calls run on their caller).
void stop_threads();

}  // namespace core::nn
