#include "server/storage/chunk.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <span>

#include "core/bits.h"
#include "core/coding.h"

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

constexpr uint16_t kPackedFlag = 0x8000;

struct XorReader {
  uint64_t bits = 0;
  int leading = 0, width = 0;

  bool Read(core::BitReader& r) {
    if (!r.ReadBit()) return r.ok();
    if (r.ReadBit()) {
      leading = static_cast<int>(r.ReadBits(5));
      width = static_cast<int>(r.ReadBits(6));
      if (width == 0) width = 64;
      if (leading + width > 64) return false;
    } else if (width == 0) {
      return false;  // a window reused before any was set
    }
    bits ^= r.ReadBits(width) << (64 - leading - width);
    return r.ok();
  }
};

// ---- The packed encoding's pieces ----

constexpr int kRiceEscape = 24;  // this many '1's: the value follows in 64 bits
constexpr int kMaxDecimalExponent = 15;
constexpr double kPow10[kMaxDecimalExponent + 1] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                                    1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
constexpr double kMaxMantissa = 9007199254740992.0;  // 2^53: every integer below is exact

// The mantissa of `v` at exponent e when v == m / 10^e exactly (division rounds correctly,
// so the reader's division gives back the same double).
bool MantissaAt(double v, int e, int64_t* m) {
  const double scaled = v * kPow10[e];
  if (!(std::fabs(scaled) <= kMaxMantissa)) return false;  // NaN and infinities too
  const auto candidate = static_cast<int64_t>(std::nearbyint(scaled));
  if (Bits(static_cast<double>(candidate) / kPow10[e]) != Bits(v)) return false;  // -0 too
  *m = candidate;
  return true;
}

// The mantissas of all values at the smallest exponent that holds every one of them, or false.
bool Decimals(std::span<const core::Sample> samples, int* exponent, std::vector<int64_t>* m) {
  int e = 0;
  m->resize(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    while (!MantissaAt(samples[i].value, e, &(*m)[i])) {
      if (++e > kMaxDecimalExponent) return false;
    }
  }
  // Values before the one that raised e are restated at the final e.
  for (size_t i = 0; i < samples.size(); ++i) {
    if (!MantissaAt(samples[i].value, e, &(*m)[i])) return false;
  }
  *exponent = e;
  return true;
}

uint64_t RiceBits(uint64_t x, int k) {
  const uint64_t q = x >> k;
  return q < kRiceEscape ? q + 1 + static_cast<uint64_t>(k) : kRiceEscape + 64;
}

int BestRiceParameter(std::span<const uint64_t> xs, int max_k) {
  int best = 0;
  uint64_t best_bits = UINT64_MAX;
  for (int k = 0; k <= max_k; ++k) {
    uint64_t bits = 0;
    for (uint64_t x : xs) bits += RiceBits(x, k);
    if (bits < best_bits) {
      best = k;
      best_bits = bits;
    }
  }
  return best;
}

void WriteRice(core::BitWriter& w, uint64_t x, int k) {
  const uint64_t q = x >> k;
  if (q >= kRiceEscape) {
    w.WriteBits((uint64_t{1} << kRiceEscape) - 1, kRiceEscape);
    w.WriteBits(x, 64);
    return;
  }
  w.WriteBits(((uint64_t{1} << q) - 1) << 1, static_cast<int>(q) + 1);
  w.WriteBits(x, k);
}

uint64_t ReadRice(core::BitReader& r, int k) {
  uint64_t q = 0;
  while (q < kRiceEscape && r.ReadBit()) ++q;
  if (q == kRiceEscape) return r.ReadBits(64);
  return (q << k) | r.ReadBits(k);
}

// A run of zigzagged differences: the Rice parameter in k_bits, then the codes. The
// parameter's largest value says that every difference is zero and none follows, which is
// common (a constant series, scrapes exactly on the interval) and costs no bit per sample.
void WriteRiceRun(core::BitWriter& w, const std::vector<uint64_t>& xs, int k_bits) {
  const int all_zero = (1 << k_bits) - 1;
  if (std::all_of(xs.begin(), xs.end(), [](uint64_t x) { return x == 0; })) {
    w.WriteBits(static_cast<uint64_t>(all_zero), k_bits);
    return;
  }
  const int k = BestRiceParameter(xs, all_zero - 1);
  w.WriteBits(static_cast<uint64_t>(k), k_bits);
  for (uint64_t x : xs) WriteRice(w, x, k);
}

