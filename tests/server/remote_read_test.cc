// Remote read as a client meets it: the whole server on a loopback port, requests built with
// protobuf's generated classes and answers read with them, so neither side is checked only
// against our own hand-written codec.
#include <gtest/gtest.h>

#include <bit>

#include "core/http_client.h"
#include "remote/codec.h"
#include "remote/read_response.h"
#include "remote/remote_read.pb.h"
#include "remote/xor_chunk.h"
#include "server/server.h"
#include "tests/core/loop_helpers.h"
#include "tests/core/temp_dir.h"
#include "tests/server/stop_server.h"

namespace vigil::server {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kStep = 15'000;
constexpr int kSamples = 500;

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs LabelsOf(const google::protobuf::RepeatedPtrField<remote::pb::Label>& labels) {
  Pairs out;
  for (const auto& l : labels) out.emplace_back(l.name(), l.value());
  return out;
}

class RemoteReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshTempDir();
    config_.listen = {"127.0.0.1", 0};
    config_.data_dir = dir_ + "/data";
    config_.self_metrics_interval = std::chrono::milliseconds(0);
    config_.external_labels = core::Labels::FromLiteral({{"region", "eu"}});
  }
  void TearDown() override {
    ASSERT_TRUE(testing::StopServer(loop_, server_));
    client_.reset();
    loop_.Run();
  }
  // Starts the server and writes three series of kSamples each (one with its own region).
  void Start() {
    auto s = Server::Create(loop_, config_, clock_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
    client_ = std::make_unique<core::HttpClient>(loop_, core::HttpClientOptions{});
    remote::WriteRequest w;
    for (const char* instance : {"a", "b"}) {
      w.series.push_back({core::Labels::FromLiteral(
                              {{"__name__", "rr_load"}, {"instance", instance}, {"job", "node"}}),
                          {}});
    }
    w.series.push_back(
        {core::Labels::FromLiteral({{"__name__", "rr_load"}, {"instance", "c"}, {"region", "us"}}),
         {}});
    for (size_t i = 0; i < w.series.size(); ++i) {
      for (int k = 0; k < kSamples; ++k) {
        w.series[i].samples.push_back({kT0 + k * kStep, static_cast<double>(i) * 1000 + k * 0.5});
      }
    }
    core::HttpRequest r;
    r.method = "POST";
    r.target = "/api/v1/write";
    r.headers.Set("Content-Type", "application/x-protobuf");
    r.headers.Set("Content-Encoding", "snappy");
    r.body = remote::EncodeWriteRequest(w);
    ASSERT_EQ(Exchange(std::move(r)).status, 204);
  }

  core::HttpResponse Exchange(core::HttpRequest r) {
    core::Url url{"http", "127.0.0.1", server_->address().port, r.target};
    std::optional<core::Result<core::HttpResponse>> got;
    client_->Send(url, std::move(r),
                  [&](core::Result<core::HttpResponse> res) { got = std::move(res); });
    EXPECT_TRUE(testing::RunUntil(
        loop_, [&] { return got.has_value(); }, std::chrono::seconds(20)));
    if (!got || !got->ok()) return core::HttpResponse::Text(599, "no answer");
    return std::move(got->value());
  }
  core::HttpResponse Read(const std::string& body, const std::string& auth = "") {
    core::HttpRequest r;
    r.method = "POST";
    r.target = "/api/v1/read";
    r.headers.Set("Content-Type", "application/x-protobuf");
    r.headers.Set("Content-Encoding", "snappy");
    if (!auth.empty()) r.headers.Set("Authorization", auth);
    r.body = body;
    return Exchange(std::move(r));
  }
  static std::string Body(const remote::pb::ReadRequest& r) {
    return remote::SnappyCompress(r.SerializeAsString());
  }
  static remote::pb::Query* AddQuery(remote::pb::ReadRequest* r, int64_t start, int64_t end,
                                     const Pairs& equal) {
    remote::pb::Query* q = r->add_queries();
    q->set_start_timestamp_ms(start);
    q->set_end_timestamp_ms(end);
    for (const auto& [n, v] : equal) {
      remote::pb::LabelMatcher* m = q->add_matchers();
      m->set_name(n);
      m->set_value(v);
    }
    return q;
  }
  // The request most tests send: two queries, the second on an external label.
  static remote::pb::ReadRequest TwoQueries() {
    remote::pb::ReadRequest r;
    AddQuery(&r, kT0 + 10 * kStep, kT0 + 20 * kStep, {{"__name__", "rr_load"}});
    AddQuery(&r, kT0, kT0 + 400 * kStep, {{"__name__", "rr_load"}, {"region", "eu"}});
    return r;
  }
  remote::pb::ReadResponse SamplesAnswer(const remote::pb::ReadRequest& request) {
    core::HttpResponse got = Read(Body(request));
    EXPECT_EQ(got.status, 200) << got.body;
    EXPECT_EQ(got.headers.Get("Content-Type"), "application/x-protobuf");
    EXPECT_EQ(got.headers.Get("Content-Encoding"), "snappy");
    std::string raw;
    EXPECT_TRUE(remote::SnappyUncompress(got.body, 1 << 30, &raw).ok());
    remote::pb::ReadResponse msg;
    EXPECT_TRUE(msg.ParseFromString(raw));
    return msg;
  }
  uint64_t HeadSeries() { return server_->storage().head().stats().series; }

  std::string dir_;
  ServerConfig config_;
  core::ManualClock clock_{kT0 + kSamples * kStep};
  core::Loop loop_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<core::HttpClient> client_;
};

