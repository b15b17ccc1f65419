// Image decoding (every PNG colour type, 16-bit, JPG), the BloodMNIST crop + resize, the full-size
// PBC samples, and one case per malformed image.
#include <tuple>
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#if BLOODCELL_HAVE_THREADS
#include <atomic>
#include <thread>
#endif

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif
#include <stb_image_write.h>
#include <stb_image.h>

#include "core/crc32.h"
#include "core/dataset.h"
#include "core/image.h"
#include "core/npz.h"
#include "test_util.h"

using namespace core;

namespace {

void to_vec(void* ctx, void* data, int size) {
    auto* v = static_cast<std::vector<uint8_t>*>(ctx);
    v->insert(v->end(), (uint8_t*)data, (uint8_t*)data + size);
}

std::vector<uint8_t> png(int w, int h, int comp, const std::vector<uint8_t>& px) {
    std::vector<uint8_t> out;
    stbi_write_png_to_func(to_vec, &out, w, h, comp, px.data(), w * comp);
    return out;
}

// A 16-bit grayscale PNG, written by hand (stb_image_write has no 16-bit output): zlib stream of
// stored blocks, CRC per chunk.
std::vector<uint8_t> png16_gray(int w, int h, const std::vector<uint16_t>& px) {
    std::vector<uint8_t> raw;
    for (int y = 0; y < h; ++y) {
        raw.push_back(0);  // filter: none
        for (int x = 0; x < w; ++x) { raw.push_back(px[y * w + x] >> 8); raw.push_back(px[y * w + x] & 0xFF); }
    }
    std::vector<uint8_t> z = {0x78, 0x01, 1, (uint8_t)(raw.size() & 0xFF), (uint8_t)(raw.size() >> 8),
                              (uint8_t)(~raw.size() & 0xFF), (uint8_t)((~raw.size() >> 8) & 0xFF)};
    z.insert(z.end(), raw.begin(), raw.end());
    uint32_t a = 1, b = 0;
    for (uint8_t c : raw) { a = (a + c) % 65521; b = (b + a) % 65521; }
    uint32_t adler = (b << 16) | a;
    for (int k = 3; k >= 0; --k) z.push_back((adler >> (8 * k)) & 0xFF);
    std::vector<uint8_t> out = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    auto chunk = [&](const char* type, const std::vector<uint8_t>& data) {
        for (int k = 3; k >= 0; --k) out.push_back((data.size() >> (8 * k)) & 0xFF);
        std::vector<uint8_t> td(type, type + 4);
        td.insert(td.end(), data.begin(), data.end());
        out.insert(out.end(), td.begin(), td.end());
        uint32_t crc = core::crc32(td.data(), td.size());
        for (int k = 3; k >= 0; --k) out.push_back((crc >> (8 * k)) & 0xFF);
    };
    std::vector<uint8_t> ihdr = {0, 0, (uint8_t)(w >> 8), (uint8_t)w, 0, 0, (uint8_t)(h >> 8), (uint8_t)h, 16, 0, 0, 0, 0};
    chunk("IHDR", ihdr);
    chunk("IDAT", z);
    chunk("IEND", {});
    return out;
}

std::string decode_error(const std::vector<uint8_t>& b, const ImageLimits& lim = {}) {
    auto r = decode_image(b.data(), b.size(), "cell.png", lim);
    return r.ok() ? std::string("(decoded)") : r.error;
}

}  // namespace

