#pragma once
// Memory the process freed, given back to the system: glibc keeps what a thread freed in that
// thread's arena for its next allocations, which after a rare large piece of work (a block
// cut) leaves RSS at the high-water mark. (Making glibc map large allocations of their own
// instead made a 10,000-series range query 40% slower: every query faulted its pages in anew.)
namespace vigil::core {

// Returns free memory from every arena to the system (malloc_trim); a no-op elsewhere. Costs
// a walk over the arenas: for after large work, not after every request.
void GiveBackFreeMemory();

}  // namespace vigil::core
