// The one zip reader of the project, from bytes in memory: .npz archives (npz.h) and zips of
// labelled images (labelled.h) go through it. Members may be stored or deflated (raw deflate through
// stb's decoder); zip64 sizes and offsets are read. Leaves out: encryption, multi-disk archives.
// Every size and offset is checked against the bytes before it is used, and a member's declared size
// against a limit before anything is allocated.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace core::zip {

struct Entry {
    std::string name;               // the path inside the archive ("neutrophil/a.jpg", "train_images.npy")
    uint16_t method = 0, flags = 0;
    uint32_t crc = 0;
    uint64_t comp_size = 0, size = 0, local_offset = 0;
    bool directory() const { return !name.empty() && name.back() == '/'; }
};

// The central directory. `name` labels errors; `what` names what the file should be in the error
// for a file that is not a zip ("an .npz", "a .zip").
Result<std::vector<Entry>> entries(const uint8_t* bytes, size_t size, const std::string& name, const char* what = "a .zip");

// One member's bytes (inflated, CRC-checked). `where` labels errors ("set.zip: neutrophil/a.jpg").
Result<std::vector<uint8_t>> extract(const uint8_t* bytes, size_t size, const std::string& where, const Entry& e,
                                     uint64_t max_member_bytes);

// A zip of stored (uncompressed) members, in the order given (npz::write_stored, test fixtures).
std::vector<uint8_t> write_stored(const std::vector<std::pair<std::string, std::vector<uint8_t>>>& files);

}  // namespace core::zip
