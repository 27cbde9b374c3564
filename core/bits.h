#pragma once
// Bit streams for the sample codecs (the WAL's sample records, the server's chunks): the most
// significant bit of each byte first, the last byte padded with zero bits.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace vigil::core {

// Appends bits to a byte string it owns. The string is whole after every call (the unused low
// bits of its last byte are zero), so the head can read a chunk it is still appending to.
class BitWriter {
 public:
  // The bits follow `prefix`: bytes such as a header, written before and byte-aligned.
  explicit BitWriter(std::string prefix = {}) : bytes_(std::move(prefix)) {}
  void WriteBit(bool bit) { WriteBits(bit ? 1 : 0, 1); }
  // The low `count` bits of `value`, highest first; count <= 64.
  void WriteBits(uint64_t value, int count);
  // 8-bit groups: a continuation bit, then 7 value bits, lowest group first.
  void WriteVarbits(uint64_t value);
  // Overwrites a byte of the prefix (a header that counts what follows it).
  void SetByte(size_t at, char byte) { bytes_[at] = byte; }

  std::string_view bytes() const { return bytes_; }
  size_t capacity() const { return bytes_.capacity(); }
  // Takes the bytes out; the writer is spent.
  std::string Release() && { return std::move(bytes_); }

 private:
  std::string bytes_;
  int free_bits_ = 0;  // unused low bits of the last byte
};

class BitReader {
 public:
  explicit BitReader(std::string_view in) : in_(in) {}
  // Reads past the end return zeros and clear ok(): a caller checks ok() after reading.
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

}  // namespace vigil::core
