// The receiver as senders meet it: the whole server on a loopback port, requests from our HTTP
// client. Every refused request is checked to have left storage as it was.
#include <gtest/gtest.h>

#include <random>

#include "core/coding.h"
#include "core/http_client.h"
#include "remote/codec.h"
#include "server/api/console.h"
#include "server/server.h"
#include "tests/core/loop_helpers.h"
#include "tests/core/temp_dir.h"
#include "tests/server/stop_server.h"
#include "tests/server/storage/read_all.h"

namespace vigil::server {
namespace {

class ReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshTempDir();
    config_.listen = {"127.0.0.1", 0};
    config_.data_dir = dir_ + "/data";
    config_.limits.max_request_size = 4u << 20;
  }
  void TearDown() override {
    ASSERT_TRUE(testing::StopServer(loop_, server_));
    client_.reset();
    loop_.Run();
  }
  void Start() {
    auto s = Server::Create(loop_, config_, clock_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
    client_ = std::make_unique<core::HttpClient>(loop_, core::HttpClientOptions{});
  }

  core::HttpResponse Post(std::string body, std::string type = "application/x-protobuf",
                          std::string encoding = "snappy", std::string auth = "",
                          std::string user_agent = "") {
    core::HttpRequest r;
    r.method = "POST";
    r.target = "/api/v1/write";
    if (!user_agent.empty()) r.headers.Set("User-Agent", user_agent);
    if (!type.empty()) r.headers.Set("Content-Type", type);
    if (!encoding.empty()) r.headers.Set("Content-Encoding", encoding);
    if (!auth.empty()) r.headers.Set("Authorization", auth);
    r.body = std::move(body);
    return Exchange(std::move(r));
  }
  core::HttpResponse Get(std::string target) {
    core::HttpRequest r;
    r.method = "GET";
    r.target = std::move(target);
    return Exchange(std::move(r));
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

  static remote::WriteRequest Request(int series, int64_t t, double v = 1) {
    remote::WriteRequest req;
    for (int i = 0; i < series; ++i) {
      req.series.push_back(
          {core::Labels::FromLiteral(
               {{"__name__", "up"}, {"instance", "n" + std::to_string(i)}, {"job", "node"}}),
           {{t, v}}});
    }
    return req;
  }
  // A protobuf WriteRequest with one series whose labels are given as they are, unchecked.
  static std::string RawSeries(const std::vector<std::pair<std::string, std::string>>& labels) {
    std::string ts;
    auto put_bytes = [&](std::string* out, int field, const std::string& b) {
      core::PutVarint(out, static_cast<uint64_t>(field << 3 | 2));
      core::PutVarint(out, b.size());
      out->append(b);
    };
    for (const auto& [n, v] : labels) {
      std::string label;
      put_bytes(&label, 1, n);
      put_bytes(&label, 2, v);
      put_bytes(&ts, 1, label);
    }
    std::string sample;
    sample.push_back(0x09);  // field 1, fixed64: value 1.0
    const double one = 1.0;
    sample.append(reinterpret_cast<const char*>(&one), 8);
    sample.push_back(0x10);  // field 2, varint: timestamp 1000
    core::PutVarint(&sample, 1000);
    put_bytes(&ts, 2, sample);
    std::string req;
    put_bytes(&req, 1, ts);
    return remote::SnappyCompress(req);
  }

  uint64_t HeadSeries() { return server_->storage().head().stats().series; }
  uint64_t WalSamples() { return server_->storage().wal().stats().samples_appended; }

  std::string dir_;
  ServerConfig config_;
  core::ManualClock clock_{1'700'000'000'000};
  core::Loop loop_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<core::HttpClient> client_;
};

TEST_F(ReceiverTest, TheFleetSeesEachSenderAndWritesUpZeroWhenItGoesQuiet) {
  config_.fleet.stale_after = std::chrono::seconds(1);
  Start();
  const int64_t t0 = clock_.NowUnixMillis();
  ASSERT_EQ(Post(remote::EncodeWriteRequest(Request(1, t0 - 250)), "application/x-protobuf",
                 "snappy", "", "vigil-agent/9.9.9")
                .status,
            204);
  // A refusal before decoding, on a new connection from the same host and User-Agent.
  ASSERT_EQ(Post("x", "text/plain", "snappy", "", "vigil-agent/9.9.9").status, 415);
  core::HttpResponse fleet = Get("/api/v1/fleet");
  ASSERT_EQ(fleet.status, 200);
  for (const char* want :
       {"\"instance\":\"n0\"", "\"job\":\"node\"", "\"kind\":\"vigil-agent\"",
        "\"version\":\"9.9.9\"", "\"remoteAddress\":\"127.0.0.1:", "\"lagSeconds\":0.25",
        "\"refused\":1", "\"status\":415", "\"pushesUp\":true", "\"stale\":false"}) {
    EXPECT_NE(fleet.body.find(want), std::string::npos) << want << " in " << fleet.body;
  }
  EXPECT_NE(
      Get("/metrics").body.find("vigil_fleet_sender_samples_total{job=\"node\",instance=\"n0\"} 1"),
      std::string::npos);
  // Quiet for longer than stale_after: up 0 at the writer's next tick (every second here).
  clock_.AdvanceMillis(2000);
  const std::string at = std::to_string((t0 + 2000) / 1000);
  bool zero = false;
  for (int i = 0; i < 50 && !zero; ++i) {
    testing::RunUntil(
        loop_, [] { return false; }, std::chrono::milliseconds(200));
    zero = Get("/api/v1/query?query=up&time=" + at).body.find("\"0\"]") != std::string::npos;
  }
  EXPECT_TRUE(zero);
  EXPECT_NE(Get("/api/v1/fleet").body.find("\"stale\":true"), std::string::npos);
}

TEST_F(ReceiverTest, WriteStaleUpOffWritesNothing) {
  config_.fleet.stale_after = std::chrono::seconds(1);
  config_.fleet.write_stale_up = false;
  Start();
  const int64_t t0 = clock_.NowUnixMillis();
  ASSERT_EQ(Post(remote::EncodeWriteRequest(Request(1, t0))).status, 204);
  clock_.AdvanceMillis(2000);
  const std::string at = std::to_string((t0 + 2000) / 1000);
  // Two ticks of the writer go by.
  testing::RunUntil(
      loop_, [] { return false; }, std::chrono::milliseconds(2500));
  EXPECT_NE(Get("/api/v1/query?query=up&time=" + at).body.find("\"1\"]"), std::string::npos);
  EXPECT_NE(Get("/api/v1/fleet").body.find("\"stale\":true"), std::string::npos);
}

TEST_F(ReceiverTest, TheConsoleIsServedAtItsPages) {
  Start();
  for (const char* page : kConsolePages) {
    core::HttpResponse r = Get(page);
    EXPECT_EQ(r.status, 200) << page;
    EXPECT_EQ(r.headers.Get("Content-Type"), "text/html; charset=utf-8") << page;
    EXPECT_NE(r.body.find("/console/app.js"), std::string::npos) << page;
  }
  EXPECT_EQ(Get("/console/uPlot.iife.min.js").status, 200);
  EXPECT_EQ(Get("/console/nothing.js").status, 404);
}

TEST_F(ReceiverTest, StoresAndRefusesAsPrometheus) {
  Start();
  EXPECT_EQ(Post(remote::EncodeWriteRequest(Request(3, 1000))).status, 204);
  EXPECT_EQ(HeadSeries(), 3u);
  const uint64_t samples = WalSamples();
  ASSERT_EQ(samples, 3u);

  struct Case {
    const char* what;
    core::HttpResponse response;
    int status;
    const char* reason;
  };
  const std::string good = remote::EncodeWriteRequest(Request(5, 2000));
  std::mt19937 rng(1);
  std::string random_bytes(4096, '\0');
  for (char& c : random_bytes) c = static_cast<char>(rng());
  std::vector<std::pair<std::string, std::string>> many;
  for (int i = 0; i < 100'000; ++i) many.push_back({"l" + std::to_string(1000000 + i), "v"});
  many.insert(many.begin(), {"__name__", "x"});
  auto dup = remote::EncodeWriteRequest(Request(1, 1000, 2));  // same timestamp, other value

  std::vector<Case> cases = {
      {"truncated snappy", Post(good.substr(0, good.size() / 2)), 400, "snappy"},
      {"random bytes", Post(random_bytes), 400, ""},
      {"snappy of garbage", Post(remote::SnappyCompress(random_bytes)), 400, "protobuf"},
      {"missing __name__", Post(RawSeries({{"job", "x"}})), 400, "__name__"},
      {"unsorted labels", Post(RawSeries({{"__name__", "a"}, {"z", "1"}, {"b", "2"}})), 400,
       "unsorted"},
      {"duplicate label", Post(RawSeries({{"__name__", "a"}, {"b", "1"}, {"b", "2"}})), 400,
       "duplicate"},
      {"invalid name", Post(RawSeries({{"__name__", "a"}, {"1b", "1"}})), 400,
       "invalid label name"},
      {"empty value", Post(RawSeries({{"__name__", "a"}, {"b", ""}})), 400, "empty value"},
      {"100k labels", Post(RawSeries(many)), 400, "labels"},
      {"duplicate sample", Post(dup), 400, "duplicate sample for timestamp"},
      {"wrong type", Post(good, "application/json"), 415, "Content-Type"},
      {"no encoding", Post(good, "application/x-protobuf", ""), 415, "Content-Encoding"},
      {"gzip", Post(good, "application/x-protobuf", "gzip"), 415, "Content-Encoding"},
      {"100 MB body", Post(std::string(100u << 20, 'x')), 413, ""},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.response.status, c.status) << c.what << ": " << c.response.body;
    EXPECT_NE(c.response.body.find(c.reason), std::string::npos)
        << c.what << ": " << c.response.body;
    // Nothing of a refused request was written.
    EXPECT_EQ(HeadSeries(), 3u) << c.what;
    EXPECT_EQ(WalSamples(), samples) << c.what;
  }
  // Still healthy, still taking good requests; a resend of what is stored is accepted.
  EXPECT_EQ(Get("/-/healthy").status, 200);
  EXPECT_EQ(Post(remote::EncodeWriteRequest(Request(3, 1000))).status, 204);
  EXPECT_EQ(Post(good).status, 204);
  EXPECT_EQ(HeadSeries(), 5u);
  EXPECT_EQ(Get("/api/v1/write").status, 405);
  auto tsdb = Get("/api/v1/status/tsdb");
  EXPECT_EQ(tsdb.status, 200);
  EXPECT_NE(tsdb.body.find("\"numSeries\":5"), std::string::npos) << tsdb.body;
  EXPECT_NE(tsdb.body.find("{\"name\":\"up\",\"value\":5}"), std::string::npos) << tsdb.body;
}

TEST_F(ReceiverTest, AuthGuardsTheApi) {
  config_.auth.bearer_token = "s3cret";
  Start();
  const std::string body = remote::EncodeWriteRequest(Request(1, 1000));
  auto refused = Post(body);
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.headers.Get("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(Post(body, "application/x-protobuf", "snappy", "Bearer wrong").status, 401);
  EXPECT_EQ(HeadSeries(), 0u);
  EXPECT_EQ(Post(body, "application/x-protobuf", "snappy", "Bearer s3cret").status, 204);
  EXPECT_EQ(HeadSeries(), 1u);
  EXPECT_EQ(Get("/-/healthy").status, 200);  // probes need no secret
}

TEST_F(ReceiverTest, AcknowledgedSamplesSurviveRestart) {
  Start();
  for (int i = 1; i <= 20; ++i) {
    ASSERT_EQ(Post(remote::EncodeWriteRequest(Request(10, i * 15'000, i))).status, 204);
  }
  ASSERT_TRUE(testing::StopServer(loop_, server_));
  Start();
  auto q = server_->storage().OpenQuerier();
  auto series = testing::ReadAll(
      q->Select({storage::Matcher::Create(storage::MatchType::kEqual, "job", "node").value()},
                INT64_MIN, INT64_MAX));
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 10u);
  for (const auto& s : *series) {
    ASSERT_EQ(s.samples.size(), 20u);
    EXPECT_EQ(s.samples.back().value, 20);
  }
}

}  // namespace
}  // namespace vigil::server
