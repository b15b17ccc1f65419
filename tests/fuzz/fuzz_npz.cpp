// libFuzzer target: arbitrary bytes through the .npz/.npy reader and the BloodMNIST loader. Any
// crash, hang, sanitizer report or huge allocation is a bug; errors are fine.
#include <cstddef>
#include <cstdint>

#include "core/dataset.h"
#include "core/npz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto r = core::load_bloodmnist(data, size, "fuzz.npz");
    if (r.ok()) {
        core::SubsetSpec spec;
        spec.per_class = 3;
        (void)core::make_subset(r.value.train, spec);
    }
    (void)core::npz::list(data, size, "fuzz.npz");
    (void)core::npz::parse_npy(data, size, "fuzz.npy");
    return 0;
}
