#pragma once
// What one remote-write request tells about the nodes that sent it: the fleet view's input.
// A request may carry several nodes (a Prometheus forwarding its targets, an agent with
// [scrape.NAME] targets), so it is described per (job, instance) pair of its series.
#include <cstdint>
#include <string>
#include <vector>

#include "core/labels.h"
#include "remote/write_view.h"

namespace vigil::server {

// One figure of a vigil-agent's backlog, from the vigil_* self-metrics it pushes with its node
// metrics: vigil_wal_pending_bytes{destination}, vigil_remote_samples_dropped_total{reason} ...
struct SelfFigure {
  std::string name;         // the metric's name
  std::string destination;  // its destination label, or ""
  std::string reason;       // its reason label, or ""
  double value = 0;
};

// The series of one (job, instance) pair in one request.
struct NodeInRequest {
  std::string job;       // "" when the series have no job label
  std::string instance;  // "" when they have no instance label
  size_t samples = 0;
  int64_t newest_sample_ms = 0;  // of its samples; 0 when none
  std::string arch;              // node_uname_info's machine label, when present
  std::string version;           // vigil_build_info's version, when present
  std::string program;           // vigil_build_info's program, when present
  std::vector<core::Labels> up;  // the `up` series it pushed (at most kMaxUpSeries)
  std::vector<SelfFigure> self;  // the newest value of each backlog figure it pushed
};

inline constexpr size_t kMaxUpSeries = 4;
// A request naming more pairs than this is described by its first ones only: the bookkeeping
// costs the receiver little whatever a sender puts in a request.
inline constexpr size_t kMaxNodesPerRequest = 256;

// The pairs of a decoded request, in the order first seen.
std::vector<NodeInRequest> DescribeNodes(const remote::WriteRequestView& request);

// The sender's kind and version from its User-Agent: "vigil-agent/0.1.0" -> {vigil-agent,
// 0.1.0}, "Prometheus/2.42.0" -> {Prometheus, 2.42.0}, "vmagent" -> {vmagent, ""}; another
// agent is its User-Agent's first word.
struct SenderKind {
  std::string kind;
  std::string version;
};
SenderKind ParseUserAgent(std::string_view user_agent);

}  // namespace vigil::server
