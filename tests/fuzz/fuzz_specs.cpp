// libFuzzer target: the text specifications users type: subset specs ("per-class=50,fraction=0.5"),
// integer lists ("1,2,3") and split names.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/dataset.h"
#include "core/features.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string s(reinterpret_cast<const char*>(data), size);
    auto sub = core::parse_subset(s);
    if (sub.ok() && !(sub.value.fraction > 0 && sub.value.fraction <= 1)) __builtin_trap();
    auto l = core::parse_int_list(s, "fuzz");
    if (l.ok())
        for (int v : l.value)
            if (v < 1 || v > 27) __builtin_trap();
    (void)core::parse_split(s);
    return 0;
}
