// libFuzzer target: arbitrary bytes through image decoding (stb_image) and our crop + resize.
// Limits are lowered so the fuzzer explores formats rather than allocating big images.
#include <cstddef>
#include <cstdint>

#include "core/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    core::ImageLimits lim;
    lim.max_side = 4096;
    lim.max_pixels = 4'000'000;
    auto r = core::decode_image(data, size, "fuzz.img", lim);
    if (r.ok()) {
        auto small = core::to_bloodmnist(r.value);
        if (small.size() != 28 * 28 * 3) __builtin_trap();
    }
    return 0;
}
