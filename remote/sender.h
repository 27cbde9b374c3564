#pragma once
// One remote-write destination fed from its own WAL cursor. Samples are read in windows of up
// to shards x max_samples_per_send; each series hashes to one shard, and each shard sends its
// requests one after another, so every series arrives in order. Network errors, 5xx and 429
// are retried (capped exponential backoff with jitter, or Retry-After); any other 4xx is
// dropped, counted and its body logged. When every request of a window is settled the cursor
// moves past it. Memory is bounded by the window; a dead destination slows nobody else.
#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/metrics.h"
#include "core/uv.h"
#include "remote/backoff.h"
#include "remote/codec.h"
#include "remote/destination_config.h"
#include "wal/wal.h"

namespace vigil::remote {

class Sender {
 public:
  Sender(core::Loop& loop, DestinationConfig config, wal::Cursor* cursor, const core::Clock& clock,
         core::MetricsRegistry& metrics, std::string user_agent);
  ~Sender();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  void Start();
  // Where metric metadata comes from: sent `first` after Start and then `every` (a minute, as
  // Prometheus), best effort. Call before Start.
  void SetMetadataSource(std::function<std::vector<MetricMetadata>()> source,
                         std::chrono::milliseconds first = std::chrono::seconds(5),
                         std::chrono::milliseconds every = std::chrono::minutes(1)) {
    metadata_source_ = std::move(source);
    metadata_first_ = first;
    metadata_every_ = every;
  }
  // New samples are in the log: send them without waiting for the next poll.
  void Notify();
  // Finishes the window in flight (or gives it up after the timeout), then stops.
  void Stop();
  bool Stopped() const;
  // False once sends have been failing for a minute.
  bool Healthy() const;

  const std::string& name() const { return config_.name; }

 private:
  struct Request {
    std::string body;
    size_t samples = 0;
    int64_t max_timestamp_ms = 0;
  };
  struct Shard {
    std::vector<SeriesSamples> series;
    std::unordered_map<uint64_t, std::vector<size_t>> by_hash;  // label hash -> indexes
    size_t samples = 0;
    std::deque<Request> requests;
    int attempt = 0;
    std::unique_ptr<core::Timer> retry;  // made once: it restarts itself from its callback
    bool done = true;
  };

  void Pump();
  // Reads what the cursor has into the window; false when a read failed.
  bool Fill();
  void SendWindow();
  void SendNext(Shard& shard);
  void OnResponse(Shard& shard, core::Result<core::HttpResponse> result,
                  std::chrono::steady_clock::time_point start);
  void Retry(Shard& shard, std::chrono::milliseconds wait);
  void FinishWindow();
  void PersistPosition();
  void SendMetadata();
  // A POST with the protocol's headers, the auth and the configured headers.
  core::HttpRequest NewRequest(std::string body) const;

  core::Loop& loop_;
  DestinationConfig config_;
  wal::Cursor* cursor_;
  const core::Clock& clock_;
  std::string user_agent_;
  core::HttpClient client_;
  Backoff backoff_;
  std::vector<Shard> shards_;
  size_t window_samples_ = 0;
  wal::Position window_end_;
  std::chrono::steady_clock::time_point window_started_;
  bool sending_ = false;
  bool stopping_ = false;
  size_t shards_pending_ = 0;
  std::chrono::steady_clock::time_point failing_since_{};
  bool failing_ = false;
  wal::Position persisted_;
  bool persisting_ = false;  // a save of the position is running on the thread pool
  std::chrono::steady_clock::time_point last_persist_{};
  // Tells a save that finishes after the sender was destroyed (a destination removed) that
  // there is no one to tell. The cursor it saved belongs to the log and outlives the sender.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  core::Timer poll_;      // in case a Notify was missed
  core::Timer deadline_;  // sends a window that is not full when batch_send_deadline is up
  std::function<std::vector<MetricMetadata>()> metadata_source_;
  core::Timer metadata_timer_;
  std::chrono::milliseconds metadata_first_{0}, metadata_every_{0};
  core::Metric* metadata_sent_;

  core::Metric* sent_;
  core::Metric* failed_;
  core::Metric* retried_;
  core::Metric* dropped_4xx_;
  core::Metric* dropped_relabel_;
  core::Metric* highest_sent_;
  core::Metric* last_duration_;
  core::Metric* in_window_;
};

}  // namespace vigil::remote