class RiceRunReader {
 public:
  RiceRunReader(core::BitReader& r, int k_bits)
      : r_(r), k_(static_cast<int>(r.ReadBits(k_bits))), all_zero_(k_ == (1 << k_bits) - 1) {}
  int64_t Next() { return all_zero_ ? 0 : core::UnZigZag(ReadRice(r_, k_)); }

 private:
  core::BitReader& r_;
  const int k_;
  const bool all_zero_;
};

}  // namespace

std::string EncodePackedChunk(std::span<const core::Sample> samples) {
  const auto count = static_cast<uint16_t>(samples.size() | kPackedFlag);
  core::BitWriter w(std::string{static_cast<char>(count & 0xff), static_cast<char>(count >> 8)});
  const size_t n = samples.size();
  std::vector<uint64_t> xs;
  w.WriteVarbits(core::ZigZag(samples[0].timestamp_ms));
  if (n >= 2) w.WriteVarbits(core::ZigZag(Sub(samples[1].timestamp_ms, samples[0].timestamp_ms)));
  if (n >= 3) {
    for (size_t i = 2; i < n; ++i) {
      const int64_t d1 = Sub(samples[i].timestamp_ms, samples[i - 1].timestamp_ms);
      const int64_t d0 = Sub(samples[i - 1].timestamp_ms, samples[i - 2].timestamp_ms);
      xs.push_back(core::ZigZag(Sub(d1, d0)));
    }
    WriteRiceRun(w, xs, 5);
  }
  int e = 0;
  std::vector<int64_t> m;
  if (Decimals(samples, &e, &m)) {
    w.WriteBits(0, 1);
    w.WriteBits(static_cast<uint64_t>(e), 4);
    w.WriteVarbits(core::ZigZag(m[0]));
    if (n >= 2) {
      xs.clear();
      for (size_t i = 1; i < n; ++i) xs.push_back(core::ZigZag(m[i] - m[i - 1]));
      WriteRiceRun(w, xs, 6);
    }
  } else {
    w.WriteBits(1, 1);
    w.WriteBits(Bits(samples[0].value), 64);
    chunk_internal::XorWriter x{.bits = Bits(samples[0].value)};
    for (size_t i = 1; i < n; ++i)
      x.Write(Bits(samples[i].value), [&w](uint64_t v, int c) { w.WriteBits(v, c); });
  }
  return std::move(w).Release();
}

namespace {

core::Status DecodePacked(std::string_view chunk, unsigned count, std::vector<core::Sample>* out) {
  core::BitReader r(chunk.substr(2));
  const size_t start = out->size();
  out->resize(start + count);
  core::Sample* s = out->data() + start;
  auto fail = [&](const char* what) {
    out->resize(start);
    return Damaged(what);
  };
  int64_t t = core::UnZigZag(r.ReadVarbits()), delta = 0;
  s[0].timestamp_ms = t;
  if (count >= 2) {
    delta = core::UnZigZag(r.ReadVarbits());
    t = Add(t, delta);
    s[1].timestamp_ms = t;
  }
  if (count >= 3) {
    RiceRunReader dods(r, 5);
    for (unsigned i = 2; i < count; ++i) {
      delta = Add(delta, dods.Next());
      t = Add(t, delta);
      s[i].timestamp_ms = t;
    }
  }
  if (!r.ok()) return fail("truncated timestamps");
  if (!r.ReadBit()) {
    const int e = static_cast<int>(r.ReadBits(4));
    if (e > kMaxDecimalExponent) return fail("decimal exponent");
    int64_t m = core::UnZigZag(r.ReadVarbits());
    s[0].value = static_cast<double>(m) / kPow10[e];
    if (count >= 2) {
      RiceRunReader differences(r, 6);
      for (unsigned i = 1; i < count; ++i) {
        m = Add(m, differences.Next());
        s[i].value = static_cast<double>(m) / kPow10[e];
      }
    }
  } else {
    XorReader x{.bits = r.ReadBits(64)};
    s[0].value = std::bit_cast<double>(x.bits);
    for (unsigned i = 1; i < count; ++i) {
      if (!x.Read(r)) return fail("value");
      s[i].value = std::bit_cast<double>(x.bits);
    }
  }
  if (!r.ok()) return fail("truncated");
  return core::OkStatus();
}

}  // namespace

