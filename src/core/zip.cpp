// Zip reading from bytes in memory (the one zip reader: .npz archives and zips of labelled images):
// the central directory (with zip64 extra fields, which numpy always writes), stored or raw-deflate
// members through stb's zlib decoder, sizes checked before anything is allocated, CRC-32 checked.
#include "core/zip.h"

#include <cstdio>
#include <cstring>

#include <stb_image.h>

#include "core/crc32.h"

namespace core::zip {
namespace {
uint16_t rd16(const uint8_t* p) { return (uint16_t)(p[0] | (p[1] << 8)); }
uint32_t rd32(const uint8_t* p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24); }
uint64_t rd64(const uint8_t* p) { return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32); }
}  // namespace

// Reads the central directory. Every bound is checked against `size` before it is read.
Result<std::vector<Entry>> entries(const uint8_t* b, size_t size, const std::string& name, const char* what) {
    using R = Result<std::vector<Entry>>;
    if (size == 0) return R::fail(name + ": file is empty");
    if (size < 22) return R::fail(name + ": not a zip archive (" + std::to_string(size) + " bytes, too short)");
    if (rd32(b) != 0x04034b50 && rd32(b) != 0x06054b50)
        return R::fail(name + ": not a zip archive (" + what + " starts with 'PK'), is it the right file?");
    // End of central directory: the last "PK\5\6" within the final 64 KiB + 22 bytes.
    size_t lo = size > 65557 ? size - 65557 : 0;
    size_t eocd = SIZE_MAX;
    for (size_t i = size - 22 + 1; i-- > lo;)
        if (rd32(b + i) == 0x06054b50) { eocd = i; break; }
    if (eocd == SIZE_MAX) return R::fail(name + ": truncated or damaged zip (no end-of-central-directory record)");
    uint64_t count = rd16(b + eocd + 10);
    uint64_t cd_size = rd32(b + eocd + 12);
    uint64_t cd_off = rd32(b + eocd + 16);
    if (count == 0xFFFF || cd_size == 0xFFFFFFFF || cd_off == 0xFFFFFFFF) {  // zip64 end record
        if (eocd < 20 || rd32(b + eocd - 20) != 0x07064b50) return R::fail(name + ": damaged zip64 archive (no locator)");
        uint64_t z64 = rd64(b + eocd - 20 + 8);
        if (z64 > size - 56 || rd32(b + z64) != 0x06064b50) return R::fail(name + ": damaged zip64 archive (bad end record)");
        count = rd64(b + z64 + 32);
        cd_size = rd64(b + z64 + 40);
        cd_off = rd64(b + z64 + 48);
    }
    if (cd_off > size || cd_size > size - cd_off)
        return R::fail(name + ": truncated zip (central directory at " + std::to_string(cd_off) + " lies past the end of the " +
                       std::to_string(size) + "-byte file)");
    std::vector<Entry> out;
    size_t p = (size_t)cd_off, end = (size_t)(cd_off + cd_size);
    for (uint64_t k = 0; k < count; ++k) {
        if (end - p < 46 || rd32(b + p) != 0x02014b50) return R::fail(name + ": damaged zip central directory (entry " + std::to_string(k) + ")");
        Entry e;
        e.flags = rd16(b + p + 8);
        e.method = rd16(b + p + 10);
        e.crc = rd32(b + p + 16);
        e.comp_size = rd32(b + p + 20);
        e.size = rd32(b + p + 24);
        size_t nlen = rd16(b + p + 28), xlen = rd16(b + p + 30), clen = rd16(b + p + 32);
        e.local_offset = rd32(b + p + 42);
        if (end - p - 46 < nlen + xlen + clen) return R::fail(name + ": damaged zip central directory (entry " + std::to_string(k) + ")");
        e.name.assign((const char*)b + p + 46, nlen);
        // zip64 extended information: the 0xFFFFFFFF fields, in order, as 64-bit values
        const uint8_t* x = b + p + 46 + nlen;
        for (size_t q = 0; q + 4 <= xlen;) {
            uint16_t id = rd16(x + q), len = rd16(x + q + 2);
            if (q + 4 + len > xlen) break;
            if (id == 0x0001) {
                const uint8_t* f = x + q + 4;
                size_t left = len;
                auto take = [&](uint64_t& v) { if (v == 0xFFFFFFFF && left >= 8) { v = rd64(f); f += 8; left -= 8; } };
                take(e.size);
                take(e.comp_size);
                take(e.local_offset);
            }
            q += 4 + len;
        }
        out.push_back(std::move(e));
        p += 46 + nlen + xlen + clen;
    }
    return R::of(std::move(out));
}

