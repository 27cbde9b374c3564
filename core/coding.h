#pragma once
// Byte-aligned encodings the on-disk formats share: LEB128 varints, zigzag for signed values
// and little-endian fixed-width integers.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::core {

// Inline: the remote-write encoder writes several for every sample it sends.
inline void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
// The bytes PutVarint writes for `v`.
inline size_t VarintLength(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
// Reads a varint from *in, consuming it; false on truncation or overflow.
bool GetVarint(std::string_view* in, uint64_t* v);

// Small magnitudes of either sign become small unsigned numbers, so they make short varints.
inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

inline void EncodeFixed32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return v;
}
inline uint64_t DecodeFixed64(const char* p) {
  return DecodeFixed32(p) | (uint64_t{DecodeFixed32(p + 4)} << 32);
}
inline void PutFixed32(std::string* out, uint32_t v) {
  char b[4];
  EncodeFixed32(b, v);
  out->append(b, sizeof b);
}
inline void PutFixed64(std::string* out, uint64_t v) {
  PutFixed32(out, static_cast<uint32_t>(v));
  PutFixed32(out, static_cast<uint32_t>(v >> 32));
}

}  // namespace vigil::core
