#include "remote/write_view.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <memory>
#include <random>

#include "remote/remote_write.pb.h"

namespace vigil::remote {
namespace {

// What the view read, in the generated classes' shape, to compare with what protobuf wrote.
pb::WriteRequest AsMessage(WriteRequestView& view) {
  pb::WriteRequest out;
  for (size_t i = 0; i < view.size(); ++i) {
    pb::TimeSeries* ts = out.add_timeseries();
    for (const core::LabelView& l : view.labels(i)) {
      pb::Label* pl = ts->add_labels();
      pl->set_name(std::string(l.name));
      pl->set_value(std::string(l.value));
    }
    for (const core::Sample& s : view.samples(i)) {
      pb::Sample* ps = ts->add_samples();
      ps->set_value(s.value);
      ps->set_timestamp(s.timestamp_ms);
    }
  }
  for (const MetricMetadata& m : view.metadata()) {
    pb::MetricMetadata* pm = out.add_metadata();
    pm->set_type(m.type == core::MetricType::kCounter ? pb::MetricMetadata::COUNTER
                                                      : pb::MetricMetadata::GAUGE);
    pm->set_metric_family_name(m.family);
    pm->set_help(m.help);
    pm->set_unit(m.unit);
  }
  return out;
}

pb::WriteRequest RandomRequest(std::mt19937_64& rng) {
  pb::WriteRequest msg;
  const int series = 1 + static_cast<int>(rng() % 50);
  for (int i = 0; i < series; ++i) {
    pb::TimeSeries* ts = msg.add_timeseries();
    pb::Label* name = ts->add_labels();
    name->set_name("__name__");
    name->set_value("metric_" + std::to_string(rng() % 1000));
    // Names l0 < l1 < ...: sorted and unique as the checks want.
    for (int l = static_cast<int>(rng() % 8); l > 0; --l) {
      pb::Label* pl = ts->add_labels();
      pl->set_name("l" + std::to_string(ts->labels_size()));
      pl->set_value(std::string(1 + rng() % 300, static_cast<char>('a' + rng() % 26)));
    }
    for (int s = static_cast<int>(rng() % 5); s > 0; --s) {
      pb::Sample* ps = ts->add_samples();
      ps->set_timestamp(static_cast<int64_t>(rng()));  // negative ones take ten varint bytes
      ps->set_value(std::bit_cast<double>(rng()));
    }
  }
  if (rng() % 2 == 0) {
    pb::MetricMetadata* m = msg.add_metadata();
    m->set_type(pb::MetricMetadata::COUNTER);
    m->set_metric_family_name("metric_1");
    m->set_help("Help with \"quotes\" and ü.");
  }
  return msg;
}

void ExpectSameBits(const pb::WriteRequest& want, const pb::WriteRequest& got) {
  // Serialized forms compare every field, NaN payloads included.
  EXPECT_EQ(want.SerializeAsString(), got.SerializeAsString());
}

TEST(WriteRequestViewTest, ReadsWhatProtobufWrites) {
  std::mt19937_64 rng(3);
  WriteRequestView view;  // one view for all: reuse must leave nothing of the request before
  for (int i = 0; i < 200; ++i) {
    const pb::WriteRequest msg = RandomRequest(rng);
    const std::string raw = msg.SerializeAsString();
    ASSERT_TRUE(view.Parse(raw, {}).ok());
    ExpectSameBits(msg, AsMessage(view));
  }
}

// A key and a length-delimited value, as a newer sender writes fields we do not know.
std::string Field(int field, int wire_type, std::string_view value) {
  std::string out(1, static_cast<char>(field << 3 | wire_type));
  if (wire_type == 2) {
    size_t n = value.size();
    for (; n >= 0x80; n >>= 7) out.push_back(static_cast<char>(n | 0x80));
    out.push_back(static_cast<char>(n));
  }
  return out + std::string(value);
}

TEST(WriteRequestViewTest, StepsOverFieldsItDoesNotKnow) {
  pb::TimeSeries ts;
  pb::Label* l = ts.add_labels();
  l->set_name("__name__");
  l->set_value("up");
  ts.add_samples()->set_timestamp(7);
  // Exemplars (3) and native histograms (4) as remote-write 1.0 senders may add them, a
  // varint, a fixed32 and a group with a nested field.
  std::string series = ts.SerializeAsString() + Field(3, 2, "\x0a\x00") + Field(4, 2, "abc") +
                       Field(9, 0, "\x96\x01") + Field(10, 5, "wxyz") +
                       Field(11, 3, Field(1, 0, "\x01")) + Field(11, 4, "");
  std::string raw = Field(1, 2, series) + Field(7, 0, "\x01");
  WriteRequestView view;
  ASSERT_TRUE(view.Parse(raw, {}).ok()) << view.Parse(raw, {}).ToString();
  ASSERT_EQ(view.size(), 1u);
  ASSERT_EQ(view.labels(0).size(), 1u);
  EXPECT_EQ(view.labels(0)[0].value, "up");
  ASSERT_EQ(view.samples(0).size(), 1u);
  EXPECT_EQ(view.samples(0)[0].timestamp_ms, 7);
}

TEST(WriteRequestViewTest, RefusesMalformedWireBytesWithAReason) {
  const std::string label = Field(1, 2, "__name__") + Field(2, 2, "up");
  struct Case {
    std::string raw;
    std::string reason;
  };
  const Case cases[] = {
      {Field(1, 0, "\x05"), "field 1 of WriteRequest has wire type 0"},
      {Field(1, 2, Field(1, 2, Field(1, 0, "\x01"))), "field 1 of Label has wire type 0"},
      {Field(1, 2, Field(1, 2, label) + Field(2, 2, Field(2, 1, "12345678"))),
       "field 2 of Sample has wire type 1"},
      {std::string("\x0a\x05\x0a", 3), "truncated WriteRequest"},
      {Field(1, 2, std::string("\x0a\x20", 2) + label), "truncated TimeSeries"},
      {Field(1, 2, std::string("\x0a\x07", 2) + label), "truncated Label"},
      {std::string(11, '\xff'), "bad key in WriteRequest"},
      {Field(5, 4, ""), "truncated WriteRequest"},               // an end without a start
      {Field(5, 3, Field(6, 4, "")), "truncated WriteRequest"},  // ends another group
      {std::string("\x00", 1), "bad key in WriteRequest"},       // field number 0
  };
  WriteRequestView view;
  for (const Case& c : cases) {
    core::Status st = view.Parse(c.raw, {});
    ASSERT_FALSE(st.ok()) << c.reason;
    EXPECT_EQ(st.code(), core::StatusCode::kInvalidArgument);
    EXPECT_EQ(st.message(), "protobuf: cannot parse WriteRequest: " + c.reason);
    EXPECT_EQ(view.size(), 0u) << "a refused request leaves nothing behind";
  }
}

TEST(WriteRequestViewTest, EveryTruncationIsReadOrRefusedNeverOverrun) {
  std::mt19937_64 rng(5);
  const std::string raw = RandomRequest(rng).SerializeAsString();
  WriteRequestView view;
  for (size_t n = 0; n < raw.size(); ++n) {
    // Its own allocation of exactly n bytes, so ASan sees any read past the end.
    std::unique_ptr<char[]> prefix(new char[n + 1]);
    std::memcpy(prefix.get(), raw.data(), n);
    core::Status st = view.Parse(std::string_view(prefix.get(), n), {});
    if (!st.ok()) {
      EXPECT_EQ(view.size(), 0u);
    }
  }
}

TEST(WriteRequestViewTest, ALabelFloodIsRefusedAtTheLimit) {
  std::string series = Field(1, 2, Field(1, 2, "__name__") + Field(2, 2, "up"));
  for (int i = 0; i < 1000; ++i) series += Field(1, 2, Field(1, 2, "a") + Field(2, 2, "b"));
  WriteRequestView view;
  core::Status st = view.Parse(Field(1, 2, series), {.max_labels_per_series = 512});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "series with more than the 512 labels allowed");
}

TEST(WriteRequestViewTest, AssignViewsAnOwnedRequest) {
  WriteRequest request;
  request.series.push_back(
      {core::Labels::FromLiteral({{"__name__", "up"}, {"job", "node"}}), {{1, 1.0}, {2, 0.0}}});
  request.series.push_back({core::Labels::FromLiteral({{"__name__", "down"}}), {}});
  WriteRequestView view;
  view.Assign(request);
  ASSERT_EQ(view.size(), 2u);
  EXPECT_EQ(view.labels(0)[1].value, "node");
  EXPECT_EQ(view.samples(0).size(), 2u);
  EXPECT_EQ(view.labels(1)[0].value, "down");
  EXPECT_EQ(view.samples(1).size(), 0u);
}

}  // namespace
}  // namespace vigil::remote
