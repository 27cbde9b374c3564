#include "remote/read_response.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>

#include "core/crc32c.h"
#include "remote/remote_read.pb.h"
#include "remote/xor_chunk.h"

namespace vigil::remote {
namespace {

std::vector<core::Sample> Ramp(int64_t t0, size_t n, int64_t step = 15000) {
  std::vector<core::Sample> out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back({t0 + static_cast<int64_t>(i) * step, static_cast<double>(i % 17) * 0.25});
  }
  out.back().value = core::StaleNaN();
  return out;
}

const core::Labels kUp = core::Labels::FromLiteral(
    {{"__name__", "up"}, {"instance", "edge-01"}, {"job", "node"}, {"region", "eu"}});

std::vector<std::pair<std::string, std::string>> LabelsOf(
    const google::protobuf::RepeatedPtrField<pb::Label>& labels) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const pb::Label& l : labels) out.emplace_back(l.name(), l.value());
  return out;
}

std::vector<std::pair<std::string, std::string>> LabelsOf(const core::Labels& labels) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const core::Label& l : labels) out.emplace_back(l.name, l.value);
  return out;
}

TEST(SamplesResponseTest, ProtobufReadsEveryQueryEmptyOnesIncluded) {
  const std::vector<core::Sample> a = Ramp(1700000000000, 40);
  const std::vector<core::Sample> b = {{0, -0.0}, {-5, 1e300}};
  SamplesResponse r;
  r.AddSeries(kUp, a);
  r.AddSeries(core::Labels::FromLiteral({{"__name__", "x"}}), b);
  r.EndQuery();
  r.EndQuery();  // a query that selected nothing
  pb::ReadResponse msg;
  ASSERT_TRUE(msg.ParseFromString(r.raw()));
  ASSERT_EQ(msg.results_size(), 2);
  EXPECT_EQ(msg.results(1).timeseries_size(), 0);
  ASSERT_EQ(msg.results(0).timeseries_size(), 2);
  const pb::TimeSeries& first = msg.results(0).timeseries(0);
  EXPECT_EQ(LabelsOf(first.labels()), LabelsOf(kUp));
  ASSERT_EQ(first.samples_size(), 40);
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(first.samples(i).timestamp(), a[i].timestamp_ms);
    EXPECT_EQ(std::bit_cast<uint64_t>(first.samples(i).value()),
              std::bit_cast<uint64_t>(a[i].value));
  }
  EXPECT_EQ(msg.results(0).timeseries(1).samples(1).timestamp(), -5);
  EXPECT_TRUE(std::signbit(msg.results(0).timeseries(1).samples(0).value()));
  // The body is the same bytes, snappy-compressed.
  std::string raw;
  ASSERT_TRUE(SnappyUncompress(r.Compress(), 1 << 20, &raw).ok());
  EXPECT_EQ(raw, r.raw());
}

// Every frame of a streamed series, decoded by protobuf and our XOR decoder.
struct Streamed {
  std::vector<pb::ChunkedReadResponse> frames;
  std::vector<core::Sample> samples;
  size_t largest_message = 0;
};

Streamed ReadFrames(std::string_view body, size_t limit) {
  Streamed out;
  while (!body.empty()) {
    auto message = NextFrame(&body, limit);
    EXPECT_TRUE(message.ok()) << message.status().ToString();
    if (!message.ok()) break;
    out.largest_message = std::max(out.largest_message, message->size());
    pb::ChunkedReadResponse& frame = out.frames.emplace_back();
    EXPECT_TRUE(frame.ParseFromString(std::string(*message)));
    for (const pb::ChunkedSeries& s : frame.chunked_series()) {
      for (const pb::Chunk& c : s.chunks()) {
        EXPECT_EQ(c.type(), pb::Chunk::XOR);
        const size_t before = out.samples.size();
        EXPECT_TRUE(DecodeXorChunk(c.data(), &out.samples).ok());
        EXPECT_EQ(c.min_time_ms(), out.samples[before].timestamp_ms);
        EXPECT_EQ(c.max_time_ms(), out.samples.back().timestamp_ms);
      }
    }
  }
  return out;
}

