#include "server/storage/chunk.h"

#include <bit>
#include <cstring>

#include "wal/bits.h"

namespace vigil::storage {
namespace {

uint64_t Bits(double v) { return std::bit_cast<uint64_t>(v); }

struct DodBucket {
  int prefix_bits;  // the '1's and the closing '0' (none for the last bucket)
  uint64_t prefix;
  int width;
};
constexpr DodBucket kBuckets[] = {{2, 0b10, 14}, {3, 0b110, 17}, {4, 0b1110, 20}};

bool FitsSigned(int64_t v, int width) {
  const int64_t lim = int64_t{1} << (width - 1);
  return v >= -lim && v < lim;
}

int64_t SignExtend(uint64_t v, int width) {
  if (width == 64) return static_cast<int64_t>(v);
  const uint64_t sign = uint64_t{1} << (width - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

// Two's-complement arithmetic without undefined overflow: damaged bytes can decode to any
// delta, and the encoder's differences of extreme timestamps wrap the same way back.
int64_t Add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t Sub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}

core::Status Damaged(const char* what) {
  return core::DataLossError(std::string("damaged chunk: ") + what);
}

}  // namespace

void ChunkAppender::WriteBits(uint64_t value, int count) {
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

void ChunkAppender::WriteVarbits(uint64_t value) {
  do {
    const uint64_t group = value & 0x7f;
    value >>= 7;
    WriteBits((value != 0 ? 0x80 : 0) | group, 8);
  } while (value != 0);
}

void ChunkAppender::WriteValue(double v) {
  const uint64_t bits = Bits(v);
  const uint64_t x = bits ^ value_bits_;
  value_bits_ = bits;
  if (x == 0) {
    WriteBits(0, 1);
    return;
  }
  const int leading = std::min(std::countl_zero(x), 31);
  const int trailing = std::countr_zero(x);
  if (leading_ != 0xff && leading >= leading_ && trailing >= trailing_) {
    WriteBits(0b10, 2);
    WriteBits(x >> trailing_, 64 - leading_ - trailing_);
    return;
  }
  leading_ = static_cast<uint8_t>(leading);
  trailing_ = static_cast<uint8_t>(trailing);
  const int width = 64 - leading - trailing;  // 1..64; 64 is written as 0
  WriteBits(0b11, 2);
  WriteBits(static_cast<uint64_t>(leading), 5);
  WriteBits(static_cast<uint64_t>(width & 63), 6);
  WriteBits(x >> trailing, width);
}

void ChunkAppender::Append(int64_t t, double v) {
  if (count_ == 0) {
    WriteVarbits(wal::ZigZag(t));
    WriteBits(Bits(v), 64);
    value_bits_ = Bits(v);
    min_t_ = t;
  } else if (count_ == 1) {
    delta_ = Sub(t, t_);
    WriteVarbits(wal::ZigZag(delta_));
    WriteValue(v);
  } else {
    const int64_t delta = Sub(t, t_);
    const int64_t dod = Sub(delta, delta_);
    delta_ = delta;
    if (dod == 0) {
      WriteBits(0, 1);
    } else {
      bool written = false;
      for (const DodBucket& b : kBuckets) {
        if (FitsSigned(dod, b.width)) {
          WriteBits(b.prefix, b.prefix_bits);
          WriteBits(static_cast<uint64_t>(dod), b.width);
          written = true;
          break;
        }
      }
      if (!written) {
        WriteBits(0b1111, 4);
        WriteBits(static_cast<uint64_t>(dod), 64);
      }
    }
    WriteValue(v);
  }
  t_ = t;
  ++count_;
  bytes_[0] = static_cast<char>(count_ & 0xff);
  bytes_[1] = static_cast<char>(count_ >> 8);
}

core::Status DecodeChunk(std::string_view chunk, std::vector<core::Sample>* out) {
  if (chunk.size() < 2) return Damaged("shorter than its header");
  const unsigned count = static_cast<uint8_t>(chunk[0]) | (static_cast<uint8_t>(chunk[1]) << 8);
  wal::BitReader r(chunk.substr(2));
  int64_t t = 0, delta = 0;
  uint64_t value = 0;
  int leading = 0, width = 0;
  auto read_value = [&]() -> bool {
    if (!r.ReadBit()) return r.ok();
    if (r.ReadBit()) {
      leading = static_cast<int>(r.ReadBits(5));
      width = static_cast<int>(r.ReadBits(6));
      if (width == 0) width = 64;
      if (leading + width > 64) return false;
    } else if (width == 0) {
      return false;  // a window reused before any was set
    }
    value ^= r.ReadBits(width) << (64 - leading - width);
    return r.ok();
  };
  out->reserve(out->size() + count);
  for (unsigned i = 0; i < count; ++i) {
    if (i == 0) {
      t = wal::UnZigZag(r.ReadVarbits());
      value = r.ReadBits(64);
    } else if (i == 1) {
      delta = wal::UnZigZag(r.ReadVarbits());
      t = Add(t, delta);
      if (!read_value()) return Damaged("value");
    } else {
      int prefix = 0;
      while (prefix < 4 && r.ReadBit()) ++prefix;
      if (prefix > 0) {
        const int w = prefix == 4 ? 64 : kBuckets[prefix - 1].width;
        delta = Add(delta, SignExtend(r.ReadBits(w), w));
      }
      t = Add(t, delta);
      if (!read_value()) return Damaged("value");
    }
    if (!r.ok()) return Damaged("truncated");
    out->push_back({t, std::bit_cast<double>(value)});
  }
  return core::OkStatus();
}

std::vector<EncodedChunk> EncodeChunks(const std::vector<core::Sample>& samples) {
  std::vector<EncodedChunk> chunks;
  ChunkAppender app;
  for (const core::Sample& s : samples) {
    if (app.count() == kSamplesPerChunk) {
      chunks.push_back({app.min_time(), app.max_time(), app.Release()});
      app = ChunkAppender();
    }
    app.Append(s.timestamp_ms, s.value);
  }
  if (app.count() > 0) chunks.push_back({app.min_time(), app.max_time(), app.Release()});
  return chunks;
}

}  // namespace vigil::storage
