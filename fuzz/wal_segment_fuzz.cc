// A WAL segment file as the agent's senders and the server's replay read it: the input is
// written as segment 0 of a scratch directory and read through SegmentReader and
// SegmentDecoder, as a Cursor does. Damage is reported and skipped, never read past.
#include <fcntl.h>

#include "core/fs.h"
#include "fuzz/fuzz_input.h"
#include "wal/segment.h"
#include "wal/segment_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  const std::string& dir = fuzz::ScratchDir();
  const std::string path = dir + "/" + wal::SegmentName(0);
  {
    FILE* f = std::fopen(path.c_str(), "wb");
    FUZZ_CHECK(f != nullptr);
    FUZZ_CHECK(std::fwrite(data, 1, size, f) == size);
    std::fclose(f);
  }
  uint64_t damaged_bytes = 0;
  auto reader = wal::SegmentReader::Open(dir, 0, [&](const wal::Corruption& c) {
    FUZZ_CHECK(c.offset + c.bytes <= size);
    damaged_bytes += c.bytes;
  });
  if (!reader.ok()) return 0;
  wal::SegmentDecoder decoder;
  wal::RecordType type;
  std::string payload;
  uint64_t offset = 0;
  std::vector<wal::RefSample> samples;
  while ((*reader)->Next(size, &type, &payload, &offset)) {
    FUZZ_CHECK(offset + payload.size() <= size);
    if ((*reader)->skipped_damage()) decoder.Lost();
    samples.clear();
    (void)decoder.Apply(type, payload, &samples);
    // Every sample handed out names a series the segment named.
    for (const wal::RefSample& s : samples) FUZZ_CHECK(decoder.labels(s.ref) != nullptr);
  }
  FUZZ_CHECK(damaged_bytes <= size);
  return 0;
}
