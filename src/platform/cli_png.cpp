// The CLI's one stb_image_write implementation (cli_canvas.h write_png).
#include <cstdlib>

#include "core/io.h"
#include "platform/cli_canvas.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb_image_write.h>

namespace cli {

core::Status write_png(const std::string& path, const uint8_t* rgb, int w, int h) {
    int len = 0;
    unsigned char* png = stbi_write_png_to_mem(rgb, w * 3, w, h, 3, &len);
    if (!png) return core::Status::error(path + ": could not encode the PNG");
    core::Status ok = core::io::write_file_atomic(path, png, (size_t)len);
    std::free(png);
    return ok;
}

}  // namespace cli
