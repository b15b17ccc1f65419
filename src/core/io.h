// Whole-file reads and atomic writes. Standard C++ only, so it also works under Node (NODERAWFS)
// and in the browser's in-memory file system; the platform layer decides where bytes come from.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace core::io {

using Bytes = std::vector<uint8_t>;

// Reads a file into memory. Errors name the path: "data.npz: no such file", "...: file is empty"
// is left to the parsers (an empty file reads fine here as zero bytes).
Result<Bytes> read_file(const std::string& path);

// Writes to path + ".tmp" then renames over path, so a crash never leaves half a file.
Status write_file_atomic(const std::string& path, const uint8_t* data, size_t size);
Status write_text_file(const std::string& path, const std::string& text);

}  // namespace core::io
