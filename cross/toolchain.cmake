# Cross toolchain for Debian's cross compilers, with the target's libraries unpacked from
# Debian's packages into VIGIL_SYSROOT (cross/build.sh makes it). Set VIGIL_TRIPLE
# (aarch64-linux-gnu, arm-linux-gnueabihf) and VIGIL_PROCESSOR before this file is read:
# aarch64.cmake and armhf.cmake do.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${VIGIL_PROCESSOR})
set(CMAKE_C_COMPILER ${VIGIL_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${VIGIL_TRIPLE}-g++)

# The unpacked packages: headers under usr/include (and its per-triple directory), libraries
# under usr/lib/<triple>. The compiler keeps its own libc.
set(CMAKE_FIND_ROOT_PATH ${VIGIL_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_LIBRARY_ARCHITECTURE ${VIGIL_TRIPLE})
set(_vigil_includes "-isystem ${VIGIL_SYSROOT}/usr/include -isystem ${VIGIL_SYSROOT}/usr/include/${VIGIL_TRIPLE}")
set(CMAKE_C_FLAGS_INIT "${_vigil_includes}")
set(CMAKE_CXX_FLAGS_INIT "${_vigil_includes}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-L${VIGIL_SYSROOT}/usr/lib/${VIGIL_TRIPLE}")

# pkg-config's PKG_CONFIG_SYSROOT_DIR and PKG_CONFIG_LIBDIR come from cross/build.sh's
# environment: set here they do not reach CMake's pkg-config runs.

# protoc runs on the build machine.
set(Protobuf_PROTOC_EXECUTABLE /usr/bin/protoc CACHE FILEPATH "host protoc")
# Tests run under qemu-user.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-${VIGIL_QEMU}-static)
