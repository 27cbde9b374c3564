#pragma once
// POST /api/v1/write: remote-write 1.0 into storage. The body is decoded and appended on the
// thread pool; the answer is 204 once the request is in the WAL, 400 with the reason for a
// request that is bad (nothing of it kept), 415 for a body that is not snappy protobuf, 503 with
// Retry-After when too many requests wait, so senders back off and keep their data.
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/http_server.h"
#include "core/metrics.h"
#include "core/uv.h"
#include "remote/codec.h"
#include "remote/write_view.h"
#include "server/api/fleet.h"
#include "server/storage/appender.h"

namespace vigil::server {

struct ReceiverOptions {
  // Requests decoding or appending at once; more are answered 503.
  size_t max_in_flight = 16;
  std::chrono::seconds retry_after{5};
  size_t max_uncompressed_bytes = 128u << 20;
};

// Stores a decoded request whole or, at its first refused series, not at all: the receiver's
// path from the wire format to storage's appender.
core::Result<storage::AppendResult> StoreWriteRequest(const remote::WriteRequestView& request,
                                                      storage::Appendable& storage);

class Receiver {
 public:
  Receiver(core::Loop& loop, storage::Appendable& storage, core::MetricsRegistry& metrics,
           ReceiverOptions options);
  void Handle(const core::HttpRequest& request, core::HttpResponder responder);
  // Every request answered, stored or refused, is told to `fleet` with its time on `clock`
  // (neither owned; both outlive this).
  void SetFleet(Fleet* fleet, const core::Clock* clock) {
    fleet_ = fleet;
    clock_ = clock;
  }
  // Called on the loop after each request was stored (forwarders read the WAL then).
  void OnStored(std::function<void()> callback) { on_stored_ = std::move(callback); }
  size_t in_flight() const { return in_flight_; }
  // The metadata agents sent, by metric family, newest kept.
  std::vector<remote::MetricMetadata> Metadata() const;

 private:
  struct Outcome {
    int status = 204;
    std::string body;
    size_t samples = 0;
    bool decoded = false;
    std::vector<NodeInRequest> nodes;  // for the fleet, when it is kept
  };
  // Decodes and stores one request (on a worker thread).
  Outcome Store(remote::WriteRequestView& write, std::string_view body);
  void Answer(core::HttpResponder& responder, int status, std::string body);
  void TellFleet(const core::HttpRequest& request, const Outcome& outcome);

  core::Loop& loop_;
  storage::Appendable& storage_;
  ReceiverOptions options_;
  std::function<void()> on_stored_;
  Fleet* fleet_ = nullptr;
  const core::Clock* clock_ = nullptr;
  size_t in_flight_ = 0;  // loop thread only
  core::MetricFamilyDef& requests_;
  core::Metric* samples_received_;
  mutable std::mutex metadata_mu_;
  std::map<std::string, remote::MetricMetadata> metadata_;
};

}  // namespace vigil::server
