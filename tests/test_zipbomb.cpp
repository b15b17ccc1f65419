// Zip bombs in miniature: real deflate streams of zeros (about 1000:1) that exceed a lowered limit,
// honestly or by lying about their size. Both must be refused without inflating past the limit.
#include <doctest/doctest.h>

#include <cstring>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#include <stb_image_write.h>

#include "core/crc32.h"
#include "core/npz.h"

using namespace core;

namespace {

// One-member zip whose member is `raw` deflated; the central directory declares `declared` bytes.
std::vector<uint8_t> deflated_zip(const std::string& name, const std::vector<uint8_t>& raw, uint32_t declared) {
    int zlen = 0;
    unsigned char* z = stbi_zlib_compress(const_cast<unsigned char*>(raw.data()), (int)raw.size(), &zlen, 5);
    // stbi_zlib_compress writes a zlib stream: drop the 2-byte header and 4-byte Adler-32 for zip's raw deflate
    std::vector<uint8_t> def(z + 2, z + zlen - 4);
    STBIW_FREE(z);
    uint32_t crc = core::crc32(raw.data(), raw.size());
    std::vector<uint8_t> out;
    auto w16 = [&](uint32_t v) { out.push_back(v & 0xFF); out.push_back((v >> 8) & 0xFF); };
    auto w32 = [&](uint32_t v) { w16(v & 0xFFFF); w16(v >> 16); };
    w32(0x04034b50); w16(20); w16(0); w16(8); w16(0); w16(0x21);
    w32(crc); w32((uint32_t)def.size()); w32(declared); w16((uint32_t)name.size()); w16(0);
    out.insert(out.end(), name.begin(), name.end());
    out.insert(out.end(), def.begin(), def.end());
    uint32_t cd = (uint32_t)out.size();
    w32(0x02014b50); w16(20); w16(20); w16(0); w16(8); w16(0); w16(0x21);
    w32(crc); w32((uint32_t)def.size()); w32(declared); w16((uint32_t)name.size()); w16(0); w16(0); w16(0); w16(0);
    w32(0); w32(0);
    out.insert(out.end(), name.begin(), name.end());
    uint32_t cd_size = (uint32_t)out.size() - cd;
    w32(0x06054b50); w16(0); w16(0); w16(1); w16(1); w32(cd_size); w32(cd); w16(0);
    return out;
}

std::vector<uint8_t> zeros_npy(size_t n) {
    std::string h = "{'descr': '|u1', 'fortran_order': False, 'shape': (" + std::to_string(n) + ",), }";
    h.append((64 - (10 + h.size() + 1) % 64) % 64, ' ');
    h += '\n';
    // sized once and filled in place (inserting into the 10-byte initial vector trips GCC 12's
    // -Warray-bounds with a false positive inside memmove)
    const uint8_t magic[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (uint8_t)(h.size() & 0xFF), (uint8_t)(h.size() >> 8)};
    std::vector<uint8_t> v(sizeof magic + h.size() + n, 0);
    std::copy(magic, magic + sizeof magic, v.begin());
    std::copy(h.begin(), h.end(), v.begin() + sizeof magic);
    return v;
}

}  // namespace

TEST_CASE("a well-formed deflated member inflates and parses (the builder is sound)") {
    auto raw = zeros_npy(5000);
    auto zip = deflated_zip("a.npy", raw, (uint32_t)raw.size());
    auto r = npz::read(zip.data(), zip.size(), "ok.npz", {"a"});
    REQUIRE_MESSAGE(r.ok(), r.error);
    CHECK(r.value["a"].count() == 5000u);
}

TEST_CASE("bad input: zip bomb that declares its size honestly is refused before inflating") {
    auto raw = zeros_npy(4'000'000);
    auto zip = deflated_zip("bomb.npy", raw, (uint32_t)raw.size());
    CHECK(zip.size() < 40'000);  // ~1000:1
    npz::Limits lim;
    lim.max_member_bytes = 1'000'000;
    auto r = npz::read(zip.data(), zip.size(), "bomb.npz", {"bomb"}, lim);
    CHECK(r.error == "bomb.npz: bomb.npy: declares " + std::to_string(raw.size()) +
                     " bytes uncompressed, more than the 1000000 allowed (damaged file, or too large for this device)");
}

TEST_CASE("bad input: zip bomb that lies about its size stops at the declared size") {
    auto raw = zeros_npy(4'000'000);
    auto zip = deflated_zip("liar.npy", raw, 1000);
    auto r = npz::read(zip.data(), zip.size(), "liar.npz", {"liar"});
    CHECK(r.error == "liar.npz: liar.npy: corrupt deflate data (or it inflates past its declared 1000 bytes)");
}
