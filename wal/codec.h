#pragma once
// The meaning of the log's records (FORMAT.md, "Record payloads"): series records name refs,
// sample records carry batches compressed against the previous value of each ref in the same
// segment. Encoder and decoder each keep that per-segment state in a SampleCodec.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/labels.h"
#include "core/status.h"

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

// What a samples record says of itself without decoding its bit stream.
struct SamplesHeader {
  uint64_t count = 0;
  int64_t base_t = 0;
  int64_t max_t = 0;
};
core::Result<SamplesHeader> PeekSamplesHeader(std::string_view payload);

class SampleCodec {
 public:
  // Forgets every ref's previous value: at the start of each segment.
  void Reset() { state_.clear(); }
  // Appends one record's payload. Refs must be in 1..kMaxSeriesRef.
  void Encode(std::span<const RefSample> samples, std::string* payload);
  // Appends the record's samples to *out; DataLoss if the payload is not a valid record.
  core::Status Decode(std::string_view payload, std::vector<RefSample>* out);

 private:
  struct ValueState {
    uint64_t last_bits = 0;
    uint8_t leading = kNoWindow;
    uint8_t trailing = 0;
  };
  static constexpr uint8_t kNoWindow = 0xff;
  ValueState& State(SeriesRef ref);

  std::vector<ValueState> state_;  // by ref
};

}  // namespace vigil::wal
