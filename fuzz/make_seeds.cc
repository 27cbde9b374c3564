// Writes the seeds no test checks in: remote-write bodies, chunks and blocks, made by Vigil's
// own encoders. Run by hand when a format changes; its output is committed in corpus/.
//   build/fuzz/fuzz/fuzz_make_seeds fuzz/corpus
#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "core/coding.h"
#include "remote/codec.h"
#include "server/storage/block.h"
#include "server/storage/chunk.h"

namespace {

using namespace vigil;

void Write(const std::string& path, std::string_view bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

std::string ReadFile(const std::string& path) {
  std::string out;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) std::abort();
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

std::vector<core::Sample> Samples(int n, int64_t t0, double v0, double step) {
  std::vector<core::Sample> out;
  for (int i = 0; i < n; ++i) out.push_back({t0 + i * 15000 + (i % 3), v0 + i * step});
  return out;
}

remote::WriteRequest NodeRequest() {
  remote::WriteRequest r;
  r.series.push_back(
      {core::Labels::FromLiteral({{"__name__", "node_load1"}, {"instance", "n1"}, {"job", "node"}}),
       Samples(3, 1700000000000, 0.52, 0.01)});
  r.series.push_back({core::Labels::FromLiteral({{"__name__", "up"}, {"job", "node"}}),
                      {{1700000000000, 1}, {1700000015000, core::StaleNaN()}}});
  r.metadata.push_back({"node_load1", core::MetricType::kGauge, "1m load average.", ""});
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const std::string corpus = argv[1];
  // remote_write: mode byte 0 (the body as sent, snappy) and 1 (the protobuf, compressed by
  // the target).
  std::string raw;
  remote::MarshalWriteRequest(NodeRequest(), &raw);
  Write(corpus + "/remote_write/node-snappy",
        std::string(1, '\0') + remote::EncodeWriteRequest(NodeRequest()));
  Write(corpus + "/remote_write/node-protobuf", std::string(1, '\1') + raw);

  // chunk: both encodings, and an open XOR chunk.
  const auto decimals = Samples(120, 1700000000000, 12.5, 0.25);
  const auto floats = Samples(40, 1700000000000, M_PI, 1.0 / 3);
  Write(corpus + "/chunk/closed-decimals", storage::EncodeClosedChunk(decimals));
  Write(corpus + "/chunk/packed-floats", storage::EncodePackedChunk(floats));
  storage::ChunkAppender app;
  for (const core::Sample& s : floats) app.Append(s.timestamp_ms, s.value);
  Write(corpus + "/chunk/xor-floats", app.bytes());

  // block: [meta length][meta][index length][index][chunks], as block_fuzz.cc reads them.
  const std::string dir = "/tmp/vigil-make-seeds-block";
  (void)std::system(("rm -rf " + dir).c_str());
  auto w = storage::BlockWriter::Create(dir);
  if (!w.ok()) std::abort();
  if (!(*w)->AddSeries(core::Labels::FromLiteral({{"__name__", "up"}, {"job", "a"}}),
                       storage::EncodeChunks(decimals))
           .ok() ||
      !(*w)->AddSeries(core::Labels::FromLiteral({{"__name__", "up"}, {"job", "b"}}),
                       storage::EncodeChunks(floats, 16))
           .ok() ||
      !(*w)->Finish(1).ok())
    std::abort();
  const std::string meta = ReadFile(dir + "/meta"), index = ReadFile(dir + "/index");
  std::string block(1, '\0');
  char len[4];
  core::EncodeFixed32(len, static_cast<uint32_t>(meta.size()));
  block.append(len, 4).append(meta);
  core::EncodeFixed32(len, static_cast<uint32_t>(index.size()));
  block.append(len, 4).append(index).append(ReadFile(dir + "/chunks"));
  Write(corpus + "/block/two-series", block);
  return 0;
}