TEST_CASE("PNG colour types decode to RGB, alpha composited over white") {
    auto g = decode_image(png(2, 1, 1, {10, 200}).data(), 0, "x");  // size 0: empty
    CHECK(g.error == "x: file is empty");
    auto gb = png(2, 1, 1, {10, 200});
    auto gray = decode_image(gb.data(), gb.size(), "g.png");
    REQUIRE(gray.ok());
    CHECK(gray.value.rgb == std::vector<uint8_t>{10, 10, 10, 200, 200, 200});

    auto ga = png(2, 1, 2, {100, 255, 100, 0});  // opaque then fully transparent
    auto r2 = decode_image(ga.data(), ga.size(), "ga.png");
    REQUIRE(r2.ok());
    CHECK(r2.value.rgb == std::vector<uint8_t>{100, 100, 100, 255, 255, 255});

    auto rgb = png(1, 2, 3, {1, 2, 3, 250, 251, 252});
    auto r3 = decode_image(rgb.data(), rgb.size(), "rgb.png");
    REQUIRE(r3.ok());
    CHECK(r3.value.width == 1);
    CHECK(r3.value.height == 2);
    CHECK(r3.value.rgb == std::vector<uint8_t>{1, 2, 3, 250, 251, 252});

    auto rgba = png(1, 1, 4, {200, 100, 0, 128});  // half transparent: (c*128 + 255*127)/255
    auto r4 = decode_image(rgba.data(), rgba.size(), "rgba.png");
    REQUIRE(r4.ok());
    CHECK(r4.value.rgb == std::vector<uint8_t>{227, 177, 127});
}

TEST_CASE("16-bit PNG decodes to the high byte") {
    auto b = png16_gray(3, 1, {0x0000, 0x80FF, 0xFFFF});
    auto r = decode_image(b.data(), b.size(), "deep.png");
    REQUIRE_MESSAGE(r.ok(), r.error);
    CHECK(r.value.rgb == std::vector<uint8_t>{0, 0, 0, 0x80, 0x80, 0x80, 0xFF, 0xFF, 0xFF});
}

TEST_CASE("JPG decodes close to the same picture stored losslessly") {
    // rgb.jpg (quality 75) and rgb.png hold the same 36x36 tile of a PBC image (tests/fuzz/make_corpus.py)
    auto jb = testutil::read(testutil::repo("tests/fuzz/corpus/image/rgb.jpg"));
    auto pb = testutil::read(testutil::repo("tests/fuzz/corpus/image/rgb.png"));
    auto j = decode_image(jb.data(), jb.size(), "rgb.jpg");
    auto p = decode_image(pb.data(), pb.size(), "rgb.png");
    REQUIRE_MESSAGE(j.ok(), j.error);
    REQUIRE_MESSAGE(p.ok(), p.error);
    REQUIRE(j.value.width == 36);
    REQUIRE(j.value.rgb.size() == p.value.rgb.size());
    double err = 0;
    for (size_t i = 0; i < p.value.rgb.size(); ++i) err += std::abs((int)j.value.rgb[i] - (int)p.value.rgb[i]);
    CHECK(err / p.value.rgb.size() < 8.0);  // measured 5.7; a wrong decode lands tens of levels away
}

TEST_CASE("crop is 200/360 of the shorter side, centered") {
    Crop c = bloodmnist_crop(363, 360);
    CHECK(c.side == 200);
    CHECK(c.x0 == 82);  // 81.5 rounds up, as in the dataset's own crops
    CHECK(c.y0 == 80);
    Crop t = bloodmnist_crop(100, 400);
    CHECK(t.side == 56);
    CHECK(t.x0 == 22);
    CHECK(t.y0 == 172);
}

TEST_CASE("area resize averages blocks exactly, including fractional edges") {
    Image img;
    img.width = img.height = 4;
    for (int i = 0; i < 16; ++i) img.rgb.insert(img.rgb.end(), {(uint8_t)(i * 10), 0, 255});
    auto out = area_resize(img, Crop{0, 0, 4}, 2);
    // top-left 2x2 block of 0,10,40,50 -> 25
    CHECK(out[0] == 25);
    CHECK(out[2] == 255);
    CHECK(out[3 * 3] == (uint8_t)std::lround((100 + 110 + 140 + 150) / 4.0));
    auto third = area_resize(img, Crop{0, 0, 3}, 2);  // 1.5 source pixels per output pixel
    // output (0,0) covers rows/cols [0,1.5): weights 1, .5 -> (0*1 + 10*.5 + 40*.5 + 50*.25) / 2.25
    CHECK(third[0] == (uint8_t)std::lround((0 + 5 + 20 + 12.5) / 2.25));
}

