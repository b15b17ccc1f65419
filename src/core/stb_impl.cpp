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
