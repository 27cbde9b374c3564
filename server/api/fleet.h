#pragma once
// The fleet: one row per node that pushes to this server, keyed by the (job, instance) of its
// series, with who sent it (kind, version, address), when, how much, how late, what was
// refused and, for vigil-agents, their backlog. Rows unseen for forget_after are dropped, so
// the table (and the per-sender series on /metrics) stays bounded. Thread-safe.
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "server/api/sender_request.h"

namespace vigil::server {

struct FleetOptions {
  // A node with no request for this long is stale: it sorts first, and the server writes
  // `up 0` for it when write_stale_up is on.
  std::chrono::milliseconds stale_after{120'000};
  std::chrono::milliseconds forget_after{24ll * 3600 * 1000};
  // Rows at most: a sender inventing instances cannot grow the table past it.
  size_t max_nodes = 10'000;
};

// One request as the receiver answered it.
struct SenderContact {
  int64_t received_ms = 0;
  std::string remote_address;  // host:port
  std::string user_agent;
  int status = 204;
  std::string reason;  // why it was refused; "" when stored
};

struct FleetNode {
  std::string job;
  std::string instance;
  std::string kind;     // from the User-Agent: vigil-agent, Prometheus, vmagent ...
  std::string version;  // vigil_build_info's when pushed, else the User-Agent's
  std::string arch;     // node_uname_info's machine
  std::string remote_address;
  std::string user_agent;
  int64_t first_seen_ms = 0;
  int64_t last_seen_ms = 0;  // the last request carrying it, stored or refused
  uint64_t requests = 0;
  uint64_t samples = 0;
  uint64_t refused = 0;
  int64_t last_refused_ms = 0;
  int last_refused_status = 0;
  std::string last_refused_reason;
  int64_t newest_sample_ms = 0;    // in the last stored request
  int64_t lag_ms = 0;              // that request's receive time minus newest_sample_ms
  double requests_per_second = 0;  // over the last minute (filled by Snapshot)
  double samples_per_second = 0;
  bool stale = false;            // filled by Snapshot
  std::vector<core::Labels> up;  // its `up` series, as last pushed
  std::vector<SelfFigure> self;  // its backlog figures, newest values
};

class Fleet {
 public:
  explicit Fleet(FleetOptions options);
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  // A request that was decoded: each node in it gets the contact (stored or refused).
  void Record(const SenderContact& contact, const std::vector<NodeInRequest>& nodes);
  // A request refused before it could be decoded (415, 503, a bad body): counted against the
  // node last seen on that connection, else the last seen from that host with that User-Agent;
  // nothing is counted when neither is known.
  void RecordUndecoded(const SenderContact& contact);

  // Every row at `now_ms`, forgotten ones dropped first; stale rows first, then by job and
  // instance.
  std::vector<FleetNode> Snapshot(int64_t now_ms);
  // The `up` series of stale nodes, to be written as 0.
  std::vector<core::Labels> StaleUpSeries(int64_t now_ms);
  // The per-sender series for /metrics (vigil_fleet_*).
  void AppendMetrics(int64_t now_ms, std::vector<core::MetricFamily>* out);

  const FleetOptions& options() const { return options_; }

 private:
  static constexpr int kRateSeconds = 60;
  struct Row {
    FleetNode node;
    // Requests and samples per second of the last minute, by second modulo kRateSeconds.
    std::array<int64_t, kRateSeconds> second{};
    std::array<uint32_t, kRateSeconds> requests{};
    std::array<uint64_t, kRateSeconds> samples{};
  };
  using Key = std::pair<std::string, std::string>;  // job, instance
  void CountInRate(Row& row, int64_t now_ms, uint64_t samples);
  void Refuse(Row& row, const SenderContact& contact);
  void Touch(Row& row, const SenderContact& contact);
  void Forget(int64_t now_ms);  // mu_ held
  bool Stale(const Row& row, int64_t now_ms) const;

  const FleetOptions options_;
  std::mutex mu_;
  std::map<Key, Row> rows_;    // guarded by mu_
  uint64_t rows_refused_ = 0;  // new nodes not added because max_nodes was reached
};

}  // namespace vigil::server
