#pragma once
// Memory the process freed, given back to the system: glibc keeps what a thread freed in that
// thread's arena for its next allocations, which after a rare large piece of work (a block
// cut, a very large query) leaves RSS at the high-water mark for good.
#include <cstddef>

namespace vigil::core {

// Returns free memory from every arena to the system (malloc_trim); a no-op elsewhere. Costs
// a walk over the arenas: for after large work, not after every request.
void GiveBackFreeMemory();

// Allocations of at least `bytes` get a mapping of their own, unmapped as soon as they are
// freed. Without this glibc raises that threshold to the largest block freed so far (up to
// 32 MB) and its trim threshold to twice that, after which a thread's arena keeps what such
// blocks leave: one 200 KB query, parsed on each pool thread in turn, left RSS 40 MB higher
// for good. A no-op outside glibc.
void MapLargeAllocations(size_t bytes);

}  // namespace vigil::core
