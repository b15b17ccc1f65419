// Textures, colormaps and the heatmap shader (see gfx.h). The heatmap is drawn by switching the GL
// program inside ImGui's render loop through a draw-list callback: the backend has already bound its
// vertex array and projection, so we read its attribute locations and projection matrix and reuse them.
#include "app/gfx.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>

#include "app/gl.h"

namespace app {

const char* const kColormapNames[kColormaps] = {"viridis", "magma", "gray", "diverging"};

// [SECTION] colormaps: piecewise-linear through key colors (matplotlib's viridis and magma at
// 9 stops, a red-blue diverging map for signed values such as filter weights).
namespace {
struct Stop { float r, g, b; };
const Stop kViridisStops[] = {{68, 1, 84}, {71, 44, 122}, {59, 81, 139}, {44, 113, 142}, {33, 144, 141},
                              {39, 173, 129}, {92, 200, 99}, {170, 220, 50}, {253, 231, 37}};
const Stop kMagmaStops[] = {{0, 0, 4}, {28, 16, 68}, {79, 18, 123}, {129, 37, 129}, {181, 54, 122},
                            {229, 80, 100}, {251, 135, 97}, {254, 194, 135}, {252, 253, 191}};
const Stop kGrayStops[] = {{0, 0, 0}, {255, 255, 255}};
const Stop kDivergingStops[] = {{33, 102, 172}, {103, 169, 207}, {247, 247, 247}, {239, 138, 98}, {178, 24, 43}};

void colormap_rgb3(Colormap cm, float t, uint8_t out[3]) {
    const Stop* s = kViridisStops;
    int n = 9;
    if (cm == kMagma) { s = kMagmaStops; n = 9; }
    if (cm == kGray) { s = kGrayStops; n = 2; }
    if (cm == kDiverging) { s = kDivergingStops; n = 5; }
    if (!(t >= 0)) t = 0;  // also NaN
    if (t > 1) t = 1;
    float x = t * (n - 1);
    int i = std::min((int)x, n - 2);
    float f = x - i;
    out[0] = (uint8_t)std::lround(s[i].r + f * (s[i + 1].r - s[i].r));
    out[1] = (uint8_t)std::lround(s[i].g + f * (s[i + 1].g - s[i].g));
    out[2] = (uint8_t)std::lround(s[i].b + f * (s[i + 1].b - s[i].b));
}

float style_t(float v, const HeatmapStyle& st) {
    if (st.log_scale) {
        float lo = std::max(st.vmin, 1e-12f);
        float hi = std::max(st.vmax, lo * 1.0001f);
        if (v <= 0) return 0;
        return std::log(1.0f + v / lo) / std::log(1.0f + hi / lo);
    }
    float d = st.vmax - st.vmin;
    return d > 0 ? (v - st.vmin) / d : 0.5f;
}
}  // namespace

std::vector<uint8_t> colormap_rgb(const float* v, int n, const HeatmapStyle& style) {
    std::vector<uint8_t> out((size_t)n * 3);
    for (int i = 0; i < n; ++i) colormap_rgb3(style.cmap, style_t(v[i], style), &out[(size_t)i * 3]);
    return out;
}

// [SECTION] textures
Texture& Texture::operator=(Texture&& o) noexcept {
    if (this != &o) {
        release();
        id_ = o.id_; w_ = o.w_; h_ = o.h_; float_ = o.float_;
        values_ = std::move(o.values_);
        fallback_id_ = o.fallback_id_; fallback_key_ = o.fallback_key_;
        o.id_ = 0; o.fallback_id_ = 0; o.w_ = o.h_ = 0;
    }
    return *this;
}

void Texture::release() {
    if (id_) glDeleteTextures(1, &id_);
    if (fallback_id_) glDeleteTextures(1, &fallback_id_);
    id_ = fallback_id_ = 0;
    w_ = h_ = 0;
    values_.clear();
}

static void upload_rgb_to(unsigned& id, const uint8_t* rgb, int w, int h, bool nearest) {
    if (!id) glGenTextures(1, &id);
    glBindTexture(GL_TEXTURE_2D, id);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, nearest ? GL_NEAREST : GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, nearest ? GL_NEAREST : GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);  // rows of 3*w bytes are not 4-aligned
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGB8, w, h, 0, GL_RGB, GL_UNSIGNED_BYTE, rgb);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
}