TEST_CASE("area_resize_fast (thumbnails) is within 1 of area_resize (exact on small cases)") {
    Image img;
    img.width = img.height = 4;
    for (int i = 0; i < 16; ++i) img.rgb.insert(img.rgb.end(), {(uint8_t)(i * 10), 0, 255});
    CHECK(area_resize_fast(img, Crop{0, 0, 4}, 2) == area_resize(img, Crop{0, 0, 4}, 2));
    CHECK(area_resize_fast(img, Crop{0, 0, 3}, 2) == area_resize(img, Crop{0, 0, 3}, 2));
    // a textured image: an off-centre crop shrunk, a crop kept at its size, a crop enlarged
    Image x;
    x.width = 37;
    x.height = 23;
    for (int i = 0; i < x.width * x.height * 3; ++i) x.rgb.push_back((uint8_t)((i * 73 + i / 7) % 256));
    for (const auto& [im, crop, side] : {std::make_tuple(x, Crop{5, 2, 21}, 8), std::make_tuple(x, Crop{0, 0, 23}, 23),
                                         std::make_tuple(x, Crop{14, 0, 23}, 64)}) {
        auto a = area_resize(im, crop, side), b = area_resize_fast(im, crop, side);
        REQUIRE(a.size() == b.size());
        int worst = 0;
        for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs((int)a[i] - (int)b[i]));
        CHECK(worst <= 1);
    }
}

TEST_CASE("a 28x28 image passes through unchanged") {
    Image img;
    img.width = img.height = 28;
    for (int i = 0; i < 2352; ++i) img.rgb.push_back((uint8_t)(i * 31));
    CHECK(to_bloodmnist(img) == img.rgb);
}

TEST_CASE("the 96 full-size PBC images come out close to their BloodMNIST rows") {
    auto data = load_bloodmnist_file(testutil::shared("data/bloodmnist.npz"));
    REQUIRE(data.ok());
    std::ifstream csv(testutil::shared("data/pbc_samples/labels.csv"));
    REQUIRE(csv.good());
    std::string line;
    std::getline(csv, line);  // header
    int n = 0, closest = 0;
    double worst = 0, total = 0;
    while (std::getline(csv, line)) {
        std::stringstream ss(line);
        std::string file, label, cls, index;
        std::getline(ss, file, ',');
        std::getline(ss, label, ',');
        std::getline(ss, cls, ',');
        std::getline(ss, index, ',');
        auto bytes = testutil::read(testutil::shared("data/pbc_samples/" + file));
        auto img = decode_image(bytes.data(), bytes.size(), file);
        REQUIRE_MESSAGE(img.ok(), img.error);
        auto small = to_bloodmnist(img.value);
        REQUIRE(small.size() == 2352u);
        const uint8_t* row = data.value.test.image(std::stoi(index));
        CHECK(data.value.test.labels[std::stoi(index)] == std::stoi(label));
        auto mad = [&](const uint8_t* r) {
            double d = 0;
            for (int k = 0; k < 2352; ++k) d += std::abs((int)small[k] - (int)r[k]);
            return d / 2352;
        };
        double diff = mad(row);
        // its own row must be closer than the neighbouring rows of the split
        int i = std::stoi(index), nt = data.value.test.size();
        if (diff < mad(data.value.test.image((i + 1) % nt)) && diff < mad(data.value.test.image((i + nt - 1) % nt))) ++closest;
        worst = std::max(worst, diff);
        total += diff;
        ++n;
    }
    CHECK(n == 96);
    MESSAGE("mean abs difference to the dataset rows: mean " << total / n << ", worst " << worst);
    // The dataset was made with bilinear resampling and a JPEG round trip (quality 75), so even
    // PIL's own bilinear path lands ~7.4 gray levels away on average; a wrong crop lands ~20+ away.
    CHECK(total / n < 8.0);
    CHECK(worst < 12.0);
    CHECK(closest == 96);
}

