// Helpers shared by the core tests: where the repository and ../shared live, small builders of
// in-memory .npz archives, and one network layer set up for a test.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/dataset.h"
#include "core/io.h"
#include "core/nn/layers.h"
#include "core/nn/tensor.h"
#include "core/npz.h"
#include "core/rng.h"

namespace testutil {

inline std::string repo(const std::string& rel) { return std::string(BLOODCELL_SOURCE_DIR) + "/" + rel; }
inline std::string shared(const std::string& rel) { return std::string(BLOODCELL_SHARED_DIR) + "/" + rel; }

inline core::io::Bytes read(const std::string& path) {
    auto r = core::io::read_file(path);
    return r.ok() ? r.value : core::io::Bytes{};
}

// A well-formed BloodMNIST-layout member set with n images per split; tests then break one thing.
inline std::map<std::string, core::npz::Array> tiny_members(size_t n = 4) {
    std::map<std::string, core::npz::Array> m;
    for (const char* s : {"train", "val", "test"}) {
        core::npz::Array im, lb;
        im.dtype = lb.dtype = "|u1";
        im.shape = {n, 28, 28, 3};
        im.data.resize(n * 2352);
        for (size_t i = 0; i < im.data.size(); ++i) im.data[i] = (uint8_t)(i * 7 + 3);
        lb.shape = {n, 1};
        for (size_t i = 0; i < n; ++i) lb.data.push_back((uint8_t)(i % 8));
        m[std::string(s) + "_images"] = im;
        m[std::string(s) + "_labels"] = lb;
    }
    return m;
}

// Offset of the first central-directory entry ("PK\1\2") of a zip, 0 if there is none (a zip
// always starts with a local header, so 0 is never a real answer). Tests patch its fields.
inline size_t first_central_entry(const std::vector<uint8_t>& zip) {
    for (size_t i = 0; i + 4 <= zip.size(); ++i)
        if (zip[i] == 'P' && zip[i + 1] == 'K' && zip[i + 2] == 1 && zip[i + 3] == 2) return i;
    return 0;
}

// Toy data: class c images are a solid colour ramp c*30 in channel c%3 plus noise, so a small
// CNN separates them within a few epochs.
inline core::Dataset toy(int per_class, uint64_t seed) {
    core::Dataset d;
    core::Rng rng(seed);
    for (int i = 0; i < per_class * 8; ++i) {
        int c = i % 8;
        d.labels.push_back((uint8_t)c);
        for (int p = 0; p < 784; ++p)
            for (int ch = 0; ch < 3; ++ch) {
                int v = (ch == c % 3 ? 30 * c : 100) + (int)rng.below(40);
                d.images.push_back((uint8_t)(v < 255 ? v : 255));
            }
    }
    return d;
}

inline std::string load_error(const std::vector<uint8_t>& bytes, const std::string& name = "t.npz") {
    auto r = core::load_bloodmnist(bytes.data(), bytes.size(), name);
    return r.ok() ? std::string("(loaded)") : r.error;
}

// One layer from spec for input shape `in` (it must build), its parameters initialised from rng,
// with the nn pool set to `threads`: what the gradient checks (test_nn.cpp) and the thread-count
// comparisons (test_pool.cpp) start from.
inline std::unique_ptr<core::nn::Layer> layer(const core::nn::LayerSpec& spec, core::nn::Shape in, core::Rng& rng, int threads) {
    core::nn::set_num_threads(threads);
    auto made = core::nn::make_layer(spec, in, 0);
    REQUIRE_MESSAGE(made.ok(), made.error);
    made.value->init(rng);
    return std::move(made.value);
}

}  // namespace testutil