void Texture::upload_rgb(const uint8_t* rgb, int w, int h, bool nearest) {
    if (float_) release();
    upload_rgb_to(id_, rgb, w, h, nearest);
    w_ = w; h_ = h; float_ = false;
}

void Texture::upload_r32f(const float* v, int w, int h) {
    if (!float_) release();
    if (!id_) glGenTextures(1, &id_);
    glBindTexture(GL_TEXTURE_2D, id_);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_R32F, w, h, 0, GL_RED, GL_FLOAT, v);
    w_ = w; h_ = h; float_ = true;
    values_.assign(v, v + (size_t)w * h);
    fallback_key_ = 0;
}

// [SECTION] heatmap shader
namespace {
struct Gfx {
    std::string version_line;
    std::string vs_src, fs_src;
    bool sources_ok = false;
    bool failed = false;      // tried to link and failed: use the CPU fallback from now on
    unsigned program = 0, lut = 0;
    int u_proj = -1, u_tex = -1, u_lut = -1, u_cmap = -1, u_range = -1, u_log = -1;
    std::deque<HeatmapStyle> frame_styles;  // callback parameters live until the frame is rendered
    std::string error;
    bool error_new = false;   // error not yet taken by gfx_take_error()
} g;

unsigned compile(unsigned type, const std::string& src, std::string& err) {
    unsigned s = glCreateShader(type);
    const char* p = src.c_str();
    glShaderSource(s, 1, &p, nullptr);
    glCompileShader(s);
    int ok = 0;
    glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        char log[1024] = {0};
        glGetShaderInfoLog(s, sizeof log, nullptr, log);
        err = std::string(type == GL_VERTEX_SHADER ? "heatmap.vert" : "heatmap.frag") + ": " + log;
        glDeleteShader(s);
        return 0;
    }
    return s;
}

// Builds the program the first time a heatmap is rendered, binding our attributes to the
// locations the ImGui backend uses in its own (currently bound) program.
void build_program(unsigned backend_program) {
    g.failed = true;
    std::string err;
    unsigned vs = compile(GL_VERTEX_SHADER, g.version_line + "\n" + g.vs_src, err);
    unsigned fs = vs ? compile(GL_FRAGMENT_SHADER, g.version_line + "\n" + g.fs_src, err) : 0;
    if (!vs || !fs) {
        g.error = err;
        g.error_new = true;
        if (vs) glDeleteShader(vs);
        return;
    }
    unsigned p = glCreateProgram();
    glAttachShader(p, vs);
    glAttachShader(p, fs);
    const char* attrs[3] = {"Position", "UV", "Color"};
    for (const char* a : attrs) {
        int loc = glGetAttribLocation(backend_program, a);
        if (loc >= 0) glBindAttribLocation(p, (unsigned)loc, a);
    }
    glLinkProgram(p);
    glDeleteShader(vs);
    glDeleteShader(fs);
    int ok = 0;
    glGetProgramiv(p, GL_LINK_STATUS, &ok);
    if (!ok) {
        char log[1024] = {0};
        glGetProgramInfoLog(p, sizeof log, nullptr, log);
        g.error = std::string("heatmap program: ") + log;
        g.error_new = true;
        glDeleteProgram(p);
        return;
    }
    g.program = p;
    g.u_proj = glGetUniformLocation(p, "ProjMtx");
    g.u_tex = glGetUniformLocation(p, "u_values");
    g.u_lut = glGetUniformLocation(p, "u_lut");
    g.u_cmap = glGetUniformLocation(p, "u_cmap");
    g.u_range = glGetUniformLocation(p, "u_range");
    g.u_log = glGetUniformLocation(p, "u_log");

    // Colormap lookup table: 256 x kColormaps RGB, one row per colormap.
    std::vector<uint8_t> lut(256 * kColormaps * 3);
    for (int c = 0; c < kColormaps; ++c)
        for (int i = 0; i < 256; ++i) colormap_rgb3((Colormap)c, i / 255.0f, &lut[(size_t)(c * 256 + i) * 3]);
    upload_rgb_to(g.lut, lut.data(), 256, kColormaps, false);
    g.failed = false;
}

