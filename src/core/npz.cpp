// .npz reading: zip central directory (with zip64 extra fields, which numpy always writes),
// stored or raw-deflate members through stb's zlib decoder, CRC-32 check, then .npy parsing.
#include "core/npz.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <stb_image.h>

#include "core/crc32.h"

namespace core::npz {
namespace {

uint16_t rd16(const uint8_t* p) { return (uint16_t)(p[0] | (p[1] << 8)); }
uint32_t rd32(const uint8_t* p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24); }
uint64_t rd64(const uint8_t* p) { return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32); }

struct Entry {
    std::string name;
    uint16_t method = 0, flags = 0;
    uint32_t crc = 0;
    uint64_t comp_size = 0, size = 0, local_offset = 0;
};

// Reads the central directory. Every bound is checked against `size` before it is read.
Result<std::vector<Entry>> central_directory(const uint8_t* b, size_t size, const std::string& name) {
    using R = Result<std::vector<Entry>>;
    if (size == 0) return R::fail(name + ": file is empty");
    if (size < 22) return R::fail(name + ": not a zip archive (" + std::to_string(size) + " bytes, too short)");
    if (rd32(b) != 0x04034b50 && rd32(b) != 0x06054b50)
        return R::fail(name + ": not a zip archive (an .npz starts with 'PK'), is it the right file?");
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
                                     const Limits& limits) {
    using R = Result<std::vector<uint8_t>>;
    if (e.flags & 1) return R::fail(where + ": encrypted zip members are not supported");
    if (e.method != 0 && e.method != 8)
        return R::fail(where + ": compression method " + std::to_string(e.method) + " not supported (want stored or deflate)");
    if (e.size > limits.max_member_bytes)
        return R::fail(where + ": declares " + std::to_string(e.size) + " bytes uncompressed, more than the " +
                       std::to_string(limits.max_member_bytes) + " allowed (damaged file, or too large for this device)");
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

// Reads a Python literal value for `key` from the .npy header dict.
bool header_value(const std::string& h, const std::string& key, std::string& out) {
    size_t k = h.find("'" + key + "'");
    if (k == std::string::npos) k = h.find("\"" + key + "\"");
    if (k == std::string::npos) return false;
    size_t colon = h.find(':', k);
    if (colon == std::string::npos) return false;
    size_t v = h.find_first_not_of(" ", colon + 1);
    if (v == std::string::npos) return false;
    if (h[v] == '\'' || h[v] == '"') {
        size_t e = h.find(h[v], v + 1);
        if (e == std::string::npos) return false;
        out = h.substr(v + 1, e - v - 1);
    } else if (h[v] == '(') {
        size_t e = h.find(')', v);
        if (e == std::string::npos) return false;
        out = h.substr(v, e - v + 1);
    } else {
        size_t e = h.find_first_of(",}", v);
        out = h.substr(v, e == std::string::npos ? std::string::npos : e - v);
        while (!out.empty() && out.back() == ' ') out.pop_back();
    }
    return true;
}

}  // namespace

std::string shape_str(const std::vector<size_t>& s) {
    std::string o = "(";
    for (size_t i = 0; i < s.size(); ++i) o += (i ? "," : "") + std::to_string(s[i]);
    if (s.size() == 1) o += ",";
    return o + ")";
}

size_t Array::count() const {
    size_t n = 1;
    for (size_t s : shape) n *= s;
    return n;
}

