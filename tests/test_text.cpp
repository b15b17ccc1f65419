// The shared helpers (core/text.h, core/crc32.h, npz::shape_str): one definition each, used by
// the CLI, the app and core's parsers, so these are the cases all of them rely on.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/crc32.h"
#include "core/npz.h"
#include "core/text.h"

using Strings = std::vector<std::string>;

TEST_CASE("split keeps empty fields; callers decide what an empty item means") {
    CHECK(core::split("a,b,c", ',') == Strings{"a", "b", "c"});
    CHECK(core::split("a,,b", ',') == Strings{"a", "", "b"});
    CHECK(core::split(",a,", ',') == Strings{"", "a", ""});
    CHECK(core::split("", ',') == Strings{""});
    CHECK(core::split("abc", ',') == Strings{"abc"});
    CHECK(core::split("lr=1e-3,3e-4;batch=32", ';') == Strings{"lr=1e-3,3e-4", "batch=32"});
}

TEST_CASE("csv_field quotes only when needed and doubles the quotes inside (RFC 4180)") {
    CHECK(core::csv_field("plain.png") == "plain.png");
    CHECK(core::csv_field("") == "");
    CHECK(core::csv_field("a,b.png") == "\"a,b.png\"");
    CHECK(core::csv_field("say \"hi\".png") == "\"say \"\"hi\"\".png\"");
    CHECK(core::csv_field("two\nlines") == "\"two\nlines\"");
    CHECK(core::csv_field("cr\rhere") == "\"cr\rhere\"");
    CHECK(core::csv_field("80 epochs, augmented") == "\"80 epochs, augmented\"");
}

TEST_CASE("crc32: the standard check value, and a CRC continued over pieces equals the whole") {
    const std::string s = "123456789";
    const uint8_t* p = (const uint8_t*)s.data();
    CHECK(core::crc32(p, 9) == 0xCBF43926u);
    CHECK(core::crc32(p + 4, 5, core::crc32(p, 4)) == 0xCBF43926u);
    CHECK(core::crc32(p, 0) == 0u);
    CHECK(core::crc32_bytewise(p, 9) == 0xCBF43926u);
}

TEST_CASE("file_id_crc32: a file ending in its own CRC is named by that CRC, not by the CRC of the whole") {
    std::vector<uint8_t> f = {'1', '2', '3', '4', '5', '6', '7', '8', '9', 0x26, 0x39, 0xF4, 0xCB};  // + CRC, little-endian
    CHECK(core::file_id_crc32(f.data(), f.size()) == "cbf43926");
    // why not crc32() of the whole file: for every file that ends in its own CRC it is the residue
    CHECK(core::crc32(f.data(), f.size()) == 0x2144DF1Cu);
    f[0] = '0';
    f.resize(9);
    const uint32_t c = core::crc32(f.data(), 9);
    for (int k = 0; k < 4; ++k) f.push_back((uint8_t)(c >> (8 * k)));
    CHECK(core::crc32(f.data(), f.size()) == 0x2144DF1Cu);
    CHECK(core::file_id_crc32(f.data(), f.size()) != "cbf43926");
    CHECK(core::file_id_crc32(f.data(), 3).empty());
}

TEST_CASE("append_crc32 seals bytes so that ends_in_crc32 holds; any change or cut breaks it") {
    std::vector<uint8_t> f = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
    core::append_crc32(f);
    REQUIRE(f.size() == 13);
    CHECK((f[9] == 0x26 && f[10] == 0x39 && f[11] == 0xF4 && f[12] == 0xCB));  // 0xCBF43926, little-endian
    CHECK(core::ends_in_crc32(f.data(), f.size()));
    for (size_t i = 0; i < f.size(); ++i) {
        std::vector<uint8_t> g = f;
        g[i] ^= 0x10;
        CHECK_MESSAGE(!core::ends_in_crc32(g.data(), g.size()), "byte " << i);
    }
    CHECK(!core::ends_in_crc32(f.data(), f.size() - 1));
    CHECK(!core::ends_in_crc32(f.data(), 3));
    std::vector<uint8_t> empty;
    core::append_crc32(empty);  // the CRC of nothing is 0
    CHECK(empty == std::vector<uint8_t>{0, 0, 0, 0});
    CHECK(core::ends_in_crc32(empty.data(), empty.size()));
}

TEST_CASE("crc32 eight bytes at a time equals the byte-wise CRC at every length, start and split") {
    std::vector<uint8_t> buf(300);
    uint32_t x = 12345;
    for (uint8_t& b : buf) b = (uint8_t)((x = x * 1103515245u + 12345u) >> 16);
    for (size_t start = 0; start < 9; ++start)
        for (size_t n = 0; start + n <= buf.size(); n += 1 + n / 8) {
            const uint8_t* p = buf.data() + start;
            const uint32_t want = core::crc32_bytewise(p, n);
            CHECK(core::crc32(p, n) == want);
            const size_t cut = n / 3;  // continued over two pieces, the first not a multiple of 8
            CHECK(core::crc32(p + cut, n - cut, core::crc32(p, cut)) == want);
        }
    // a long buffer of one repeated byte: every table is used with the same index pattern
    std::vector<uint8_t> ones(1 << 16, 0xFF);
    CHECK(core::crc32(ones.data(), ones.size()) == core::crc32_bytewise(ones.data(), ones.size()));
}

TEST_CASE("npz::shape_str prints shapes the way numpy does") {
    CHECK(core::npz::shape_str({11959, 28, 28, 3}) == "(11959,28,28,3)");
    CHECK(core::npz::shape_str({5}) == "(5,)");
    CHECK(core::npz::shape_str({}) == "()");
}

TEST_CASE("fmt formats one number with a printf format and cuts at 63 characters") {
    CHECK(core::fmt("%.3f", 0.5) == "0.500");
    CHECK(core::fmt("%.1e", 0.00123) == "1.2e-03");
    CHECK(core::fmt("val ACC %g", 0.97) == "val ACC 0.97");
    CHECK(core::fmt("%070.1f", 1.0).size() == 63);
}
