#include "server/storage/chunk.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>

namespace vigil::storage {
namespace {

void ExpectSameSamples(const std::vector<core::Sample>& want,
                       const std::vector<core::Sample>& got) {
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(want[i].timestamp_ms, got[i].timestamp_ms) << i;
    EXPECT_EQ(std::bit_cast<uint64_t>(want[i].value), std::bit_cast<uint64_t>(got[i].value)) << i;
  }
}

std::vector<core::Sample> Decode(std::string_view chunk) {
  std::vector<core::Sample> out;
  EXPECT_TRUE(DecodeChunk(chunk, &out).ok());
  EXPECT_EQ(ChunkSamples(chunk), out.size());
  return out;
}

// Through both encodings: the samples come back from each, and from what closing picks.
std::vector<core::Sample> RoundTrip(const std::vector<core::Sample>& in) {
  ChunkAppender app;
  for (const auto& s : in) app.Append(s.timestamp_ms, s.value);
  EXPECT_EQ(app.count(), in.size());
  std::vector<core::Sample> out = Decode(app.bytes());
  ExpectSameSamples(out, Decode(EncodePackedChunk(in)));
  ExpectSameSamples(out, Decode(CloseChunk(app.bytes())));
  ExpectSameSamples(out, Decode(EncodeClosedChunk(in)));
  return out;
}

TEST(ChunkTest, RegularScrapesRoundTripCompactly) {
  std::vector<core::Sample> in;
  double counter = 1000;
  for (int i = 0; i < kSamplesPerChunk; ++i) {
    counter += i % 7;
    in.push_back({1'700'000'000'000 + i * 15'000, counter});
  }
  ChunkAppender app;
  for (const auto& s : in) app.Append(s.timestamp_ms, s.value);
  std::vector<core::Sample> out;
  ASSERT_TRUE(DecodeChunk(app.bytes(), &out).ok());
  ExpectSameSamples(in, out);
  EXPECT_LT(app.bytes().size(), 2.0 * in.size());  // Gorilla: well under 2 bytes a sample
  EXPECT_EQ(app.min_time(), in.front().timestamp_ms);
  EXPECT_EQ(app.max_time(), in.back().timestamp_ms);
}

TEST(ChunkTest, SpecialValuesAndExtremeTimestamps) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<core::Sample> in = {
      {-9'000'000'000'000, 0.0},
      {-1, -0.0},
      {0, std::nan("")},
      {1, core::StaleNaN()},
      {2, inf},
      {3, -inf},
      {4, 1e-308},
      {5, -1.5},
      {1'000'000, 42},
      {1'000'001, 42},
      {INT64_MAX / 4, 7},
      {INT64_MAX / 2, std::numeric_limits<double>::max()},
  };
  ExpectSameSamples(in, RoundTrip(in));
  std::vector<core::Sample> out = RoundTrip(in);
  EXPECT_TRUE(core::IsStaleNaN(out[3].value));
  EXPECT_FALSE(core::IsStaleNaN(out[2].value));
}

TEST(ChunkTest, RandomSeriesRoundTrip) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::vector<core::Sample> in;
    int64_t t = static_cast<int64_t>(rng() % 2'000'000'000'000) - 1'000'000'000'000;
    double v = static_cast<double>(rng() % 1000);
    const int n = 1 + static_cast<int>(rng() % kSamplesPerChunk);
    for (int i = 0; i < n; ++i) {
      switch (rng() % 4) {
        case 0:
          t += 15'000;
          break;
        case 1:
          t += 1 + static_cast<int64_t>(rng() % 100'000);
          break;
        case 2:
          t += 1 + static_cast<int64_t>(rng() % 10'000'000'000);
          break;
        default:
          t += 15'000 + static_cast<int64_t>(rng() % 5) - 2;
      }
      switch (rng() % 3) {
        case 0:
          break;
        case 1:
          v += static_cast<double>(rng() % 100);
          break;
        default:
          v = std::bit_cast<double>((rng() & ~(0x7ffull << 52)) | (0x3ffull << 52));
      }
      in.push_back({t, v});
    }
    ExpectSameSamples(in, RoundTrip(in));
  }
}

TEST(ChunkTest, DamagedBytesAreRefusedNotCrashedOn) {
  ChunkAppender app;
  std::vector<core::Sample> in;
  for (int i = 0; i < 50; ++i) {
    app.Append(i * 1000, i * 0.5);
    in.push_back({i * 1000 + i % 3, i * 0.5});
  }
  in.push_back({60'000, std::nan("")});  // the packed chunk of `in` codes values by XOR
  for (const std::string& good : {std::string(app.bytes()), EncodePackedChunk(in),
                                  EncodePackedChunk(std::span(in).first(50))}) {
    std::vector<core::Sample> out;
    for (size_t cut = 0; cut < good.size(); ++cut) {
      out.clear();
      core::Status s = DecodeChunk(std::string_view(good).substr(0, cut), &out);
      EXPECT_FALSE(s.ok()) << "cut at " << cut;
      EXPECT_EQ(s.code(), core::StatusCode::kDataLoss);
    }
  }
  std::vector<core::Sample> out;
  std::mt19937 rng(3);
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng() % 64, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    out.clear();
    (void)DecodeChunk(junk, &out);  // any result but a crash; count bounds the output
    EXPECT_LE(out.size(), 65535u);
  }
}

// What node_exporter-like series look like: scrape timestamps a few milliseconds off the
// interval, and values that are decimals of a text exposition.
TEST(ChunkTest, DecimalValuesAndJitteredScrapesArePacked) {
  std::mt19937_64 rng(1);
  std::vector<core::Sample> load, bytes, seconds;
  int64_t t = 1'700'000'000'000;
  double counter = 123456789;
  double cpu = 81234.56;
  for (int i = 0; i < kSamplesPerChunk; ++i) {
    t += 15'000 + static_cast<int64_t>(rng() % 7) - 3;
    counter += static_cast<double>(rng() % 40'000);
    cpu += static_cast<double>(rng() % 3000) / 100;  // two decimals, as /proc's ticks print
    load.push_back({t, static_cast<double>(rng() % 300) / 100});
    bytes.push_back({t, counter});
    seconds.push_back({t, cpu});
  }
  for (const auto* in : {&load, &bytes, &seconds}) {
    ChunkAppender app;
    for (const auto& s : *in) app.Append(s.timestamp_ms, s.value);
    const std::string closed = EncodeClosedChunk(*in);
    EXPECT_NE(closed[1] & 0x80, 0) << "packed chosen";
    // Measured: 205, 320 and 716 bytes against XOR's 1194, 580 and 950.
    EXPECT_LT(closed.size() * 5, app.bytes().size() * 4) << "at least 20% under XOR";
    ExpectSameSamples(*in, Decode(closed));
  }
}

TEST(ChunkTest, AConstantSeriesOnExactIntervalsCostsItsHeaderOnly) {
  std::vector<core::Sample> in;
  for (int i = 0; i < kSamplesPerChunk; ++i) in.push_back({1'700'000'000'000 + i * 30'000, 1});
  const std::string closed = EncodeClosedChunk(in);
  // count 2, t0 6, t1 - t0 3, two all-zero parameters, the value's kind and exponent, m0.
  EXPECT_LE(closed.size(), 14u);
  ExpectSameSamples(in, Decode(closed));
  in.back().value = 2;  // one change: the rest still costs a bit or so each
  EXPECT_LE(EncodeClosedChunk(in).size(), 14u + kSamplesPerChunk / 8 + 2);
  ExpectSameSamples(in, Decode(EncodeClosedChunk(in)));
}

TEST(ChunkTest, OnlyExactDecimalsAreStoredAsDecimals) {
  // Each packed and read back bit for bit: the first two need 17 digits, the rest sit at the
  // edges of what a 53-bit mantissa holds.
  const std::vector<core::Sample> in = {
      {1, 0.1 + 0.2},
      {2, 1.0 / 3},
      {3, 9007199254740992.0},
      {4, -9007199254740991.0},
      {5, 1e15},
      {6, 0.000000000000001},
      {7, 123.456},
      {8, -0.0},
  };
  for (size_t i = 0; i < in.size(); ++i) {
    ExpectSameSamples({in[i]}, Decode(EncodePackedChunk(std::span(in).subspan(i, 1))));
    ExpectSameSamples(
        std::vector(in.begin(), in.begin() + static_cast<ptrdiff_t>(i) + 1),
        RoundTrip(std::vector(in.begin(), in.begin() + static_cast<ptrdiff_t>(i) + 1)));
  }
}

TEST(ChunkTest, EncodeChunksCutsAt120) {
  std::vector<core::Sample> in;
  for (int i = 0; i < 300; ++i) in.push_back({i * 1000, static_cast<double>(i)});
  auto chunks = EncodeChunks(in);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].min_time, 0);
  EXPECT_EQ(chunks[0].max_time, 119'000);
  EXPECT_EQ(chunks[2].max_time, 299'000);
  std::vector<core::Sample> out;
  for (const auto& c : chunks) ASSERT_TRUE(DecodeChunk(c.bytes, &out).ok());
  ExpectSameSamples(in, out);
}

}  // namespace
}  // namespace vigil::storage