TEST_F(RemoteReadTest, SamplesAnswerSelectsTheRangeAndAddsExternalLabels) {
  Start();
  remote::pb::ReadResponse msg = SamplesAnswer(TwoQueries());
  ASSERT_EQ(msg.results_size(), 2);
  const auto& first = msg.results(0);
  ASSERT_EQ(first.timeseries_size(), 3);
  EXPECT_EQ(LabelsOf(first.timeseries(0).labels()),
            (Pairs{{"__name__", "rr_load"}, {"instance", "a"}, {"job", "node"}, {"region", "eu"}}));
  // The series' own region wins over the external one.
  EXPECT_EQ(LabelsOf(first.timeseries(2).labels()),
            (Pairs{{"__name__", "rr_load"}, {"instance", "c"}, {"region", "us"}}));
  for (const auto& ts : first.timeseries()) {
    ASSERT_EQ(ts.samples_size(), 11);  // both ends included
    EXPECT_EQ(ts.samples(0).timestamp(), kT0 + 10 * kStep);
    EXPECT_EQ(ts.samples(10).timestamp(), kT0 + 20 * kStep);
  }
  EXPECT_EQ(first.timeseries(1).samples(0).value(), 1000 + 10 * 0.5);
  // region="eu" is this server's external label: it selects the series stored without a
  // region, as Prometheus's read handler does, and not the one whose own region is "us".
  const auto& second = msg.results(1);
  ASSERT_EQ(second.timeseries_size(), 2);
  EXPECT_EQ(second.timeseries(1).samples_size(), 401);
}

