// A WAL segment file as the agent's senders and the server's replay read it: the input is
// written as segment 0 of a scratch directory and read through SegmentReader and
// SegmentDecoder, as a Cursor does. Damage is reported and skipped, never read past. The same
// bytes are read a second time with every record's checksum made right, so that the fuzzer
// reaches what lies behind the checksums: lengths, types and payloads a buggy writer wrote.
#include "core/coding.h"
#include "core/crc32c.h"
#include "fuzz/fuzz_input.h"
#include "wal/segment.h"
#include "wal/segment_decoder.h"

namespace {

using namespace vigil;

// The segment with the CRC of each record, as its length fields chain them, recomputed.
std::string WithGoodChecksums(std::string_view file) {
  std::string out(file);
  size_t at = wal::kSegmentHeaderSize;
  while (at + wal::kRecordHeaderSize <= out.size()) {
    const uint64_t length = core::DecodeFixed32(out.data() + at + 4);
    if (length > out.size() - at - wal::kRecordHeaderSize) break;  // a torn tail stays torn
    // The CRC covers length, type and payload (wal/FORMAT.md).
    const uint32_t crc = core::crc32c::Value(std::string_view(out).substr(at + 4, 5 + length));
    core::EncodeFixed32(out.data() + at, wal::MaskCrc(crc));
    at += wal::kRecordHeaderSize + length;
  }
  return out;
}

void ReadSegment(const uint8_t* data, size_t size) {
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
  if (!reader.ok()) return;
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
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ReadSegment(data, size);
  const std::string fixed =
      WithGoodChecksums(std::string_view(reinterpret_cast<const char*>(data), size));
  ReadSegment(reinterpret_cast<const uint8_t*>(fixed.data()), fixed.size());
  return 0;
}
