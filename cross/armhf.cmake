set(VIGIL_TRIPLE arm-linux-gnueabihf)
set(VIGIL_PROCESSOR armv7l)
set(VIGIL_QEMU arm)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain.cmake)