TEST_F(RemoteReadTest, StreamedAnswerHoldsTheSameSamplesInFramesUnderTheLimit) {
  config_.limits.remote_read_max_bytes_in_frame = 1024;
  Start();
  remote::pb::ReadRequest request = TwoQueries();
  const remote::pb::ReadResponse samples = SamplesAnswer(request);
  request.add_accepted_response_types(remote::pb::ReadRequest::STREAMED_XOR_CHUNKS);
  request.add_accepted_response_types(remote::pb::ReadRequest::SAMPLES);
  core::HttpResponse got = Read(Body(request));
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.headers.Get("Content-Type"),
            "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse");
  EXPECT_EQ(got.headers.Get("Transfer-Encoding"), "chunked");
  // Series by query, rebuilt from the frames.
  std::vector<std::vector<std::pair<Pairs, std::vector<core::Sample>>>> by_query(2);
  std::string_view body = got.body;
  size_t frames = 0;
  while (!body.empty()) {
    auto message = remote::NextFrame(&body, 1024);
    ASSERT_TRUE(message.ok()) << message.status().ToString();
    ++frames;
    remote::pb::ChunkedReadResponse frame;
    ASSERT_TRUE(frame.ParseFromString(std::string(*message)));
    ASSERT_LT(frame.query_index(), 2);
    ASSERT_EQ(frame.chunked_series_size(), 1);
    auto& series = by_query[static_cast<size_t>(frame.query_index())];
    const Pairs labels = LabelsOf(frame.chunked_series(0).labels());
    if (series.empty() || series.back().first != labels) series.push_back({labels, {}});
    for (const auto& chunk : frame.chunked_series(0).chunks()) {
      ASSERT_TRUE(remote::DecodeXorChunk(chunk.data(), &series.back().second).ok());
    }
  }
  EXPECT_GT(frames, 4u);  // 401 samples of a series do not fit in 1KB
  for (int q = 0; q < 2; ++q) {
    const auto& want = samples.results(q);
    ASSERT_EQ(by_query[q].size(), static_cast<size_t>(want.timeseries_size())) << q;
    for (int i = 0; i < want.timeseries_size(); ++i) {
      EXPECT_EQ(by_query[q][i].first, LabelsOf(want.timeseries(i).labels()));
      ASSERT_EQ(by_query[q][i].second.size(),
                static_cast<size_t>(want.timeseries(i).samples_size()));
      for (int k = 0; k < want.timeseries(i).samples_size(); ++k) {
        EXPECT_EQ(by_query[q][i].second[k].timestamp_ms, want.timeseries(i).samples(k).timestamp());
        EXPECT_EQ(by_query[q][i].second[k].value, want.timeseries(i).samples(k).value());
      }
    }
  }
}

TEST_F(RemoteReadTest, BadRequestsAre400AndChangeNothing) {
  config_.limits.remote_read_sample_limit = 500;
  Start();
  const uint64_t series = HeadSeries();
  remote::pb::ReadRequest small;
  AddQuery(&small, kT0, kT0 + 10 * kStep, {{"__name__", "rr_load"}});
  const std::string before = SamplesAnswer(small).SerializeAsString();
  auto expect_400 = [&](const std::string& body, const std::string& reason) {
    core::HttpResponse got = Read(body);
    EXPECT_EQ(got.status, 400) << reason;
    EXPECT_NE(got.body.find(reason), std::string::npos) << got.body;
  };
  expect_400("not snappy", "snappy");
  expect_400(remote::SnappyCompress("\x0a\x05\x08"), "truncated");
  remote::pb::ReadRequest bad = TwoQueries();
  bad.mutable_queries(1)->mutable_matchers(0)->set_type(remote::pb::LabelMatcher::RE);
  bad.mutable_queries(1)->mutable_matchers(0)->set_value("rr_(");
  expect_400(Body(bad), "query 1");
  bad = TwoQueries();
  bad.mutable_queries(0)->mutable_matchers(0)->set_type(
      static_cast<remote::pb::LabelMatcher::Type>(9));
  expect_400(Body(bad), "unknown matcher type 9");
  bad = TwoQueries();
  bad.add_accepted_response_types(static_cast<remote::pb::ReadRequest::ResponseType>(5));
  expect_400(Body(bad), "accepted_response_types");
  // 3 × 11 + 2 × 401 samples are past 500.
  expect_400(Body(TwoQueries()), "exceeded sample limit (500)");
  // The streamed answer has no sample limit (as in Prometheus): its memory is a frame's.
  bad = TwoQueries();
  bad.add_accepted_response_types(remote::pb::ReadRequest::STREAMED_XOR_CHUNKS);
  EXPECT_EQ(Read(Body(bad)).status, 200);
  EXPECT_EQ(HeadSeries(), series);
  EXPECT_EQ(SamplesAnswer(small).SerializeAsString(), before);
}

