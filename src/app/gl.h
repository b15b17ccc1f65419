// The one place the app includes OpenGL: GLES 3 headers for WebGL2 (BLOODCELL_GLES3, set by CMake for
// the web target), otherwise desktop GL 3.3 prototypes resolved by linking libGL.
#pragma once
#if defined(BLOODCELL_GLES3)
#include <GLES3/gl3.h>
#else
#ifndef GL_GLEXT_PROTOTYPES
#define GL_GLEXT_PROTOTYPES 1
#endif
#include <GL/gl.h>
#include <GL/glext.h>
#endif
