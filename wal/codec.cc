#include "wal/codec.h"

#include <bit>

#include "core/bits.h"
#include "core/coding.h"

namespace vigil::wal {
namespace {

using core::GetVarint;
using core::PutVarint;
using core::UnZigZag;
using core::ZigZag;

void PutString(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

bool GetString(std::string_view* in, std::string* s) {
  uint64_t len = 0;
  if (!GetVarint(in, &len) || len > in->size()) return false;
  s->assign(in->substr(0, len));
  in->remove_prefix(len);
  return true;
}

core::Status Damaged(std::string what) { return core::DataLossError("damaged record: " + what); }

// Timestamp differences are taken and added modulo 2^64: any int64 timestamps (a remote-write
// sender's, or a damaged record's) round-trip exactly, where signed arithmetic overflowed,
// undefined behaviour that fuzz_wal_records found. Values in range are coded as before.
int64_t WrappingSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t WrappingAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

}  // namespace

void EncodeSeries(std::span<const std::pair<SeriesRef, const core::Labels*>> series,
                  std::string* payload) {
  PutVarint(payload, series.size());
  for (const auto& [ref, labels] : series) {
    PutVarint(payload, ref);
    PutVarint(payload, labels->size());
    for (const core::Label& l : *labels) {
      PutString(payload, l.name);
      PutString(payload, l.value);
    }
  }
}

core::Status DecodeSeries(std::string_view in,
                          std::vector<std::pair<SeriesRef, core::Labels>>* out) {
  uint64_t count = 0;
  if (!GetVarint(&in, &count) || count > in.size()) return Damaged("series count");
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t ref = 0, nlabels = 0;
    if (!GetVarint(&in, &ref) || ref == 0 || ref > kMaxSeriesRef) return Damaged("series ref");
    if (!GetVarint(&in, &nlabels) || nlabels > in.size()) return Damaged("label count");
    std::vector<core::Label> labels(nlabels);
    for (core::Label& l : labels) {
      if (!GetString(&in, &l.name) || !GetString(&in, &l.value)) return Damaged("label");
    }
    auto built = core::Labels::Create(std::move(labels));
    if (!built.ok()) return Damaged("labels: " + built.status().message());
    out->emplace_back(ref, std::move(built).value());
  }
  if (!in.empty()) return Damaged("bytes after the last series");
  return core::OkStatus();
}

void EncodeEnd(uint64_t samples, std::string* payload) { PutVarint(payload, samples); }

core::Result<uint64_t> DecodeEnd(std::string_view in) {
  uint64_t samples = 0;
  if (!GetVarint(&in, &samples) || !in.empty()) return Damaged("end record");
  return samples;
}

namespace {

// The header of a samples record; *bits is left holding the bit stream after it.
core::Result<SamplesHeader> ParseSamplesHeader(RecordType type, std::string_view* in) {
  if (!IsSamples(type)) return Damaged("not a samples record");
  SamplesHeader h;
  uint64_t base = 0, span = 0;
  if (!GetVarint(in, &h.count) || !GetVarint(in, &base) || !GetVarint(in, &span)) {
    return Damaged("samples header");
  }
  if (type != RecordType::kSamplesV1) {
    uint64_t seq = 0;
    if (!GetVarint(in, &seq)) return Damaged("samples sequence number");
    h.seq = seq;
  }
  // Each sample takes at least three bits.
  if (h.count > in->size() * 8 / 3) return Damaged("sample count larger than the record");
  h.base_t = UnZigZag(base);
  h.max_t = WrappingAdd(h.base_t, static_cast<int64_t>(span));
  return h;
}

}  // namespace

core::Result<SamplesHeader> PeekSamplesHeader(RecordType type, std::string_view in) {
  return ParseSamplesHeader(type, &in);
}

SampleCodec::ValueState& SampleCodec::State(SeriesRef ref) {
  if (ref >= state_.size()) state_.resize(ref + 1);
  return state_[ref];
}

void SampleCodec::Encode(std::span<const RefSample> samples, bool key, uint64_t seq,
                         std::string* payload) {
  if (samples.empty()) return;
  if (key) Reset();
  const int64_t base_t = samples[0].timestamp_ms;
  int64_t max_t = base_t;
  for (const RefSample& s : samples) max_t = std::max(max_t, s.timestamp_ms);
  PutVarint(payload, samples.size());
  PutVarint(payload, ZigZag(base_t));
  PutVarint(payload, static_cast<uint64_t>(WrappingSub(max_t, base_t)));
  PutVarint(payload, seq);

  core::BitWriter bits(std::move(*payload));
  SeriesRef prev_ref = 0;
  for (const RefSample& s : samples) {
    if (s.ref == prev_ref + 1) {
      bits.WriteBit(true);
    } else {
      bits.WriteBit(false);
      bits.WriteVarbits(ZigZag(static_cast<int64_t>(s.ref - prev_ref)));
    }
    prev_ref = s.ref;
    if (s.timestamp_ms == base_t) {
      bits.WriteBit(false);
    } else {
      bits.WriteBit(true);
      bits.WriteVarbits(ZigZag(WrappingSub(s.timestamp_ms, base_t)));
    }
    ValueState& st = State(s.ref);
    const uint64_t v = std::bit_cast<uint64_t>(s.value);
    const uint64_t x = v ^ st.last_bits;
    st.last_bits = v;
    if (x == 0) {
      bits.WriteBit(false);
      st.seen = true;
      continue;
    }
    bits.WriteBit(true);
    int leading = std::countl_zero(x);
    const int trailing = std::countr_zero(x);
    if (leading > 31) leading = 31;  // five bits hold it
    if (st.leading != kNoWindow && leading >= st.leading && trailing >= st.trailing) {
      bits.WriteBit(false);
      bits.WriteBits(x >> st.trailing, 64 - st.leading - st.trailing);
    } else {
      // The width as width - 1, where chunks write width mod 64 (server/storage/chunk.h): the
      // two on-disk formats differ in this field alone, so each keeps its own value coder.
      const int significant = 64 - leading - trailing;
      bits.WriteBit(true);
      bits.WriteBits(static_cast<uint64_t>(leading), 5);
      bits.WriteBits(static_cast<uint64_t>(significant - 1), 6);
      bits.WriteBits(x >> trailing, significant);
      // A ref's first value after a reset is coded against 0.0, whose window is as wide as
      // the value: kept, it would make the ref's next deltas pay for that width (version 1
      // did; records after each key were ~10% larger for an hour of node data).
      if (st.seen) {
        st.leading = static_cast<uint8_t>(leading);
        st.trailing = static_cast<uint8_t>(trailing);
      }
    }
    st.seen = true;
  }
  *payload = std::move(bits).Release();
}

core::Status SampleCodec::Decode(RecordType type, std::string_view payload,
                                 std::vector<RefSample>* out) {
  std::string_view bits = payload;
  VIGIL_ASSIGN_OR_RETURN(SamplesHeader h, ParseSamplesHeader(type, &bits));
  const size_t out_size = out->size();
  undo_.clear();
  if (type == RecordType::kSamplesKey) {
    // The state before the key is kept aside, not forgotten, until the record decoded whole.
    std::vector<ValueState> before;
    before.swap(state_);
    core::Status s = DecodeBits(h, false, bits, out);
    if (!s.ok()) {
      state_.swap(before);
      out->resize(out_size);
    }
    return s;
  }
  core::Status s = DecodeBits(h, type == RecordType::kSamplesV1, bits, out);
  if (!s.ok()) {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) state_[it->first] = it->second;
    out->resize(out_size);
  }
  return s;
}

