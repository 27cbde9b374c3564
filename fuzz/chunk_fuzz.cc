// Chunk decoding (head and blocks): any bytes decode or are refused as DataLoss, never read
// past their end. Samples a chunk gives, in time order, encoded again in either encoding,
// decode to the same samples.
#include <cstring>

#include "fuzz/fuzz_input.h"
#include "server/storage/chunk.h"

namespace {

using vigil::core::Sample;

bool Same(const std::vector<Sample>& a, const std::vector<Sample>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].timestamp_ms != b[i].timestamp_ms ||
        std::memcmp(&a[i].value, &b[i].value, sizeof(double)) != 0)
      return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::storage;
  const std::string_view chunk(reinterpret_cast<const char*>(data), size);
  std::vector<Sample> samples;
  if (!DecodeChunk(chunk, &samples).ok()) return 0;
  FUZZ_CHECK(samples.size() == ChunkSamples(chunk));
  if (samples.empty()) return 0;
  for (size_t i = 1; i < samples.size(); ++i)
    if (samples[i].timestamp_ms <= samples[i - 1].timestamp_ms) return 0;  // encoders' contract
  std::vector<Sample> again;
  FUZZ_CHECK(DecodeChunk(EncodeClosedChunk(samples), &again).ok());
  FUZZ_CHECK(Same(again, samples));
  again.clear();
  FUZZ_CHECK(DecodeChunk(EncodePackedChunk(samples), &again).ok());
  FUZZ_CHECK(Same(again, samples));
  return 0;
}
