// BloodMNIST in memory: 28x28 RGB images (uint8, HWC) with labels 0..7, the three official splits,
// and deterministic stratified subsets (split x per-class cap x fraction x seed).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace core {

constexpr int kClasses = 8;
constexpr int kSide = 28;
constexpr int kChannels = 3;
constexpr int kImageBytes = kSide * kSide * kChannels;  // 2352
constexpr int kGrayPixels = kSide * kSide;              // 784

extern const char* const kClassNames[kClasses];       // "basophil", ...
extern const char* const kClassShortNames[kClasses];  // "BA", "EO", "ERB", "IG", "LY", "MO", "NEU", "PLT"

enum class Split { train = 0, val = 1, test = 2 };
const char* split_name(Split s);
Result<Split> parse_split(const std::string& s);

struct Dataset {
    std::vector<uint8_t> images;  // N x 28 x 28 x 3, HWC, row-major
    std::vector<uint8_t> labels;  // N, each 0..7
    int size() const { return (int)labels.size(); }
    const uint8_t* image(int i) const { return images.data() + (size_t)i * kImageBytes; }
    std::array<int, kClasses> class_counts() const;
};

struct BloodMnist {
    Dataset train, val, test;
    Dataset& split(Split s) { return s == Split::train ? train : s == Split::val ? val : test; }
    const Dataset& split(Split s) const { return s == Split::train ? train : s == Split::val ? val : test; }
};

// Parses a MedMNIST BloodMNIST .npz from memory. `name` labels error messages.
Result<BloodMnist> load_bloodmnist(const uint8_t* bytes, size_t size, const std::string& name);
Result<BloodMnist> load_bloodmnist_file(const std::string& path);

// A stratified, deterministic subset: within each class the indices are shuffled by `seed`, and the
// first min(per_class, round(fraction * class count)) are kept (at least one if the class has any
// and fraction > 0). per_class = 0 means no cap. The result keeps the original order.
struct SubsetSpec {
    Split split = Split::train;
    int per_class = 0;
    double fraction = 1.0;
    uint64_t seed = 0;
};
// Parses "per-class=N,fraction=F,seed=S,split=train" (any subset of the keys, any order).
Result<SubsetSpec> parse_subset(const std::string& text, SubsetSpec defaults = {});
std::vector<int> subset_indices(const Dataset& d, const SubsetSpec& spec);
Dataset take(const Dataset& d, const std::vector<int>& indices);
Dataset make_subset(const Dataset& d, const SubsetSpec& spec);

// Serializes splits into a MedMNIST-layout .npz (stored members): the sample asset.
std::vector<uint8_t> save_bloodmnist_npz(const BloodMnist& data);

}  // namespace core
