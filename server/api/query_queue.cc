#include "server/api/query_queue.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace vigil::server {
namespace {

// As libuv gives its pool's threads: parsing and evaluating an expression 1000 levels deep
// needs 1-2 MB of stack (docs/OPERATING.md), and the default of a thread may be less.
constexpr size_t kThreadStackBytes = 8u << 20;

// How much nicer than the rest of the process a query thread is. The scheduler then gives a
// busy query thread about a tenth of the CPU share of a thread storing remote-write or
// evaluating rules, so a crowd of heavy queries slows those by little (Linux's nice is per
// thread).
constexpr int kQueryNiceness = 10;

void LowerThisThreadsPriority() {
  const auto tid = static_cast<id_t>(syscall(SYS_gettid));
  errno = 0;
  const int now = getpriority(PRIO_PROCESS, tid);
  if (now == -1 && errno != 0) return;
  // Failing leaves the thread as it was: slower ingestion under load, nothing worse.
  (void)setpriority(PRIO_PROCESS, tid, std::min(now + kQueryNiceness, 19));
}

}  // namespace

QueryQueue::QueryQueue(core::Loop& loop, QueryQueueOptions options, core::MetricsRegistry& metrics)
    : options_(options),
      deadline_timer_(loop, [this] { Refuse(TakeExpired(), QueryAdmission::kTimedOut); }),
      finished_signal_(loop, [this] { OnFinished(); }),
      queries_(
          metrics
              .Gauge("vigil_engine_queries", "API queries running or waiting for a query thread.")
              .Get()),
      waiting_gauge_(
          metrics.Gauge("vigil_engine_queries_waiting", "API queries waiting for a query thread.")
              .Get()),
      refused_(metrics.Counter("vigil_engine_queries_refused_total",
                               "API queries that never ran: the wait queue was full, or their "
                               "deadline passed while they waited.",
                               {"reason"})) {
  metrics.Gauge("vigil_engine_queries_concurrent_max", "API queries that may run at once.")
      .Get()
      ->Set(static_cast<double>(options_.max_concurrency));
  for (size_t i = 0; i < options_.max_concurrency; ++i) {
    workers_.push_back(std::make_unique<Worker>());
    workers_.back()->queue = this;
    idle_.push_back(workers_.back().get());
  }
}

core::Result<std::unique_ptr<QueryQueue>> QueryQueue::Create(core::Loop& loop,
                                                             QueryQueueOptions options,
                                                             core::MetricsRegistry& metrics) {
  std::unique_ptr<QueryQueue> queue(new QueryQueue(loop, options, metrics));
  VIGIL_RETURN_IF_ERROR(queue->StartThreads());
  return queue;
}

core::Status QueryQueue::StartThreads() {
  uv_thread_options_t thread_options;
  thread_options.flags = UV_THREAD_HAS_STACK_SIZE;
  thread_options.stack_size = kThreadStackBytes;
  for (auto& w : workers_) {
    int rc = uv_thread_create_ex(
        &w->thread, &thread_options,
        [](void* arg) {
          auto* worker = static_cast<Worker*>(arg);
          worker->queue->RunThread(*worker);
        },
        w.get());
    if (rc != 0) return core::UvError(rc, "starting query thread " + std::to_string(started_ + 1));
    ++started_;
  }
  return core::OkStatus();
}

QueryQueue::~QueryQueue() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  for (size_t i = 0; i < started_; ++i) {
    workers_[i]->wake.notify_one();
    uv_thread_join(&workers_[i]->thread);
  }
}

void QueryQueue::RunThread(Worker& worker) {
  LowerThisThreadsPriority();
  std::unique_lock lock(mu_);
  for (;;) {
    worker.wake.wait(lock, [&] { return stopping_ || worker.request.has_value(); });
    if (!worker.request) return;  // stopping, and nothing handed over
    Request request = std::move(*worker.request);
    worker.request.reset();
    lock.unlock();
    request.work();
    request.work = nullptr;  // what the work captured goes now, off the loop
    lock.lock();
    finished_.push_back(std::move(request));
    idle_.push_back(&worker);
    finished_signal_.Send();
  }
}

void QueryQueue::Submit(Deadline deadline, std::function<void()> work,
                        std::function<void(QueryAdmission)> done) {
  // A thread is free only when none waits (Dispatch hands them out at once).
  if (running_ >= options_.max_concurrency && waiting_.size() >= options_.max_queued) {
    refused_.With({"queue_full"})->Inc();
    return done(QueryAdmission::kQueueFull);
  }
  waiting_.push_back({deadline, std::move(work), std::move(done)});
  std::vector<Request> expired = Dispatch();
  UpdateGauges();
  Refuse(std::move(expired), QueryAdmission::kTimedOut);
}

std::vector<QueryQueue::Request> QueryQueue::Dispatch() {
  std::vector<Request> expired;
  const Deadline now = std::chrono::steady_clock::now();
  while (running_ < options_.max_concurrency && !waiting_.empty()) {
    Request request = std::move(waiting_.front());
    waiting_.pop_front();
    if (request.deadline <= now) {
      expired.push_back(std::move(request));
      continue;
    }
    // A thread goes back to idle_ before its request is counted out of running_, so one
    // is there whenever running_ is below the bound.
    ++running_;
    Worker* worker;
    {
      std::lock_guard lock(mu_);
      worker = idle_.back();
      idle_.pop_back();
      worker->request = std::move(request);
    }
    worker->wake.notify_one();
  }
  ArmDeadlineTimer();
  return expired;
}

std::vector<QueryQueue::Request> QueryQueue::TakeExpired() {
  std::vector<Request> expired;
  const Deadline now = std::chrono::steady_clock::now();
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (it->deadline <= now) {
      expired.push_back(std::move(*it));
      it = waiting_.erase(it);
    } else {
      ++it;
    }
  }
  ArmDeadlineTimer();
  UpdateGauges();
  return expired;
}

void QueryQueue::ArmDeadlineTimer() {
  if (waiting_.empty()) {
    deadline_timer_.Stop();
    return;
  }
  // The queue is at most max_queued long: a scan is cheaper than keeping a second order.
  Deadline first = waiting_.front().deadline;
  for (const Request& r : waiting_) first = std::min(first, r.deadline);
  const auto in =
      std::chrono::ceil<std::chrono::milliseconds>(first - std::chrono::steady_clock::now());
  deadline_timer_.Start(std::max(in, std::chrono::milliseconds(0)));
}

void QueryQueue::OnFinished() {
  std::vector<Request> finished;
  {
    std::lock_guard lock(mu_);
    finished.swap(finished_);
  }
  running_ -= finished.size();
  // The threads freed go to those waiting before any `done` below can submit anew.
  std::vector<Request> expired = Dispatch();
  UpdateGauges();
  for (Request& r : finished) r.done(QueryAdmission::kRan);
  Refuse(std::move(expired), QueryAdmission::kTimedOut);
}

void QueryQueue::Refuse(std::vector<Request> requests, QueryAdmission why) {
  if (requests.empty()) return;
  refused_.With({why == QueryAdmission::kQueueFull ? "queue_full" : "timeout"})
      ->Inc(static_cast<double>(requests.size()));
  for (Request& r : requests) r.done(why);
}

void QueryQueue::UpdateGauges() {
  queries_->Set(static_cast<double>(running_ + waiting_.size()));
  waiting_gauge_->Set(static_cast<double>(waiting_.size()));
}

}  // namespace vigil::server
