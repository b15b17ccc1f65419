// The one translation unit that compiles stb_image: Debian's libstb-dev header with the bounds checks
// of later stb releases patched in at configure time (cmake/PatchedStb.cmake,
// cmake/stb_image_v2.27.patch). We decode from memory only, and keep stb's zlib decoder public for
// reading deflated .npz members.
//
// Only the formats we accept are compiled: PNG and JPEG (what DESIGN.md promises), and BMP (offered by
// the page's file picker). stb's GIF, PSD, TGA, PIC, PNM and HDR decoders are where most of its
// published memory-safety bugs were, and no user needs them here.
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_STDIO
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_NO_HDR
#define STBI_NO_LINEAR
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#endif
// WebAssembly: stb's SSE2 JPEG kernels (IDCT, YCbCr to RGB, chroma upsampling) through Emscripten's
// SSE2 headers, which map them onto WASM SIMD (this file is built with -msse2 there). stb enables them
// only on x86 targets by itself; x86-64 native builds always use them, so the page now decodes JPEGs
// with the same kernels (and pixels) as the CLI, about twice as fast as with the scalar ones.
#if defined(__EMSCRIPTEN__) && defined(__SSE2__)
#include <emmintrin.h>
#define STBI_SSE2
#define STBI_SIMD_ALIGN(type, name) type name __attribute__((aligned(16)))
static int stbi__sse2_available(void) { return 1; }
#endif
#include <stb_image.h>

#include <vector>

#ifndef STBI_BLOODCELL_PATCHED
#error "stb_image.h without cmake/stb_image_v2.27.patch: configure with CMake, which includes cmake/PatchedStb.cmake"
#endif
// stb's failure reason is one variable per thread only when it declares it STBI_THREAD_LOCAL (v2.27
// does for C++11 and later unless STBI_NO_THREAD_LOCALS): the page and the desktop decode a batch on a
// worker thread while the frame's thread decodes single images, and a shared reason would give one
// file's error to the other, or clear it. Emscripten with -pthread (all of a threaded build's
// objects) makes thread_local real thread-local storage; without threads it is one variable, rightly.
#ifndef STBI_THREAD_LOCAL
#error "stb_image.h declares its failure reason without STBI_THREAD_LOCAL: threads would share it (see above)"
#endif

namespace core::stb {

// stb keeps the last failure reason in a thread-local global that only a failure sets, and some
// failures set none: a decode that fails must not report an earlier decode's reason. image.cpp calls
// this before each stb call.
void clear_failure_reason() { stbi__g_failure_reason = nullptr; }

}  // namespace core::stb

// [SECTION] JPEG: a rectangle of the picture, for the BloodMNIST crop
//
// stbi_load_from_memory spends most of a 360x363 JPEG's decode on the inverse DCT of every block and the
// colour conversion of every pixel; the classifier reads only the centered crop (a third of the pixels).
// This is stb's own JPEG load (stbi__jpeg_load) with two of its kernels wrapped: blocks that no pixel
// of the rectangle depends on skip their inverse DCT (they keep the flat value the patched decoder
// starts every component with), and the colour conversion runs on the rectangle's rows and columns
// only. Every block is still entropy-decoded (the bit stream is sequential), and every pixel of the
// rectangle comes out as a whole decode gives it, bit for bit (tests/test_image.cpp checks).
//
// The colour conversion also always runs stb's SSE2 kernel, which converts only into 4 bytes a pixel
// (RGBA): asked for RGB (3 bytes a pixel, as decode_image asked) stb converts pixel by pixel with its
// scalar code, ~0.5 ms of a 360x363 picture in WebAssembly. Both compute the same reduced-precision
// fixed point (stb wrote it "to make sure the code produces the same results in both SIMD and
// scalar"), so the alpha byte is dropped in the copy and the pixels are the same (tested too).
namespace {
struct JpegRegion {
    stbi__jpeg* z = nullptr;
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;      // the rectangle, in pixels
    int mx0 = 0, my0 = 0, mx1 = 0, my1 = 0;  // with the margin chroma upsampling reads (once the frame is known)
    bool margin_set = false;
    int row = 0;                             // the output row the colour kernel converts next
    void (*idct)(stbi_uc* out, int out_stride, short data[64]) = nullptr;
    void (*ycc)(stbi_uc* out, const stbi_uc* y, const stbi_uc* pcb, const stbi_uc* pcr, int count, int step) = nullptr;
};
STBI_THREAD_LOCAL JpegRegion* t_region = nullptr;

void region_idct(stbi_uc* out, int out_stride, short data[64]) {
    JpegRegion& c = *t_region;
    stbi__jpeg* z = c.z;
    if (!c.margin_set) {
        // A pixel of an upsampled component reads the neighbouring samples too (stb's "fancy"
        // upsampling: one sample either way, at most 4 pixels at a factor of 4): a block of margin.
        int m = 0;
        for (int k = 0; k < z->s->img_n; ++k)
            if (z->img_comp[k].h != z->img_h_max || z->img_comp[k].v != z->img_v_max) m = 8 * (z->img_h_max > z->img_v_max ? z->img_h_max : z->img_v_max);
        c.mx0 = c.x0 - m; c.my0 = c.y0 - m; c.mx1 = c.x1 + m; c.my1 = c.y1 + m;
        c.margin_set = true;
    }
    for (int k = 0; k < z->s->img_n; ++k) {
        const auto& comp = z->img_comp[k];
        if (out < comp.data || out >= comp.data + (size_t)comp.w2 * comp.h2) continue;
        const size_t off = (size_t)(out - comp.data);
        const int sx = (int)(off % (size_t)comp.w2), sy = (int)(off / (size_t)comp.w2);  // the block's first sample
        const int hs = z->img_h_max / comp.h, vs = z->img_v_max / comp.v;                 // pixels a sample
        if ((sx + 8) * hs <= c.mx0 || sx * hs >= c.mx1 || (sy + 8) * vs <= c.my0 || sy * vs >= c.my1) return;
        break;
    }
    c.idct(out, out_stride, data);
}

void region_ycc(stbi_uc* out, const stbi_uc* y, const stbi_uc* pcb, const stbi_uc* pcr, int count, int step) {
    JpegRegion& c = *t_region;
    const int row = c.row++;
    if (row < c.y0 || row >= c.y1) return;
    // The kernel converts 8 pixels at a time from where it starts, the last count % 8 one at a time:
    // from a multiple of 8 to a multiple of 8 (or to the row's end) each pixel goes the way it goes
    // in the whole row.
    const int a = c.x0 & ~7, whole = count & ~7;
    int b = (c.x1 + 7) & ~7;
    if (b > whole) b = count;
    if (b > a) c.ycc(out + (size_t)a * step, y + a, pcb + a, pcr + a, b - a, step);
}
}  // namespace

