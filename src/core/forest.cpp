// Random forest: each tree grows from its own seeded stream (seed, tree index), so the forest is
// the same whatever the thread count. Nodes are stored in preorder, so children always follow
// their parent (the model file loader relies on that to reject cyclic trees).
#include "core/forest.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#if BLOODCELL_HAVE_THREADS
#include <chrono>
#include <thread>
#endif

#include "core/rng.h"

namespace core {

namespace {
constexpr int K = 8;

struct Tree {
    std::vector<int32_t> feature, left, right;
    std::vector<float> threshold, value;
};

double gini(const int* counts, int total) {
    if (total <= 0) return 0;
    double s = 0;
    for (int k = 0; k < K; ++k) s += (double)counts[k] * counts[k];
    return 1.0 - s / ((double)total * total);
}

struct Builder {
    const std::vector<double>& X;
    const uint8_t* y;
    int F;
    const Forest::Config& cfg;
    int mtry;
    Rng rng;
    Tree t;
    std::vector<std::pair<double, int>> buf;  // (feature value, sample) of the node being split
    std::vector<int> feats;

    int leaf(const int* counts, int total) {
        int id = (int)t.feature.size();
        t.feature.push_back(-1);
        t.left.push_back(-1);
        t.right.push_back(-1);
        t.threshold.push_back(0.f);
        for (int k = 0; k < K; ++k) t.value.push_back(total ? (float)counts[k] / total : 0.f);
        return id;
    }

    // idx: the samples (bootstrap duplicates included) reaching this node
    int grow(std::vector<int>& idx, int depth) {
        int counts[K] = {0};
        for (int i : idx) counts[y[i]]++;
        const int n = (int)idx.size();
        int classes = 0;
        for (int k = 0; k < K; ++k) classes += counts[k] > 0;
        if (classes <= 1 || n < 2 * cfg.min_leaf || (cfg.max_depth > 0 && depth >= cfg.max_depth)) return leaf(counts, n);
        // choose among mtry random features (partial Fisher-Yates)
        double best_score = gini(counts, n) * n - 1e-12;  // a split must lower the weighted impurity
        int best_f = -1;
        double best_thr = 0;
        for (int j = 0; j < F; ++j) feats[j] = j;
        for (int j = 0; j < mtry; ++j) {
            int r = j + (int)rng.below((uint64_t)(F - j));
            std::swap(feats[j], feats[r]);
            const int f = feats[j];
            buf.resize(n);
            for (int i = 0; i < n; ++i) buf[i] = {X[(size_t)idx[i] * F + f], idx[i]};
            std::sort(buf.begin(), buf.end());
            if (buf.front().first == buf.back().first) continue;
            int lc[K] = {0}, rc[K];
            std::copy(counts, counts + K, rc);
            for (int i = 0; i + 1 < n; ++i) {
                int c = y[buf[i].second];
                lc[c]++;
                rc[c]--;
                if (buf[i].first == buf[i + 1].first) continue;
                int nl = i + 1, nr = n - nl;
                if (nl < cfg.min_leaf || nr < cfg.min_leaf) continue;
                double score = gini(lc, nl) * nl + gini(rc, nr) * nr;
                if (score < best_score) {
                    best_score = score;
                    best_f = f;
                    best_thr = 0.5 * (buf[i].first + buf[i + 1].first);
                    if (best_thr == buf[i + 1].first) best_thr = buf[i].first;  // midpoint rounded up
                }
            }
        }
        if (best_f < 0) return leaf(counts, n);
        int id = (int)t.feature.size();
        t.feature.push_back(best_f);
        t.left.push_back(-1);
        t.right.push_back(-1);
        t.threshold.push_back((float)best_thr);
        for (int k = 0; k < K; ++k) t.value.push_back(0.f);
        std::vector<int> L, R;
        for (int i : idx) (X[(size_t)i * F + best_f] <= (double)(float)best_thr ? L : R).push_back(i);
        if (L.empty() || R.empty()) {  // the float threshold merged the two sides: make this a leaf
            t.feature[id] = -1;
            for (int k = 0; k < K; ++k) t.value[(size_t)id * K + k] = (float)counts[k] / n;
            return id;
        }
        idx.clear();
        idx.shrink_to_fit();
        int l = grow(L, depth + 1);
        int r = grow(R, depth + 1);
        t.left[id] = l;
        t.right[id] = r;
        return id;
    }
};
}  // namespace

Forest Forest::fit(const std::vector<double>& X, const uint8_t* labels, int n, int F, const Config& cfg,
                   const std::function<void(int)>& progress) {
    Forest f;
    f.F = F;
    const int T = std::max(1, cfg.trees);
    const int mtry = cfg.mtry > 0 ? std::min(cfg.mtry, F) : std::max(1, (int)std::lround(std::sqrt((double)F)));
    std::vector<Tree> trees(T);
    auto grow_tree = [&](int t) {
        Builder b{X, labels, F, cfg, mtry, Rng(cfg.seed * 1000003ULL + (uint64_t)t + 1), {}, {}, std::vector<int>(F)};
        std::vector<int> idx(n);
        for (int i = 0; i < n; ++i) idx[i] = (int)b.rng.below((uint64_t)n);  // bootstrap sample
        b.grow(idx, 0);
        trees[t] = std::move(b.t);
    };
    int threads = 1;
#if BLOODCELL_HAVE_THREADS
    threads = std::max(1, std::min(cfg.threads, T));
#endif
    if (threads == 1) {
        for (int t = 0; t < T; ++t) {
            grow_tree(t);
            if (progress) progress(t + 1);
        }
    } else {
#if BLOODCELL_HAVE_THREADS
        // workers take the next tree index; the caller reports progress as trees complete
        std::atomic<int> next{0}, done{0};
        auto work = [&] {
            for (int t; (t = next++) < T;) {
                grow_tree(t);
                done++;
            }
        };
        std::vector<std::thread> pool;
        for (int i = 0; i < threads; ++i) pool.emplace_back(work);
        for (int last = -1; last < T;) {
            int d = done;
            if (d != last && progress) progress(d);
            last = d == T ? T : d;
            if (d < T) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        for (auto& th : pool) th.join();
#endif
    }
    for (Tree& t : trees) {
        int base = (int)f.feature.size();
        f.roots.push_back(base);
        for (size_t i = 0; i < t.feature.size(); ++i) {
            f.feature.push_back(t.feature[i]);
            f.left.push_back(t.feature[i] >= 0 ? t.left[i] + base : -1);
            f.right.push_back(t.feature[i] >= 0 ? t.right[i] + base : -1);
            f.threshold.push_back(t.threshold[i]);
        }
        f.value.insert(f.value.end(), t.value.begin(), t.value.end());
    }
    return f;
}

void Forest::predict(const double* X, int n, float* probs) const {
    const int T = (int)roots.size();
    for (int i = 0; i < n; ++i) {
        const double* x = X + (size_t)i * F;
        double acc[K] = {0};
        for (int r : roots) {
            int node = r;
            while (feature[node] >= 0) node = x[feature[node]] <= (double)threshold[node] ? left[node] : right[node];
            for (int k = 0; k < K; ++k) acc[k] += value[(size_t)node * K + k];
        }
        for (int k = 0; k < K; ++k) probs[(size_t)i * K + k] = T ? (float)(acc[k] / T) : 0.f;
    }
}

}  // namespace core
