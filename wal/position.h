#pragma once
// A place in the log, as cursors keep it and their files store it.
#include <cstdint>
#include <tuple>

#include "wal/format.h"

namespace vigil::wal {

// Where a reader is: the `skip`th sample of the record at `offset` in `segment`.
struct Position {
  uint32_t segment = 0;
  uint64_t offset = 0;
  uint64_t skip = 0;
  bool operator==(const Position&) const = default;
  bool operator<(const Position& o) const {
    return std::tie(segment, offset, skip) < std::tie(o.segment, o.offset, o.skip);
  }
};

// The first record of `segment`.
inline Position StartOf(uint32_t segment) { return {segment, kSegmentHeaderSize, 0}; }

}  // namespace vigil::wal