namespace {
std::vector<uint8_t> regression(const char* file);  // below, with the hostile files
std::vector<uint8_t> jpg(int w, int h, int comp, const std::vector<uint8_t>& px, int quality) {
    std::vector<uint8_t> out;
    stbi_write_jpg_to_func(to_vec, &out, w, h, comp, px.data(), quality);
    return out;
}
// A picture with detail everywhere (so that every block and both chroma planes matter).
std::vector<uint8_t> busy_picture(int w, int h, int comp, uint32_t seed) {
    std::vector<uint8_t> px((size_t)w * h * comp);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int c = 0; c < comp; ++c) {
                seed = seed * 1664525u + 1013904223u;
                const double smooth = 127.5 + 90 * std::sin(0.11 * x * (c + 1) + 0.07 * y) * std::cos(0.05 * y * (c + 2));
                px[((size_t)y * w + x) * comp + c] = (uint8_t)std::clamp((int)smooth + (int)(seed >> 28) - 8, 0, 255);
            }
    return px;
}
// What decode_image gave before it decoded JPEGs itself (stb_impl.cpp): stb's whole decode to RGB.
std::vector<uint8_t> stb_rgb(const std::vector<uint8_t>& b, int& w, int& h) {
    int c = 0;
    stbi_uc* px = stbi_load_from_memory(b.data(), (int)b.size(), &w, &h, &c, 3);
    REQUIRE(px);
    std::vector<uint8_t> out(px, px + (size_t)w * h * 3);
    stbi_image_free(px);
    return out;
}
// decode_image and decode_bloodmnist_part of one JPEG against stb's whole decode: the same pixels.
void check_same_as_stb(const std::vector<uint8_t>& b, const std::string& what) {
    CAPTURE(what);
    int w = 0, h = 0;
    const std::vector<uint8_t> ref = stb_rgb(b, w, h);
    auto full = decode_image(b.data(), b.size(), "cell.jpg");
    REQUIRE_MESSAGE(full.ok(), full.error);
    CHECK(full.value.width == w);
    CHECK(full.value.height == h);
    CHECK(full.value.rgb == ref);
    auto part = decode_bloodmnist_part(b.data(), b.size(), "cell.jpg");
    REQUIRE_MESSAGE(part.ok(), part.error);
    const ImagePart& p = part.value;
    CHECK(p.width == w);
    CHECK(p.height == h);
    const bool whole = w == kSide && h == kSide;
    const Crop c = bloodmnist_crop(w, h);
    CHECK(p.x0 == (whole ? 0 : c.x0));
    CHECK(p.y0 == (whole ? 0 : c.y0));
    REQUIRE(p.pixels.width == (whole ? w : c.side));
    REQUIRE(p.pixels.height == (whole ? h : c.side));
    bool same = true;
    for (int y = 0; y < p.pixels.height && same; ++y)
        same = std::equal(&p.pixels.rgb[(size_t)y * p.pixels.width * 3], &p.pixels.rgb[(size_t)(y + 1) * p.pixels.width * 3],
                          &ref[((size_t)(p.y0 + y) * w + p.x0) * 3]);
    CHECK(same);
    CHECK(to_bloodmnist(p) == to_bloodmnist(full.value));
    CHECK(area_resize_fast(p.pixels, p.crop(), 64) == area_resize_fast(full.value, c, 64));
}
}  // namespace

