#pragma once
// POST /api/v1/read: Prometheus remote read, as Prometheus 2.42 serves it, so another
// Prometheus (remote_read) or Thanos reads this server's history. The request is a snappy
// ReadRequest; the answer is a snappy ReadResponse (SAMPLES) or, when the client accepts it,
// frames of XOR chunks sent as they are read (STREAMED_XOR_CHUNKS). The server's
// external_labels are added to every series read (a series' own label wins), and an equality
// matcher on an external label with its value selects the series stored without that label,
// as in Prometheus. A bad request is 400 with the reason; reads past the concurrency limit wait
// their turn.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "core/http_server.h"
#include "core/labels.h"
#include "core/metrics.h"
#include "core/uv.h"
#include "remote/read_request.h"
#include "server/storage/querier.h"

namespace vigil::server {

struct RemoteReadOptions {
  // Samples of one SAMPLES answer at most (its whole body is built before it is sent); past it
  // 400. 0: no limit. Prometheus's --storage.remote.read-sample-limit.
  uint64_t sample_limit = 50'000'000;
  // Reads running at once; more wait in order. 0: no limit. --storage.remote.read-concurrent-limit.
  uint64_t concurrent_limit = 10;
  // A streamed frame's message at most, in bytes. --storage.remote.read-max-bytes-in-frame.
  uint64_t max_bytes_in_frame = 1u << 20;
  remote::ReadRequestLimits request_limits;
  core::Labels external_labels;
};

class RemoteRead {
 public:
  RemoteRead(core::Loop& loop, const storage::Queryable& storage, core::MetricsRegistry& metrics,
             RemoteReadOptions options);
  ~RemoteRead();
  RemoteRead(const RemoteRead&) = delete;
  RemoteRead& operator=(const RemoteRead&) = delete;

  void Handle(const core::HttpRequest& request, core::HttpResponder responder);
  // Reads running or waiting: the server waits for them at shutdown.
  size_t in_flight() const { return running_ + waiting_.size(); }

 private:
 public:
  struct Read;  // one request, from its body to its last byte (remote_read.cc)

 private:
  void Start(std::shared_ptr<Read> read);
  // On a worker: the next piece of work (decoding, the SAMPLES answer, some frames).
  void Step(Read& read) const;
  core::Status Prepare(Read& read) const;
  core::Status AnswerSamples(Read& read) const;
  core::Status StreamSome(Read& read) const;
  // On the loop: sends what the last step made and queues the next.
  void Continue(const std::shared_ptr<Read>& read);
  void Count(int status);
  // A read is over (answered, failed or its client gone): the next waiting one starts.
  void Release();

  core::Loop& loop_;
  const storage::Queryable& storage_;
  const RemoteReadOptions options_;
  core::MetricFamilyDef& requests_;
  core::Metric* running_gauge_;
  size_t running_ = 0;  // loop thread only, as waiting_
  std::deque<std::shared_ptr<Read>> waiting_;
  // Reads outlive this when their connection does: they let go of the gate only while it is.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vigil::server
