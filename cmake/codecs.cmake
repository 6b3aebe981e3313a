# libopus, libsoxr and libspeexdsp: built from the vendored sources in third_party/ as
# static, position-independent libraries linked into the extension modules (what wheels
# ship: no system library needed at run time), or, with VONA_SYSTEM_CODECS=ON, found with
# pkg-config (what distributions want). Either way the rest of the build links vona::opus,
# vona::soxr and vona::speexdsp.

if(VONA_SYSTEM_CODECS)
  find_package(PkgConfig)
  if(NOT PKG_CONFIG_FOUND)
    message(FATAL_ERROR "VONA_SYSTEM_CODECS=ON needs pkg-config to find libopus and libsoxr "
      "(Debian/Ubuntu: apt-get install pkg-config; macOS: brew install pkg-config), "
      "or build with VONA_SYSTEM_CODECS=OFF to use the vendored sources")
  endif()
  foreach(pc opus soxr speexdsp)
    string(TOUPPER ${pc} var)
    pkg_check_modules(${var} IMPORTED_TARGET GLOBAL ${pc})
    if(NOT ${var}_FOUND)
      message(FATAL_ERROR "VONA_SYSTEM_CODECS=ON but pkg-config finds no '${pc}': install "
        "lib${pc}-dev (Debian/Ubuntu), ${pc}-devel (Fedora) or lib${pc}/opus (Homebrew), "
        "or build with VONA_SYSTEM_CODECS=OFF to use the vendored sources")
    endif()
    add_library(vona::${pc} ALIAS PkgConfig::${var})
  endforeach()
  set(VONA_CODECS_ORIGIN "system")
  return()
endif()

set(VONA_THIRD_PARTY ${CMAKE_SOURCE_DIR}/third_party)
foreach(dir opus/CMakeLists.txt soxr/CMakeLists.txt speexdsp/libspeexdsp/mdf.c)
  if(NOT EXISTS ${VONA_THIRD_PARTY}/${dir})
    message(FATAL_ERROR "third_party/${dir} is missing from this source tree; restore it "
      "(scripts/vendor-codecs.sh) or build with VONA_SYSTEM_CODECS=ON")
  endif()
endforeach()

# The vendored projects' own install rules (headers, pkg-config files, static archives)
# must not end up in the wheel: scikit-build installs only the `vona` component.
set(BUILD_SHARED_LIBS OFF CACHE BOOL "" FORCE)
set(BUILD_TESTING OFF)

# libopus: float build, run-time CPU dispatch for SSE4.1/AVX2 as upstream configures it.
set(OPUS_BUILD_SHARED_LIBRARY OFF CACHE BOOL "" FORCE)
set(OPUS_BUILD_TESTING OFF CACHE BOOL "" FORCE)
set(OPUS_BUILD_PROGRAMS OFF CACHE BOOL "" FORCE)
set(OPUS_INSTALL_PKG_CONFIG_MODULE OFF CACHE BOOL "" FORCE)
set(OPUS_INSTALL_CMAKE_CONFIG_MODULE OFF CACHE BOOL "" FORCE)
set(OPUS_DRED OFF CACHE BOOL "" FORCE)
set(OPUS_OSCE OFF CACHE BOOL "" FORCE)
add_subdirectory(${VONA_THIRD_PARTY}/opus ${CMAKE_BINARY_DIR}/third_party/opus EXCLUDE_FROM_ALL)
target_compile_options(opus PRIVATE -w)
add_library(vona::opus ALIAS opus)

# libsoxr: no OpenMP (one resampler per stream, on the caller's thread), no tests, no
# libsamplerate-compatible second library. Its CMake predates 3.5 and finds its modules
# from the top source directory, so both are given here instead of patching it.
set(WITH_OPENMP OFF CACHE BOOL "" FORCE)
set(BUILD_TESTS OFF CACHE BOOL "" FORCE)
set(BUILD_EXAMPLES OFF CACHE BOOL "" FORCE)
set(WITH_LSR_BINDINGS OFF CACHE BOOL "" FORCE)
set(WITH_DEV_TRACE OFF CACHE BOOL "" FORCE)
set(CMAKE_POLICY_VERSION_MINIMUM 3.5)
list(APPEND CMAKE_MODULE_PATH ${VONA_THIRD_PARTY}/soxr/cmake/Modules)
add_subdirectory(${VONA_THIRD_PARTY}/soxr ${CMAKE_BINARY_DIR}/third_party/soxr EXCLUDE_FROM_ALL)
unset(CMAKE_POLICY_VERSION_MINIMUM)
target_compile_options(soxr PRIVATE -w)
target_include_directories(soxr INTERFACE ${VONA_THIRD_PARTY}/soxr/src)
add_library(vona::soxr ALIAS soxr)

# libspeexdsp: only the echo canceller and the preprocessor (its residual-echo suppressor
# and denoiser), float build with the smallft FFT, as upstream's configure defaults to. It
# has no CMake of its own; the one generated header it needs is written here.
set(VONA_SPX ${VONA_THIRD_PARTY}/speexdsp)
set(VONA_SPX_GEN ${CMAKE_BINARY_DIR}/third_party/speexdsp/include)
file(WRITE ${VONA_SPX_GEN}/speexdsp_config_types.h
  "#ifndef __SPEEX_TYPES_H__\n#define __SPEEX_TYPES_H__\n#include <stdint.h>\n"
  "typedef int16_t spx_int16_t;\ntypedef uint16_t spx_uint16_t;\n"
  "typedef int32_t spx_int32_t;\ntypedef uint32_t spx_uint32_t;\n#endif\n")
add_library(vona_speexdsp STATIC
  ${VONA_SPX}/libspeexdsp/mdf.c ${VONA_SPX}/libspeexdsp/preprocess.c
  ${VONA_SPX}/libspeexdsp/fftwrap.c ${VONA_SPX}/libspeexdsp/smallft.c
  ${VONA_SPX}/libspeexdsp/filterbank.c)
target_include_directories(vona_speexdsp PUBLIC ${VONA_SPX}/include ${VONA_SPX_GEN}
  PRIVATE ${VONA_SPX}/libspeexdsp)
target_compile_definitions(vona_speexdsp PRIVATE FLOATING_POINT USE_SMALLFT EXPORT=)
target_compile_options(vona_speexdsp PRIVATE -O2 -w)
target_link_libraries(vona_speexdsp PUBLIC m)
set_target_properties(vona_speexdsp PROPERTIES
  ARCHIVE_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/third_party/speexdsp OUTPUT_NAME speexdsp)
add_library(vona::speexdsp ALIAS vona_speexdsp)
set(VONA_CODECS_ORIGIN "vendored")
