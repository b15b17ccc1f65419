// Decoding user images (PNG/JPG/BMP/GIF... through stb_image) and bringing any size to the 28x28 RGB
// input of BloodMNIST the way it was made from its 360x363 sources: center crop to a square of
// 200/360 of the shorter side, then area-average resize.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace core {

struct Image {
    int width = 0, height = 0;    // pixels
    std::vector<uint8_t> rgb;     // height x width x 3, row-major
};

struct ImageLimits {
    int max_side = 16384;          // refuse headers that claim more, before decoding
    int64_t max_pixels = 100'000'000;
};

// Decodes PNG/JPG (gray, gray+alpha, RGB, RGBA, 8- or 16-bit) to 8-bit RGB. Alpha is composited
// over white. `name` labels errors ("cell.png: not an image (unknown format)").
Result<Image> decode_image(const uint8_t* bytes, size_t size, const std::string& name,
                           const ImageLimits& limits = {});

// The centered square crop (x0, y0, side) used for a w x h image.
struct Crop { int x0 = 0, y0 = 0, side = 0; };
Crop bloodmnist_crop(int width, int height);

// Area-average resize of a square region of `img` to out_side x out_side (RGB).
std::vector<uint8_t> area_resize(const Image& img, const Crop& crop, int out_side);

// The same area average computed separably in float (rows, then columns): about 3x faster, and within
// 1 of area_resize per channel (the summation order and precision differ). For display (thumbnails),
// never for a model's input, whose exact value area_resize defines.
std::vector<uint8_t> area_resize_fast(const Image& img, const Crop& crop, int out_side);

// Full path: crop + area resize to 28x28x3 uint8. A 28x28 input is returned unchanged.
std::vector<uint8_t> to_bloodmnist(const Image& img);

// The pixels of an image file that its BloodMNIST input and a thumbnail of its crop read: the crop
// (bloodmnist_crop), or the whole image when it is kSide x kSide already (to_bloodmnist takes it as it
// is), as decode_image decodes them, bit for bit.
struct ImagePart {
    int width = 0, height = 0;  // of the whole image
    int x0 = 0, y0 = 0;         // where `pixels` begins in it
    Image pixels;
    Crop crop() const;          // bloodmnist_crop(width, height), in `pixels`
};
// decode_image's checks and messages, but a JPEG decodes only the part (stb's inverse DCT and colour
// conversion of the crop's blocks, a third of a 360x363 picture; its whole bit stream is still read):
// what a batch keeps of each image (core::ClassifyJob).
Result<ImagePart> decode_bloodmnist_part(const uint8_t* bytes, size_t size, const std::string& name,
                                         const ImageLimits& limits = {});
// to_bloodmnist of the whole image, from the part.
std::vector<uint8_t> to_bloodmnist(const ImagePart& part);

}  // namespace core
