// Image decoding through stb_image (memory only) and the BloodMNIST crop + area-average resize.
#include "core/image.h"

#include <algorithm>
#include <cmath>

#include <stb_image.h>

#include "core/dataset.h"

namespace core {

namespace stb {  // src/core/stb_impl.cpp
void clear_failure_reason();
bool load_jpeg_region(const unsigned char* bytes, int size, int& x0, int& y0, int& x1, int& y1, int& width, int& height,
                      std::vector<unsigned char>& rgb, bool& not_jpeg);
}

namespace {

// Why the stb call just made failed. stb keeps its reason in a global that some failures leave unset
// (a deflate block of type 3, for one), so the caller clears it before each call and a missing or
// empty reason gets `fallback` rather than a null pointer or an earlier file's reason. stb copies an
// unknown PNG chunk's type from the file into its reason: bytes that do not print become '?'.
std::string stb_reason(const char* fallback) {
    const char* r = stbi_failure_reason();
    if (!r || !*r) return fallback;
    std::string s(r);
    for (char& c : s)
        if (c < 0x20 || c > 0x7E) c = '?';
    return s;
}

}  // namespace

namespace {

// The part of a w x h image that to_bloodmnist and a thumbnail of the crop read (see ImagePart).
void bloodmnist_rect(int w, int h, int& x0, int& y0, int& x1, int& y1) {
    if (w == kSide && h == kSide) {
        x0 = y0 = 0; x1 = w; y1 = h;
        return;
    }
    const Crop c = bloodmnist_crop(w, h);
    x0 = c.x0; y0 = c.y0; x1 = c.x0 + c.side; y1 = c.y0 + c.side;
}

// decode_image (part false), or decode_bloodmnist_part: the same checks and messages either way.
Result<ImagePart> decode(const uint8_t* bytes, size_t size, const std::string& name, const ImageLimits& limits, bool part) {
    using R = Result<ImagePart>;
    if (size == 0) return R::fail(name + ": file is empty");
    if (size > 0x7FFFFFFF) return R::fail(name + ": file larger than 2 GiB");
    int w = 0, h = 0, n = 0;
    // Sizes first, so a huge claimed size is refused before any allocation. stb tries every format
    // in turn and keeps only the last failure ("unknown image type"), so PNG's header, which has
    // the size at a fixed place, is read here to say what is wrong with it.
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    stb::clear_failure_reason();
    const bool is_png = size >= 24 && std::equal(png_sig, png_sig + 8, bytes);
    if (is_png) {
        auto be32 = [&](size_t o) {
            return ((uint32_t)bytes[o] << 24) | ((uint32_t)bytes[o + 1] << 16) | ((uint32_t)bytes[o + 2] << 8) | bytes[o + 3];
        };
        w = (int)std::min<uint32_t>(be32(16), 0x7FFFFFFF);
        h = (int)std::min<uint32_t>(be32(20), 0x7FFFFFFF);
    } else if (!stbi_info_from_memory(bytes, (int)size, &w, &h, &n)) {
        std::string why = stb_reason("no reason given");
        if (size >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF) {
            // A JPEG start whose header stb refused, e.g. a hostile Huffman table: stb then tried the
            // other formats too and kept "unknown image type". Its JPEG decoder alone fails at the same
            // place in the header (before the frame is sized, so before any pixel allocation) and says why.
            stb::clear_failure_reason();
            int jw = 0, jh = 0, jc = 0;
            stbi_uc* px = stbi_load_from_memory(bytes, (int)size, &jw, &jh, &jc, 4);
            if (px) stbi_image_free(px);  // not expected: the header that info refused decoded after all
            return R::fail(name + ": damaged JPEG header (" + stb_reason("no reason given") + ")");
        }
        if (why == "unknown image type") return R::fail(name + ": not an image (unknown format; want PNG or JPG)");
        return R::fail(name + ": damaged image header (" + why + ")");
    }
    if (w <= 0 || h <= 0) return R::fail(name + ": image has zero size (" + std::to_string(w) + "x" + std::to_string(h) + " pixels)");
    if (w > limits.max_side || h > limits.max_side || (int64_t)w * h > limits.max_pixels)
        return R::fail(name + ": image is " + std::to_string(w) + "x" + std::to_string(h) + ", larger than the " +
                       std::to_string(limits.max_side) + " px per side / " + std::to_string(limits.max_pixels / 1000000) +
                       " Mpixel allowed");
    int x0 = 0, y0 = 0, x1 = w, y1 = h;
    if (part) bloodmnist_rect(w, h, x0, y0, x1, y1);
    ImagePart out;
    // stb_image is Debian's v2.27 with the bounds checks of later releases patched in
    // (cmake/stb_image_v2.27.patch): hostile files fail inside stb without touching memory outside
    // its buffers (tests/fuzz/regressions/, replayed by tests/fuzz/replay.sh).
    // Without alpha (JPEG is always gray or RGB: stbi_info gave n), stb converts straight to RGB and
    // the compositing pass below is not needed (for a 360x363 JPEG it cost about as much as the resize).
    const bool opaque = !is_png && (n == 1 || n == 3);
    if (opaque) {
        // a JPEG (what stb would decode as one): its rectangle only, with stb's SSE2 colour kernel
        // (stb_impl.cpp); anything else the whole way below
        bool not_jpeg = false;
        int jw = 0, jh = 0;
        stb::clear_failure_reason();
        if (stb::load_jpeg_region(bytes, (int)size, x0, y0, x1, y1, jw, jh, out.pixels.rgb, not_jpeg)) {
            out.width = jw;
            out.height = jh;
            out.x0 = x0;
            out.y0 = y0;
            out.pixels.width = x1 - x0;
            out.pixels.height = y1 - y0;
            return R::of(std::move(out));
        }
        if (!not_jpeg) return R::fail(name + ": cannot decode image (" + stb_reason("damaged image data") + ")");
    }
    int comp = 0;
    stb::clear_failure_reason();
    stbi_uc* px = stbi_load_from_memory(bytes, (int)size, &w, &h, &comp, opaque ? 3 : 4);  // 16-bit becomes 8-bit here
    if (!px) return R::fail(name + ": cannot decode image (" + stb_reason("damaged image data") + ")");
    out.width = w;
    out.height = h;
    if (part) bloodmnist_rect(w, h, x0, y0, x1, y1);
    else x0 = 0, y0 = 0, x1 = w, y1 = h;
    out.x0 = x0;
    out.y0 = y0;
    Image& img = out.pixels;
    img.width = x1 - x0;
    img.height = y1 - y0;
    img.rgb.resize((size_t)img.width * img.height * 3);
    const int ch = opaque ? 3 : 4;
    for (int y = y0; y < y1; ++y) {
        const stbi_uc* src = px + ((size_t)y * w + x0) * ch;
        uint8_t* dst = &img.rgb[(size_t)(y - y0) * img.width * 3];
        if (opaque) {
            std::copy(src, src + (size_t)img.width * 3, dst);
            continue;
        }
        for (int i = 0; i < img.width; ++i) {
            unsigned a = src[4 * i + 3];
            for (int c = 0; c < 3; ++c) {  // composite over white: c*a + 255*(1-a)
                unsigned v = src[4 * i + c];
                dst[3 * i + c] = (uint8_t)((v * a + 255u * (255u - a) + 127u) / 255u);
            }
        }
    }
    stbi_image_free(px);
    return R::of(std::move(out));
}

}  // namespace

Result<Image> decode_image(const uint8_t* bytes, size_t size, const std::string& name, const ImageLimits& limits) {
    auto r = decode(bytes, size, name, limits, false);
    if (!r) return Result<Image>::fail(r.error);
    return Result<Image>::of(std::move(r.value.pixels));
}

Result<ImagePart> decode_bloodmnist_part(const uint8_t* bytes, size_t size, const std::string& name, const ImageLimits& limits) {
    return decode(bytes, size, name, limits, true);
}

Crop bloodmnist_crop(int width, int height) {
    int shorter = std::min(width, height);
    int side = std::max(1, (int)std::lround(shorter * 200.0 / 360.0));
    // An odd margin puts the extra pixel before the crop: (363 - 200) / 2 = 81.5 -> 82. That is how
    // the dataset's rows were cut from their 360x363 sources (measured: with this offset, Pillow's
    // bilinear resize and a JPEG round trip at quality 75 reproduce the rows exactly).
    return Crop{(width - side + 1) / 2, (height - side + 1) / 2, side};
}

namespace {
// For output index o of `out` cells over a source span [0, span): the source indices it covers and
// the fraction of each (area averaging with fractional edges, as OpenCV's INTER_AREA).
struct Tap { int index; double weight; };
std::vector<std::vector<Tap>> area_taps(int span, int out) {
    std::vector<std::vector<Tap>> taps(out);
    double scale = (double)span / out;
    for (int o = 0; o < out; ++o) {
        double a = o * scale, b = (o + 1) * scale;
        for (int i = (int)std::floor(a); i < (int)std::ceil(b) && i < span; ++i) {
            double w = std::min(b, (double)i + 1) - std::max(a, (double)i);
            if (w > 1e-12) taps[o].push_back({i, w / scale});
        }
    }
    return taps;
}
}  // namespace

std::vector<uint8_t> area_resize(const Image& img, const Crop& crop, int out_side) {
    auto tx = area_taps(crop.side, out_side), ty = area_taps(crop.side, out_side);
    std::vector<uint8_t> out((size_t)out_side * out_side * 3);
    for (int oy = 0; oy < out_side; ++oy)
        for (int ox = 0; ox < out_side; ++ox) {
            double acc[3] = {0, 0, 0};
            for (const Tap& y : ty[oy])
                for (const Tap& x : tx[ox]) {
                    const uint8_t* p = &img.rgb[(((size_t)(crop.y0 + y.index)) * img.width + crop.x0 + x.index) * 3];
                    double w = y.weight * x.weight;
                    acc[0] += w * p[0]; acc[1] += w * p[1]; acc[2] += w * p[2];
                }
            for (int c = 0; c < 3; ++c)
                out[((size_t)oy * out_side + ox) * 3 + c] = (uint8_t)std::clamp(std::lround(acc[c]), 0L, 255L);
        }
    return out;
}

std::vector<uint8_t> area_resize_fast(const Image& img, const Crop& crop, int out_side) {
    const auto taps = area_taps(crop.side, out_side);  // the same in x and y (a square crop)
    const int S = crop.side, O = out_side;
    std::vector<float> rows((size_t)S * O * 3);  // each source row of the crop averaged across
    for (int y = 0; y < S; ++y) {
        const uint8_t* src = &img.rgb[((size_t)(crop.y0 + y) * img.width + crop.x0) * 3];
        float* dst = &rows[(size_t)y * O * 3];
        for (int o = 0; o < O; ++o) {
            float a0 = 0, a1 = 0, a2 = 0;
            for (const Tap& t : taps[o]) {
                const uint8_t* p = src + (size_t)t.index * 3;
                const float w = (float)t.weight;
                a0 += w * p[0]; a1 += w * p[1]; a2 += w * p[2];
            }
            dst[o * 3] = a0; dst[o * 3 + 1] = a1; dst[o * 3 + 2] = a2;
        }
    }
    std::vector<uint8_t> out((size_t)O * O * 3);
    std::vector<float> acc((size_t)O * 3);
    for (int oy = 0; oy < O; ++oy) {
        std::fill(acc.begin(), acc.end(), 0.f);
        for (const Tap& t : taps[oy]) {
            const float w = (float)t.weight, *r = &rows[(size_t)t.index * O * 3];
            for (int i = 0; i < O * 3; ++i) acc[i] += w * r[i];
        }
        for (int i = 0; i < O * 3; ++i) out[(size_t)oy * O * 3 + i] = (uint8_t)std::clamp((int)std::lround(acc[i]), 0, 255);
    }
    return out;
}

std::vector<uint8_t> to_bloodmnist(const Image& img) {
    if (img.width == kSide && img.height == kSide) return img.rgb;
    return area_resize(img, bloodmnist_crop(img.width, img.height), kSide);
}

Crop ImagePart::crop() const {
    const Crop c = bloodmnist_crop(width, height);
    return Crop{c.x0 - x0, c.y0 - y0, c.side};
}

std::vector<uint8_t> to_bloodmnist(const ImagePart& part) {
    if (part.width == kSide && part.height == kSide) return part.pixels.rgb;
    return area_resize(part.pixels, part.crop(), kSide);
}

}  // namespace core
