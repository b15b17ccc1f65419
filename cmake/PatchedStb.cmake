# The stb headers bloodcell compiles against: Debian's (libstb-dev), with stb_image.h patched.
#
# Debian bookworm ships stb_image v2.27, whose JPEG and deflate decoders trust counts and codes in the
# file (a crafted Huffman table writes past its arrays; issue 16). Later stb releases added the checks.
# We keep Debian's package as the one source (nothing vendored, same header natively and under
# Emscripten) and apply a small committed patch that backports those checks: the patch is short enough
# to review line by line, and the hash check below makes sure it is applied to exactly the file it was
# written for. A newer libstb-dev fails the configure with a message instead of building silently
# against a header nobody checked.
#
# Result: BLOODCELL_STB_DIR, a folder in the build tree that holds the patched stb_image.h and
# unchanged copies of the other stb headers we use (BLOODCELL_STB_OTHER_HEADERS: add one there before
# including it), and nothing else, so an unpatched stb_image.h cannot be picked up by accident. src/core/stb_impl.cpp refuses to compile without the
# patch's STBI_BLOODCELL_PATCHED.

set(BLOODCELL_STB_IMAGE_SHA256 "91f435e0fc6a620018b878b9859c74dff60d28046f87e649191ad6f35a98c722")
set(BLOODCELL_STB_PATCH "${CMAKE_CURRENT_LIST_DIR}/stb_image_v2.27.patch")
set(BLOODCELL_STB_DIR "${CMAKE_BINARY_DIR}/stb")

set(_stb_src "${STB_INCLUDE_DIR}/stb_image.h")
if(NOT EXISTS "${_stb_src}")
  message(FATAL_ERROR "stb_image.h not found in ${STB_INCLUDE_DIR} (install Debian's libstb-dev: scripts/install_deps.sh)")
endif()
file(SHA256 "${_stb_src}" _stb_sha)
if(NOT _stb_sha STREQUAL BLOODCELL_STB_IMAGE_SHA256)
  message(FATAL_ERROR
    "${_stb_src} is not the stb_image.h that cmake/stb_image_v2.27.patch was written for.\n"
    "  SHA-256 found:    ${_stb_sha}\n"
    "  SHA-256 expected: ${BLOODCELL_STB_IMAGE_SHA256} (Debian bookworm libstb-dev 0.0~git20220908.8b5f1f3+ds-1, stb_image v2.27)\n"
    "A different libstb-dev is installed. Check which of the patch's bounds checks the new header already has, "
    "update the patch and BLOODCELL_STB_IMAGE_SHA256 in cmake/PatchedStb.cmake, and rerun the fuzz regressions "
    "(tests/fuzz/replay.sh).")
endif()

find_program(BLOODCELL_PATCH_EXECUTABLE patch)
if(NOT BLOODCELL_PATCH_EXECUTABLE)
  message(FATAL_ERROR "'patch' not found: it applies cmake/stb_image_v2.27.patch (Debian package patch; scripts/install_deps.sh installs it)")
endif()

# Patch a fresh copy in a scratch folder, then copy it over only when it changed (no needless rebuilds).
set(_stb_work "${CMAKE_BINARY_DIR}/stb_patch_work")
file(REMOVE_RECURSE "${_stb_work}")
file(MAKE_DIRECTORY "${_stb_work}")
configure_file("${_stb_src}" "${_stb_work}/stb_image.h" COPYONLY)
execute_process(
  COMMAND "${BLOODCELL_PATCH_EXECUTABLE}" -p1 --fuzz=0 --force --no-backup-if-mismatch -i "${BLOODCELL_STB_PATCH}"
  WORKING_DIRECTORY "${_stb_work}"
  RESULT_VARIABLE _stb_rc OUTPUT_VARIABLE _stb_out ERROR_VARIABLE _stb_out)
if(NOT _stb_rc EQUAL 0)
  message(FATAL_ERROR "cmake/stb_image_v2.27.patch does not apply to ${_stb_src}:\n${_stb_out}")
endif()
file(STRINGS "${_stb_work}/stb_image.h" _stb_marker REGEX "^#define STBI_BLOODCELL_PATCHED 1")
if(NOT _stb_marker)
  message(FATAL_ERROR "the patched stb_image.h lacks STBI_BLOODCELL_PATCHED (is cmake/stb_image_v2.27.patch complete?)")
endif()
configure_file("${_stb_work}/stb_image.h" "${BLOODCELL_STB_DIR}/stb_image.h" COPYONLY)
set(BLOODCELL_STB_OTHER_HEADERS stb_image_write.h stb_easy_font.h)
foreach(_h ${BLOODCELL_STB_OTHER_HEADERS})
  configure_file("${STB_INCLUDE_DIR}/${_h}" "${BLOODCELL_STB_DIR}/${_h}" COPYONLY)
endforeach()
file(REMOVE_RECURSE "${_stb_work}")
# a new patch (or header) reruns this at the next build
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${BLOODCELL_STB_PATCH}" "${_stb_src}")
message(STATUS "stb_image.h: Debian's v2.27 patched with cmake/stb_image_v2.27.patch -> ${BLOODCELL_STB_DIR}")
