#pragma once
// Gorilla-compressed chunks of one series' samples, as Prometheus's XOR chunks: timestamps as
// delta-of-delta in variable-width buckets, values XORed with the previous one inside a window
// of meaningful bits. About 1.3 bytes a sample for regular scrapes. The bytes are the chunk:
// the same bytes live in the head, in a block's chunks file and are what a reader decodes.
//
//   chunk   := count:u16le  first  second?  rest*          (bit stream, high bit first)
//   first   := zigzag(t):varbits  value:64
//   second  := zigzag(t1 - t0):varbits  xor
//   rest    := dod  xor
//   dod     := '0' | '10' 14b | '110' 17b | '1110' 20b | '1111' 64b     (two's complement)
//   xor     := '0' (same value) | '10' bits (previous window) | '11' leading:5 width:6 bits
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/labels.h"
#include "core/status.h"

namespace vigil::storage {

// Prometheus cuts a chunk at 120 samples: past it compression barely improves and every
// query that touches the chunk decodes more than it needs.
inline constexpr uint16_t kSamplesPerChunk = 120;

class ChunkAppender {
 public:
  ChunkAppender() { bytes_.assign(2, '\0'); }
  // Timestamps must increase; the caller checks.
  void Append(int64_t t, double v);
  uint16_t count() const { return count_; }
  int64_t min_time() const { return min_t_; }
  int64_t max_time() const { return t_; }
  // The chunk as it stands (a complete chunk: the last byte is padded).
  std::string_view bytes() const { return bytes_; }
  // Takes the bytes out; the appender is spent.
  std::string Release() { return std::move(bytes_); }
  size_t memory() const { return sizeof(*this) + bytes_.capacity(); }

 private:
  void WriteBits(uint64_t value, int count);
  void WriteVarbits(uint64_t value);
  void WriteValue(double v);

  std::string bytes_;
  int free_bits_ = 0;  // unused low bits of the last byte
  uint16_t count_ = 0;
  int64_t min_t_ = 0;
  int64_t t_ = 0;
  int64_t delta_ = 0;
  uint64_t value_bits_ = 0;
  uint8_t leading_ = 0xff;  // 0xff: no window yet
  uint8_t trailing_ = 0;
};

// Decodes every sample of `chunk` into *out (appending). DataLoss on bytes no appender made.
core::Status DecodeChunk(std::string_view chunk, std::vector<core::Sample>* out);

// Encodes sorted samples into chunks of up to kSamplesPerChunk.
struct EncodedChunk {
  int64_t min_time = 0;
  int64_t max_time = 0;
  std::string bytes;
};
std::vector<EncodedChunk> EncodeChunks(const std::vector<core::Sample>& samples);

}  // namespace vigil::storage