namespace core::stb {

// See above. rgb gets (x1 - x0) x (y1 - y0) x 3 (the rectangle clamped to the picture; its corner in
// x0, y0 on return); false when the file is not a JPEG (not_jpeg) or fails, with stb's failure reason.
bool load_jpeg_region(const unsigned char* bytes, int size, int& x0, int& y0, int& x1, int& y1, int& width, int& height,
                      std::vector<unsigned char>& rgb, bool& not_jpeg) {
    not_jpeg = false;
    stbi__context s;
    stbi__start_mem(&s, bytes, size);
    if (!stbi__jpeg_test(&s)) {
        not_jpeg = true;
        return false;
    }
    stbi__jpeg* j = (stbi__jpeg*)stbi__malloc(sizeof(stbi__jpeg));
    if (!j) return stbi__err("outofmem", "Out of memory");
    memset(j, 0, sizeof(stbi__jpeg));
    j->s = &s;
    stbi__setup_jpeg(j);
    JpegRegion region;
    region.z = j;
    region.x0 = x0; region.y0 = y0; region.x1 = x1; region.y1 = y1;
    region.idct = j->idct_block_kernel;
    region.ycc = j->YCbCr_to_RGB_kernel;
    j->idct_block_kernel = region_idct;
    j->YCbCr_to_RGB_kernel = region_ycc;
    JpegRegion* outer = t_region;
    t_region = &region;
    int w = 0, h = 0, comp = 0;
    stbi_uc* px = load_jpeg_image(j, &w, &h, &comp, 4);
    t_region = outer;
    STBI_FREE(j);
    if (!px) return false;
    width = w;
    height = h;
    x0 = x0 < 0 ? 0 : x0 > w ? w : x0;
    x1 = x1 < x0 ? x0 : x1 > w ? w : x1;
    y0 = y0 < 0 ? 0 : y0 > h ? h : y0;
    y1 = y1 < y0 ? y0 : y1 > h ? h : y1;
    const int rw = x1 - x0;
    rgb.resize((size_t)rw * (y1 - y0) * 3);
    for (int yy = y0; yy < y1; ++yy) {
        const stbi_uc* src = px + ((size_t)yy * w + x0) * 4;
        unsigned char* dst = rgb.data() + (size_t)(yy - y0) * rw * 3;
        for (int i = 0; i < rw; ++i) {
            dst[3 * i] = src[4 * i];
            dst[3 * i + 1] = src[4 * i + 1];
            dst[3 * i + 2] = src[4 * i + 2];
        }
    }
    stbi_image_free(px);
    return true;
}

}  // namespace core::stb
