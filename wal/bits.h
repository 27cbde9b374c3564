#pragma once
// Bit streams for the sample codec: most significant bit of each byte first, and the varint
// helpers both byte- and bit-aligned payloads use.
#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::wal {

class BitWriter {
 public:
  explicit BitWriter(std::string* out) : out_(out) {}
  void WriteBit(bool bit) { WriteBits(bit ? 1 : 0, 1); }
  // The low `count` bits of `value`, highest first; count <= 64.
  void WriteBits(uint64_t value, int count);
  // 8-bit groups: a continuation bit, then 7 value bits, lowest group first.
  void WriteVarbits(uint64_t value);
  // Pads the last byte with zero bits.
  void Flush();

 private:
  std::string* out_;
  uint64_t acc_ = 0;  // pending bits, right-aligned
  int acc_bits_ = 0;
};

class BitReader {
 public:
  explicit BitReader(std::string_view in) : in_(in) {}
  // False once the input runs out; a caller must check ok() after reading.
  bool ReadBit() { return ReadBits(1) != 0; }
  uint64_t ReadBits(int count);
  uint64_t ReadVarbits();
  bool ok() const { return ok_; }

 private:
  std::string_view in_;
  size_t pos_ = 0;  // next byte
  uint64_t acc_ = 0;
  int acc_bits_ = 0;
  bool ok_ = true;
};

void PutVarint(std::string* out, uint64_t v);
// Reads a varint from *in, consuming it; false on truncation or overflow.
bool GetVarint(std::string_view* in, uint64_t* v);
inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

}  // namespace vigil::wal