Result<std::vector<uint8_t>> extract(const uint8_t* b, size_t size, const std::string& where, const Entry& e,
                                     uint64_t max_member_bytes) {
    using R = Result<std::vector<uint8_t>>;
    if (e.flags & 1) return R::fail(where + ": encrypted zip members are not supported");
    if (e.method != 0 && e.method != 8)
        return R::fail(where + ": compression method " + std::to_string(e.method) + " not supported (want stored or deflate)");
    if (e.size > max_member_bytes)
        return R::fail(where + ": declares " + std::to_string(e.size) + " bytes uncompressed, more than the " +
                       std::to_string(max_member_bytes) + " allowed (damaged file, or too large for this device)");
    if (e.local_offset > size || size - e.local_offset < 30 || rd32(b + e.local_offset) != 0x04034b50)
        return R::fail(where + ": truncated or damaged zip (local header missing)");
    size_t data = (size_t)e.local_offset + 30 + rd16(b + e.local_offset + 26) + rd16(b + e.local_offset + 28);
    if (data > size || e.comp_size > size - data)
        return R::fail(where + ": truncated zip (member data needs " + std::to_string(e.comp_size) + " bytes, file ends first)");
    if (e.method == 0 && e.comp_size != e.size) return R::fail(where + ": damaged zip (stored member sizes disagree)");
    if (e.method == 8 && e.size > 0 && e.comp_size == 0) return R::fail(where + ": damaged zip (empty deflate stream)");
    // Deflate expands at most ~1032:1, so a larger claim is damage, refused before allocating it.
    if (e.method == 8 && e.size / 1032 > e.comp_size + 64)
        return R::fail(where + ": declares " + std::to_string(e.size) + " bytes from " + std::to_string(e.comp_size) +
                       " compressed, more than deflate can produce (damaged file)");
    std::vector<uint8_t> out((size_t)e.size);
    if (e.method == 0) {
        if (e.size) std::memcpy(out.data(), b + data, (size_t)e.size);
    } else {
        if (e.size > 0x7FFFFFFF || e.comp_size > 0x7FFFFFFF) return R::fail(where + ": member larger than 2 GiB is not supported");
        // stb 2.27 (Debian bookworm) reports end-of-data when fewer than 16 bits remain, even if the
        // last codes fit in them; a few more bytes after the stream avoid that. Deflate's final-block
        // bit ends decoding, and the size and CRC checks below catch anything else. In a zip the
        // central directory always follows the data, so those bytes are normally the file's own; only
        // a damaged file whose member runs to the very end needs a zero-padded copy.
        const size_t slack = 8;
        std::vector<uint8_t> padded;
        const uint8_t* src = b + data;
        if (size - data - (size_t)e.comp_size < slack) {
            padded.assign((size_t)e.comp_size + slack, 0);
            std::memcpy(padded.data(), b + data, (size_t)e.comp_size);
            src = padded.data();
        }
        int got = stbi_zlib_decode_noheader_buffer((char*)out.data(), (int)out.size(), (const char*)src,
                                                   (int)(e.comp_size + slack));
        if (got < 0) return R::fail(where + ": corrupt deflate data (or it inflates past its declared " + std::to_string(e.size) + " bytes)");
        if ((uint64_t)got != e.size)
            return R::fail(where + ": inflated to " + std::to_string(got) + " bytes, declared " + std::to_string(e.size));
    }
    uint32_t c = crc32(out.data(), out.size());
    if (c != e.crc) {
        char buf[96];
        std::snprintf(buf, sizeof buf, ": CRC mismatch (stored %08x, computed %08x): the file is damaged", e.crc, c);
        return R::fail(where + buf);
    }
    return R::of(std::move(out));
}

std::vector<uint8_t> write_stored(const std::vector<std::pair<std::string, std::vector<uint8_t>>>& files) {
    std::vector<uint8_t> z;
    auto w16 = [&](uint32_t v) { z.push_back(v & 0xFF); z.push_back((v >> 8) & 0xFF); };
    auto w32 = [&](uint32_t v) { w16(v & 0xFFFF); w16(v >> 16); };
    struct Rec { std::string name; uint32_t crc, size, offset; };
    std::vector<Rec> recs;
    for (auto& [name, bytes] : files) {
        Rec r{name, crc32(bytes.data(), bytes.size()), (uint32_t)bytes.size(), (uint32_t)z.size()};
        w32(0x04034b50); w16(20); w16(0); w16(0); w16(0); w16(0x21);
        w32(r.crc); w32(r.size); w32(r.size); w16((uint32_t)r.name.size()); w16(0);
        z.insert(z.end(), r.name.begin(), r.name.end());
        z.insert(z.end(), bytes.begin(), bytes.end());
        recs.push_back(r);
    }
    uint32_t cd = (uint32_t)z.size();
    for (auto& r : recs) {
        w32(0x02014b50); w16(20); w16(20); w16(0); w16(0); w16(0); w16(0x21);
        w32(r.crc); w32(r.size); w32(r.size); w16((uint32_t)r.name.size()); w16(0); w16(0); w16(0); w16(0);
        w32(0); w32(r.offset);
        z.insert(z.end(), r.name.begin(), r.name.end());
    }
    uint32_t cd_size = (uint32_t)z.size() - cd;
    w32(0x06054b50); w16(0); w16(0); w16((uint32_t)recs.size()); w16((uint32_t)recs.size());
    w32(cd_size); w32(cd); w16(0);
    return z;
}

}  // namespace core::zip
