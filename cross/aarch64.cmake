set(VIGIL_TRIPLE aarch64-linux-gnu)
set(VIGIL_PROCESSOR aarch64)
set(VIGIL_QEMU aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain.cmake)
