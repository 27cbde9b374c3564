// The query queue on its own: work that blocks until the test lets it go stands for slow
// queries, so what runs at once, what waits and what is turned away can be counted exactly.
#include "server/api/query_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>

#include "tests/core/loop_helpers.h"

namespace vigil::server {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Work that holds its query thread until Open(), counting how many hold one at once.
class Gate {
 public:
  std::function<void()> Work(int id, std::vector<int>* ran_order) {
    return [this, id, ran_order] {
      std::unique_lock lock(mu_);
      ran_order->push_back(id);
      ++inside_;
      most_inside_ = std::max(most_inside_, inside_);
      cv_.wait(lock, [this] { return open_; });
      --inside_;
    };
  }
  void Open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  int inside() {
    std::lock_guard lock(mu_);
    return inside_;
  }
  int most_inside() {
    std::lock_guard lock(mu_);
    return most_inside_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  int inside_ = 0;
  int most_inside_ = 0;
};

class QueryQueueTest : public ::testing::Test {
 protected:
  void TearDown() override {
    gate_.Open();  // a failed test must not leave a thread waiting for ever
    if (queue_) {
      ASSERT_TRUE(testing::RunUntil(
          loop_, [&] { return queue_->running() == 0 && queue_->waiting() == 0; }));
    }
    queue_.reset();
    loop_.Run();
    EXPECT_EQ(loop_.Close(), 0);
  }
  void Make(size_t concurrency, size_t queued) {
    auto created = QueryQueue::Create(loop_, QueryQueueOptions{concurrency, queued}, metrics_);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    queue_ = std::move(created).value();
  }
  // Submits work `id` with a deadline `within` from now; its outcome lands in outcomes_[id].
  void Submit(int id, milliseconds within = milliseconds(60'000)) {
    outcomes_.resize(std::max<size_t>(outcomes_.size(), id + 1));
    queue_->Submit(steady_clock::now() + within, gate_.Work(id, &ran_),
                   [this, id](QueryAdmission a) { outcomes_[id] = a; });
  }
  double Metric(const std::string& name, const std::string& labels = "") {
    const std::string text = metrics_.Render(), line = name + labels + " ";
    size_t at = text.find("\n" + line);
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + 1 + line.size()));
  }
  size_t Count(QueryAdmission a) const {
    size_t n = 0;
    for (const auto& o : outcomes_) n += o == a;
    return n;
  }

  core::Loop loop_;
  core::MetricsRegistry metrics_;
  Gate gate_;
  std::unique_ptr<QueryQueue> queue_;
  std::vector<int> ran_;  // ids in the order their work started (under the gate's lock)
  std::vector<std::optional<QueryAdmission>> outcomes_;
};

TEST_F(QueryQueueTest, RunsAtMostMaxConcurrencyAndTheRestWait) {
  Make(3, 100);
  for (int i = 0; i < 10; ++i) Submit(i);
  ASSERT_TRUE(testing::RunUntil(loop_, [&] { return gate_.inside() == 3; }));
  EXPECT_EQ(queue_->running(), 3u);
  EXPECT_EQ(queue_->waiting(), 7u);
  EXPECT_EQ(Metric("vigil_engine_queries"), 10);
  EXPECT_EQ(Metric("vigil_engine_queries_waiting"), 7);
  EXPECT_EQ(Metric("vigil_engine_queries_concurrent_max"), 3);
  EXPECT_EQ(Count(QueryAdmission::kRan), 0u);  // nothing answered while all are held

  gate_.Open();
  ASSERT_TRUE(testing::RunUntil(loop_, [&] { return Count(QueryAdmission::kRan) == 10; }));
  EXPECT_EQ(gate_.most_inside(), 3);
  // The first three started at once; the others only when threads came free (with three
  // threads, in an order the scheduler picks: arrival order is checked with one thread below).
  ASSERT_EQ(ran_.size(), 10u);
  std::vector<int> first(ran_.begin(), ran_.begin() + 3);
  std::sort(first.begin(), first.end());
  EXPECT_EQ(first, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(queue_->running(), 0u);
  EXPECT_EQ(Metric("vigil_engine_queries"), 0);
}

TEST_F(QueryQueueTest, PastTheQueueBoundARequestIsTurnedAwayAtOnceAndNeverRuns) {
  Make(1, 2);
  Submit(0);
  Submit(1);
  Submit(2);
  Submit(3);  // one running, two waiting: no room
  ASSERT_TRUE(outcomes_[3].has_value());
  EXPECT_EQ(*outcomes_[3], QueryAdmission::kQueueFull);
  EXPECT_EQ(Metric("vigil_engine_queries_refused_total", "{reason=\"queue_full\"}"), 1);
  EXPECT_EQ(queue_->waiting(), 2u);

  gate_.Open();
  ASSERT_TRUE(testing::RunUntil(loop_, [&] { return Count(QueryAdmission::kRan) == 3; }));
  EXPECT_EQ(std::count(ran_.begin(), ran_.end(), 3), 0);  // what was refused never ran
}

TEST_F(QueryQueueTest, ARequestWhoseDeadlinePassesWhileWaitingTimesOutAndTheOthersGoOn) {
  Make(1, 10);
  Submit(0);
  Submit(1, milliseconds(50));  // waits behind 0, which does not finish in time
  Submit(2);
  ASSERT_TRUE(testing::RunUntil(loop_, [&] { return outcomes_[1].has_value(); }));
  EXPECT_EQ(*outcomes_[1], QueryAdmission::kTimedOut);
  EXPECT_EQ(queue_->waiting(), 1u);  // 2 still waits
  EXPECT_EQ(Metric("vigil_engine_queries_refused_total", "{reason=\"timeout\"}"), 1);

  gate_.Open();
  ASSERT_TRUE(testing::RunUntil(loop_, [&] { return Count(QueryAdmission::kRan) == 2; }));
  EXPECT_EQ(ran_, (std::vector<int>{0, 2}));
}

TEST_F(QueryQueueTest, WaitingRequestsRunInArrivalOrderAndAnAnswerMaySubmitAgain) {
  Make(1, 10);
  std::vector<int> answered;
  // 0's answer submits 9 (as a pipelined request would): 1 and 2 were waiting first.
  outcomes_.resize(10);
  queue_->Submit(steady_clock::now() + milliseconds(60'000), gate_.Work(0, &ran_),
                 [&](QueryAdmission a) {
                   outcomes_[0] = a;
                   Submit(9);
                 });
  Submit(1);
  Submit(2);
  gate_.Open();
  ASSERT_TRUE(testing::RunUntil(loop_, [&] { return Count(QueryAdmission::kRan) == 4; }));
  EXPECT_EQ(ran_, (std::vector<int>{0, 1, 2, 9}));
}

TEST_F(QueryQueueTest, WithNoQueueEveryRequestPastTheThreadsIsTurnedAway) {
  Make(2, 0);
  Submit(0);
  Submit(1);
  Submit(2);
  ASSERT_TRUE(outcomes_[2].has_value());
  EXPECT_EQ(*outcomes_[2], QueryAdmission::kQueueFull);
  gate_.Open();
  ASSERT_TRUE(testing::RunUntil(loop_, [&] { return Count(QueryAdmission::kRan) == 2; }));
}

}  // namespace
}  // namespace vigil::server