namespace {
// Checks a .npy header and fills a's dtype and shape; returns the offset of the payload.
Result<size_t> parse_npy_header(const uint8_t* b, size_t size, const std::string& where, Array& a) {
    using R = Result<size_t>;
    if (size < 10 || std::memcmp(b, "\x93NUMPY", 6) != 0) return R::fail(where + ": not a .npy array (bad magic)");
    int major = b[6];
    size_t hlen, hstart;
    if (major == 1) { hlen = rd16(b + 8); hstart = 10; }
    else if (major == 2 || major == 3) {
        if (size < 12) return R::fail(where + ": truncated .npy header");
        hlen = rd32(b + 8); hstart = 12;
    } else {
        return R::fail(where + ": .npy format version " + std::to_string(major) + " not supported (want 1, 2 or 3)");
    }
    if (hlen > size - hstart) return R::fail(where + ": truncated .npy header");
    std::string h((const char*)b + hstart, hlen);
    std::string fortran, shape;
    if (!header_value(h, "descr", a.dtype) || !header_value(h, "fortran_order", fortran) || !header_value(h, "shape", shape))
        return R::fail(where + ": malformed .npy header '" + h.substr(0, 80) + "'");
    if (fortran != "False") return R::fail(where + ": Fortran-ordered arrays are not supported (want C order)");
    if (shape.size() < 2 || shape.front() != '(' || shape.back() != ')') return R::fail(where + ": malformed shape " + shape);
    uint64_t count = 1;
    const uint64_t kMaxCount = uint64_t(1) << 40;
    for (size_t i = 1; i + 1 < shape.size();) {
        while (i + 1 < shape.size() && (shape[i] == ' ' || shape[i] == ',')) ++i;
        if (i + 1 >= shape.size()) break;
        if (shape[i] < '0' || shape[i] > '9') return R::fail(where + ": malformed shape " + shape);
        uint64_t v = 0;
        while (shape[i] >= '0' && shape[i] <= '9') {
            v = v * 10 + (uint64_t)(shape[i] - '0');
            if (v > kMaxCount) return R::fail(where + ": shape " + shape + " is impossibly large");
            ++i;
        }
        a.shape.push_back((size_t)v);
        count *= v;
        if (count > kMaxCount) return R::fail(where + ": shape " + shape + " is impossibly large");
    }
    size_t item = 0;
    if (a.dtype.size() >= 3 && (a.dtype[0] == '<' || a.dtype[0] == '|' || a.dtype[0] == '=' || a.dtype[0] == '>')) {
        item = (size_t)std::atoi(a.dtype.c_str() + 2);
        if (a.dtype[0] == '>' && item > 1) return R::fail(where + ": big-endian dtype " + a.dtype + " not supported");
    }
    if (item == 0 || item > 16) return R::fail(where + ": dtype " + a.dtype + " not supported");
    uint64_t need = count * item, have = size - hstart - hlen;
    if (have != need)
        return R::fail(where + ": " + std::to_string(have) + " data bytes, shape " + shape_str(a.shape) + " of " + a.dtype +
                       " needs " + std::to_string(need));
    return R::of(hstart + hlen);
}
}  // namespace

Result<Array> parse_npy(const uint8_t* b, size_t size, const std::string& where) {
    Array a;
    auto off = parse_npy_header(b, size, where, a);
    if (!off) return Result<Array>::fail(off.error);
    a.data.assign(b + off.value, b + size);
    return Result<Array>::of(std::move(a));
}

Result<Array> parse_npy(std::vector<uint8_t>&& npy, const std::string& where) {
    Array a;
    auto off = parse_npy_header(npy.data(), npy.size(), where, a);
    if (!off) return Result<Array>::fail(off.error);
    // the payload moves to the front in place: no second copy of a (possibly 28 MB) array
    npy.erase(npy.begin(), npy.begin() + (std::ptrdiff_t)off.value);
    a.data = std::move(npy);
    return Result<Array>::of(std::move(a));
}

Result<std::vector<std::string>> list(const uint8_t* bytes, size_t size, const std::string& name) {
    auto cd = central_directory(bytes, size, name);
    if (!cd) return Result<std::vector<std::string>>::fail(cd.error);
    std::vector<std::string> names;
    for (auto& e : cd.value) {
        std::string n = e.name;
        if (n.size() > 4 && n.compare(n.size() - 4, 4, ".npy") == 0) n.resize(n.size() - 4);
        names.push_back(n);
    }
    return Result<std::vector<std::string>>::of(std::move(names));
}

