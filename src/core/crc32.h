// CRC-32 with the zlib polynomial (0xEDB88320, reflected), as zip archives and our model files use.
#pragma once
#include <cstddef>
#include <cstdint>

namespace core {

// Continues `crc` (0 to start) over n bytes: crc32("123456789") = 0xCBF43926.
uint32_t crc32(const uint8_t* data, size_t n, uint32_t crc = 0);
// The same CRC a byte at a time: the reference crc32() is tested against.
uint32_t crc32_bytewise(const uint8_t* data, size_t n, uint32_t crc = 0);

}  // namespace core
