#pragma once
// The meaning of the log's records (FORMAT.md, "Record payloads"): series records name refs,
// sample records carry batches compressed against the previous value of each ref since the
// segment's last key record. Encoder and decoder each keep that state in a SampleCodec.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/labels.h"
#include "core/status.h"
#include "wal/format.h"

namespace vigil::wal {

using SeriesRef = uint64_t;

struct RefSample {
  SeriesRef ref = 0;
  int64_t timestamp_ms = 0;
  double value = 0;
};

// Refs are dense from 1; a larger ref in a record is damage, not a series.
inline constexpr SeriesRef kMaxSeriesRef = SeriesRef{1} << 24;

void EncodeSeries(std::span<const std::pair<SeriesRef, const core::Labels*>> series,
                  std::string* payload);
core::Status DecodeSeries(std::string_view payload,
                          std::vector<std::pair<SeriesRef, core::Labels>>* out);

// The end record: how many samples the segment holds.
void EncodeEnd(uint64_t samples, std::string* payload);
core::Result<uint64_t> DecodeEnd(std::string_view payload);

// What a samples record says of itself without decoding its bit stream.
struct SamplesHeader {
  uint64_t count = 0;
  int64_t base_t = 0;
  int64_t max_t = 0;
  // Samples in the segment before this record; version 1 records do not say.
  std::optional<uint64_t> seq;
};
// `type` is one of the samples types (IsSamples).
core::Result<SamplesHeader> PeekSamplesHeader(RecordType type, std::string_view payload);

class SampleCodec {
 public:
  // Forgets every ref's previous value: at the start of each segment, and before a key record.
  void Reset() { state_.clear(); }
  // Appends a version 2 samples record's payload (type kSamplesKey with `key`, else
  // kSamplesDelta). A key record resets the state first, so that it and the records after it
  // depend on nothing before it. `seq` is the number of samples before it in the segment.
  // Refs must be in 1..kMaxSeriesRef.
  void Encode(std::span<const RefSample> samples, bool key, uint64_t seq, std::string* payload);
  // Appends the samples of a record of `type` (a samples type) to *out, resetting the state
  // first for a key record. DataLoss if the payload is not a valid record; then neither the
  // state nor *out changed, so the caller knows exactly which records it has applied.
  core::Status Decode(RecordType type, std::string_view payload, std::vector<RefSample>* out);

 private:
  struct ValueState {
    uint64_t last_bits = 0;
    uint8_t leading = kNoWindow;
    uint8_t trailing = 0;
    bool seen = false;  // a value was coded since the reset
  };
  static constexpr uint8_t kNoWindow = 0xff;
  ValueState& State(SeriesRef ref);
  core::Status DecodeBits(const SamplesHeader& h, bool v1, std::string_view bits,
                          std::vector<RefSample>* out);

  std::vector<ValueState> state_;  // by ref
  // Decode's undo log: each ref's state before the record being decoded first changed it.
  std::vector<std::pair<SeriesRef, ValueState>> undo_;
};

}  // namespace vigil::wal