Result<std::map<std::string, Array>> read(const uint8_t* bytes, size_t size, const std::string& name,
                                          const std::vector<std::string>& members, const Limits& limits) {
    using R = Result<std::map<std::string, Array>>;
    auto cd = central_directory(bytes, size, name);
    if (!cd) return R::fail(cd.error);
    // Check all declared sizes before inflating anything.
    std::vector<const Entry*> found;
    uint64_t total = 0;
    for (auto& m : members) {
        const Entry* hit = nullptr;
        for (auto& e : cd.value)
            if (e.name == m + ".npy" || e.name == m) hit = &e;
        if (!hit) {
            std::string have;
            for (auto& e : cd.value) have += (have.empty() ? "" : ", ") + e.name;
            return R::fail(name + ": member '" + m + ".npy' missing (the archive has: " + (have.empty() ? "nothing" : have) + ")");
        }
        total += hit->size;
        found.push_back(hit);
    }
    if (total > limits.max_total_bytes)
        return R::fail(name + ": members declare " + std::to_string(total) + " bytes uncompressed, more than the " +
                       std::to_string(limits.max_total_bytes) + " allowed (damaged file, or too large for this device)");
    // Within the limits, memory may still run out (a browser tab). Ask for it up front with malloc,
    // which reports failure, rather than let a vector's operator new abort half way.
    if (total > 0) {
        void* probe = std::malloc((size_t)std::min<uint64_t>(total, SIZE_MAX / 2));
        if (!probe)
            return R::fail(name + ": needs about " + std::to_string(total / 1000000) +
                           " MB of memory to open, more than is available here (try a smaller file)");
        std::free(probe);
    }
    std::map<std::string, Array> out;
    for (size_t i = 0; i < members.size(); ++i) {
        std::string where = name + ": " + found[i]->name;
        auto raw = extract(bytes, size, where, *found[i], limits);
        if (!raw) return R::fail(raw.error);
        auto arr = parse_npy(std::move(raw.value), where);
        if (!arr) return R::fail(arr.error);
        out[members[i]] = std::move(arr.value);
    }
    return R::of(std::move(out));
}

std::vector<uint8_t> write_stored(const std::map<std::string, Array>& members) {
    std::vector<uint8_t> z;
    auto w16 = [&](uint32_t v) { z.push_back(v & 0xFF); z.push_back((v >> 8) & 0xFF); };
    auto w32 = [&](uint32_t v) { w16(v & 0xFFFF); w16(v >> 16); };
    struct Rec { std::string name; uint32_t crc, size, offset; };
    std::vector<Rec> recs;
    for (auto& [key, a] : members) {
        // .npy v1.0 header, padded with spaces so data starts at a multiple of 64
        std::string shape = shape_str(a.shape);
        std::string h = "{'descr': '" + a.dtype + "', 'fortran_order': False, 'shape': " + shape + ", }";
        size_t total = 10 + h.size() + 1;
        h.append((64 - total % 64) % 64, ' ');
        h += '\n';
        std::vector<uint8_t> npy = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (uint8_t)(h.size() & 0xFF), (uint8_t)(h.size() >> 8)};
        npy.insert(npy.end(), h.begin(), h.end());
        npy.insert(npy.end(), a.data.begin(), a.data.end());
        Rec r{key + ".npy", crc32(npy.data(), npy.size()), (uint32_t)npy.size(), (uint32_t)z.size()};
        w32(0x04034b50); w16(20); w16(0); w16(0); w16(0); w16(0x21);
        w32(r.crc); w32(r.size); w32(r.size); w16((uint32_t)r.name.size()); w16(0);
        z.insert(z.end(), r.name.begin(), r.name.end());
        z.insert(z.end(), npy.begin(), npy.end());
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

}  // namespace core::npz
