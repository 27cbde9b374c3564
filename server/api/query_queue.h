#pragma once
// Where the API's read requests (instant and range queries, /federate, series, label names
// and values, format_query) wait for one of `max_concurrency` query threads, as Prometheus's
// --query.max-concurrency makes its queries wait. The threads are the queue's own, not libuv's
// pool: decoding remote-write, appends, rule evaluation and WAL syncs run there, and a burst of
// heavy queries must never leave them waiting for a thread. A request waits at most until its
// deadline (the wait counts against the query timeout) and the queue holds at most
// `max_queued`, so what waiting requests hold stays bounded; past that they are turned away.
// Rules do not come here: they have the libuv pool, and API queries cannot starve them.
#include <uv.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/metrics.h"
#include "core/status.h"
#include "core/uv.h"

namespace vigil::server {

struct QueryQueueOptions {
  size_t max_concurrency = 20;  // query threads, so at most this many run at once
  size_t max_queued = 200;      // waiting for a thread; more are turned away
};

// How a submitted request ended.
enum class QueryAdmission {
  kRan,        // its work ran on a query thread
  kQueueFull,  // max_queued were already waiting: it never ran
  kTimedOut,   // its deadline passed while it waited: it never ran
};

class QueryQueue {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  // Starts the threads; an error when the system will not give them.
  static core::Result<std::unique_ptr<QueryQueue>> Create(core::Loop& loop,
                                                          QueryQueueOptions options,
                                                          core::MetricsRegistry& metrics);
  // Joins the threads. Every submitted request must have had its `done` called by then.
  ~QueryQueue();
  QueryQueue(const QueryQueue&) = delete;
  QueryQueue& operator=(const QueryQueue&) = delete;

  // On the loop. `work` runs on a query thread when one is free and no earlier request waits;
  // then `done(kRan)` runs on the loop. Otherwise `done` hears why it did not run: at once when
  // the queue is full, at `deadline` when it passed in the queue. `done` may submit again.
  void Submit(Deadline deadline, std::function<void()> work,
              std::function<void(QueryAdmission)> done);

  size_t running() const { return running_; }  // loop thread only
  size_t waiting() const { return waiting_.size(); }

 private:
  struct Request {
    Deadline deadline;
    std::function<void()> work;
    std::function<void(QueryAdmission)> done;
  };

  // One query thread, woken by its own condition when it is handed a request.
  struct Worker {
    QueryQueue* queue;
    uv_thread_t thread;
    std::condition_variable wake;
    std::optional<Request> request;  // guarded by mu_
  };

  QueryQueue(core::Loop& loop, QueryQueueOptions options, core::MetricsRegistry& metrics);
  core::Status StartThreads();
  void RunThread(Worker& worker);
  // Loop thread: hands waiting requests to free threads; returns those found past their
  // deadline, whose `done` the caller calls once the queue's state is settled.
  std::vector<Request> Dispatch();
  std::vector<Request> TakeExpired();
  void ArmDeadlineTimer();
  void OnFinished();
  // Calls each one's `done` with `why`, counted.
  void Refuse(std::vector<Request> requests, QueryAdmission why);
  void UpdateGauges();

  const QueryQueueOptions options_;
  std::deque<Request> waiting_;  // loop thread only, in arrival order
  size_t running_ = 0;           // loop thread only
  core::Timer deadline_timer_;
  core::Async finished_signal_;
  core::Metric* queries_;  // running or waiting, as prometheus_engine_queries
  core::Metric* waiting_gauge_;
  core::MetricFamilyDef& refused_;

  std::mutex mu_;
  std::vector<std::unique_ptr<Worker>> workers_;
  size_t started_ = 0;  // of workers_, those whose thread runs
  // Guarded by mu_: the threads with nothing to do, the last to finish on top. It takes the
  // next request: the fewer threads take turns, the fewer stacks that deep queries have
  // grown stay resident.
  std::vector<Worker*> idle_;
  std::vector<Request> finished_;  // guarded by mu_: ran, `done` not yet called
  bool stopping_ = false;          // guarded by mu_
};

}  // namespace vigil::server