TEST_CASE("JPEG: decode_image and the crop part are stb's whole decode to RGB, pixel for pixel") {
    // The page's batches decode only the crop's part, with stb's SSE2 colour kernel (stb_impl.cpp):
    // every size class of the block grid, 4:2:0 (quality <= 90) and 4:4:4 (above), gray, 28x28
    for (int quality : {75, 95})
        for (auto [w, h] : {std::pair{360, 363}, {363, 360}, {28, 28}, {29, 31}, {1, 1}, {17, 9}, {200, 200}, {641, 479}, {64, 1000}})
            for (int comp : {3, 1}) {
                auto b = jpg(w, h, comp, busy_picture(w, h, comp, (uint32_t)(w * 7 + h + quality)), quality);
                check_same_as_stb(b, std::to_string(w) + "x" + std::to_string(h) + " q" + std::to_string(quality) + " comp " + std::to_string(comp));
            }
    // the 96 PBC samples (4:4:4 and one 4:2:0, as the page gets them) and the corpus's JPEGs
    std::ifstream csv(testutil::shared("data/pbc_samples/labels.csv"));
    REQUIRE(csv.good());
    std::string line;
    std::getline(csv, line);
    int n = 0;
    while (std::getline(csv, line)) {
        const std::string file = line.substr(0, line.find(','));
        check_same_as_stb(testutil::read(testutil::shared("data/pbc_samples/" + file)), file);
        ++n;
    }
    CHECK(n == 96);
    check_same_as_stb(testutil::read(testutil::repo("tests/fuzz/corpus/image/rgb.jpg")), "rgb.jpg");
}

TEST_CASE("the crop part of a PNG is the crop of its whole decode; its failures are decode_image's") {
    for (auto [w, h] : {std::pair{40, 30}, {28, 28}}) {
        std::vector<uint8_t> px((size_t)w * h * 4);
        for (size_t i = 0; i < px.size(); ++i) px[i] = (uint8_t)(i * 37 + i / 7);
        auto b = png(w, h, 4, px);
        auto full = decode_image(b.data(), b.size(), "cell.png");
        auto part = decode_bloodmnist_part(b.data(), b.size(), "cell.png");
        REQUIRE(full.ok());
        REQUIRE(part.ok());
        CHECK(part.value.width == w);
        CHECK(to_bloodmnist(part.value) == to_bloodmnist(full.value));
    }
    for (const char* f : {"jpeg_out_of_bits.jpg", "jpeg_frame_without_scan.jpg", "jpeg_undefined_huffman_table.jpg"}) {
        auto b = regression(f);
        auto full = decode_image(b.data(), b.size(), f);
        auto part = decode_bloodmnist_part(b.data(), b.size(), f);
        CHECK(full.ok() == part.ok());
        CHECK(full.error == part.error);
        if (full.ok()) CHECK(to_bloodmnist(part.value) == to_bloodmnist(full.value));
    }
    const std::string s = "just text";
    auto r = decode_bloodmnist_part((const uint8_t*)s.data(), s.size(), "cell.png");
    CHECK(r.error == "cell.png: not an image (unknown format; want PNG or JPG)");
}

// ---- bad inputs -------------------------------------------------------------------------------

TEST_CASE("bad input: not an image") {
    std::string s = "GIF? no. just text pretending to be a picture";
    CHECK(decode_error(std::vector<uint8_t>(s.begin(), s.end())) == "cell.png: not an image (unknown format; want PNG or JPG)");
}

TEST_CASE("bad input: zero-sized image") {
    auto b = png16_gray(1, 1, {0});
    b[16 + 3] = 0;  // IHDR width -> 0 (CRC is checked later than the size by stb)
    CHECK(decode_error(b) == "cell.png: image has zero size (0x1 pixels)");
}

TEST_CASE("bad input: truncated image") {
    std::vector<uint8_t> px(64 * 64 * 3, 90);
    auto b = png(64, 64, 3, px);
    b.resize(b.size() / 2);
    std::string e = decode_error(b);
    CHECK(e.find("cell.png: cannot decode image (") == 0);
}

