#include "remote/xor_chunk.h"

#include <algorithm>
#include <bit>

#include "core/bits.h"
#include "core/coding.h"

namespace vigil::remote {
namespace {

uint64_t Bits(double v) { return std::bit_cast<uint64_t>(v); }

// Prometheus's bucket test: one more positive value than two's complement, one fewer negative.
bool InBucket(int64_t dod, int width) {
  const int64_t half = int64_t{1} << (width - 1);
  return dod >= -(half - 1) && dod <= half;
}

struct DodBucket {
  uint64_t prefix;
  int prefix_bits;
  int width;
};
constexpr DodBucket kDodBuckets[] = {{0b10, 2, 14}, {0b110, 3, 17}, {0b1110, 4, 20}};

// A bit stream as Prometheus's bstream leaves it. A write of whole bytes that ends on a byte
// boundary (the first sample's time and value, a delta's bytes, a value's window of 8, 16, ...
// bits) leaves one empty byte after it, which the next write fills; a chunk that ends there
// keeps it. Readers never look at it; it is written so the bytes are Prometheus's.
class PromBits {
 public:
  explicit PromBits(std::string header) : w_(std::move(header)) {}
  void Write(uint64_t value, int count) {
    w_.WriteBits(value, count);
    bits_ += static_cast<uint64_t>(count);
    empty_tail_ = count >= 8 && count % 8 == 0 && bits_ % 8 == 0;
  }
  void WriteVarbits(uint64_t value) {
    do {
      const uint64_t group = value & 0x7f;
      value >>= 7;
      Write((value != 0 ? 0x80 : 0) | group, 8);
    } while (value != 0);
  }
  std::string Release() && {
    std::string out = std::move(w_).Release();
    if (empty_tail_) out.push_back('\0');
    return out;
  }

 private:
  core::BitWriter w_;
  uint64_t bits_ = 0;  // after the header
  bool empty_tail_ = false;
};

// The value's XOR with the previous one, inside the previous window of meaningful bits when
// it fits.
struct XorState {
  uint64_t previous = 0;
  uint8_t leading = 0xff;  // no window yet
  uint8_t trailing = 0;

  void Write(PromBits& w, double value) {
    const uint64_t x = Bits(value) ^ previous;
    previous = Bits(value);
    if (x == 0) {
      w.Write(0, 1);
      return;
    }
    const auto lead = static_cast<uint8_t>(std::min(std::countl_zero(x), 31));
    const auto trail = static_cast<uint8_t>(std::countr_zero(x));
    if (leading != 0xff && lead >= leading && trail >= trailing) {
      w.Write(0b10, 2);
      w.Write(x >> trailing, 64 - leading - trailing);
      return;
    }
    leading = lead;
    trailing = trail;
    const int width = 64 - lead - trail;
    w.Write(0b11, 2);
    w.Write(lead, 5);
    w.Write(static_cast<uint64_t>(width & 63), 6);
    w.Write(x >> trail, width);
  }

  bool Read(core::BitReader& r, double* value) {
    if (r.ReadBit()) {
      if (r.ReadBit()) {
        leading = static_cast<uint8_t>(r.ReadBits(5));
        int width = static_cast<int>(r.ReadBits(6));
        if (width == 0) width = 64;
        if (leading + width > 64) return false;
        trailing = static_cast<uint8_t>(64 - leading - width);
      } else if (leading == 0xff) {
        return false;  // the previous window reused before there was one
      }
      previous ^= r.ReadBits(64 - leading - trailing) << trailing;
    }
    *value = std::bit_cast<double>(previous);
    return r.ok();
  }
};

int64_t Wrapping(uint64_t v) { return static_cast<int64_t>(v); }

}  // namespace

std::string EncodeXorChunk(std::span<const core::Sample> samples) {
  const size_t count = std::min<size_t>(samples.size(), 0xffff);
  std::string header(2, '\0');
  header[0] = static_cast<char>(count >> 8);
  header[1] = static_cast<char>(count & 0xff);
  PromBits w(std::move(header));
  XorState values;
  int64_t t = 0;
  uint64_t delta = 0;
  for (size_t i = 0; i < count; ++i) {
    const core::Sample& s = samples[i];
    if (i == 0) {
      w.WriteVarbits(core::ZigZag(s.timestamp_ms));
      w.Write(Bits(s.value), 64);
      values.previous = Bits(s.value);
    } else if (i == 1) {
      delta = static_cast<uint64_t>(s.timestamp_ms) - static_cast<uint64_t>(t);
      w.WriteVarbits(delta);
      values.Write(w, s.value);
    } else {
      const uint64_t next = static_cast<uint64_t>(s.timestamp_ms) - static_cast<uint64_t>(t);
      const int64_t dod = Wrapping(next - delta);
      delta = next;
      if (dod == 0) {
        w.Write(0, 1);
      } else {
        const DodBucket* bucket = nullptr;
        for (const DodBucket& b : kDodBuckets) {
          if (InBucket(dod, b.width)) {
            bucket = &b;
            break;
          }
        }
        if (bucket != nullptr) {
          w.Write(bucket->prefix, bucket->prefix_bits);
          w.Write(static_cast<uint64_t>(dod), bucket->width);
        } else {
          w.Write(0b1111, 4);
          w.Write(static_cast<uint64_t>(dod), 64);
        }
      }
      values.Write(w, s.value);
    }
    t = s.timestamp_ms;
  }
  return std::move(w).Release();
}

core::Status DecodeXorChunk(std::string_view chunk, std::vector<core::Sample>* out) {
  auto damaged = [](const char* what) {
    return core::InvalidArgumentError(std::string("XOR chunk: ") + what);
  };
  if (chunk.size() < 2) return damaged("shorter than its header");
  const unsigned count = (static_cast<uint8_t>(chunk[0]) << 8) | static_cast<uint8_t>(chunk[1]);
  core::BitReader r(chunk.substr(2));
  XorState values;
  int64_t t = 0;
  uint64_t delta = 0;
  for (unsigned i = 0; i < count; ++i) {
    double v = 0;
    if (i == 0) {
      t = core::UnZigZag(r.ReadVarbits());
      values.previous = r.ReadBits(64);
      v = std::bit_cast<double>(values.previous);
      if (!r.ok()) return damaged("truncated");
    } else {
      if (i == 1) {
        delta = r.ReadVarbits();
      } else {
        int ones = 0;
        while (ones < 4 && r.ReadBit()) ++ones;
        if (ones == 4) {
          delta += r.ReadBits(64);
        } else if (ones > 0) {
          const int width = kDodBuckets[ones - 1].width;
          uint64_t bits = r.ReadBits(width);
          if (bits > (uint64_t{1} << (width - 1))) bits -= uint64_t{1} << width;
          delta += bits;
        }
      }
      t = Wrapping(static_cast<uint64_t>(t) + delta);
      if (!values.Read(r, &v))
        return damaged(r.ok() ? "value window wider than 64 bits" : "truncated");
    }
    out->push_back({t, v});
  }
  return core::OkStatus();
}

}  // namespace vigil::remote
