#include "remote/codec.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>

#include "remote/remote_write.pb.h"

namespace vigil::remote {
namespace {

WriteRequest Sample() {
  WriteRequest r;
  r.series.push_back({core::Labels::FromLiteral(
                          {{"__name__", "node_load1"}, {"instance", "edge-01"}, {"job", "node"}}),
                      {{1700000000000, 0.52}, {1700000015000, 0.4}}});
  r.series.push_back({core::Labels::FromLiteral({{"__name__", "odd"}, {"city", "Zürich"}}),
                      {{0, 0.0},
                       {-5, -0.0},
                       {1, std::nan("")},
                       {2, core::StaleNaN()},
                       {3, HUGE_VAL},
                       {4, -HUGE_VAL}}});
  r.metadata.push_back({"node_load1", core::MetricType::kGauge, "1m load average.", ""});
  r.metadata.push_back({"http_requests", core::MetricType::kCounter, "", "requests"});
  return r;
}

TEST(RemoteCodecTest, RoundTripsBitForBit) {
  const WriteRequest in = Sample();
  auto out = DecodeWriteRequest(EncodeWriteRequest(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->series.size(), in.series.size());
  for (size_t i = 0; i < in.series.size(); ++i) {
    EXPECT_EQ(out->series[i].labels, in.series[i].labels);
    ASSERT_EQ(out->series[i].samples.size(), in.series[i].samples.size());
    for (size_t j = 0; j < in.series[i].samples.size(); ++j) {
      EXPECT_EQ(out->series[i].samples[j].timestamp_ms, in.series[i].samples[j].timestamp_ms);
      EXPECT_EQ(std::bit_cast<uint64_t>(out->series[i].samples[j].value),
                std::bit_cast<uint64_t>(in.series[i].samples[j].value));
    }
  }
  ASSERT_EQ(out->metadata.size(), 2u);
  EXPECT_EQ(out->metadata[0].family, "node_load1");
  EXPECT_EQ(out->metadata[0].type, core::MetricType::kGauge);
  EXPECT_EQ(out->metadata[0].help, "1m load average.");
  EXPECT_EQ(out->metadata[1].unit, "requests");
}

TEST(RemoteCodecTest, HandWrittenBytesAreWhatProtobufWrites) {
  const WriteRequest in = Sample();
  pb::WriteRequest msg;
  for (const auto& s : in.series) {
    pb::TimeSeries* ts = msg.add_timeseries();
    for (const auto& l : s.labels) {
      pb::Label* pl = ts->add_labels();
      pl->set_name(l.name);
      pl->set_value(l.value);
    }
    for (const auto& x : s.samples) {
      pb::Sample* ps = ts->add_samples();
      ps->set_value(x.value);
      ps->set_timestamp(x.timestamp_ms);
    }
  }
  for (const auto& m : in.metadata) {
    pb::MetricMetadata* pm = msg.add_metadata();
    pm->set_type(m.type == core::MetricType::kGauge ? pb::MetricMetadata::GAUGE
                                                    : pb::MetricMetadata::COUNTER);
    pm->set_metric_family_name(m.family);
    pm->set_help(m.help);
    pm->set_unit(m.unit);
  }
  std::string ours;
  MarshalWriteRequest(in, &ours);
  EXPECT_EQ(ours, msg.SerializeAsString());
}

std::string Body(const pb::WriteRequest& msg) { return SnappyCompress(msg.SerializeAsString()); }

pb::WriteRequest OneSeries(std::initializer_list<std::pair<const char*, const char*>> labels) {
  pb::WriteRequest msg;
  pb::TimeSeries* ts = msg.add_timeseries();
  for (const auto& [n, v] : labels) {
    pb::Label* l = ts->add_labels();
    l->set_name(n);
    l->set_value(v);
  }
  ts->add_samples()->set_value(1);
  return msg;
}

TEST(RemoteCodecTest, RefusesBadRequestsWithAReason) {
  struct Case {
    std::string body;
    std::string reason;
  };
  const Case cases[] = {
      {"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", "snappy: corrupt input (bad length header)"},
      {std::string("\x0a\xff\xff\xff\xff\xff", 6),
       "snappy: corrupt input"},  // copies from before the start
      {SnappyCompress("\xff\xff\xff garbage"), "protobuf: cannot parse WriteRequest"},
      {Body(OneSeries({{"job", "x"}})), "series without __name__: {job=\"x\"}"},
      {Body(OneSeries({{"__name__", "up"}, {"bad-name", "x"}})), "invalid label name \"bad-name\""},
      {Body(OneSeries({{"__name__", "up"}, {"job", "x"}, {"instance", "y"}})),
       "unsorted label name \"instance\""},
      {Body(OneSeries({{"__name__", "up"}, {"job", "x"}, {"job", "y"}})),
       "duplicate label name \"job\""},
      {Body(OneSeries({{"__name__", "up"}, {"job", ""}})), "empty value for label \"job\""},
      {Body(OneSeries({{"__name__", "9up"}})), "invalid metric name \"9up\""},
      {Body(OneSeries({{"__name__", "up"}, {"x", "\xc3"}})),
       "label \"x\" has a value that is not UTF-8"},
  };
  for (const Case& c : cases) {
    auto r = DecodeWriteRequest(c.body);
    ASSERT_FALSE(r.ok()) << c.reason;
    EXPECT_EQ(r.status().code(), core::StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message().rfind(c.reason, 0), 0u)
        << "want: " << c.reason << "\n got: " << r.status().message();
  }
}

TEST(RemoteCodecTest, TheUncompressedSizeIsBoundedBeforeDecompressing) {
  std::string big = SnappyCompress(std::string(10000, 'a'));
  auto r = DecodeWriteRequest(big, {.max_uncompressed_bytes = 1000});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "snappy: uncompressed size 10000 bytes is over the limit of 1000");
}

// A varint length header and little else: the claim alone must not allocate it.
std::string SnappyHeaderClaiming(uint64_t length, size_t body_bytes) {
  std::string out;
  for (; length >= 0x80; length >>= 7) out.push_back(static_cast<char>(length | 0x80));
  out.push_back(static_cast<char>(length));
  return out + std::string(body_bytes, '\0');
}

TEST(RemoteCodecTest, ALengthTheInputCannotHoldIsRefusedBeforeTheMemoryIsTaken) {
  std::string out;
  core::Status s = SnappyUncompress(SnappyHeaderClaiming(120'000'000, 17), 128u << 20, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      s.message(),
      "snappy: corrupt input (claims 120000000 bytes, more than 21 compressed bytes can hold)");
  EXPECT_LT(out.capacity(), 1024u);

  // The bound is snappy's own: the most compressible input there is stays within it, and
  // decompresses whole.
  for (size_t size : {0, 1, 100, 4096, 1 << 20, 10 << 20}) {
    const std::string raw(size, '\0');
    const std::string compressed = SnappyCompress(raw);
    EXPECT_LE(raw.size(), compressed.size() / 3 * 64 + 64) << size;
    std::string back;
    ASSERT_TRUE(SnappyUncompress(compressed, 128u << 20, &back).ok()) << size;
    EXPECT_EQ(back, raw);
  }
}

TEST(RemoteCodecTest, RandomBytesNeverCrashTheDecoder) {
  std::mt19937 rng(11);
  std::string good = EncodeWriteRequest(Sample());
  for (int i = 0; i < 1500; ++i) {
    std::string body = good;
    for (int flips = 1 + static_cast<int>(rng() % 4); flips > 0; --flips)
      body[rng() % body.size()] ^= static_cast<char>(1 + rng() % 255);
    (void)DecodeWriteRequest(body);  // any verdict, never a crash
    std::string junk(rng() % 100, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    (void)DecodeWriteRequest(junk);
  }
}

}  // namespace
}  // namespace vigil::remote
