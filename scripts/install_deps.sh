#!/usr/bin/env bash
# Installs everything bloodcell needs on a Debian bookworm machine: compilers, Emscripten, Eigen,
# stb, GLFW, doctest, fonttools (pyftsubset cuts the web UI font), Chromium, and Dear ImGui's sources
# (Debian ships no imgui .cpp in a binary package, so we fetch its source package). Idempotent and
# non-interactive; safe to run twice.
# Usage: scripts/install_deps.sh [--tests] [--fixtures]
#   --tests     also what the tests need (chromium, xvfb, xdotool, node packages)
#   --fixtures  also python3-skimage/sklearn, only to regenerate test fixtures
#   --bench     also what the peer benchmarks need (python3-torch with OpenBLAS; TensorFlow.js and
#               ONNX Runtime Web from npm)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
want_tests=0; want_fixtures=0; want_bench=0
for a in "$@"; do
  case "$a" in
    --tests) want_tests=1 ;;
    --fixtures) want_fixtures=1 ;;
    --bench) want_bench=1 ;;
    *) echo "install_deps.sh: unknown option '$a'" >&2; exit 2 ;;
  esac
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

# patch applies cmake/stb_image_v2.27.patch at configure time; valgrind (--tests) replays the image
# regressions looking for reads of uninitialised memory
pkgs=(build-essential cmake pkg-config dpkg-dev patch emscripten libeigen3-dev libstb-dev
      libimgui-dev libglfw3-dev libgl-dev doctest-dev fonts-dejavu-core fonttools nodejs)
[ "$want_tests" = 1 ] && pkgs+=(chromium xvfb xauth xdotool clang libclang-rt-14-dev valgrind)  # xdotool: real input for the desktop test
[ "$want_fixtures" = 1 ] && pkgs+=(python3-skimage python3-sklearn python3-numpy)
# libopenblas0-pthread: Debian's python3-torch calls whatever libblas.so.3 it finds, and with
# --no-install-recommends that is the reference BLAS (~10x slower on the FCNN). bench/run_all.mjs
# points only the PyTorch process at OpenBLAS's libblas.so.3 (LD_LIBRARY_PATH); the system's
# libblas.so.3 alternative is left as it is.
[ "$want_bench" = 1 ] && pkgs+=(python3-torch python3-numpy chromium libopenblas0-pthread)

missing=()
for p in "${pkgs[@]}"; do
  # nodejs may come from elsewhere (nodesource); any working node will do.
  if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# deb-src line for `apt-get source imgui`
need_src=0
if ! grep -rqs "^Types:.*deb-src" /etc/apt/sources.list.d/ && ! grep -qs "^deb-src" /etc/apt/sources.list; then
  need_src=1
fi
if [ "$need_src" = 1 ]; then
  echo "install_deps: adding a deb-src entry for bookworm (for imgui's sources)" >&2
  $SUDO tee /etc/apt/sources.list.d/bloodcell-src.sources >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

imgui_dir="$here/third_party/imgui"
if [ "${#missing[@]}" -gt 0 ] || [ "$need_src" = 1 ] || [ ! -f "$imgui_dir/imgui.cpp" ]; then
  $SUDO apt-get update -qq
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install_deps: installing ${missing[*]}" >&2
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Dear ImGui sources from Debian's source package into third_party/imgui (git-ignored).
if [ ! -f "$imgui_dir/imgui.cpp" ]; then
  tmp="$(mktemp -d)"
  (cd "$tmp" && apt-get source -qq --download-only imgui >/dev/null && dpkg-source -x --no-check imgui_*.dsc src >/dev/null)
  mkdir -p "$imgui_dir"
  cp "$tmp"/src/*.cpp "$tmp"/src/*.h "$imgui_dir"/
  mkdir -p "$imgui_dir/backends"
  cp "$tmp"/src/backends/imgui_impl_glfw.* "$tmp"/src/backends/imgui_impl_opengl3* "$imgui_dir/backends/"
  rm -rf "$tmp"
  echo "install_deps: imgui sources in $imgui_dir" >&2
fi

if [ "$want_tests" = 1 ] && [ -f "$here/tests/e2e/package.json" ] && [ ! -d "$here/tests/e2e/node_modules/playwright-core" ]; then
  (cd "$here/tests/e2e" && npm install --no-audit --no-fund --silent)
fi
if [ "$want_bench" = 1 ] && { [ ! -d "$here/bench/peers/node_modules/@tensorflow/tfjs" ] || [ ! -d "$here/bench/peers/node_modules/onnxruntime-web" ]; }; then
  (cd "$here/bench/peers" && npm install --no-audit --no-fund --silent)
fi
echo "install_deps: ok" >&2
