#include "server/api/sender_request.h"

#include <algorithm>

namespace vigil::server {
namespace {

std::string_view Get(std::span<const core::LabelView> labels, std::string_view name) {
  for (const core::LabelView& l : labels) {
    if (l.name == name) return l.value;
  }
  return {};
}

// The backlog figures the fleet view shows for a vigil-agent; other vigil_* series are left.
bool IsBacklogFigure(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "vigil_wal_bytes",
      "vigil_wal_pending_bytes",
      "vigil_wal_dropped_samples_total",
      "vigil_wal_buffer_dropped_samples_total",
      "vigil_remote_highest_sent_timestamp_seconds",
      "vigil_remote_samples_dropped_total",
      "vigil_remote_samples_failed_total",
      "vigil_remote_samples_retried_total",
      "vigil_remote_samples_sent_total",
  };
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

}  // namespace

std::vector<NodeInRequest> DescribeNodes(const remote::WriteRequestView& request) {
  std::vector<NodeInRequest> nodes;
  // Series of one node come in runs; the last one found is tried first.
  size_t last = 0;
  for (size_t i = 0; i < request.size(); ++i) {
    std::span<const core::LabelView> labels = request.labels(i);
    std::string_view job = Get(labels, "job");
    std::string_view instance = Get(labels, "instance");
    NodeInRequest* node = nullptr;
    if (last < nodes.size() && nodes[last].job == job && nodes[last].instance == instance) {
      node = &nodes[last];
    } else {
      for (size_t n = 0; n < nodes.size(); ++n) {
        if (nodes[n].job == job && nodes[n].instance == instance) {
          node = &nodes[n];
          last = n;
          break;
        }
      }
    }
    if (node == nullptr) {
      if (nodes.size() >= kMaxNodesPerRequest) continue;
      nodes.push_back({std::string(job), std::string(instance)});
      last = nodes.size() - 1;
      node = &nodes.back();
    }
    std::span<const core::Sample> samples = request.samples(i);
    node->samples += samples.size();
    if (samples.empty()) continue;
    int64_t newest = samples.front().timestamp_ms;
    for (const core::Sample& s : samples) newest = std::max(newest, s.timestamp_ms);
    node->newest_sample_ms = std::max(node->newest_sample_ms, newest);
    std::string_view name = Get(labels, core::kMetricNameLabel);
    if (name == "up") {
      if (node->up.size() < kMaxUpSeries) {
        std::vector<core::Label> pairs;
        for (const core::LabelView& l : labels)
          pairs.push_back({std::string(l.name), std::string(l.value)});
        core::Result<core::Labels> up = core::Labels::Create(std::move(pairs));
        bool known = false;
        for (const core::Labels& u : node->up) known = known || (up.ok() && u == *up);
        if (up.ok() && !known) node->up.push_back(*std::move(up));
      }
    } else if (name == "node_uname_info") {
      node->arch = std::string(Get(labels, "machine"));
    } else if (name == "vigil_build_info") {
      node->program = std::string(Get(labels, "program"));
      node->version = std::string(Get(labels, "version"));
    } else if (name.starts_with("vigil_") && IsBacklogFigure(name)) {
      const core::Sample* newest_sample = &samples.front();
      for (const core::Sample& s : samples) {
        if (s.timestamp_ms >= newest_sample->timestamp_ms) newest_sample = &s;
      }
      if (core::IsStaleNaN(newest_sample->value)) continue;
      node->self.push_back({std::string(name), std::string(Get(labels, "destination")),
                            std::string(Get(labels, "reason")), newest_sample->value});
    }
  }
  return nodes;
}

SenderKind ParseUserAgent(std::string_view user_agent) {
  size_t end = user_agent.find_first_of(" (");
  std::string_view product = user_agent.substr(0, end);
  size_t slash = product.find('/');
  if (slash == std::string_view::npos) return {std::string(product), ""};
  return {std::string(product.substr(0, slash)), std::string(product.substr(slash + 1))};
}

}  // namespace vigil::server
