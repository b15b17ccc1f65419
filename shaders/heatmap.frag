// Heatmap fragment shader: one float per texel (gray images, co-occurrence matrices, confusion
// matrices, filters, activations) mapped through a colormap lookup table (one row per colormap).
// u_range is (vmin, vmax); with u_log the value is scaled as log(1 + v/vmin) / log(1 + vmax/vmin),
// which shows the faint off-diagonal entries of a co-occurrence matrix next to its strong diagonal.
precision highp float;
uniform highp sampler2D u_values;
uniform sampler2D u_lut;
uniform float u_cmap;   // row center of the colormap in the lookup table, in [0,1]
uniform vec2 u_range;
uniform int u_log;
in vec2 Frag_UV;
in vec4 Frag_Color;
out vec4 Out_Color;
void main() {
    float v = texture(u_values, Frag_UV).r;
    float t;
    if (u_log == 1) {
        t = v <= 0.0 ? 0.0 : log(1.0 + v / u_range.x) / log(1.0 + u_range.y / u_range.x);
    } else {
        float d = u_range.y - u_range.x;
        t = d > 0.0 ? (v - u_range.x) / d : 0.5;
    }
    t = clamp(t, 0.0, 1.0);
    // sample texel centers so linear filtering of the LUT never blends two colormaps
    vec3 c = texture(u_lut, vec2((t * 255.0 + 0.5) / 256.0, u_cmap)).rgb;
    Out_Color = vec4(c, Frag_Color.a);
}
