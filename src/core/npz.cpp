// .npz reading: the members through the zip reader (zip.h), then .npy parsing.
#include "core/npz.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "core/crc32.h"
#include "core/zip.h"

namespace core::npz {
namespace {

uint16_t rd16(const uint8_t* p) { return (uint16_t)(p[0] | (p[1] << 8)); }
uint32_t rd32(const uint8_t* p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24); }

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
    auto cd = zip::entries(bytes, size, name, "an .npz");
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
    auto cd = zip::entries(bytes, size, name, "an .npz");
    if (!cd) return R::fail(cd.error);
    // Check all declared sizes before inflating anything.
    std::vector<const zip::Entry*> found;
    uint64_t total = 0;
    for (auto& m : members) {
        const zip::Entry* hit = nullptr;
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
        auto raw = zip::extract(bytes, size, where, *found[i], limits.max_member_bytes);
        if (!raw) return R::fail(raw.error);
        auto arr = parse_npy(std::move(raw.value), where);
        if (!arr) return R::fail(arr.error);
        out[members[i]] = std::move(arr.value);
    }
    return R::of(std::move(out));
}

std::vector<uint8_t> write_stored(const std::map<std::string, Array>& members) {
    std::vector<std::pair<std::string, std::vector<uint8_t>>> files;
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
        files.emplace_back(key + ".npy", std::move(npy));
    }
    return zip::write_stored(files);
}

}  // namespace core::npz
