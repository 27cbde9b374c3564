#include "server/api/fleet.h"

#include <algorithm>

namespace vigil::server {
namespace {

std::string_view Host(std::string_view address) {
  // "[::1]:9090" and "127.0.0.1:9090": the port is after the last colon.
  size_t colon = address.rfind(':');
  return colon == std::string_view::npos ? address : address.substr(0, colon);
}

}  // namespace

Fleet::Fleet(FleetOptions options) : options_(options) {}

void Fleet::CountInRate(Row& row, int64_t now_ms, uint64_t samples) {
  int64_t second = now_ms / 1000;
  size_t slot = static_cast<size_t>(second % kRateSeconds);
  if (row.second[slot] != second) {
    row.second[slot] = second;
    row.requests[slot] = 0;
    row.samples[slot] = 0;
  }
  ++row.requests[slot];
  row.samples[slot] += samples;
}

void Fleet::Touch(Row& row, const SenderContact& contact) {
  FleetNode& n = row.node;
  if (n.first_seen_ms == 0) n.first_seen_ms = contact.received_ms;
  n.last_seen_ms = std::max(n.last_seen_ms, contact.received_ms);
  n.remote_address = contact.remote_address;
  n.user_agent = contact.user_agent;
  SenderKind kind = ParseUserAgent(contact.user_agent);
  n.kind = kind.kind;
  if (n.version.empty() || n.kind != "vigil-agent") n.version = kind.version;
  ++n.requests;
}

void Fleet::Refuse(Row& row, const SenderContact& contact) {
  FleetNode& n = row.node;
  ++n.refused;
  n.last_refused_ms = contact.received_ms;
  n.last_refused_status = contact.status;
  n.last_refused_reason = contact.reason;
}

void Fleet::Record(const SenderContact& contact, const std::vector<NodeInRequest>& nodes) {
  std::lock_guard lock(mu_);
  for (const NodeInRequest& in : nodes) {
    Key key{in.job, in.instance};
    auto it = rows_.find(key);
    if (it == rows_.end()) {
      if (rows_.size() >= options_.max_nodes) {
        ++rows_refused_;
        continue;
      }
      it = rows_.emplace(key, Row{}).first;
      it->second.node.job = in.job;
      it->second.node.instance = in.instance;
    }
    Row& row = it->second;
    Touch(row, contact);
    FleetNode& n = row.node;
    if (contact.status / 100 != 2) {
      Refuse(row, contact);
      CountInRate(row, contact.received_ms, 0);
      continue;
    }
    CountInRate(row, contact.received_ms, in.samples);
    n.samples += in.samples;
    if (in.newest_sample_ms != 0) {
      n.newest_sample_ms = in.newest_sample_ms;
      n.lag_ms = contact.received_ms - in.newest_sample_ms;
    }
    if (!in.arch.empty()) n.arch = in.arch;
    if (in.program == "vigil-agent" && !in.version.empty()) n.version = in.version;
    for (const core::Labels& up : in.up) {
      if (std::find(n.up.begin(), n.up.end(), up) != n.up.end()) continue;
      if (n.up.size() >= kMaxUpSeries) n.up.erase(n.up.begin());
      n.up.push_back(up);
    }
    // A request carries a shard's share of the series: each figure keeps its newest value.
    for (const SelfFigure& f : in.self) {
      auto same = std::find_if(n.self.begin(), n.self.end(), [&](const SelfFigure& g) {
        return g.name == f.name && g.destination == f.destination && g.reason == f.reason;
      });
      if (same != n.self.end()) {
        same->value = f.value;
      } else if (n.self.size() < 64) {
        n.self.push_back(f);
      }
    }
  }
}

void Fleet::RecordUndecoded(const SenderContact& contact) {
  std::lock_guard lock(mu_);
  Row* best = nullptr;
  for (auto& [key, row] : rows_) {
    if (row.node.remote_address == contact.remote_address) {
      best = &row;
      break;
    }
  }
  if (best == nullptr) {
    for (auto& [key, row] : rows_) {
      if (Host(row.node.remote_address) != Host(contact.remote_address) ||
          row.node.user_agent != contact.user_agent)
        continue;
      if (best == nullptr || row.node.last_seen_ms > best->node.last_seen_ms) best = &row;
    }
  }
  if (best == nullptr) return;
  Touch(*best, contact);
  Refuse(*best, contact);
  CountInRate(*best, contact.received_ms, 0);
}

bool Fleet::Stale(const Row& row, int64_t now_ms) const {
  return now_ms - row.node.last_seen_ms > options_.stale_after.count();
}

void Fleet::Forget(int64_t now_ms) {
  std::erase_if(rows_, [&](const auto& entry) {
    return now_ms - entry.second.node.last_seen_ms > options_.forget_after.count();
  });
}

std::vector<FleetNode> Fleet::Snapshot(int64_t now_ms) {
  std::lock_guard lock(mu_);
  Forget(now_ms);
  std::vector<FleetNode> out;
  out.reserve(rows_.size());
  const int64_t now_s = now_ms / 1000;
  for (const auto& [key, row] : rows_) {
    FleetNode n = row.node;
    n.stale = Stale(row, now_ms);
    uint64_t requests = 0, samples = 0;
    for (int i = 0; i < kRateSeconds; ++i) {
      // The current second is still filling: the minute before it is what is measured.
      if (row.second[i] >= now_s || row.second[i] < now_s - kRateSeconds) continue;
      requests += row.requests[i];
      samples += row.samples[i];
    }
    // A node first seen less than a minute ago is measured over the time it has been seen.
    int64_t window = std::clamp<int64_t>(now_s - n.first_seen_ms / 1000, 1, kRateSeconds);
    n.requests_per_second = static_cast<double>(requests) / static_cast<double>(window);
    n.samples_per_second = static_cast<double>(samples) / static_cast<double>(window);
    out.push_back(std::move(n));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const FleetNode& a, const FleetNode& b) { return a.stale > b.stale; });
  return out;
}

