// The WAL's record codec without the framing (whose checksums random bytes never pass): the
// input is a sequence of records, each [type][length, 2 bytes][payload], applied in order to
// a SegmentDecoder, with a loss between records where the type byte's high bit says so.
#include "fuzz/fuzz_input.h"
#include "wal/codec.h"
#include "wal/segment_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  fuzz::FuzzInput in(data, size);
  wal::SegmentDecoder decoder;
  std::vector<wal::RefSample> samples;
  while (!in.Rest().empty()) {
    const uint8_t head = in.Byte();
    const size_t length = in.Byte() | (size_t{in.Byte()} << 8);
    const std::string_view payload = in.Take(length);
    if ((head & 0x80) != 0) decoder.Lost();
    const auto type = static_cast<wal::RecordType>(head & 0x7f);
    samples.clear();
    const wal::SegmentDecoder::Outcome outcome = decoder.Apply(type, payload, &samples);
    // A record that does not decode gives nothing. (One whose sequence number runs backwards
    // is reported as damage but its samples, intact, are still handed out.)
    if (outcome.damage.rfind("undecodable", 0) == 0) FUZZ_CHECK(samples.empty());
    for (const wal::RefSample& s : samples) FUZZ_CHECK(decoder.labels(s.ref) != nullptr);

    // The same payload through the codec's other entry points.
    std::vector<std::pair<wal::SeriesRef, core::Labels>> series;
    (void)wal::DecodeSeries(payload, &series);
    (void)wal::DecodeEnd(payload);
    (void)wal::PeekSamplesHeader(type, payload);
  }
  return 0;
}
