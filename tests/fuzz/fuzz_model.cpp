// libFuzzer target: arbitrary bytes through the model-file (.bcm) loader; a file that loads then
// classifies one image, which exercises the loaded network / forest / logreg shapes. Any crash,
// hang, sanitizer report or huge allocation is a bug; load errors are fine.
//
// A model file ends in a CRC-32 of everything before it, so almost every mutation fails the
// checksum and stops early. Each input is therefore loaded twice: as it is (the checksum path),
// and with its last 4 bytes replaced by the right CRC, so that mutations reach the structural
// checks (layers, feature definition, arrays, forest indices) behind it.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/crc32.h"
#include "core/dataset.h"
#include "core/model.h"

namespace {

void load_and_predict(const uint8_t* data, size_t size) {
    auto r = core::Model::load(data, size, "fuzz.bcm");
    if (!r.ok()) return;
    std::vector<uint8_t> image(core::kImageBytes);
    for (size_t i = 0; i < image.size(); ++i) image[i] = (uint8_t)(i * 37 + 11);
    std::vector<float> p = r.value.predict(image.data(), 1);
    if (p.size() != (size_t)core::kClasses) __builtin_trap();
    (void)r.value.param_count();
    (void)r.value.spec().str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    load_and_predict(data, size);
    if (size >= 12) {
        std::vector<uint8_t> fixed(data, data + size);
        uint32_t crc = core::crc32(fixed.data(), size - 4);
        for (int i = 0; i < 4; ++i) fixed[size - 4 + i] = (uint8_t)(crc >> (8 * i));
        load_and_predict(fixed.data(), fixed.size());
    }
    return 0;
}