TEST_F(RemoteReadTest, AuthGuardsIt) {
  config_.auth.bearer_token = "s3cret";
  auto s = Server::Create(loop_, config_, clock_);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  server_ = std::move(s).value();
  client_ = std::make_unique<core::HttpClient>(loop_, core::HttpClientOptions{});
  EXPECT_EQ(Read(Body(TwoQueries())).status, 401);
  EXPECT_EQ(Read(Body(TwoQueries()), "Bearer wrong").status, 401);
  EXPECT_EQ(Read(Body(TwoQueries()), "Bearer s3cret").status, 200);
}

// Past the concurrency limit reads wait their turn; none is refused or lost.
TEST_F(RemoteReadTest, ReadsPastTheConcurrencyLimitWait) {
  config_.limits.remote_read_concurrent_limit = 1;
  Start();
  std::vector<std::unique_ptr<core::HttpClient>> clients;
  std::vector<std::optional<core::Result<core::HttpResponse>>> got(4);
  for (size_t i = 0; i < got.size(); ++i) {
    clients.push_back(std::make_unique<core::HttpClient>(loop_, core::HttpClientOptions{}));
    remote::pb::ReadRequest r = TwoQueries();
    if (i % 2 == 1) r.add_accepted_response_types(remote::pb::ReadRequest::STREAMED_XOR_CHUNKS);
    core::HttpRequest req;
    req.method = "POST";
    req.target = "/api/v1/read";
    req.body = Body(r);
    const core::Url url{"http", "127.0.0.1", server_->address().port, req.target};
    clients.back()->Send(url, std::move(req), [&got, i](core::Result<core::HttpResponse> res) {
      got[i] = std::move(res);
    });
  }
  ASSERT_TRUE(testing::RunUntil(
      loop_,
      [&] {
        for (const auto& g : got) {
          if (!g) return false;
        }
        return true;
      },
      std::chrono::seconds(20)));
  for (const auto& g : got) {
    ASSERT_TRUE(g->ok()) << g->status().ToString();
    EXPECT_EQ((*g)->status, 200) << (*g)->body;
    EXPECT_FALSE((*g)->body.empty());
  }
  EXPECT_EQ(got[0]->value().body, got[2]->value().body);
  core::HttpRequest m;
  m.method = "GET";
  m.target = "/metrics";
  const std::string metrics = Exchange(std::move(m)).body;
  EXPECT_NE(metrics.find("vigil_remote_read_requests_total{code=\"200\"} 4"), std::string::npos);
  EXPECT_NE(metrics.find("vigil_remote_read_running 0"), std::string::npos);
}

// Clients that leave without reading their streams give their places back: with one read at a
// time, the next read is still answered, and the server stops with no read left behind. (The
// streams here are small enough to be written whole before the clients go; a stream stopped
// by a client that reads nothing is let go the same way, when its connection closes.)
TEST_F(RemoteReadTest, ClientsThatLeaveWithoutReadingFreeTheirPlaces) {
  config_.limits.remote_read_concurrent_limit = 1;
  config_.limits.remote_read_max_bytes_in_frame = 1024;
  Start();
  remote::pb::ReadRequest request = TwoQueries();
  request.add_accepted_response_types(remote::pb::ReadRequest::STREAMED_XOR_CHUNKS);
  const std::string body = Body(request);
  for (int i = 0; i < 3; ++i) {
    testing::RawClient gone(server_->address().port);
    ASSERT_TRUE(gone.connected());
    gone.Send("POST /api/v1/read HTTP/1.1\r\nHost: x\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\n\r\n" + body);
    testing::RunUntil(
        loop_, [] { return false; }, std::chrono::milliseconds(5));
  }  // each closes its socket with the answer unread
  remote::pb::ReadResponse answer = SamplesAnswer(TwoQueries());
  EXPECT_EQ(answer.results_size(), 2);
  // TearDown's Stopped() waits for every read to be over.
}

}  // namespace
}  // namespace vigil::server
