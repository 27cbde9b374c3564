#include "remote/sender.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "tests/core/loop_helpers.h"
#include "tests/core/temp_dir.h"
#include "tests/remote/test_receiver.h"

namespace vigil::remote {
namespace {

using std::chrono::milliseconds;
using testing::RunUntil;

class SenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto w = wal::Wal::Open({.dir = testing::FreshTempDir() + "/wal"}, clock_);
    ASSERT_TRUE(w.ok());
    wal_ = std::move(w).value();
    cursor_ = *wal_->OpenCursor("test");
    config_.name = "test";
    config_.min_backoff = milliseconds(5);
    config_.max_backoff = milliseconds(20);
    config_.batch_send_deadline = milliseconds(0);
    config_.timeout = milliseconds(2000);
  }
  void TearDown() override {
    sender_.reset();
    receiver_.reset();
    loop_.Run();  // a save of the cursor queued on the thread pool finishes
    EXPECT_EQ(loop_.Close(), 0);
  }

  void StartSender(uint16_t port) {
    config_.url = *core::ParseUrl("http://127.0.0.1:" + std::to_string(port) + "/api/v1/write");
    sender_ =
        std::make_unique<Sender>(loop_, config_, cursor_, clock_, metrics_, "vigil-agent/test");
    sender_->Start();
  }

  // `collections` collections of `series` series, each sample at t = collection.
  void Append(int collections, int series, int first = 0) {
    for (int c = first; c < first + collections; ++c) {
      std::vector<wal::RefSample> batch;
      for (int i = 0; i < series; ++i) {
        core::Labels l =
            core::Labels::FromLiteral({{"__name__", "m" + std::to_string(i)}, {"job", "node"}});
        batch.push_back({wal_->Ref(l), c, static_cast<double>(c)});
      }
      ASSERT_TRUE(wal_->Append(batch).ok());
    }
    if (sender_) sender_->Notify();
  }

  bool MetricsSay(const std::string& line) {
    return metrics_.Render().find(line + "\n") != std::string::npos;
  }

  core::ManualClock clock_{1'700'000'000'000};
  core::Loop loop_;
  core::MetricsRegistry metrics_;
  std::unique_ptr<wal::Wal> wal_;
  wal::Cursor* cursor_ = nullptr;
  DestinationConfig config_;
  std::unique_ptr<Receiver> receiver_;
  std::unique_ptr<Sender> sender_;
};

TEST_F(SenderTest, DeliversEverythingWithTheProtocolsHeadersInBatchesOfAtMostMax) {
  receiver_ = std::make_unique<Receiver>(loop_);
  config_.max_samples_per_send = 100;
  config_.shards = 3;
  config_.basic_auth_username = "agent";
  config_.basic_auth_password = "s3cret";
  config_.headers = {{"X-Scope-OrgID", "tenant-1"}};
  Append(10, 70);
  StartSender(receiver_->port());
  ASSERT_TRUE(RunUntil(loop_, [&] { return receiver_->accepted_samples() == 700; }));
  EXPECT_LE(receiver_->largest_request, 100u);
  const core::HttpRequest& r = receiver_->headers_seen.front();
  EXPECT_EQ(r.Path(), "/api/v1/write");
  EXPECT_EQ(r.headers.Get("Content-Type"), "application/x-protobuf");
  EXPECT_EQ(r.headers.Get("Content-Encoding"), "snappy");
  EXPECT_EQ(r.headers.Get("X-Prometheus-Remote-Write-Version"), "0.1.0");
  EXPECT_EQ(r.headers.Get("User-Agent"), "vigil-agent/test");
  EXPECT_EQ(r.headers.Get("Authorization"), "Basic YWdlbnQ6czNjcmV0");
  EXPECT_EQ(r.headers.Get("X-Scope-OrgID"), "tenant-1");
  ASSERT_TRUE(RunUntil(loop_, [&] {
    return MetricsSay("vigil_remote_samples_sent_total{destination=\"test\"} 700");
  }));
  EXPECT_EQ(cursor_->committed(), cursor_->read_position());
}

TEST_F(SenderTest, RetriesServerErrorsUntilTheyPass) {
  receiver_ = std::make_unique<Receiver>(loop_);
  receiver_->SetPolicy([](int n) { return Receiver::Answer{n < 3 ? 500 : 204}; });
  config_.shards = 1;
  Append(1, 10);
  StartSender(receiver_->port());
  ASSERT_TRUE(RunUntil(loop_, [&] { return receiver_->accepted_samples() == 10; }));
  EXPECT_EQ(receiver_->requests(), 4);
  EXPECT_TRUE(MetricsSay("vigil_remote_samples_failed_total{destination=\"test\"} 30"));
  EXPECT_TRUE(MetricsSay("vigil_remote_samples_retried_total{destination=\"test\"} 30"));
}

