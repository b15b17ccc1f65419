// An RGB canvas for the CLI's PNG output (compare's chart, predict --explain's heat maps): filled
// rectangles, lines, stb_easy_font text and scaled images, written with stb_image_write (cli_png.cpp).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <stb_easy_font.h>

#include "core/result.h"

namespace cli {

struct Canvas {
    int W, H;
    std::vector<uint8_t> px;
    Canvas(int w, int h) : W(w), H(h), px((size_t)w * h * 3, 255) {}
    void rect(int ax, int ay, int bx, int by, uint8_t r, uint8_t g, uint8_t b) {
        for (int y = std::max(0, std::min(ay, by)); y < std::min(H, std::max(ay, by)); ++y)
            for (int x = std::max(0, std::min(ax, bx)); x < std::min(W, std::max(ax, bx)); ++x) {
                uint8_t* p = &px[((size_t)y * W + x) * 3];
                p[0] = r, p[1] = g, p[2] = b;
            }
    }
    void line(double x0, double y0, double x1, double y1, uint8_t r, uint8_t g, uint8_t b) {
        const int steps = (int)std::max(std::abs(x1 - x0), std::abs(y1 - y0)) + 1;
        for (int i = 0; i <= steps; ++i) {
            const double t = (double)i / steps;
            const int x = (int)std::lround(x0 + t * (x1 - x0)), y = (int)std::lround(y0 + t * (y1 - y0));
            rect(x, y, x + 2, y + 2, r, g, b);
        }
    }
    void text(int x, int y, const std::string& s, int scale, uint8_t shade = 20) {
        static char buf[60000];
        int quads = stb_easy_font_print(0, 0, (char*)s.c_str(), nullptr, buf, sizeof buf);
        const float* v = (const float*)buf;  // 4 vertices per quad: x, y, z, color(4 bytes)
        for (int q = 0; q < quads; ++q) {
            const float* a0 = v + q * 16;
            const float* a2 = v + q * 16 + 8;
            rect(x + (int)(a0[0] * scale), y + (int)(a0[1] * scale), x + (int)(a2[0] * scale), y + (int)(a2[1] * scale), shade,
                 shade, shade);
        }
    }
    // An RGB image (w x h) at (x, y), each pixel a scale x scale block.
    void image(int x, int y, const uint8_t* rgb, int w, int h, int scale) {
        for (int sy = 0; sy < h * scale; ++sy)
            for (int sx = 0; sx < w * scale; ++sx) {
                if (x + sx < 0 || x + sx >= W || y + sy < 0 || y + sy >= H) continue;
                const uint8_t* s = rgb + ((size_t)(sy / scale) * w + sx / scale) * 3;
                std::copy_n(s, 3, &px[((size_t)(y + sy) * W + x + sx) * 3]);
            }
    }
};

// Encodes RGB pixels (w x h x 3) as PNG and writes them like the model files: a temporary file and a
// rename. Errors name the file.
core::Status write_png(const std::string& path, const uint8_t* rgb, int w, int h);

}  // namespace cli
