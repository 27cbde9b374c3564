// A log written on x86-64 and checked in: every build (ARM included) must read it back
// exactly, and must still write the same bytes for the same batches, or the format changed.
// VIGIL_REGENERATE_FIXTURES=1 rewrites it; review the diff like code.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/core/temp_dir.h"
#include "wal/wal.h"

namespace vigil::wal {
namespace {

const std::string kFixtureDir = std::string(VIGIL_SOURCE_DIR) + "/tests/fixtures/wal/v1";

struct Expected {
  core::Labels labels;
  int64_t t;
  double v;
};

// Values that exercise every branch of the codec, labels with escapes and UTF-8.
std::vector<std::vector<Expected>> Batches() {
  const core::Labels cpu = core::Labels::FromLiteral({{"__name__", "node_cpu_seconds_total"},
                                                      {"cpu", "0"},
                                                      {"mode", "idle"},
                                                      {"instance", "edge-01"}});
  const core::Labels mem =
      core::Labels::FromLiteral({{"__name__", "node_memory_MemAvailable_bytes"}});
  const core::Labels odd = core::Labels::FromLiteral(
      {{"__name__", "odd_values"}, {"path", "C:\\tmp \"quoted\"\nline"}, {"city", "Zürich 東京"}});
  std::vector<std::vector<Expected>> out;
  const double odd_values[] = {std::nan(""), core::StaleNaN(), HUGE_VAL, -HUGE_VAL,
                               -0.0,         5e-324,           1.0};
  for (int b = 0; b < 7; ++b) {
    const int64_t t = 1'700'000'000'000 + b * 15'000;
    out.push_back({{cpu, t, 123456.78 + b * 14.93},
                   {mem, t + (b % 2), 1.6624893952e10 - b * 4096},
                   {odd, t - 1, odd_values[b]}});
  }
  return out;
}

void WriteLog(const std::string& dir) {
  std::filesystem::remove_all(dir);
  core::ManualClock clock(1'700'000'000'000);
  auto wal = Wal::Open({.dir = dir}, clock);
  ASSERT_TRUE(wal.ok()) << wal.status().ToString();
  for (const auto& batch : Batches()) {
    std::vector<RefSample> samples;
    for (const Expected& e : batch) samples.push_back({(*wal)->Ref(e.labels), e.t, e.v});
    ASSERT_TRUE((*wal)->Append(samples).ok());
  }
}

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(WalFixtureTest, TheCheckedInLogReadsBackBitForBit) {
  if (std::getenv("VIGIL_REGENERATE_FIXTURES") != nullptr) {
    WriteLog(kFixtureDir);
    std::filesystem::remove_all(kFixtureDir + "/cursors");
  }
  const std::string dir = testing::FreshTempDir();
  std::filesystem::copy_file(kFixtureDir + "/00000001", dir + "/00000001");
  core::ManualClock clock(1'700'000'000'000);
  auto wal = Wal::Open({.dir = dir}, clock);
  ASSERT_TRUE(wal.ok()) << wal.status().ToString();
  Cursor* c = *(*wal)->OpenCursor("fixture");
  std::vector<Cursor::Sample> got;
  ASSERT_TRUE(c->Read(1000, &got).ok());
  std::vector<Expected> want;
  for (const auto& batch : Batches()) want.insert(want.end(), batch.begin(), batch.end());
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(*got[i].labels, want[i].labels) << i;
    EXPECT_EQ(got[i].timestamp_ms, want[i].t) << i;
    EXPECT_EQ(std::bit_cast<uint64_t>(got[i].value), std::bit_cast<uint64_t>(want[i].v)) << i;
  }
  EXPECT_EQ((*wal)->stats().corruptions, 0u);
  std::filesystem::remove_all(dir);
}

TEST(WalFixtureTest, TheSameBatchesAreWrittenAsTheSameBytes) {
  const std::string dir = testing::FreshTempDir() + "/wal";
  WriteLog(dir);
  EXPECT_EQ(FileBytes(dir + "/00000001"), FileBytes(kFixtureDir + "/00000001"))
      << "the log format changed: bump kFormatVersion and FORMAT.md, then regenerate";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vigil::wal