core::Status SampleCodec::DecodeBits(const SamplesHeader& h, bool v1, std::string_view in,
                                     std::vector<RefSample>* out) {
  core::BitReader bits(in);
  out->reserve(out->size() + h.count);
  SeriesRef prev_ref = 0;
  for (uint64_t i = 0; i < h.count; ++i) {
    RefSample s;
    if (bits.ReadBit()) {
      s.ref = prev_ref + 1;
    } else {
      s.ref = prev_ref + static_cast<uint64_t>(UnZigZag(bits.ReadVarbits()));
    }
    if (!bits.ok() || s.ref == 0 || s.ref > kMaxSeriesRef) return Damaged("sample ref");
    prev_ref = s.ref;
    s.timestamp_ms = h.base_t;
    if (bits.ReadBit()) s.timestamp_ms = WrappingAdd(h.base_t, UnZigZag(bits.ReadVarbits()));
    ValueState& st = State(s.ref);
    undo_.emplace_back(s.ref, st);
    if (bits.ReadBit()) {
      uint64_t x = 0;
      if (!bits.ReadBit()) {
        if (st.leading == kNoWindow) return Damaged("value window used before it was set");
        x = bits.ReadBits(64 - st.leading - st.trailing) << st.trailing;
      } else {
        const int leading = static_cast<int>(bits.ReadBits(5));
        const int significant = static_cast<int>(bits.ReadBits(6)) + 1;
        if (leading + significant > 64) return Damaged("value bit counts");
        const int trailing = 64 - leading - significant;
        x = bits.ReadBits(significant) << trailing;
        if (v1 || st.seen) {
          st.leading = static_cast<uint8_t>(leading);
          st.trailing = static_cast<uint8_t>(trailing);
        }
      }
      st.last_bits ^= x;
    }
    st.seen = true;
    if (!bits.ok()) return Damaged("sample bits run past the record");
    s.value = std::bit_cast<double>(st.last_bits);
    out->push_back(s);
  }
  return core::OkStatus();
}

}  // namespace vigil::wal
