// Replays inputs through a fuzz target's LLVMFuzzerTestOneInput without libFuzzer, so the committed
// corpus and regressions run in every build: natively, under ASan + UBSan (gcc or clang), under
// valgrind, and as WebAssembly under Node with the page's flags. Linked with one tests/fuzz/fuzz_*.cpp
// into replay_image, replay_model, replay_npz, replay_specs (CMakeLists.txt); tests/fuzz/replay.sh
// drives them.
//
//   replay_X [--quiet] PATH...     PATH: a file, or a folder (its files, sorted by name)
//
// All inputs run in this one process, in the order given, so state one input leaves behind (stb's
// failure reason, a heap shaped by the last decode) meets the next. Each input is copied into a heap
// block of exactly its size, as libFuzzer does, so a read one byte past the end is an ASan report.
// A sanitizer report, a trap or an abort ends the process with a non-zero status; a clean run prints
// "replay_X: N inputs, no failure" and exits 0. Exit 2: bad usage or an unreadable input.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool read_file(const std::string& path, std::vector<uint8_t>& out) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return false;
    out.clear();
    uint8_t buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.insert(out.end(), buf, buf + n);
    bool ok = !std::ferror(f);
    std::fclose(f);
    return ok;
}

bool is_dir(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool list_dir(const std::string& dir, std::vector<std::string>& out) {
    DIR* d = opendir(dir.c_str());
    if (!d) return false;
    std::vector<std::string> names;
    while (dirent* e = readdir(d)) {
        std::string n = e->d_name;
        if (n == "." || n == "..") continue;
        std::string p = dir + "/" + n;
        if (!is_dir(p)) names.push_back(p);
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    out.insert(out.end(), names.begin(), names.end());
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    const char* self = std::strrchr(argv[0], '/') ? std::strrchr(argv[0], '/') + 1 : argv[0];
    bool quiet = false;
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--quiet") { quiet = true; continue; }
        if (a == "--help" || a == "-h") {
            std::printf("usage: %s [--quiet] FILE_OR_FOLDER...\n", self);
            return 0;
        }
        if (is_dir(a)) {
            if (!list_dir(a, files)) { std::fprintf(stderr, "%s: cannot list %s\n", self, a.c_str()); return 2; }
        } else {
            files.push_back(a);
        }
    }
    if (files.empty()) {
        std::fprintf(stderr, "%s: no inputs (usage: %s [--quiet] FILE_OR_FOLDER...)\n", self, self);
        return 2;
    }
    std::vector<uint8_t> bytes;
    for (const std::string& f : files) {
        if (!read_file(f, bytes)) { std::fprintf(stderr, "%s: cannot read %s\n", self, f.c_str()); return 2; }
        if (!quiet) { std::fprintf(stderr, "%s: %s (%zu bytes)\n", self, f.c_str(), bytes.size()); std::fflush(stderr); }
        // exactly `size` bytes on the heap (libFuzzer passes a valid pointer for an empty input too)
        std::unique_ptr<uint8_t[]> copy(new uint8_t[bytes.empty() ? 1 : bytes.size()]);
        if (!bytes.empty()) std::memcpy(copy.get(), bytes.data(), bytes.size());
        LLVMFuzzerTestOneInput(copy.get(), bytes.size());
    }
    std::printf("%s: %zu inputs, no failure\n", self, files.size());
    return 0;
}
