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

}  // namespace vigil::core
