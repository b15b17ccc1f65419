// GPU side of the app: RGB and float textures, colormap lookup tables, and the heatmap shader that
// ImGui draw lists switch to through a callback. Shaders are GLSL ES 3.0 without a version line
// (shaders/, read by the platform); the program is built with "#version 300 es" (WebGL2) or
// "#version 330 core" (desktop) prepended.
// When the shaders cannot be built, heatmaps fall back to colormapping on the CPU, and say so.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "imgui.h"

namespace app {

enum Colormap { kViridis = 0, kMagma, kGray, kDiverging, kColormaps };
extern const char* const kColormapNames[kColormaps];

// A GL texture. Owns its id; move-only.
class Texture {
public:
    Texture() = default;
    Texture(const Texture&) = delete;
    Texture& operator=(const Texture&) = delete;
    Texture(Texture&& o) noexcept { *this = std::move(o); }
    Texture& operator=(Texture&& o) noexcept;
    ~Texture() { release(); }

    // rgb: h x w x 3 uint8. nearest: pixelated magnification (the 28x28 images).
    void upload_rgb(const uint8_t* rgb, int w, int h, bool nearest = true);
    // One float per texel (R32F, always nearest; WebGL2 cannot filter float textures).
    void upload_r32f(const float* v, int w, int h);
    void release();
    bool valid() const { return id_ != 0; }
    ImTextureID im() const { return (ImTextureID)(intptr_t)id_; }
    int width() const { return w_; }
    int height() const { return h_; }

private:
    friend void heatmap_draw(ImDrawList*, const Texture&, ImVec2, ImVec2, const struct HeatmapStyle&);
    unsigned id_ = 0;
    int w_ = 0, h_ = 0;
    bool float_ = false;
    // CPU fallback for float textures when the heatmap shader is unavailable.
    std::vector<float> values_;
    mutable unsigned fallback_id_ = 0;
    mutable uint64_t fallback_key_ = 0;
};

struct HeatmapStyle {
    Colormap cmap = kViridis;
    float vmin = 0, vmax = 1;   // value range mapped to the colormap
    bool log_scale = false;     // log(1 + v / vmin_pos) style scaling for counts
};

// Keeps the heatmap shader sources (GLSL ES 3.0 without a version line, as the platform read them
// from shaders/) for the program built at the first heatmap. version_line is "#version 300 es" or
// "#version 330 core". Returns an empty string when ready, else the problem (logged by the caller).
std::string gfx_init(const std::string& vert_src, const std::string& frag_src, const std::string& version_line);
void gfx_shutdown();
bool gfx_shaders_ready();
// Why the heatmap program could not be built (the GL compile or link info log), once: the program is
// built inside the first heatmap's draw callback, where nothing can be logged, so the app's frame
// asks for it and puts it in the log. "" when there is nothing new to report.
std::string gfx_take_error();
// Called once per frame before drawing: frees per-frame heatmap parameters of the previous frame.
void gfx_new_frame();

// Draws a float texture (upload_r32f) as a heatmap into the current window at the cursor, size px.
// Without shaders, the values are colormapped on the CPU into a second texture instead.
void heatmap_image(const Texture& values, ImVec2 size, const HeatmapStyle& style);
void heatmap_draw(ImDrawList* dl, const Texture& values, ImVec2 p0, ImVec2 p1, const HeatmapStyle& style);

// CPU colormapping of a float field into an RGB buffer (fallback and for tests).
std::vector<uint8_t> colormap_rgb(const float* v, int n, const HeatmapStyle& style);

}  // namespace app
