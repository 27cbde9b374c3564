// A block directory as the server opens it after a restart: meta, index and chunks files,
// written from the input ([meta length, 4 bytes][meta][index length, 4 bytes][index][chunks]).
// A damaged block is refused; one that opens is read whole (every series, chunk, label value
// and postings list) without reading out of bounds. With the first byte's low bit set the
// index checksum is made right here, so the fuzzer gets past it to the index's structure (a
// block a buggy writer made is checksummed too).
#include <sys/stat.h>

#include "core/coding.h"
#include "core/crc32c.h"
#include "fuzz/fuzz_input.h"
#include "server/storage/block.h"
#include "server/storage/chunk.h"

namespace {

void WriteFile(const std::string& path, std::string_view bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  FUZZ_CHECK(f != nullptr);
  FUZZ_CHECK(std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size());
  std::fclose(f);
}

// block.cc's footer: three section offsets (8 bytes each), then the CRC32C of all before it.
constexpr size_t kFooterSize = 8 * 3 + 4;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  fuzz::FuzzInput in(data, size);
  const uint8_t mode = in.Byte();
  const std::string_view meta = in.Take(in.U32());
  std::string index(in.Take(in.U32()));
  const std::string_view chunks = in.Rest();
  if ((mode & 1) != 0 && index.size() >= kFooterSize) {
    const size_t crc_at = index.size() - 4;
    core::EncodeFixed32(index.data() + crc_at,
                        core::crc32c::Value(std::string_view(index).substr(0, crc_at)));
  }
  const std::string dir = fuzz::ScratchDir() + "/block";
  static const bool made = (mkdir(dir.c_str(), 0755) == 0);
  (void)made;
  WriteFile(dir + "/meta", meta);
  WriteFile(dir + "/index", index);
  WriteFile(dir + "/chunks", chunks);

  auto block = storage::Block::Open(dir);
  if (!block.ok()) return 0;
  const storage::Block& b = **block;
  core::Labels labels;
  std::vector<storage::Block::ChunkView> views;
  std::vector<core::Sample> samples;
  for (storage::SeriesId i = 0; i < b.series_count(); ++i) {
    views.clear();
    if (!b.SeriesAt(i, &labels, &views).ok()) continue;
    for (const storage::Block::ChunkView& c : views) {
      samples.clear();
      (void)storage::DecodeChunk(c.bytes, &samples);
    }
  }
  for (std::string_view name : b.LabelNames())
    for (std::string_view value : b.LabelValues(name))
      for (storage::SeriesId id : b.PostingsFor(name, value)) {
        views.clear();
        (void)b.SeriesAt(id, &labels, &views);
      }
  for (storage::SeriesId id : b.AllPostings()) {
    views.clear();
    (void)b.SeriesAt(id, &labels, &views);
  }
  return 0;
}