TEST_F(SenderTest, HonoursRetryAfterOn429) {
  receiver_ = std::make_unique<Receiver>(loop_);
  receiver_->SetPolicy([](int n) {
    return n == 0 ? Receiver::Answer{429, milliseconds(0), "1"} : Receiver::Answer{};
  });
  config_.shards = 1;
  Append(1, 5);
  StartSender(receiver_->port());
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(RunUntil(loop_, [&] { return receiver_->accepted_samples() == 5; }));
  // The backoff alone would retry within 20 ms; the server asked for a second.
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(900));
}

TEST_F(SenderTest, DropsWhatTheDestinationRefusesAndGoesOn) {
  receiver_ = std::make_unique<Receiver>(loop_);
  receiver_->SetPolicy([](int n) { return Receiver::Answer{n == 0 ? 400 : 204}; });
  config_.shards = 1;
  Append(1, 8);
  StartSender(receiver_->port());
  ASSERT_TRUE(RunUntil(loop_, [&] {
    return MetricsSay(
        "vigil_remote_samples_dropped_total{destination=\"test\",reason=\"http_4xx\"} 8");
  }));
  Append(1, 8, 1);
  ASSERT_TRUE(RunUntil(loop_, [&] { return receiver_->accepted_samples() == 8; }));
  EXPECT_EQ(receiver_->requests(), 2);  // the refused request was not sent again
}

TEST_F(SenderTest, KeepsEachSeriesInOrderUnderRandomDelaysAndFailures) {
  receiver_ = std::make_unique<Receiver>(loop_);
  std::mt19937 rng(9);
  receiver_->SetPolicy([&rng](int) {
    return Receiver::Answer{rng() % 5 == 0 ? 503 : 204, milliseconds(rng() % 15)};
  });
  config_.shards = 8;
  config_.max_samples_per_send = 37;
  Append(40, 50);
  StartSender(receiver_->port());
  ASSERT_TRUE(RunUntil(
      loop_, [&] { return receiver_->accepted_samples() == 2000; }, milliseconds(20000)));
  ASSERT_EQ(receiver_->series.size(), 50u);
  for (const auto& [name, ts] : receiver_->series) {
    ASSERT_EQ(ts.size(), 40u) << name;
    for (size_t i = 1; i < ts.size(); ++i) ASSERT_LT(ts[i - 1], ts[i]) << name;
  }
}

TEST_F(SenderTest, ADestinationThatIsDownGetsEverythingWhenItComesBack) {
  uint16_t port;
  {
    Receiver probe(loop_);
    port = probe.port();
  }  // nothing listens there now
  config_.shards = 2;
  Append(5, 20);
  StartSender(port);
  ASSERT_TRUE(RunUntil(loop_, [&] {
    return !MetricsSay("vigil_remote_samples_failed_total{destination=\"test\"} 0") &&
           metrics_.Render().find("vigil_remote_samples_failed_total") != std::string::npos;
  }));
  EXPECT_EQ(cursor_->committed().offset, wal_->Oldest().offset);  // nothing acknowledged yet
  Append(5, 20, 5);
  receiver_ = std::make_unique<Receiver>(loop_, port);
  ASSERT_TRUE(RunUntil(
      loop_, [&] { return receiver_->accepted_samples() == 200; }, milliseconds(10000)));
  for (const auto& [name, ts] : receiver_->series) EXPECT_EQ(ts.size(), 10u) << name;
}

TEST_F(SenderTest, SendsMetadataEveryIntervalBestEffort) {
  receiver_ = std::make_unique<Receiver>(loop_);
  receiver_->SetPolicy([](int n) { return Receiver::Answer{n == 0 ? 503 : 204}; });
  config_.url =
      *core::ParseUrl("http://127.0.0.1:" + std::to_string(receiver_->port()) + "/api/v1/write");
  sender_ = std::make_unique<Sender>(loop_, config_, cursor_, clock_, metrics_, "test");
  sender_->SetMetadataSource(
      [] {
        return std::vector<MetricMetadata>{
            {"node_load1", core::MetricType::kGauge, "1m load average.", ""}};
      },
      milliseconds(1), milliseconds(20));
  sender_->Start();
  // The first send fails and is not retried; the next interval sends it again.
  ASSERT_TRUE(RunUntil(loop_, [&] { return !receiver_->metadata.empty(); }));
  EXPECT_GE(receiver_->requests(), 2);
  EXPECT_EQ(receiver_->metadata[0].family, "node_load1");
  EXPECT_EQ(receiver_->metadata[0].type, core::MetricType::kGauge);
  EXPECT_EQ(receiver_->metadata[0].help, "1m load average.");
}

