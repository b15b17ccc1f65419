// Reads NumPy .npz archives (a zip of .npy files) from bytes in memory. Members may be stored or
// deflated (raw deflate through stb's decoder). .npy format 1.0/2.0/3.0 headers, C order.
// Leaves out: zip64, encryption, multi-disk archives, Fortran order, object arrays.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"

namespace core::npz {

struct Array {
    std::string dtype;            // numpy descr, e.g. "|u1", "<i8"
    std::vector<size_t> shape;
    std::vector<uint8_t> data;    // raw little-endian element bytes, C order
    size_t count() const;         // product of shape
};
// A shape as numpy prints it (and as .npy headers hold it): (2,28,28,3), (5,), ().
std::string shape_str(const std::vector<size_t>& shape);

// Defaults come from the build: WebAssembly builds set smaller ones (its memory tops out at 2 GiB).
#ifndef BLOODCELL_MAX_MEMBER_BYTES
#define BLOODCELL_MAX_MEMBER_BYTES (uint64_t(1) << 31)
#endif
#ifndef BLOODCELL_MAX_TOTAL_BYTES
#define BLOODCELL_MAX_TOTAL_BYTES (uint64_t(1) << 32)
#endif
struct Limits {
    uint64_t max_member_bytes = BLOODCELL_MAX_MEMBER_BYTES;  // refuse members that would inflate beyond this
    uint64_t max_total_bytes = BLOODCELL_MAX_TOTAL_BYTES;    // total inflated across all members read
};

// Lists member names (without the ".npy" suffix) as found in the zip's central directory.
Result<std::vector<std::string>> list(const uint8_t* bytes, size_t size, const std::string& name);

// Reads the named members ("train_images", ...). A missing member is an error naming it.
// `name` (a file name) only labels error messages.
Result<std::map<std::string, Array>> read(const uint8_t* bytes, size_t size, const std::string& name,
                                          const std::vector<std::string>& members, const Limits& limits = {});

// Parses one .npy blob.
Result<Array> parse_npy(const uint8_t* bytes, size_t size, const std::string& where);
// The same, taking the bytes over: the payload becomes the array without a copy.
Result<Array> parse_npy(std::vector<uint8_t>&& npy, const std::string& where);

// Writes a .npz with stored (uncompressed) members, each with its own dtype string (data is written
// as given). Used to make the sample subset, and by tests to build malformed archives.
std::vector<uint8_t> write_stored(const std::map<std::string, Array>& members);

}  // namespace core::npz
