// The server's reloads (issue 21): [auth] and the forwarding destinations are applied while it
// runs, a forwarding destination keeping its place in the WAL when it changes or goes and
// comes back; a file that changes a setting read at start only is refused whole.
#include <gtest/gtest.h>

#include <fstream>

#include "core/http_client.h"
#include "remote/codec.h"
#include "server/server.h"
#include "tests/core/loop_helpers.h"
#include "tests/core/temp_dir.h"
#include "tests/remote/test_receiver.h"
#include "tests/server/stop_server.h"

namespace vigil::server {
namespace {

using remote::Receiver;

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int kSeries = 10;

class ServerReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshTempDir();
    path_ = dir_ + "/server.ini";
    core::HttpClientOptions options;
    client_ = std::make_unique<core::HttpClient>(loop_, options);
  }
  void TearDown() override {
    EXPECT_TRUE(testing::StopServer(loop_, server_));
    client_.reset();
    a_.reset();
    b_.reset();
    EXPECT_EQ(loop_.Close(), 0);
  }

  // server.ini: listen and data_dir, then `rest`.
  void Write(const std::string& rest) {
    std::ofstream(path_) << "[server]\nlisten = 127.0.0.1:0\ndata_dir = " << dir_ << "/data\n"
                         << rest;
  }
  void WriteFile(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }
  static std::string Forward(const std::string& name, const Receiver& r) {
    return "[remote_write." + name + "]\nurl = http://127.0.0.1:" + std::to_string(r.port()) +
           "/api/v1/write\nbatch_send_deadline = 50ms\nmin_backoff = 5ms\nmax_backoff = 20ms\n";
  }
  void Start() {
    auto config = core::LoadConfig(path_, ReadServerConfig);
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    auto created = Server::Create(loop_, std::move(config).value(), clock_, path_);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    server_ = std::move(created).value();
  }
  core::Status Reload() {
    std::optional<core::Status> got;
    server_->Reload([&](core::Status s) { got = s; });
    EXPECT_TRUE(testing::RunUntil(loop_, [&] { return got.has_value(); }));
    return got.value_or(core::UnavailableError("no answer"));
  }
  core::HttpResponse Exchange(core::HttpRequest r) {
    core::Url url{"http", "127.0.0.1", server_->address().port, r.target};
    std::optional<core::Result<core::HttpResponse>> got;
    client_->Send(url, std::move(r),
                  [&](core::Result<core::HttpResponse> res) { got = std::move(res); });
    EXPECT_TRUE(testing::RunUntil(loop_, [&] { return got.has_value(); }));
    if (!got || !got->ok()) return core::HttpResponse::Text(599, "no answer");
    return std::move(got->value());
  }
  core::HttpResponse GetResponse(const std::string& target, const std::string& authorization = "") {
    core::HttpRequest r;
    r.method = "GET";
    r.target = target;
    if (!authorization.empty()) r.headers.Set("Authorization", authorization);
    return Exchange(std::move(r));
  }
  int Get(const std::string& target, const std::string& authorization = "") {
    return GetResponse(target, authorization).status;
  }
  std::string Metrics() {
    core::HttpRequest r;
    r.method = "GET";
    r.target = "/metrics";
    return Exchange(std::move(r)).body;
  }
  // Samples [first, first + n) of each series, one every 15 s from kT0.
  void Push(int first, int n) {
    remote::WriteRequest req;
    for (int i = 0; i < kSeries; ++i) {
      remote::SeriesSamples s{core::Labels::FromLiteral({{"__name__", "m" + std::to_string(i)}}),
                              {}};
      for (int k = first; k < first + n; ++k) s.samples.push_back({kT0 + k * 15'000, double(k)});
      req.series.push_back(std::move(s));
    }
    core::HttpRequest r;
    r.method = "POST";
    r.target = "/api/v1/write";
    r.headers.Set("Content-Type", "application/x-protobuf");
    r.headers.Set("Content-Encoding", "snappy");
    r.body = remote::EncodeWriteRequest(req);
    ASSERT_EQ(Exchange(std::move(r)).status, 204);
  }
  // Per series, the timestamps both receivers accepted: the first's, then the second's.
  std::map<std::string, std::vector<int64_t>> Forwarded() const {
    std::map<std::string, std::vector<int64_t>> out = a_->series;
    for (const auto& [name, ts] : b_->series)
      out[name].insert(out[name].end(), ts.begin(), ts.end());
    return out;
  }
  static std::vector<int64_t> Upto(int n) {
    std::vector<int64_t> out;
    for (int k = 0; k < n; ++k) out.push_back(kT0 + k * 15'000);
    return out;
  }
  size_t ForwardedSamples() const { return a_->accepted_samples() + b_->accepted_samples(); }

  core::Loop loop_;
  core::ManualClock clock_{kT0};
  std::string dir_, path_;
  std::unique_ptr<Receiver> a_ = std::make_unique<Receiver>(loop_);
  std::unique_ptr<Receiver> b_ = std::make_unique<Receiver>(loop_);
  std::unique_ptr<core::HttpClient> client_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerReloadTest, AuthIsSetRotatedAndKeptThroughABadReload) {
  Write("");
  Start();
  EXPECT_EQ(Get("/api/v1/status/tsdb"), 200);
  WriteFile("token", "s3cret\n");
  Write("[auth]\nbearer_token_file = " + dir_ + "/token\n");
  ASSERT_TRUE(Reload().ok());
  EXPECT_EQ(Get("/api/v1/status/tsdb"), 401);
  EXPECT_EQ(Get("/api/v1/status/tsdb", "Bearer s3cret"), 200);
  EXPECT_EQ(Get("/-/healthy"), 200);  // probes need no secret
  // The same file name holding another token: the next reload takes it.
  WriteFile("token", "rotated\n");
  ASSERT_TRUE(Reload().ok());
  EXPECT_EQ(Get("/api/v1/status/tsdb", "Bearer s3cret"), 401);
  EXPECT_EQ(Get("/api/v1/status/tsdb", "Bearer rotated"), 200);
  // A token file that is not there: refused, and the running credentials stay.
  Write("[auth]\nbearer_token_file = " + dir_ + "/missing\n");
  core::Status bad = Reload();
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("bearer_token_file"), std::string::npos) << bad.message();
  EXPECT_NE(Metrics().find("vigil_config_last_reload_successful 0\n"), std::string::npos);
  EXPECT_EQ(Get("/api/v1/status/tsdb"), 401);
  EXPECT_EQ(Get("/api/v1/status/tsdb", "Bearer rotated"), 200);
  // Taken away again: open to all.
  Write("");
  ASSERT_TRUE(Reload().ok());
  EXPECT_EQ(Get("/api/v1/status/tsdb"), 200);
  EXPECT_NE(Metrics().find("vigil_config_last_reload_successful 1\n"), std::string::npos);
}

TEST_F(ServerReloadTest, AForwardingDestinationKeepsItsPlaceWhenItChangesOrGoesAndComesBack) {
  Write(Forward("p", *a_));
  Start();
  Push(0, 50);
  ASSERT_TRUE(testing::RunUntil(loop_, [&] { return ForwardedSamples() == 50u * kSeries; }));
  // Changed: the rest goes to the new URL, from where the old sender was acknowledged.
  Write(Forward("p", *b_));
  ASSERT_TRUE(Reload().ok());
  // The status API shows the file now applied, as Prometheus's does.
  EXPECT_NE(GetResponse("/api/v1/status/config").body.find(std::to_string(b_->port())),
            std::string::npos);
  Push(50, 50);
  ASSERT_TRUE(testing::RunUntil(loop_, [&] { return ForwardedSamples() >= 100u * kSeries; }));
  EXPECT_EQ(a_->accepted_samples(), 50u * kSeries);
  // Removed: nothing more is sent, and its cursor stays in the log, falling behind.
  Write("");
  ASSERT_TRUE(Reload().ok());
  Push(100, 50);
  for (int i = 0; i < 20; ++i) loop_.RunNoWait();
  const std::string metrics = Metrics();
  const std::string pending = "vigil_wal_pending_bytes{destination=\"p\"} ";
  const size_t at = metrics.find(pending);
  ASSERT_NE(at, std::string::npos) << metrics;
  EXPECT_GT(std::stod(metrics.substr(at + pending.size())), 0);
  EXPECT_EQ(ForwardedSamples(), 100u * kSeries);
  // Added back: it resumes where it was, and catches up.
  Write(Forward("p", *b_));
  ASSERT_TRUE(Reload().ok());
  ASSERT_TRUE(testing::RunUntil(loop_, [&] { return ForwardedSamples() >= 150u * kSeries; }));
  EXPECT_EQ(ForwardedSamples(), 150u * kSeries);
  for (const auto& [name, ts] : Forwarded()) EXPECT_EQ(ts, Upto(150)) << name;
}

TEST_F(ServerReloadTest, AChangeToASettingReadAtStartRefusesTheWholeReload) {
  Write(Forward("p", *a_));
  Start();
  const std::string before = Metrics();
  WriteFile("token", "s3cret\n");
  // Auth added and the destination removed, with a retention change that needs a restart.
  Write("[storage]\nretention = 30d\n[auth]\nbearer_token_file = " + dir_ + "/token\n");
  core::Status refused = Reload();
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("[storage] retention"), std::string::npos) << refused.message();
  EXPECT_NE(Metrics().find("vigil_config_last_reload_successful 0\n"), std::string::npos);
  EXPECT_NE(GetResponse("/api/v1/status/runtimeinfo").body.find("\"reloadConfigSuccess\":false"),
            std::string::npos);
  // None of it was applied: still open, still forwarding to the same place.
  EXPECT_EQ(Get("/api/v1/status/tsdb"), 200);
  Push(0, 20);
  ASSERT_TRUE(testing::RunUntil(loop_, [&] { return a_->accepted_samples() == 20u * kSeries; }));
  // The success timestamp is still the start's.
  const std::string stamp = "vigil_config_last_reload_success_timestamp_seconds ";
  const std::string after = Metrics();
  ASSERT_NE(before.find(stamp), std::string::npos);
  EXPECT_EQ(before.substr(before.find(stamp), stamp.size() + 20),
            after.substr(after.find(stamp), stamp.size() + 20));
  // Over HTTP, as Prometheus answers it.
  core::HttpRequest r;
  r.method = "POST";
  r.target = "/-/reload";
  core::HttpResponse answer = Exchange(std::move(r));
  EXPECT_EQ(answer.status, 500);
  EXPECT_NE(answer.body.find("failed to reload config: [storage] retention changed"),
            std::string::npos)
      << answer.body;
}

}  // namespace
}  // namespace vigil::server
