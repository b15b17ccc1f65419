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
    // what a batch decodes (only the crop's part of a JPEG): the same outcome, the same 28x28 input
    auto part = core::decode_bloodmnist_part(data, size, "fuzz.img", lim);
    if (part.ok() != r.ok() || part.error != r.error) __builtin_trap();
    if (r.ok()) {
        auto small = core::to_bloodmnist(r.value);
        if (small.size() != 28 * 28 * 3) __builtin_trap();
        if (core::to_bloodmnist(part.value) != small) __builtin_trap();
    }
    return 0;
}
