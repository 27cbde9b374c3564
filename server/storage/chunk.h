#pragma once
// Compressed chunks of one series' samples, in two encodings told apart by the top bit of the
// sample count. The bytes are the chunk: the same bytes live in the head, in a block's chunks
// file and are what a reader decodes.
//
// The XOR encoding is Prometheus's (Gorilla): timestamps as delta-of-delta in variable-width
// buckets, values XORed with the previous one inside a window of meaningful bits. It can be
// appended to sample by sample, so the head's open chunk uses it.
//
//   chunk   := count:u16le  first  second?  rest*          (bit stream, high bit first)
//   first   := zigzag(t):varbits  value:64
//   second  := zigzag(t1 - t0):varbits  xor
//   rest    := dod  xor
//   dod     := '0' | '10' 14b | '110' 17b | '1110' 20b | '1111' 64b     (two's complement)
//   xor     := '0' (same value) | '10' bits (previous window) | '11' leading:5 width:6 bits
//
// The packed encoding is written once a chunk is closed, when it is the smaller. Values that
// are decimals (integers, or what a text exposition's "0.52" parses to) are stored as integer
// mantissas m with one power of ten for the chunk, v = m / 10^e, exactly; their differences and
// the timestamps' delta-of-deltas are Rice-coded with a parameter chosen for the chunk, so
// scrape jitter of a few milliseconds costs a few bits, not Gorilla's 16. Other values keep
// the XOR coding.
//
//   packed  := (count | 0x8000):u16le  zigzag(t0):varbits  [zigzag(t1 - t0):varbits
//              [kt:5  rice(zigzag(dod), kt){count - 2}]]  values
//   values  := '0' e:4 zigzag(m0):varbits [kv:6 rice(zigzag(m[i] - m[i-1]), kv){count - 1}]
//            | '1' value:64  xor{count - 1}
//   rice(x, k) := q '1's '0' (x & (2^k - 1)):k     where q = x >> k < 24
//               | 24 '1's  x:64
//   A parameter of all '1's (kt = 31, kv = 63) says every difference is 0: no rice follows.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bits.h"
#include "core/labels.h"
#include "core/status.h"

namespace vigil::storage {

// Prometheus cuts a chunk at 120 samples: past it compression barely improves and every
// query that touches the chunk decodes more than it needs.
inline constexpr uint16_t kSamplesPerChunk = 120;
// A block's chunks are written once and read whole: there, a series' range (2 h at a 15 s
// interval) goes in one chunk, with one header and one index entry instead of four.
inline constexpr uint16_t kSamplesPerBlockChunk = 480;

namespace chunk_internal {
// Gorilla's value coding, shared by both encodings: the XOR with the previous value, inside
// the previous window of meaningful bits when it fits, else in a new one. The WAL's sample
// records (wal/codec.cc) code values the same way but for one field: they write the width of
// a new window as width - 1 (1..64 as 0..63), where chunks write it as Prometheus does, width
// mod 64 (64 as 0). Both formats are on disk, so each keeps its own coder.
struct XorWriter {
  uint64_t bits = 0;
  uint8_t leading = 0xff;  // 0xff: no window yet
  uint8_t trailing = 0;

  template <class WriteBits>
  void Write(uint64_t next, WriteBits write) {
    const uint64_t x = next ^ bits;
    bits = next;
    if (x == 0) {
      write(0, 1);
      return;
    }
    const int lead = std::min(std::countl_zero(x), 31);
    const int trail = std::countr_zero(x);
    if (leading != 0xff && lead >= leading && trail >= trailing) {
      write(0b10, 2);
      write(x >> trailing, 64 - leading - trailing);
      return;
    }
    leading = static_cast<uint8_t>(lead);
    trailing = static_cast<uint8_t>(trail);
    const int width = 64 - lead - trail;  // 1..64; 64 is written as 0
    write(0b11, 2);
    write(static_cast<uint64_t>(lead), 5);
    write(static_cast<uint64_t>(width & 63), 6);
    write(x >> trail, width);
  }
};
}  // namespace chunk_internal

class ChunkAppender {
 public:
  ChunkAppender() : bits_(std::string(2, '\0')) {}
  // Timestamps must increase; the caller checks.
  void Append(int64_t t, double v);
  uint16_t count() const { return count_; }
  int64_t min_time() const { return min_t_; }
  int64_t max_time() const { return t_; }
  // The chunk as it stands (a complete chunk: the last byte is padded).
  std::string_view bytes() const { return bits_.bytes(); }
  // Takes the bytes out; the appender is spent.
  std::string Release() { return std::move(bits_).Release(); }
  size_t memory() const { return sizeof(*this) + bits_.capacity(); }

 private:
  void WriteValue(double v);

  // The count goes in the writer's tail padding: every series has an open chunk.
  [[no_unique_address]] core::BitWriter bits_;
  uint16_t count_ = 0;
  int64_t min_t_ = 0;
  int64_t t_ = 0;
  int64_t delta_ = 0;
  chunk_internal::XorWriter xor_;
};

// Decodes every sample of `chunk` into *out (appending). DataLoss on bytes no appender made.
core::Status DecodeChunk(std::string_view chunk, std::vector<core::Sample>* out);
// How many samples the chunk holds (its header), either encoding.
inline unsigned ChunkSamples(std::string_view chunk) {
  return (static_cast<uint8_t>(chunk[0]) | (static_cast<uint8_t>(chunk[1]) << 8)) & 0x7fff;
}

// A closed chunk of these samples (sorted, at most 0x7fff) in the smaller encoding.
std::string EncodeClosedChunk(std::span<const core::Sample> samples);
// The packed encoding whatever its size (samples not empty).
std::string EncodePackedChunk(std::span<const core::Sample> samples);
// EncodeClosedChunk for a chunk already encoded (an XOR chunk being closed); its bytes must be
// whole.
std::string CloseChunk(std::string_view chunk);

// Encodes sorted samples into closed chunks of up to `per_chunk` samples.
struct EncodedChunk {
  int64_t min_time = 0;
  int64_t max_time = 0;
  std::string bytes;
};
std::vector<EncodedChunk> EncodeChunks(const std::vector<core::Sample>& samples,
                                       size_t per_chunk = kSamplesPerChunk);

}  // namespace vigil::storage