TEST_CASE("bad input: an image whose header claims more pixels than allowed") {
    auto b = png16_gray(1, 1, {0});
    // IHDR width and height -> 100000 x 100000
    b[16] = 0; b[17] = 0x01; b[18] = 0x86; b[19] = 0xA0;
    b[20] = 0; b[21] = 0x01; b[22] = 0x86; b[23] = 0xA0;
    CHECK(decode_error(b) == "cell.png: image is 100000x100000, larger than the 16384 px per side / 100 Mpixel allowed");
    ImageLimits small;
    small.max_side = 1000;
    small.max_pixels = 1000000;
    std::vector<uint8_t> px(2000 * 3, 1);
    CHECK(decode_error(png(2000, 1, 3, px), small) == "cell.png: image is 2000x1, larger than the 1000 px per side / 1 Mpixel allowed");
}

// ---- hostile files (issue 16): stb_image is Debian's v2.27 patched with the bounds checks of later
// releases (cmake/stb_image_v2.27.patch). Each input below made the unpatched decoder write or read
// outside its buffers, or hit undefined behaviour; tests/fuzz/replay.sh also replays them under
// ASan + UBSan and valgrind. Here: the message the user gets.

namespace {
std::vector<uint8_t> regression(const char* file) {
    auto b = testutil::read(testutil::repo(std::string("tests/fuzz/regressions/") + file));
    REQUIRE_MESSAGE(!b.empty(), file);
    return b;
}
}  // namespace

TEST_CASE("bad input: JPEG whose Huffman table declares more than 256 codes (fuzzer finds)") {
    // 9 bytes: SOI, then a DHT whose code counts (11 + 255, the rest past the end of the file) sum to
    // 266; v2.27 wrote them all into its 257-entry size list
    auto b = regression("jpeg_dht_truncated_overflow.jpg");
    CHECK(b.size() == 9);
    CHECK(decode_error(b) == "cell.png: damaged JPEG header (bad DHT header)");
    // the first find (a DHT past 256 codes later in a real file): refused where the file breaks first
    CHECK(decode_error(regression("jpeg_dht_overflow.jpg")) == "cell.png: cannot decode image (can't merge dc and ac)");
    // every real JPEG still decodes
    for (const char* f : {"rgb.jpg", "gray.jpg"}) {
        auto j = testutil::read(testutil::repo(std::string("tests/fuzz/corpus/image/") + f));
        CHECK(decode_image(j.data(), j.size(), f).ok());
    }
}

// A 36x36 JPEG the patched decoder must decode as flat gray 128 (blocks of DC 0, no AC).
static void check_flat_gray_36(const std::vector<uint8_t>& b) {
    auto r = decode_image(b.data(), b.size(), "cell.jpg");
    REQUIRE_MESSAGE(r.ok(), r.error);
    CHECK(r.value.width == 36);
    CHECK(r.value.height == 36);
    CHECK(r.value.rgb == std::vector<uint8_t>(36 * 36 * 3, 128));
}

TEST_CASE("bad input: JPEG scan that uses a Huffman table no DHT defined (read uninitialised memory)") {
    // gray.jpg with its scan switched to tables 1/1, which the file never defines. v2.27 decoded with
    // whatever the heap held there (a SEGV, or another picture each run; valgrind reports it). The
    // patched decoder starts from zeroed tables, which decode every block as DC 0, no AC: flat 128.
    check_flat_gray_36(regression("jpeg_undefined_huffman_table.jpg"));
}

TEST_CASE("bad input: JPEG frame that no scan fills (uninitialised samples, found by valgrind)") {
    // a 3-component 36x36 frame, Huffman tables, then junk and the end marker: no scan at all. stb
    // 2.27 (and 2.30) "decodes" it and hands back whatever its component buffers held; patched, they
    // start as an all-zero block decodes, so the picture is flat gray 128 every time
    check_flat_gray_36(regression("jpeg_frame_without_scan.jpg"));
}

