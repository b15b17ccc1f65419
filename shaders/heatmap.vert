// Heatmap vertex shader: the same inputs as Dear ImGui's own (Position, UV, Color) so it can draw
// ImGui image quads. GLSL ES 3.0; the version line is prepended at load (300 es or 330 core).
uniform mat4 ProjMtx;
in vec2 Position;
in vec2 UV;
in vec4 Color;
out vec2 Frag_UV;
out vec4 Frag_Color;
void main() {
    Frag_UV = UV;
    Frag_Color = Color;
    gl_Position = ProjMtx * vec4(Position.xy, 0.0, 1.0);
}
