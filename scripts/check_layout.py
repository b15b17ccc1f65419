#!/usr/bin/env python3
"""Checks the layout rules of docs/ARCHITECTURE.md that a compiler does not: src/core has no platform
or GL code; src/app does no file I/O; sliders only through ui::slider_int/slider_float (which keep
the value readable under the grab); no `extern` declarations inside functions; in src/app and
src/platform no file over 500 lines and no function over 80 lines (the theme table excepted).
Prints each violation with file:line and exits 1 if there is any."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
MAX_FILE, MAX_FUNC = 500, 80
FUNC_EXEMPT = {("src/app/app.cpp", "app_setup_style")}  # the theme: one colour per line
START = re.compile(r"^(?!namespace|struct|class|enum|union|extern|static_assert|#)[A-Za-z_].*\)\s*(const)?\s*(noexcept)?\s*(override)?\s*\{\s*$")
NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_:~]*)\s*\(")


def functions(lines):
    """(name, first line, length) of each function defined at column 0."""
    i = 0
    while i < len(lines):
        if START.match(lines[i]):
            m = NAME.search(lines[i])
            j = i + 1
            while j < len(lines) and not lines[j].startswith("}"):
                j += 1
            yield (m.group(1).split("::")[-1] if m else "?"), i + 1, j - i + 1
            i = j
        i += 1


def main():
    problems = []
    for path in sorted((ROOT / "src").rglob("*")):
        if path.suffix not in (".cpp", ".h"):
            continue
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")
        if rel.startswith("src/core/"):
            for n, l in enumerate(lines, 1):
                if re.search(r'#include\s*[<"](GL|GLFW|imgui|emscripten/html5|app/|platform/)', l):
                    problems.append(f"{rel}:{n}: platform or UI include in the core: {l.strip()}")
        if rel.startswith("src/app/"):
            for n, l in enumerate(lines, 1):
                if re.search(r"\b(fopen|opendir|readdir|read_file|write_file\w*|std::ifstream|std::ofstream)\b|<dirent.h>|\"core/io.h\"", l):
                    problems.append(f"{rel}:{n}: file I/O in src/app (platforms hand files over as bytes): {l.strip()}")
            if rel != "src/app/ui.cpp":
                for n, l in enumerate(lines, 1):
                    if re.search(r"\bImGui::(Slider|VSlider)\w*\(", l):
                        problems.append(f"{rel}:{n}: a raw ImGui slider (use ui::slider_int/slider_float): {l.strip()}")
        if not (rel.startswith("src/app/") or rel.startswith("src/platform/")):
            continue
        if len(lines) > MAX_FILE:
            problems.append(f"{rel}: {len(lines)} lines (at most {MAX_FILE})")
        depth = 0
        for n, l in enumerate(lines, 1):
            if depth > 0 and re.match(r"\s+extern\b", l):
                problems.append(f"{rel}:{n}: `extern` inside a function: declare it in a header")
            depth += l.count("{") - l.count("}") if not l.lstrip().startswith("namespace") else 0
        for name, first, length in functions(lines):
            if length > MAX_FUNC and (rel, name) not in FUNC_EXEMPT:
                problems.append(f"{rel}:{first}: {name}() is {length} lines (at most {MAX_FUNC})")
    for p in problems:
        print(p)
    print(f"check_layout: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
