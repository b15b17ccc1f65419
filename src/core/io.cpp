// File reading/writing with error messages that name the file and the cause.
#include "core/io.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <sys/stat.h>

namespace core::io {

Result<Bytes> read_file(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
        int e = errno;
        return Result<Bytes>::fail(path + ": " + (e == ENOENT ? std::string("no such file") : std::strerror(e)));
    }
    // a directory opens for reading on Linux, and its "size" from fseek/ftell is LONG_MAX: reserving
    // that threw std::bad_alloc and aborted any command given a folder where a file was wanted
    struct stat st;
    const bool known = fstat(fileno(f), &st) == 0;
    if (known && S_ISDIR(st.st_mode)) {
        std::fclose(f);
        return Result<Bytes>::fail(path + ": is a directory, not a file");
    }
    Bytes out;
    if (known && S_ISREG(st.st_mode) && st.st_size > 0) out.reserve((size_t)st.st_size);
    uint8_t buf[1 << 16];
    size_t got;
    while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) out.insert(out.end(), buf, buf + got);
    bool failed = std::ferror(f);
    std::fclose(f);
    if (failed) return Result<Bytes>::fail(path + ": read error (is it a directory?)");
    return Result<Bytes>::of(std::move(out));
}

Status write_file_atomic(const std::string& path, const uint8_t* data, size_t size) {
    std::string tmp = path + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) return Status::error(path + ": cannot write (" + std::strerror(errno) + ")");
    bool ok = std::fwrite(data, 1, size, f) == size;
    ok = (std::fflush(f) == 0) && ok;
    ok = (std::fclose(f) == 0) && ok;
    if (!ok) {
        std::remove(tmp.c_str());
        return Status::error(path + ": write failed (disk full?)");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        return Status::error(path + ": cannot replace (" + std::strerror(errno) + ")");
    }
    return Status::success();
}

Status write_text_file(const std::string& path, const std::string& text) {
    return write_file_atomic(path, reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

}  // namespace core::io