void ExpectSameSamples(const std::vector<core::Sample>& got,
                       const std::vector<core::Sample>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].timestamp_ms, want[i].timestamp_ms) << i;
    EXPECT_EQ(std::bit_cast<uint64_t>(got[i].value), std::bit_cast<uint64_t>(want[i].value)) << i;
  }
}

TEST(StreamedResponseTest, OneFrameOfChunksOf120Samples) {
  const std::vector<core::Sample> in = Ramp(1700000000000, 300);
  std::string body;
  ASSERT_TRUE(AppendSeriesFrames(kUp, in, 3, 1 << 20, &body).ok());
  Streamed got = ReadFrames(body, 1 << 20);
  ASSERT_EQ(got.frames.size(), 1u);
  ASSERT_EQ(got.frames[0].chunked_series_size(), 1);
  EXPECT_EQ(got.frames[0].query_index(), 3);
  const pb::ChunkedSeries& s = got.frames[0].chunked_series(0);
  EXPECT_EQ(LabelsOf(s.labels()), LabelsOf(kUp));
  ASSERT_EQ(s.chunks_size(), 3);  // 120 + 120 + 60
  std::vector<core::Sample> first;
  ASSERT_TRUE(DecodeXorChunk(s.chunks(0).data(), &first).ok());
  EXPECT_EQ(first.size(), kXorChunkSamples);
  ExpectSameSamples(got.samples, in);
}

TEST(StreamedResponseTest, EveryFrameIsUnderTheLimit) {
  const std::vector<core::Sample> in = Ramp(1700000000000, 5000, 15013);
  for (size_t limit : {size_t{200}, size_t{700}, size_t{1500}, size_t{4096}, size_t{100000}}) {
    std::string body;
    ASSERT_TRUE(AppendSeriesFrames(kUp, in, 0, limit, &body).ok()) << limit;
    Streamed got = ReadFrames(body, limit);
    EXPECT_LE(got.largest_message, limit);
    if (limit < 100000) {
      EXPECT_GT(got.frames.size(), 1u) << limit;
    }
    for (const auto& f : got.frames) {
      ASSERT_EQ(f.chunked_series_size(), 1);
      EXPECT_EQ(LabelsOf(f.chunked_series(0).labels()), LabelsOf(kUp));  // in every frame
    }
    ExpectSameSamples(got.samples, in);
  }
}

TEST(StreamedResponseTest, RefusesALimitThatCannotHoldOneSample) {
  std::string body;
  core::Status s = AppendSeriesFrames(kUp, Ramp(0, 10), 0, 60, &body);
  EXPECT_EQ(s.code(), core::StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("60 bytes"), std::string::npos) << s.message();
}

TEST(FrameTest, SizeChecksumAndMessage) {
  std::string body;
  AppendFrame("hello", &body);
  // uvarint 5, then CRC-32C("hello") big-endian.
  ASSERT_EQ(body.size(), 1u + 4 + 5);
  EXPECT_EQ(body[0], 5);
  const uint32_t crc = core::crc32c::Value("hello");
  EXPECT_EQ(static_cast<uint8_t>(body[1]), crc >> 24);
  EXPECT_EQ(static_cast<uint8_t>(body[4]), crc & 0xff);
  EXPECT_EQ(body.substr(5), "hello");
  std::string_view in = body;
  auto message = NextFrame(&in, 100);
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(*message, "hello");
  EXPECT_TRUE(in.empty());
}

TEST(FrameTest, RefusesDamage) {
  std::string body;
  AppendFrame(std::string(300, 'x'), &body);  // a two-byte size
  for (size_t i = 0; i < body.size(); ++i) {
    std::string bad = body;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    std::string_view in = bad;
    EXPECT_FALSE(NextFrame(&in, 1000).ok()) << "byte " << i;
  }
  for (size_t cut = 0; cut < body.size(); ++cut) {
    std::string_view in = std::string_view(body).substr(0, cut);
    EXPECT_FALSE(NextFrame(&in, 1000).ok()) << "cut at " << cut;
  }
  std::string_view in = body;
  auto over = NextFrame(&in, 299);
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.status().message().find("over the limit"), std::string::npos);
}

}  // namespace
}  // namespace vigil::remote