void heatmap_callback(const ImDrawList*, const ImDrawCmd* cmd) {
    const HeatmapStyle* st = (const HeatmapStyle*)cmd->UserCallbackData;
    if (!g.program && !g.failed) {
        int backend = 0;
        glGetIntegerv(GL_CURRENT_PROGRAM, &backend);
        build_program((unsigned)backend);
    }
    if (!g.program) return;
    // The backend's orthographic projection, computed as it does from the draw data being rendered
    // (not read back with glGetUniformfv: in a browser every such query is a synchronous round trip
    // to the GPU process, ~0.3 ms each under SwiftShader, and the Train tab draws dozens of heatmaps)
    const ImDrawData* dd = ImGui::GetDrawData();
    const float L = dd->DisplayPos.x, R = L + dd->DisplaySize.x, T = dd->DisplayPos.y, B = T + dd->DisplaySize.y;
    const float proj[16] = {2.0f / (R - L), 0, 0, 0, 0, 2.0f / (T - B), 0, 0, 0, 0, -1.0f, 0, (R + L) / (L - R), (T + B) / (B - T), 0, 1};
    glUseProgram(g.program);
    glUniformMatrix4fv(g.u_proj, 1, GL_FALSE, proj);
    glUniform1i(g.u_tex, 0);
    glUniform1i(g.u_lut, 1);
    glUniform1f(g.u_cmap, ((float)st->cmap + 0.5f) / kColormaps);
    float lo = st->vmin, hi = st->vmax;
    if (st->log_scale) lo = std::max(lo, 1e-12f);
    glUniform2f(g.u_range, lo, hi);
    glUniform1i(g.u_log, st->log_scale ? 1 : 0);
    glActiveTexture(GL_TEXTURE1);
    glBindTexture(GL_TEXTURE_2D, g.lut);
    glActiveTexture(GL_TEXTURE0);
}
}  // namespace

std::string gfx_init(const std::string& vert_src, const std::string& frag_src, const std::string& version_line) {
    g.version_line = version_line;
    if (vert_src.empty() || frag_src.empty()) {
        g.failed = true;
        g.error = "the heatmap shaders were not provided (heatmaps are colored on the CPU instead)";
        return g.error;
    }
    g.vs_src = vert_src;
    g.fs_src = frag_src;
    g.sources_ok = true;
    return "";
}

void gfx_shutdown() {
    if (g.program) glDeleteProgram(g.program);
    if (g.lut) glDeleteTextures(1, &g.lut);
    g.program = g.lut = 0;
}

bool gfx_shaders_ready() { return g.sources_ok && !g.failed; }

std::string gfx_take_error() {
    if (!g.error_new) return "";
    g.error_new = false;
    std::string e = g.error;
    while (!e.empty() && (e.back() == '\n' || e.back() == ' ' || e.back() == '\0')) e.pop_back();  // info logs end in a newline
    return "The heatmap shader failed to build (heat maps are colored on the CPU instead): " + e;
}

void gfx_new_frame() { g.frame_styles.clear(); }

void heatmap_draw(ImDrawList* dl, const Texture& values, ImVec2 p0, ImVec2 p1, const HeatmapStyle& style) {
    if (!values.valid()) return;
    if (gfx_shaders_ready()) {
        g.frame_styles.push_back(style);
        dl->AddCallback(heatmap_callback, &g.frame_styles.back());
        dl->AddImage(values.im(), p0, p1);
        dl->AddCallback(ImDrawCallback_ResetRenderState, nullptr);
        return;
    }
    // CPU fallback: recolor when the style changes.
    uint64_t key = 1469598103934665603ull;
    auto mix = [&](uint64_t v) { key = (key ^ v) * 1099511628211ull; };
    mix((uint64_t)style.cmap); mix((uint64_t)style.log_scale);
    uint32_t a, b; memcpy(&a, &style.vmin, 4); memcpy(&b, &style.vmax, 4);
    mix(a); mix(b); mix(key == 0);
    if (key != values.fallback_key_ || !values.fallback_id_) {
        auto rgb = colormap_rgb(values.values_.data(), (int)values.values_.size(), style);
        unsigned id = values.fallback_id_;
        upload_rgb_to(id, rgb.data(), values.width(), values.height(), true);
        values.fallback_id_ = id;
        values.fallback_key_ = key;
    }
    dl->AddImage((ImTextureID)(intptr_t)values.fallback_id_, p0, p1);
}

void heatmap_image(const Texture& values, ImVec2 size, const HeatmapStyle& style) {
    ImVec2 p0 = ImGui::GetCursorScreenPos();
    ImGui::Dummy(size);
    heatmap_draw(ImGui::GetWindowDrawList(), values, p0, ImVec2(p0.x + size.x, p0.y + size.y), style);
}

}  // namespace app
