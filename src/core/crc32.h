// CRC-32 with the zlib polynomial (0xEDB88320, reflected), as zip archives and our model files use.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace core {

// Continues `crc` (0 to start) over n bytes: crc32("123456789") = 0xCBF43926.
uint32_t crc32(const uint8_t* data, size_t n, uint32_t crc = 0);
// The same CRC a byte at a time: the reference crc32() is tested against.
uint32_t crc32_bytewise(const uint8_t* data, size_t n, uint32_t crc = 0);

// What identifies a file that ends in the CRC-32 of everything before it (a .bcm model file): the CRC
// of all but its last 4 bytes, as 8 hex digits. Not crc32() of the whole file: for any such file that
// is 0x2144DF1C, the CRC's residue, whatever the file holds. "" when n < 4.
std::string file_id_crc32(const uint8_t* data, size_t n);
// Whether n bytes end in the little-endian CRC-32 of the bytes before it (false when n < 4): the CRC
// of the whole is then the residue 0x2144DF1C.
bool ends_in_crc32(const uint8_t* data, size_t n);
// Appends the little-endian CRC-32 of everything in `bytes`, so that ends_in_crc32() holds.
void append_crc32(std::vector<uint8_t>& bytes);

}  // namespace core