TEST_CASE("bad input: JPEG whose entropy data runs out of bits (negative bit count, fuzzer find)") {
    // v2.27 kept reading with a negative bit count (a shift by 33: undefined behaviour); patched, the
    // missing bits read as zeros, as later stb releases do, and the result is the same every time
    auto b = regression("jpeg_out_of_bits.jpg");
    auto r1 = decode_image(b.data(), b.size(), "cell.jpg");
    REQUIRE_MESSAGE(r1.ok(), r1.error);
    CHECK(r1.value.width == 36);
    CHECK(r1.value.height == 36);
    auto r2 = decode_image(b.data(), b.size(), "cell.jpg");
    REQUIRE(r2.ok());
    CHECK(r1.value.rgb == r2.value.rgb);
}

TEST_CASE("bad input: PNG with an empty IDAT chunk and nothing after it (fuzzer find)") {
    // v2.27 called memcpy(NULL, p, 0) for the empty chunk (undefined behaviour). Patched, the empty
    // chunk is skipped and the file ends where the next chunk should be: stb reports a chunk of type
    // "\0\0\0\0", an empty reason, so the user gets the generic one
    auto b = regression("png_empty_idat.png");
    CHECK(b.size() == 41);
    CHECK(decode_error(b) == "cell.png: cannot decode image (damaged image data)");
}

TEST_CASE("bad input: PNG whose deflate stream stb rejects without a reason (was an abort)") {
    // rgb.png's 36x36 header and an IDAT whose first deflate block has the reserved type 3: stb fails
    // without setting a failure reason, and image.cpp built a std::string from the null pointer
    // (bloodcell predict aborted with exit 134)
    auto b = regression("png_idat_no_failure_reason.png");
    const std::string want = "cell.png: cannot decode image (damaged image data)";
    CHECK(decode_error(b) == want);
    // stb keeps its last reason in a global: the message must not be an earlier file's
    CHECK(decode_error(regression("jpeg_dht_truncated_overflow.jpg")) == "cell.png: damaged JPEG header (bad DHT header)");
    CHECK(decode_error(b) == want);
    std::vector<uint8_t> px(64 * 64 * 3, 90);
    auto half = png(64, 64, 3, px);
    half.resize(half.size() / 2);
    CHECK(decode_error(half).find("cell.png: cannot decode image (") == 0);
    CHECK(decode_error(b) == want);
}

#if BLOODCELL_HAVE_THREADS
TEST_CASE("bad input: two threads decoding at once each get their own failure reason") {
    // The page decodes a batch on a worker thread while the frame's thread decodes single images.
    // stb's failure reason must be per thread (src/core/stb_impl.cpp): one thread fails with a reason
    // stb gives, the other alternates a good image with a failure stb gives no reason for (and
    // clears the reason before each call). Shared, the first thread's reason would be cleared or
    // show up as the second thread's.
    const auto dht = regression("jpeg_dht_truncated_overflow.jpg");
    const auto no_reason = regression("png_idat_no_failure_reason.png");
    const auto good = png(32, 32, 3, std::vector<uint8_t>(32 * 32 * 3, 90));
    constexpr int kRounds = 20000;
    std::atomic<int> ready{0}, wrong_a{0}, wrong_b{0};
    std::string seen_a, seen_b;
    auto start = [&] {
        ready.fetch_add(1);
        while (ready.load() < 2) {
        }
    };
    std::thread a([&] {
        start();
        for (int i = 0; i < kRounds; ++i) {
            std::string e = decode_error(dht);
            if (e != "cell.png: damaged JPEG header (bad DHT header)" && wrong_a.fetch_add(1) == 0) seen_a = e;
        }
    });
    std::thread b([&] {
        start();
        for (int i = 0; i < kRounds; ++i) {
            std::string e = decode_error(i % 2 ? no_reason : good);
            const char* want = i % 2 ? "cell.png: cannot decode image (damaged image data)" : "(decoded)";
            if (e != want && wrong_b.fetch_add(1) == 0) seen_b = e;
        }
    });
    a.join();
    b.join();
    CHECK_MESSAGE(wrong_a.load() == 0, seen_a);
    CHECK_MESSAGE(wrong_b.load() == 0, seen_b);
}
#endif
