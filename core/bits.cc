#include "core/bits.h"

namespace vigil::core {

void BitWriter::WriteBits(uint64_t value, int count) {
  if (count == 0) return;  // a Rice code's remainder can be zero bits wide
  if (count < 64) value &= (uint64_t{1} << count) - 1;
  if (count <= free_bits_) {
    free_bits_ -= count;
    bytes_.back() = static_cast<char>(static_cast<uint8_t>(bytes_.back()) | (value << free_bits_));
    return;
  }
  // Top up the last byte, then append whole bytes at once, the bits high-aligned in them.
  if (free_bits_ > 0) {
    count -= free_bits_;
    bytes_.back() = static_cast<char>(static_cast<uint8_t>(bytes_.back()) | (value >> count));
    if (count < 64) value &= (uint64_t{1} << count) - 1;
  }
  const int n = (count + 7) / 8;
  free_bits_ = n * 8 - count;
  const uint64_t aligned = value << free_bits_;  // n * 8 bits: no overflow
  char out[8];
  for (int i = 0; i < n; ++i) out[i] = static_cast<char>(aligned >> (8 * (n - 1 - i)));
  bytes_.append(out, static_cast<size_t>(n));
}

void BitWriter::WriteVarbits(uint64_t value) {
  do {
    const uint64_t group = value & 0x7f;
    value >>= 7;
    WriteBits((value != 0 ? 0x80 : 0) | group, 8);
  } while (value != 0);
}

uint64_t BitReader::ReadBits(int count) {
  uint64_t result = 0;
  while (count > 0) {
    if (acc_bits_ == 0) {
      if (pos_ >= in_.size()) {
        ok_ = false;
        return 0;
      }
      acc_ = static_cast<uint8_t>(in_[pos_++]);
      acc_bits_ = 8;
    }
    int take = count < acc_bits_ ? count : acc_bits_;
    acc_bits_ -= take;
    result = (result << take) | ((acc_ >> acc_bits_) & ((uint64_t{1} << take) - 1));
    count -= take;
  }
  return result;
}

uint64_t BitReader::ReadVarbits() {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    uint64_t group = ReadBits(8);
    if (!ok_) return 0;
    value |= (group & 0x7f) << shift;
    if ((group & 0x80) == 0) return value;
  }
  ok_ = false;  // more than ten groups: not something a writer produced
  return 0;
}

}  // namespace vigil::core
