#pragma once
// Prometheus's XOR chunk (its TSDB's Gorilla encoding, chunk encoding 1), the bytes remote
// read's streamed responses carry. Vigil's own chunks (server/storage/chunk.h) differ from it
// on the wire in three places: the sample count is little-endian there, the second
// timestamp's delta is zigzag-coded there, and a delta-of-delta bucket there holds two's
// complement [-2^(n-1), 2^(n-1)) where Prometheus's holds [-(2^(n-1) - 1), 2^(n-1)]. Stored
// chunks may also be in Vigil's packed encoding; so samples are re-encoded here.
//
//   chunk  := count:u16be  t0:varint  v0:64  [dt1:uvarint  xor  (dod  xor)*]
//   varint := zigzag, 7 bits a byte, lowest first, high bit = more (Go's binary.PutVarint)
//   dod    := '0' | '10' v:14 | '110' v:17 | '1110' v:20 | '1111' v:64
//             (v in [-(2^(n-1) - 1), 2^(n-1)]; read back, v > 2^(n-1) means v - 2^n)
//   xor    := '0' (same value) | '10' bits (the previous window)
//           | '11' leading:5 width:6 bits   (leading at most 31, width 64 written as 0)
// The bit stream is most significant bit first; the last byte is padded with zeros. A chunk
// whose last write was whole bytes ending on a byte boundary has one zero byte more, as
// Prometheus's bit stream keeps it (a one-sample chunk, a last value window of 8, 16, ... bits).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/labels.h"
#include "core/status.h"

namespace vigil::remote {

// Prometheus's head cuts its chunks at 120 samples; readers expect chunks of about that size.
inline constexpr size_t kXorChunkSamples = 120;

// The chunk of `samples` (timestamps increasing, 1 to 65535 of them).
std::string EncodeXorChunk(std::span<const core::Sample> samples);

// Appends the chunk's samples to *out. InvalidArgument for bytes no encoder wrote (truncated,
// a window wider than 64 bits).
core::Status DecodeXorChunk(std::string_view chunk, std::vector<core::Sample>* out);

}  // namespace vigil::remote