std::vector<core::Labels> Fleet::StaleUpSeries(int64_t now_ms) {
  std::lock_guard lock(mu_);
  Forget(now_ms);
  std::vector<core::Labels> out;
  for (const auto& [key, row] : rows_) {
    if (!Stale(row, now_ms)) continue;
    out.insert(out.end(), row.node.up.begin(), row.node.up.end());
  }
  return out;
}

void Fleet::AppendMetrics(int64_t now_ms, std::vector<core::MetricFamily>* out) {
  std::vector<FleetNode> nodes = Snapshot(now_ms);
  using core::MetricType;
  auto family = [](std::string name, std::string help, MetricType type) {
    return core::MetricFamily{std::move(name), std::move(help), type, {}};
  };
  core::MetricFamily last =
      family("vigil_fleet_sender_last_request_timestamp_seconds",
             "When the sender's last remote-write request arrived.", MetricType::kGauge);
  core::MetricFamily requests =
      family("vigil_fleet_sender_requests_total",
             "Remote-write requests that carried the sender's series.", MetricType::kCounter);
  core::MetricFamily samples = family("vigil_fleet_sender_samples_total",
                                      "Samples of the sender stored.", MetricType::kCounter);
  core::MetricFamily refused =
      family("vigil_fleet_sender_refused_requests_total",
             "Requests of the sender answered with an error.", MetricType::kCounter);
  core::MetricFamily lag =
      family("vigil_fleet_sender_lag_seconds",
             "The last stored request's receive time minus its newest sample's timestamp.",
             MetricType::kGauge);
  core::MetricFamily stale =
      family("vigil_fleet_sender_stale",
             "1 when the sender has sent nothing for [fleet] stale_after.", MetricType::kGauge);
  for (const FleetNode& n : nodes) {
    const std::vector<core::Label> labels{{"job", n.job}, {"instance", n.instance}};
    last.samples.push_back(
        {last.name, labels, static_cast<double>(n.last_seen_ms) / 1000, std::nullopt});
    requests.samples.push_back(
        {requests.name, labels, static_cast<double>(n.requests), std::nullopt});
    samples.samples.push_back({samples.name, labels, static_cast<double>(n.samples), std::nullopt});
    refused.samples.push_back({refused.name, labels, static_cast<double>(n.refused), std::nullopt});
    lag.samples.push_back({lag.name, labels, static_cast<double>(n.lag_ms) / 1000, std::nullopt});
    stale.samples.push_back({stale.name, labels, n.stale ? 1.0 : 0.0, std::nullopt});
  }
  core::MetricFamily count =
      family("vigil_fleet_senders", "Senders known (seen within 24h).", MetricType::kGauge);
  count.samples.push_back({count.name, {}, static_cast<double>(nodes.size()), std::nullopt});
  out->push_back(std::move(count));
  for (core::MetricFamily* f : {&last, &requests, &samples, &refused, &lag, &stale}) {
    if (!f->samples.empty()) out->push_back(std::move(*f));
  }
  std::lock_guard lock(mu_);
  out->push_back(family("vigil_fleet_senders_refused_total",
                        "New senders not tracked because [fleet] held its maximum of rows.",
                        MetricType::kCounter));
  out->back().samples.push_back(
      {out->back().name, {}, static_cast<double>(rows_refused_), std::nullopt});
}

}  // namespace vigil::server