TEST(BackoffTest, DoublesWithJitterUpToTheCap) {
  Backoff b(milliseconds(100), milliseconds(1000));
  for (int i = 0; i < 50; ++i) {
    auto d1 = b.Delay(1), d3 = b.Delay(3), d9 = b.Delay(9);
    EXPECT_GE(d1, milliseconds(50));
    EXPECT_LE(d1, milliseconds(100));
    EXPECT_GE(d3, milliseconds(200));
    EXPECT_LE(d3, milliseconds(400));
    EXPECT_GE(d9, milliseconds(500));
    EXPECT_LE(d9, milliseconds(1000));
  }
}

TEST(BackoffTest, ParsesRetryAfter) {
  EXPECT_EQ(*ParseRetryAfter("120", 0), milliseconds(120000));
  EXPECT_EQ(*ParseRetryAfter("Wed, 21 Oct 2015 07:28:10 GMT", 1445412480000), milliseconds(10000));
  EXPECT_EQ(*ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490000), milliseconds(0));
  EXPECT_FALSE(ParseRetryAfter("", 0).has_value());
  EXPECT_FALSE(ParseRetryAfter("soon", 0).has_value());
  EXPECT_FALSE(ParseRetryAfter("-5", 0).has_value());
}

}  // namespace
}  // namespace vigil::remote

namespace vigil::remote {
namespace {

TEST(WriteRelabelTest, KeepDropAndLabeldropAsPrometheus) {
  WriteRelabel r;
  ASSERT_TRUE(r.SetKeep("__name__=~node_.*|up").ok());
  ASSERT_TRUE(r.SetDrop("mode=~idle").ok());
  ASSERT_TRUE(r.SetLabelDrop("region|rack").ok());
  core::Labels out;
  bool changed = false;
  auto cpu = [](const char* mode) {
    return core::Labels::FromLiteral(
        {{"__name__", "node_cpu_seconds_total"}, {"mode", mode}, {"region", "eu"}});
  };
  EXPECT_TRUE(r.Apply(cpu("user"), &out, &changed));
  EXPECT_TRUE(changed);
  EXPECT_EQ(out.ToString(), "{__name__=\"node_cpu_seconds_total\", mode=\"user\"}");
  EXPECT_FALSE(r.Apply(cpu("idle"), &out, &changed));
  // Anchored: "node_" alone would not match "xnode_a"; and a missing label is "".
  EXPECT_FALSE(r.Apply(core::Labels::FromLiteral({{"__name__", "xnode_a"}}), &out, &changed));
  EXPECT_TRUE(
      r.Apply(core::Labels::FromLiteral({{"__name__", "up"}, {"job", "n"}}), &out, &changed));
  EXPECT_FALSE(changed);
  WriteRelabel missing;
  ASSERT_TRUE(missing.SetKeep("env=~prod").ok());
  EXPECT_FALSE(missing.Apply(core::Labels::FromLiteral({{"__name__", "up"}}), &out, &changed));
}

TEST(WriteRelabelTest, RefusesBadRules) {
  WriteRelabel r;
  EXPECT_EQ(r.SetKeep("__name__=node").message(), "expected LABEL=~REGEX, got \"__name__=node\"");
  EXPECT_EQ(r.SetDrop("bad-label=~x").message(), "invalid label name \"bad-label\"");
  EXPECT_NE(r.SetKeep("job=~(unclosed").message().find("invalid regular expression \"(unclosed\""),
            std::string::npos);
  EXPECT_EQ(r.SetLabelDrop("__.*").message(), "labeldrop would remove __name__");
}

TEST_F(SenderTest, RelabellingFiltersBeforeSendingAndCountsWhatItDrops) {
  receiver_ = std::make_unique<Receiver>(loop_);
  config_.shards = 2;
  ASSERT_TRUE(config_.relabel.SetDrop("__name__=~m[0-4]").ok());
  ASSERT_TRUE(config_.relabel.SetLabelDrop("job").ok());
  Append(2, 10);
  StartSender(receiver_->port());
  ASSERT_TRUE(RunUntil(loop_, [&] { return receiver_->accepted_samples() == 10; }));
  EXPECT_EQ(receiver_->series.size(), 5u);
  EXPECT_EQ(receiver_->series.count("m7"), 1u);
  ASSERT_TRUE(RunUntil(loop_, [&] {
    return MetricsSay(
        "vigil_remote_samples_dropped_total{destination=\"test\",reason=\"relabel\"} 10");
  }));
}

}  // namespace
}  // namespace vigil::remote