void ChunkAppender::WriteValue(double v) {
  xor_.Write(Bits(v), [this](uint64_t bits, int count) { bits_.WriteBits(bits, count); });
}

void ChunkAppender::Append(int64_t t, double v) {
  if (count_ == 0) {
    bits_.WriteVarbits(core::ZigZag(t));
    bits_.WriteBits(Bits(v), 64);
    xor_.bits = Bits(v);
    min_t_ = t;
  } else if (count_ == 1) {
    delta_ = Sub(t, t_);
    bits_.WriteVarbits(core::ZigZag(delta_));
    WriteValue(v);
  } else {
    const int64_t delta = Sub(t, t_);
    const int64_t dod = Sub(delta, delta_);
    delta_ = delta;
    if (dod == 0) {
      bits_.WriteBits(0, 1);
    } else {
      bool written = false;
      for (const DodBucket& b : kBuckets) {
        if (FitsSigned(dod, b.width)) {
          bits_.WriteBits(b.prefix, b.prefix_bits);
          bits_.WriteBits(static_cast<uint64_t>(dod), b.width);
          written = true;
          break;
        }
      }
      if (!written) {
        bits_.WriteBits(0b1111, 4);
        bits_.WriteBits(static_cast<uint64_t>(dod), 64);
      }
    }
    WriteValue(v);
  }
  t_ = t;
  ++count_;
  bits_.SetByte(0, static_cast<char>(count_ & 0xff));
  bits_.SetByte(1, static_cast<char>(count_ >> 8));
}

core::Status DecodeChunk(std::string_view chunk, std::vector<core::Sample>* out) {
  if (chunk.size() < 2) return Damaged("shorter than its header");
  const unsigned header = static_cast<uint8_t>(chunk[0]) | (static_cast<uint8_t>(chunk[1]) << 8);
  const unsigned count = header & ~unsigned{kPackedFlag};
  if (header & kPackedFlag) {
    if (count == 0) return Damaged("empty packed chunk");
    return DecodePacked(chunk, count, out);
  }
  core::BitReader r(chunk.substr(2));
  int64_t t = 0, delta = 0;
  XorReader value;
  out->reserve(out->size() + count);
  for (unsigned i = 0; i < count; ++i) {
    if (i == 0) {
      t = core::UnZigZag(r.ReadVarbits());
      value.bits = r.ReadBits(64);
    } else if (i == 1) {
      delta = core::UnZigZag(r.ReadVarbits());
      t = Add(t, delta);
      if (!value.Read(r)) return Damaged("value");
    } else {
      int prefix = 0;
      while (prefix < 4 && r.ReadBit()) ++prefix;
      if (prefix > 0) {
        const int w = prefix == 4 ? 64 : kBuckets[prefix - 1].width;
        delta = Add(delta, SignExtend(r.ReadBits(w), w));
      }
      t = Add(t, delta);
      if (!value.Read(r)) return Damaged("value");
    }
    if (!r.ok()) return Damaged("truncated");
    out->push_back({t, std::bit_cast<double>(value.bits)});
  }
  return core::OkStatus();
}

std::string EncodeClosedChunk(std::span<const core::Sample> samples) {
  ChunkAppender xor_chunk;
  for (const core::Sample& s : samples) xor_chunk.Append(s.timestamp_ms, s.value);
  if (samples.empty()) return xor_chunk.Release();
  std::string packed = EncodePackedChunk(samples);
  return packed.size() < xor_chunk.bytes().size() ? std::move(packed) : xor_chunk.Release();
}

std::string CloseChunk(std::string_view chunk) {
  std::vector<core::Sample> samples;
  if (!DecodeChunk(chunk, &samples).ok() || samples.empty()) return std::string(chunk);
  std::string packed = EncodePackedChunk(samples);
  return packed.size() < chunk.size() ? std::move(packed) : std::string(chunk);
}

std::vector<EncodedChunk> EncodeChunks(const std::vector<core::Sample>& samples, size_t per_chunk) {
  std::vector<EncodedChunk> chunks;
  for (size_t i = 0; i < samples.size(); i += per_chunk) {
    const auto part = std::span(samples).subspan(i, std::min(per_chunk, samples.size() - i));
    chunks.push_back(
        {part.front().timestamp_ms, part.back().timestamp_ms, EncodeClosedChunk(part)});
  }
  return chunks;
}

}  // namespace vigil::storage
