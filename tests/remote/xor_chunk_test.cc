#include "remote/xor_chunk.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>

namespace vigil::remote {
namespace {

std::string Hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

void ExpectRoundTrip(const std::vector<core::Sample>& in) {
  std::vector<core::Sample> out;
  ASSERT_TRUE(DecodeXorChunk(EncodeXorChunk(in), &out).ok());
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i].timestamp_ms, in[i].timestamp_ms) << i;
    EXPECT_EQ(std::bit_cast<uint64_t>(out[i].value), std::bit_cast<uint64_t>(in[i].value)) << i;
  }
}

// Worked by hand from the format: count 3 big-endian, t0 = 1000 as a zigzag varint (2000 =
// d0 0f), 1.0's 64 bits, the first delta 1000 as a plain uvarint (e8 07), then three '0' bits
// (same value, delta-of-delta 0, same value) padded to a byte.
TEST(XorChunkTest, BytesAreThoseOfPrometheusFormat) {
  EXPECT_EQ(Hex(EncodeXorChunk(std::vector<core::Sample>{{1000, 1.0}, {2000, 1.0}, {3000, 1.0}})),
            "0003d00f3ff0000000000000e80700");
}

// Chunks Prometheus 2.42 sent (remote read, streamed) for samples pushed to it: its bit stream
// ends with an empty byte after a write of whole bytes that ends on a byte boundary.
TEST(XorChunkTest, BytesAreThoseRealPrometheusSent) {
  // One sample: the value's 64 bits end on a boundary.
  EXPECT_EQ(Hex(EncodeXorChunk(std::vector<core::Sample>{{1796033611161, 1.5}})),
            "0001b29690bfc5683ff800000000000000");
  // The last value reuses a window of 8 bits that ends on a boundary.
  EXPECT_EQ(Hex(EncodeXorChunk(std::vector<core::Sample>{
                {1796033629988, 1}, {1796033644988, 0.004150390625}, {1796033659988, 1}})),
            "0003c8bc92bfc5683ff00000000000009875d0440a8100");
  // One more sample and it ends inside a byte: no empty byte.
  const std::string four =
      EncodeXorChunk(std::vector<core::Sample>{{1796033630265, 1},
                                               {1796033645265, 0.004150390625},
                                               {1796033660265, 1},
                                               {1796033675265, 0.004150390625}});
  std::vector<core::Sample> out;
  ASSERT_TRUE(DecodeXorChunk(four, &out).ok());
  EXPECT_EQ(out.size(), 4u);
  EXPECT_NE(four.back(), '\0');
}

// A delta-of-delta of +8192 fits the 14-bit bucket in Prometheus's reading and -8192 does not
// (two's complement would have it the other way round).
TEST(XorChunkTest, BucketEdgesAreThoseOfPrometheus) {
  // t: 0, 10, 20 + 8192 (dod +8192): '10' then 14 bits 0x2000, then '0' for the value.
  const std::string up = EncodeXorChunk(std::vector<core::Sample>{{0, 0}, {10, 0}, {8212, 0}});
  // header 0003, t0 00, v0 8 zero bytes, delta 0a, then bits 0 (value) | 10 10000000000000 | 0
  EXPECT_EQ(Hex(up),
            "0003"
            "00"
            "0000000000000000"
            "0a"
            "500000");
  // -8192 needs the 17-bit bucket: '110' then 17 bits.
  const std::string down =
      EncodeXorChunk(std::vector<core::Sample>{{0, 0}, {10000, 0}, {11808, 0}});
  std::vector<core::Sample> out;
  ASSERT_TRUE(DecodeXorChunk(down, &out).ok());
  EXPECT_EQ(out[2].timestamp_ms, 11808);
  // After header, t0, v0 and the two-byte delta (90 4e): '0' for the value, then '110'.
  ASSERT_GT(down.size(), 13u);
  EXPECT_EQ(static_cast<uint8_t>(down[13]) & 0xf0, 0x60) << Hex(down);
}

TEST(XorChunkTest, RoundTripsAwkwardValuesAndTimes) {
  ExpectRoundTrip({{-5, -0.0}});
  ExpectRoundTrip({{1700000000000, 0.52}, {1700000015000, 0.4}});
  ExpectRoundTrip({{0, 0.0},
                   {1, std::nan("")},
                   {2, core::StaleNaN()},
                   {3, HUGE_VAL},
                   {4, -HUGE_VAL},
                   {5, std::numeric_limits<double>::denorm_min()},
                   {6, std::numeric_limits<double>::max()},
                   {7, 1.0},
                   {8, 1.0}});
  // Every bucket's edges and the 64-bit escape.
  std::vector<core::Sample> edges{{0, 1}, {100, 2}};
  int64_t delta = 100;
  for (int64_t dod :
       std::initializer_list<int64_t>{8192, -8191, -8192, 65536, -65535, -65536, 524288, -524287,
                                      -524288, int64_t{1} << 40, -(int64_t{1} << 40)}) {
    delta += dod;
    edges.push_back({edges.back().timestamp_ms + delta, static_cast<double>(dod)});
  }
  ExpectRoundTrip(edges);
}

TEST(XorChunkTest, RoundTripsRandomSeries) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::vector<core::Sample> in;
    int64_t t = static_cast<int64_t>(rng() % 2'000'000'000'000) - 1'000'000'000'000;
    const size_t n = 1 + rng() % 300;
    double v = 0;
    for (size_t i = 0; i < n; ++i) {
      t += 1 + static_cast<int64_t>(rng() % (round % 2 ? 30'000 : 2'000'000));
      switch (rng() % 4) {
        case 0:
          v += 1;
          break;
        case 1:
          v = static_cast<double>(rng() % 1000) / 100;
          break;
        case 2:
          v = std::bit_cast<double>(rng());
          break;
        default:
          break;
      }
      in.push_back({t, v});
    }
    ExpectRoundTrip(in);
  }
}

TEST(XorChunkTest, RefusesBytesNoEncoderWrote) {
  const std::string good =
      EncodeXorChunk(std::vector<core::Sample>{{1000, 1.5}, {2000, 2.5}, {3500, -7.25}, {4000, 8}});
  std::vector<core::Sample> out;
  EXPECT_FALSE(DecodeXorChunk("", &out).ok());
  EXPECT_FALSE(DecodeXorChunk(std::string_view("\x00", 1), &out).ok());
  for (size_t cut = 2; cut < good.size(); ++cut) {
    out.clear();
    EXPECT_FALSE(DecodeXorChunk(std::string_view(good).substr(0, cut), &out).ok()) << cut;
  }
  // A count larger than the samples present runs off the end.
  std::string more = good;
  more[1] = 50;
  EXPECT_FALSE(DecodeXorChunk(more, &out).ok());
}

}  // namespace
}  // namespace vigil::remote
