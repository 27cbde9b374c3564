#include "remote/read_request.h"

#include <gtest/gtest.h>

#include "remote/codec.h"
#include "remote/remote_read.pb.h"

namespace vigil::remote {
namespace {

// A request as Prometheus 2.42's remote_read client sends it: one query, hints, no
// accepted_response_types.
pb::ReadRequest PrometheusRequest() {
  pb::ReadRequest r;
  pb::Query* q = r.add_queries();
  q->set_start_timestamp_ms(1700000000000);
  q->set_end_timestamp_ms(1700000300000);
  pb::LabelMatcher* m = q->add_matchers();
  m->set_type(pb::LabelMatcher::EQ);
  m->set_name("__name__");
  m->set_value("up");
  m = q->add_matchers();
  m->set_type(pb::LabelMatcher::RE);
  m->set_name("job");
  m->set_value("node|vigil.*");
  q->mutable_hints()->set_start_ms(1700000000000);
  q->mutable_hints()->set_end_ms(1700000300000);
  q->mutable_hints()->set_step_ms(15000);
  q->mutable_hints()->set_func("rate");
  q->mutable_hints()->add_grouping("instance");
  q->mutable_hints()->set_by(true);
  q->mutable_hints()->set_range_ms(60000);
  return r;
}

std::string Body(const pb::ReadRequest& r) { return SnappyCompress(r.SerializeAsString()); }

TEST(ReadRequestTest, DecodesWhatProtobufWrites) {
  auto got = DecodeReadRequest(Body(PrometheusRequest()), {});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->queries.size(), 1u);
  const ReadQuery& q = got->queries[0];
  EXPECT_EQ(q.start_ms, 1700000000000);
  EXPECT_EQ(q.end_ms, 1700000300000);
  ASSERT_EQ(q.matchers.size(), 2u);
  EXPECT_EQ(q.matchers[0].type, ReadMatchType::kEqual);
  EXPECT_EQ(q.matchers[0].name, "__name__");
  EXPECT_EQ(q.matchers[0].value, "up");
  EXPECT_EQ(q.matchers[1].type, ReadMatchType::kRegexMatch);
  EXPECT_EQ(q.matchers[1].value, "node|vigil.*");
  ASSERT_TRUE(q.hints.has_value());
  EXPECT_EQ(q.hints->step_ms, 15000);
  EXPECT_EQ(q.hints->func, "rate");
  EXPECT_EQ(q.hints->start_ms, 1700000000000);
  EXPECT_EQ(q.hints->end_ms, 1700000300000);
  EXPECT_EQ(q.hints->grouping, std::vector<std::string>{"instance"});
  EXPECT_TRUE(q.hints->by);
  EXPECT_EQ(q.hints->range_ms, 60000);
  EXPECT_TRUE(got->accepted_response_types.empty());
  EXPECT_EQ(*NegotiateResponseType(got->accepted_response_types), ReadResponseType::kSamples);
}

TEST(ReadRequestTest, NegativeTimesAndNoHints) {
  pb::ReadRequest r;
  pb::Query* q = r.add_queries();
  q->set_start_timestamp_ms(-60000);
  q->set_end_timestamp_ms(-1);
  auto got = DecodeReadRequest(Body(r), {});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->queries[0].start_ms, -60000);
  EXPECT_EQ(got->queries[0].end_ms, -1);
  EXPECT_FALSE(got->queries[0].hints.has_value());
  EXPECT_TRUE(got->queries[0].matchers.empty());
}

TEST(ReadRequestTest, NegotiatesInTheClientsOrder) {
  pb::ReadRequest r = PrometheusRequest();
  r.add_accepted_response_types(pb::ReadRequest::STREAMED_XOR_CHUNKS);
  r.add_accepted_response_types(pb::ReadRequest::SAMPLES);
  auto got = DecodeReadRequest(Body(r), {});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->accepted_response_types, (std::vector<uint64_t>{1, 0}));
  EXPECT_EQ(*NegotiateResponseType(got->accepted_response_types),
            ReadResponseType::kStreamedXorChunks);
  EXPECT_EQ(*NegotiateResponseType({7, 0, 1}), ReadResponseType::kSamples);
  auto none = NegotiateResponseType({5, 9});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), core::StatusCode::kInvalidArgument);
}

// proto3 writers pack repeated enums; older ones write one field per value. Both are read.
TEST(ReadRequestTest, ReadsResponseTypesUnpacked) {
  // Field 2 as varints: STREAMED_XOR_CHUNKS, SAMPLES.
  const std::string raw("\x10\x01\x10\x00", 4);
  auto got = ParseReadRequest(raw, {});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->accepted_response_types, (std::vector<uint64_t>{1, 0}));
}

void ExpectRefused(std::string_view body, std::string_view reason,
                   const ReadRequestLimits& limits = {}) {
  auto got = DecodeReadRequest(body, limits);
  ASSERT_FALSE(got.ok()) << "accepted: " << reason;
  EXPECT_EQ(got.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(got.status().message().find(reason), std::string::npos) << got.status().message();
}

TEST(ReadRequestTest, RefusesBadSnappy) {
  ExpectRefused("not snappy at all", "snappy");
  std::string cut = Body(PrometheusRequest());
  cut.resize(cut.size() - 3);
  ExpectRefused(cut, "snappy");
}

TEST(ReadRequestTest, RefusesBadProtobuf) {
  const std::string raw = PrometheusRequest().SerializeAsString();
  for (size_t cut = 1; cut < raw.size(); ++cut) {
    auto got = ParseReadRequest(std::string_view(raw).substr(0, cut), {});
    // A cut between two whole fields leaves a shorter, valid request; any other cut is refused.
    if (!got.ok()) {
      EXPECT_EQ(got.status().code(), core::StatusCode::kInvalidArgument) << cut;
    }
  }
  ExpectRefused(SnappyCompress(std::string("\x0a\x05\x08", 3)), "truncated");
  ExpectRefused(SnappyCompress(std::string("\x0f", 1)), "bad key");  // wire type 7
  // queries (field 1) as a varint.
  ExpectRefused(SnappyCompress(std::string("\x08\x01", 2)), "wire type 0");
}

TEST(ReadRequestTest, RefusesAnUnknownMatcherTypeNamingTheQuery) {
  pb::ReadRequest r = PrometheusRequest();
  r.add_queries()->add_matchers()->set_type(static_cast<pb::LabelMatcher::Type>(4));
  ExpectRefused(Body(r), "query 1");
  ExpectRefused(Body(r), "unknown matcher type 4");
}

TEST(ReadRequestTest, RefusesPastItsLimits) {
  pb::ReadRequest r;
  for (int i = 0; i < 3; ++i) r.add_queries()->add_matchers()->set_name("a");
  ReadRequestLimits limits;
  limits.max_queries = 2;
  ExpectRefused(Body(r), "more than 2 queries", limits);
  limits = {};
  limits.max_matchers_per_query = 0;
  ExpectRefused(Body(r), "more than 0 matchers", limits);
  limits = {};
  limits.max_uncompressed_bytes = 4;
  ExpectRefused(Body(r), "over the limit", limits);
}

}  // namespace
}  // namespace vigil::remote
