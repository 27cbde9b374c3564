// Destinations changed while they send: what reloads do to the agent's and the server's senders.
#include "remote/destinations.h"

#include <gtest/gtest.h>

#include "tests/core/loop_helpers.h"
#include "tests/core/temp_dir.h"
#include "tests/remote/test_receiver.h"

namespace vigil::remote {
namespace {

using std::chrono::milliseconds;
using testing::RunUntil;

class DestinationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto w = wal::Wal::Open({.dir = testing::FreshTempDir() + "/wal"}, clock_);
    ASSERT_TRUE(w.ok());
    wal_ = std::move(w).value();
    cursor_ = *wal_->OpenCursor("central");
    a_ = std::make_unique<Receiver>(loop_);
    b_ = std::make_unique<Receiver>(loop_);
    // Slow answers from the first, so that a window is in flight when the destination changes.
    a_->SetPolicy([](int) { return Receiver::Answer{204, milliseconds(30)}; });
  }
  void TearDown() override {
    destinations_.reset();
    a_.reset();
    b_.reset();
    loop_.Run();  // a save of a cursor queued on the thread pool finishes
    EXPECT_EQ(loop_.Close(), 0);
  }

  DestinationConfig To(const Receiver& r) const {
    DestinationConfig d;
    d.name = "central";
    d.url = *core::ParseUrl("http://127.0.0.1:" + std::to_string(r.port()) + "/api/v1/write");
    d.shards = 2;
    d.max_samples_per_send = 50;
    d.batch_send_deadline = milliseconds(0);
    d.min_backoff = milliseconds(5);
    d.max_backoff = milliseconds(20);
    return d;
  }

  // Collections [first, first + n) of kSeries series; sample time = collection.
  void Append(int first, int n) {
    for (int c = first; c < first + n; ++c) {
      std::vector<wal::RefSample> batch;
      for (int i = 0; i < kSeries; ++i) {
        core::Labels l = core::Labels::FromLiteral({{"__name__", "m" + std::to_string(i)}});
        batch.push_back({wal_->Ref(l), c, static_cast<double>(c)});
      }
      ASSERT_TRUE(wal_->Append(batch).ok());
    }
    destinations_->Notify();
  }

  // Per series, what both receivers accepted, in order: the first's, then the second's.
  std::map<std::string, std::vector<int64_t>> Both() const {
    std::map<std::string, std::vector<int64_t>> out = a_->series;
    for (const auto& [name, ts] : b_->series)
      out[name].insert(out[name].end(), ts.begin(), ts.end());
    return out;
  }
  static std::vector<int64_t> Upto(int n) {
    std::vector<int64_t> out;
    for (int i = 0; i < n; ++i) out.push_back(i);
    return out;
  }

  static constexpr int kSeries = 20;
  core::ManualClock clock_{1'700'000'000'000};
  core::Loop loop_;
  core::MetricsRegistry metrics_;
  std::unique_ptr<wal::Wal> wal_;
  wal::Cursor* cursor_ = nullptr;
  std::unique_ptr<Receiver> a_, b_;
  std::unique_ptr<Destinations> destinations_ =
      std::make_unique<Destinations>(loop_, clock_, metrics_, "test", nullptr);
};

// A changed destination (here its URL) goes on from where the old sender was acknowledged:
// every sample arrives once, in order, the first ones at the old URL and the rest at the new.
TEST_F(DestinationsTest, AChangedDestinationGoesOnWhereTheOldSenderStopped) {
  destinations_->Start(To(*a_), cursor_);
  Append(0, 50);
  ASSERT_TRUE(RunUntil(loop_, [&] { return a_->accepted_samples() > 0; }));
  destinations_->Start(To(*b_), cursor_);
  Append(50, 50);
  ASSERT_TRUE(RunUntil(
      loop_, [&] { return a_->accepted_samples() + b_->accepted_samples() >= 100 * kSeries; }));
  EXPECT_GT(b_->accepted_samples(), 0u);
  EXPECT_EQ(a_->accepted_samples() + b_->accepted_samples(), 100u * kSeries);
  for (const auto& [name, ts] : Both()) EXPECT_EQ(ts, Upto(100)) << name;
  EXPECT_EQ(destinations_->size(), 1u);
  // The new sender acknowledges its last window after the receiver took it.
  EXPECT_TRUE(RunUntil(loop_, [&] { return cursor_->committed() == cursor_->read_position(); }));
}

// Removed, the destination's cursor stays where it was acknowledged; added back, it resumes
// there and catches up with what was appended meanwhile.
TEST_F(DestinationsTest, ARemovedDestinationAddedBackResumesFromItsCursor) {
  a_->SetPolicy(nullptr);
  destinations_->Start(To(*a_), cursor_);
  Append(0, 30);
  ASSERT_TRUE(RunUntil(loop_, [&] { return a_->accepted_samples() == 30u * kSeries; }));
  destinations_->Remove("central");
  EXPECT_TRUE(destinations_->Reads("central"));  // until its window and save are done
  ASSERT_TRUE(RunUntil(loop_, [&] { return !destinations_->Reads("central"); }));
  const wal::Position kept = cursor_->committed();
  Append(30, 30);
  EXPECT_EQ(cursor_->committed(), kept);  // nobody reads it meanwhile
  destinations_->Start(To(*b_), cursor_);
  ASSERT_TRUE(RunUntil(loop_, [&] { return b_->accepted_samples() == 30u * kSeries; }));
  EXPECT_EQ(a_->accepted_samples(), 30u * kSeries);  // nothing went to the old one after
  for (const auto& [name, ts] : Both()) EXPECT_EQ(ts, Upto(60)) << name;
}

// A destination changed twice before the first change settled: only the last settings run.
TEST_F(DestinationsTest, OnlyTheLastOfQuickChangesStarts) {
  destinations_->Start(To(*a_), cursor_);
  Append(0, 40);
  ASSERT_TRUE(RunUntil(loop_, [&] { return a_->requests() > 0; }));
  DestinationConfig first = To(*b_);
  first.url = *core::ParseUrl("http://127.0.0.1:1/api/v1/write");  // never used
  destinations_->Start(first, cursor_);
  destinations_->Start(To(*b_), cursor_);
  ASSERT_TRUE(RunUntil(
      loop_, [&] { return a_->accepted_samples() + b_->accepted_samples() >= 40u * kSeries; }));
  EXPECT_EQ(a_->accepted_samples() + b_->accepted_samples(), 40u * kSeries);
  for (const auto& [name, ts] : Both()) EXPECT_EQ(ts, Upto(40)) << name;
  destinations_->Stop();
  EXPECT_TRUE(RunUntil(loop_, [&] { return destinations_->Stopped(); }));
}

}  // namespace
}  // namespace vigil::remote
