// BloodMNIST splits from a MedMNIST .npz, validated member by member, and stratified subsets.
#include "core/dataset.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/io.h"
#include "core/npz.h"
#include "core/rng.h"
#include "core/text.h"

namespace core {

const char* const kClassNames[kClasses] = {"basophil",   "eosinophil", "erythroblast", "immature granulocyte",
                                           "lymphocyte", "monocyte",   "neutrophil",   "platelet"};
const char* const kClassShortNames[kClasses] = {"BA", "EO", "ERB", "IG", "LY", "MO", "NEU", "PLT"};

const char* split_name(Split s) { return s == Split::train ? "train" : s == Split::val ? "val" : "test"; }

Result<Split> parse_split(const std::string& s) {
    if (s == "train") return Result<Split>::of(Split::train);
    if (s == "val") return Result<Split>::of(Split::val);
    if (s == "test") return Result<Split>::of(Split::test);
    return Result<Split>::fail("split '" + s + "': want train, val or test");
}

std::array<int, kClasses> Dataset::class_counts() const {
    std::array<int, kClasses> c{};
    for (uint8_t l : labels)
        if (l < kClasses) c[l]++;
    return c;
}

namespace {

// Integer labels of any width become uint8 0..7; anything else is an error naming the row.
Result<std::vector<uint8_t>> labels_from(const npz::Array& a, const std::string& where) {
    using R = Result<std::vector<uint8_t>>;
    bool shape_ok = (a.shape.size() == 1) || (a.shape.size() == 2 && a.shape[1] == 1);
    if (!shape_ok) return R::fail(where + ": got shape " + npz::shape_str(a.shape) + ", want (N,1)");
    char kind = a.dtype.size() >= 2 ? a.dtype[1] : '?';
    size_t item = a.dtype.size() >= 3 ? (size_t)std::atoi(a.dtype.c_str() + 2) : 0;
    if ((kind != 'u' && kind != 'i') || !(item == 1 || item == 2 || item == 4 || item == 8))
        return R::fail(where + ": dtype " + a.dtype + ", want an integer type such as |u1");
    size_t n = a.shape[0];
    std::vector<uint8_t> out(n);
    for (size_t i = 0; i < n; ++i) {
        const uint8_t* p = a.data.data() + i * item;
        int64_t v = 0;
        if (kind == 'u') {
            uint64_t u = 0;
            for (size_t k = 0; k < item; ++k) u |= (uint64_t)p[k] << (8 * k);
            v = u > 1000 ? 1000 : (int64_t)u;
        } else {
            uint64_t u = 0;
            for (size_t k = 0; k < item; ++k) u |= (uint64_t)p[k] << (8 * k);
            if (item < 8 && (u >> (8 * item - 1)) & 1) u |= ~uint64_t(0) << (8 * item);  // sign-extend
            v = (int64_t)u;
        }
        if (v < 0 || v >= kClasses)
            return R::fail(where + ": label " + std::to_string(v) + " at row " + std::to_string(i) + " is outside 0..7");
        out[i] = (uint8_t)v;
    }
    return R::of(std::move(out));
}

}  // namespace

Result<BloodMnist> load_bloodmnist(const uint8_t* bytes, size_t size, const std::string& name) {
    using R = Result<BloodMnist>;
    const char* splits[] = {"train", "val", "test"};
    std::vector<std::string> members;
    for (const char* s : splits) {
        members.push_back(std::string(s) + "_images");
        members.push_back(std::string(s) + "_labels");
    }
    auto arrays = npz::read(bytes, size, name, members);
    if (!arrays) return R::fail(arrays.error);
    BloodMnist out;
    for (int s = 0; s < 3; ++s) {
        npz::Array& im = arrays.value[members[2 * s]];
        npz::Array& lb = arrays.value[members[2 * s + 1]];
        std::string wim = name + ": " + members[2 * s], wlb = name + ": " + members[2 * s + 1];
        if (im.dtype != "|u1" && im.dtype != "<u1")
            return R::fail(wim + ": dtype " + im.dtype + ", want |u1 (uint8)");
        if (im.shape.size() != 4 || im.shape[1] != kSide || im.shape[2] != kSide || im.shape[3] != kChannels) {
            std::string hint = im.shape.size() == 4 && im.shape[1] != kSide
                                   ? " (only the 28x28 BloodMNIST is supported)" : "";
            return R::fail(wim + ": got " + npz::shape_str(im.shape) + ", want (N,28,28,3)" + hint);
        }
        auto labels = labels_from(lb, wlb);
        if (!labels) return R::fail(labels.error);
        if (labels.value.size() != im.shape[0])
            return R::fail(name + ": " + splits[s] + " has " + std::to_string(im.shape[0]) + " images but " +
                           std::to_string(labels.value.size()) + " labels");
        Dataset& d = out.split((Split)s);
        d.images = std::move(im.data);
        d.labels = std::move(labels.value);
    }
    return R::of(std::move(out));
}

Result<BloodMnist> load_bloodmnist_file(const std::string& path) {
    auto bytes = io::read_file(path);
    if (!bytes) return Result<BloodMnist>::fail(bytes.error);
    return load_bloodmnist(bytes.value.data(), bytes.value.size(), path);
}

Result<SubsetSpec> parse_subset(const std::string& text, SubsetSpec spec) {
    using R = Result<SubsetSpec>;
    for (const std::string& item : split(text, ',')) {
        if (item.empty()) continue;
        size_t eq = item.find('=');
        if (eq == std::string::npos) return R::fail("subset '" + text + "': '" + item + "' is not key=value");
        std::string k = item.substr(0, eq), v = item.substr(eq + 1);
        char* end = nullptr;
        if (k == "per-class" || k == "per_class") {
            long n = std::strtol(v.c_str(), &end, 10);
            if (v.empty() || *end || n < 0 || n > 100000000) return R::fail("subset: per-class=" + v + ": want an integer >= 0");
            spec.per_class = (int)n;
        } else if (k == "fraction") {
            double f = std::strtod(v.c_str(), &end);
            if (v.empty() || *end || !(f > 0 && f <= 1)) return R::fail("subset: fraction=" + v + ": want a number in (0,1]");
            spec.fraction = f;
        } else if (k == "seed") {
            unsigned long long s = std::strtoull(v.c_str(), &end, 10);
            if (v.empty() || *end || v[0] == '-') return R::fail("subset: seed=" + v + ": want an integer >= 0");
            spec.seed = s;
        } else if (k == "split") {
            auto s = parse_split(v);
            if (!s) return R::fail("subset: " + s.error);
            spec.split = s.value;
        } else {
            return R::fail("subset: unknown key '" + k + "' (want per-class, fraction, seed, split)");
        }
    }
    return R::of(spec);
}

std::vector<int> subset_indices(const Dataset& d, const SubsetSpec& spec) {
    std::vector<std::vector<int>> by_class(kClasses);
    for (int i = 0; i < d.size(); ++i) by_class[d.labels[i]].push_back(i);
    std::vector<int> keep;
    for (int c = 0; c < kClasses; ++c) {
        auto& idx = by_class[c];
        if (idx.empty()) continue;
        Rng rng(spec.seed * 1000003ULL + (uint64_t)c);  // one stream per class: caps on one class don't move another
        rng.shuffle(idx);
        size_t n = (size_t)std::llround(spec.fraction * (double)idx.size());
        if (n == 0 && spec.fraction > 0) n = 1;
        if (spec.per_class > 0) n = std::min(n, (size_t)spec.per_class);
        keep.insert(keep.end(), idx.begin(), idx.begin() + (long)std::min(n, idx.size()));
    }
    std::sort(keep.begin(), keep.end());
    return keep;
}

Dataset take(const Dataset& d, const std::vector<int>& indices) {
    Dataset out;
    out.images.resize(indices.size() * kImageBytes);
    out.labels.resize(indices.size());
    for (size_t k = 0; k < indices.size(); ++k) {
        std::copy(d.image(indices[k]), d.image(indices[k]) + kImageBytes, out.images.begin() + (long)(k * kImageBytes));
        out.labels[k] = d.labels[indices[k]];
    }
    return out;
}

Dataset make_subset(const Dataset& d, const SubsetSpec& spec) { return take(d, subset_indices(d, spec)); }

std::vector<uint8_t> save_bloodmnist_npz(const BloodMnist& data) {
    std::map<std::string, npz::Array> m;
    for (int s = 0; s < 3; ++s) {
        const Dataset& d = data.split((Split)s);
        std::string p = split_name((Split)s);
        npz::Array im, lb;
        im.dtype = lb.dtype = "|u1";
        im.shape = {(size_t)d.size(), kSide, kSide, kChannels};
        im.data = d.images;
        lb.shape = {(size_t)d.size(), 1};
        lb.data = d.labels;
        m[p + "_images"] = std::move(im);
        m[p + "_labels"] = std::move(lb);
    }
    return npz::write_stored(m);
}

}  // namespace core
