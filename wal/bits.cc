#include "wal/bits.h"

namespace vigil::wal {

void BitWriter::WriteBits(uint64_t value, int count) {
  // Feed at most 32 bits at a time so the 64-bit accumulator never overflows.
  while (count > 0) {
    int take = count > 32 ? 32 : count;
    count -= take;
    uint64_t chunk = (value >> count) & ((uint64_t{1} << take) - 1);
    acc_ = (acc_ << take) | chunk;
    acc_bits_ += take;
    while (acc_bits_ >= 8) {
      acc_bits_ -= 8;
      out_->push_back(static_cast<char>(acc_ >> acc_bits_));
    }
    acc_ &= (uint64_t{1} << acc_bits_) - 1;
  }
}

void BitWriter::WriteVarbits(uint64_t value) {
  do {
    uint64_t group = value & 0x7f;
    value >>= 7;
    WriteBits((value != 0 ? 0x80 : 0) | group, 8);
  } while (value != 0);
}

void BitWriter::Flush() {
  if (acc_bits_ > 0) {
    out_->push_back(static_cast<char>(acc_ << (8 - acc_bits_)));
    acc_ = 0;
    acc_bits_ = 0;
  }
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

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    auto byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    result |= uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

}  // namespace vigil::wal
