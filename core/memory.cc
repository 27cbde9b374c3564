#include "core/memory.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace vigil::core {

void GiveBackFreeMemory() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

void MapLargeAllocations(size_t bytes) {
#ifdef __GLIBC__
  // Setting either fixes both: neither moves any more.
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(bytes));
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(bytes));
#else
  (void)bytes;
#endif
}

}  // namespace vigil::core
