// Pixel preprocessing with exact definitions (DESIGN.md): normalize to [0,1] and numpy-exact
// grayscale (double precision, no FMA, rounded half to even).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace core {

// uint8 -> float32 x/255
void normalize(const uint8_t* src, float* dst, size_t n);

// Y = rint((0.299*R + 0.587*G) + 0.114*B) per pixel; rgb has 3*n bytes.
uint8_t gray_pixel(uint8_t r, uint8_t g, uint8_t b);
void grayscale(const uint8_t* rgb, uint8_t* gray, size_t n_pixels);
// normalize(grayscale(rgb)) in one pass: n_pixels floats, grey level / 255
void grayscale_normalized(const uint8_t* rgb, float* gray, size_t n_pixels);
std::vector<uint8_t> grayscale(const std::vector<uint8_t>& rgb);

}  // namespace core
